/*
 * eksl-hosts: pin each record's API endpoint host to its addresses in a
 * managed block of a hosts file (lib/hostsfile), written atomically under
 * a lock (lib/atomicio).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "atomicio.h"
#include "buf.h"
#include "exitcodes.h"
#include "hostsfile.h"
#include "hostsrec.h"
#include "msg.h"
#include "record.h"

#define TOOL		"eksl-hosts"
#define MAX_RECORDS	10000

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-hosts pin|unpin|check|list [--file PATH] "
	    "[--dry-run] [--host NAME --ip IP...]\n"
	    "                  [--lock-timeout MS] [-v] [-q] [--help] "
	    "[--version]\n");
}

/* Print what a step said: the error, the -v line, the warning. */
static void
say(const struct eksl_hosts_said *said)
{
	if (said->err[0] != '\0')
		eksl_err("%s", said->err);
	if (said->info[0] != '\0')
		eksl_info("%s", said->info);
	if (said->warn[0] != '\0')
		eksl_warn("%s", said->warn);
}

/* Double the item array.  Returns 0, or -1 with *items unchanged. */
static int
grow_items(struct eksl_hosts_item **items, size_t *cap)
{
	struct eksl_hosts_item *ni;

	if (*cap >= MAX_RECORDS ||
	    (ni = reallocarray(*items, *cap * 2, sizeof(*ni))) == NULL)
		return -1;
	memset(ni + *cap, 0, *cap * sizeof(*ni));
	*items = ni;
	*cap *= 2;
	return 0;
}

static int
do_list(struct eksl_hosts *h, const char *file, const char *only)
{
	char err[EKSL_ERRLEN];
	const char *host, *cluster;
	char *const *addrs;
	json_t *rec;
	size_t i, n;
	int status = EKSL_EXIT_OK;

	for (i = 0; eksl_hosts_block(h, i, &host, &cluster, &addrs, &n) == 0;
	    i++) {
		if (only != NULL && strcasecmp(only, host) != 0)
			continue;
		if ((rec = eksl_hosts_block_record(h, i, file)) == NULL) {
			eksl_err("out of memory");
			return EKSL_EXIT_IO;
		}
		if (eksl_record_write(stdout, rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			status = EKSL_EXIT_IO;
		}
		json_decref(rec);
		if (status != EKSL_EXIT_OK)
			break;
	}
	return status;
}

/* Apply every usable record to h.  Returns the worst status. */
static int
apply(struct eksl_hosts *h, const char *file, enum eksl_hosts_cmd cmd,
    struct eksl_hosts_item *items, size_t n)
{
	struct eksl_hosts_said said;
	struct eksl_buf diffs;
	char *line, *nl;
	size_t i;
	int status = EKSL_EXIT_OK, rc;

	eksl_buf_init(&diffs, 0);
	for (i = 0; i < n; i++) {
		if (!items[i].ok)
			continue;
		rc = eksl_hosts_item_apply(h, file, cmd, &items[i], &diffs,
		    TOOL, &said);
		say(&said);
		status = EKSL_EXIT_WORST(status, rc);
	}
	/* One "eksl-hosts: FILE:LINE: HOST: difference" line each. */
	for (line = diffs.data; line != NULL && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		eksl_err("%s", line);
	}
	eksl_buf_free(&diffs);
	return status;
}

/* Every record fails with err: print it once, note it in each. */
static int
fail_all(struct eksl_hosts_item *items, size_t n, const char *code,
    int status, const char *err)
{
	size_t i;

	eksl_err("%s", err);
	for (i = 0; i < n; i++) {
		eksl_record_add_error(items[i].rec, TOOL, code, "%s", err);
		items[i].ok = 0;
		items[i].changed = 0;
	}
	return status;
}

/*
 * The records: one from --host and --ip, or every line of stdin.  Bad
 * lines are reported and skipped.  Returns the worst status so far.
 */
static int
read_records(const char *flaghost, char **ips, size_t nips,
    struct eksl_hosts_item **itemsp, size_t *np)
{
	char err[EKSL_ERRLEN];
	struct eksl_reader *rd = NULL;
	struct eksl_hosts_item *items;
	size_t n = 0, cap = 16;
	json_t *rec;
	int rc, status = EKSL_EXIT_OK;

	if ((items = calloc(cap, sizeof(*items))) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	*itemsp = items;
	if (flaghost != NULL) {
		if ((items[0].rec = eksl_hosts_flag_record(flaghost, ips,
		    nips)) == NULL) {
			eksl_err("out of memory");
			return EKSL_EXIT_IO;
		}
		*np = 1;
		return EKSL_EXIT_OK;
	}
	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	for (;;) {
		if (n == cap && grow_items(itemsp, &cap) == -1) {
			eksl_err("stdin: more than %d records", MAX_RECORDS);
			status = EKSL_EXIT_INPUT;
			break;
		}
		items = *itemsp;
		if ((rc = eksl_reader_next(rd, &rec, err, sizeof(err))) == 0)
			break;
		if (rc == 1) {
			items[n++].rec = rec;
			continue;
		}
		eksl_err("%s", err);
		if (eksl_reader_failed(rd)) {
			status = EKSL_EXIT_IO;
			break;
		}
		status = EKSL_EXIT_WORST(status, EKSL_EXIT_INPUT);
	}
	eksl_reader_free(rd);
	*np = n;
	return status;
}

/*
 * Write h's new bytes to file (read as data[0..len) under the lock), or
 * only sweep up after a killed run when they are the same bytes.
 */
static int
write_changes(struct eksl_hosts *h, const char *file, const char *data,
    size_t len, struct eksl_hosts_item *items, size_t n)
{
	char err[EKSL_ERRLEN];
	size_t i;
	int rc;

	if (!eksl_hosts_changed(h)) {
		eksl_file_clean_temps(file);
		return EKSL_EXIT_OK;
	}
	if ((rc = eksl_hosts_write(h, file, data, len, err,
	    sizeof(err))) == -1) {
		/* The records whose blocks were to change did not. */
		eksl_err("%s", err);
		for (i = 0; i < n; i++)
			if (items[i].changed) {
				items[i].changed = 0;
				eksl_record_add_error(items[i].rec, TOOL, "io",
				    "%s", err);
			}
		return EKSL_EXIT_IO;
	}
	eksl_info("%s: %s", file, rc == 1 ? "written" : "unchanged");
	return EKSL_EXIT_OK;
}

static int
lock_timeout(const char *opt)
{
	const char *s = opt != NULL ? opt : getenv("EKSL_LOCK_TIMEOUT_MS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return EKSL_LOCK_TIMEOUT_MS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "ip", required_argument, NULL, 'i' },
		{ "lock-timeout", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char err[EKSL_ERRLEN], *ips[EKSL_HOSTS_MAX_ADDRS], *data = NULL;
	const char *file = "/etc/hosts", *flaghost = NULL, *lockopt = NULL;
	struct eksl_hosts *h = NULL;
	struct eksl_lock *lk = NULL;
	struct eksl_buf out;
	struct eksl_hosts_said said;
	struct eksl_hosts_item *items = NULL;
	size_t nips = 0, n = 0, i, len = 0;
	enum eksl_hosts_cmd cmd;
	int c, dryrun = 0, status = EKSL_EXIT_OK, rc = 0, timeout, dowrite;

	eksl_msg_init(argv[0]);
	eksl_buf_init(&out, EKSL_HOSTS_MAX_FILE * 2);
	while ((c = getopt_long(argc, argv, "f:nvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'H':
			flaghost = optarg;
			break;
		case 'i':
			if (nips == EKSL_HOSTS_MAX_ADDRS)
				return eksl_usage_error(usage, "too many --ip");
			ips[nips++] = optarg;
			break;
		case 'L':
			lockopt = optarg;
			break;
		case 'v':
			eksl_verbosity++;
			break;
		case 'q':
			eksl_verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			return EKSL_EXIT_OK;
		case 'V':
			eksl_print_version();
			return EKSL_EXIT_OK;
		default:
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return eksl_usage_error(usage, "no command (pin, unpin, check "
		    "or list)");
	if (strcmp(argv[optind], "pin") == 0)
		cmd = EKSL_HOSTS_PIN;
	else if (strcmp(argv[optind], "unpin") == 0)
		cmd = EKSL_HOSTS_UNPIN;
	else if (strcmp(argv[optind], "check") == 0)
		cmd = EKSL_HOSTS_CHECK;
	else if (strcmp(argv[optind], "list") == 0)
		cmd = EKSL_HOSTS_LIST;
	else {
		return eksl_usage_error(usage, "%s: unknown command",
		    argv[optind]);
	}
	if (optind + 1 < argc)
		return eksl_usage_error(usage, "too many arguments");
	if (*file == '\0')
		return eksl_usage_error(usage, "--file: empty path");
	if (nips > 0 && flaghost == NULL)
		return eksl_usage_error(usage, "--ip needs --host");
	if (flaghost != NULL && nips == 0 && (cmd == EKSL_HOSTS_PIN ||
	    cmd == EKSL_HOSTS_CHECK))
		return eksl_usage_error(usage, "--host needs at least one "
		    "--ip");
	if (cmd == EKSL_HOSTS_LIST && nips > 0)
		return eksl_usage_error(usage, "list takes no --ip");
	if (dryrun && cmd != EKSL_HOSTS_PIN && cmd != EKSL_HOSTS_UNPIN)
		return eksl_usage_error(usage, "--dry-run applies to pin and "
		    "unpin");
	if ((timeout = lock_timeout(lockopt)) == -1)
		return eksl_usage_error(usage, "lock timeout: not a number of "
		    "milliseconds");

	/* Records: from the flags, or every line of stdin. */
	if (cmd != EKSL_HOSTS_LIST) {
		status = read_records(flaghost, ips, nips, &items, &n);
		for (i = 0; i < n; i++) {
			rc = eksl_hosts_item_prepare(&items[i], cmd, TOOL,
			    &said);
			say(&said);
			status = EKSL_EXIT_WORST(status, rc);
		}
		if (status == EKSL_EXIT_IO && n == 0)
			goto out;
	}

	dowrite = (cmd == EKSL_HOSTS_PIN || cmd == EKSL_HOSTS_UNPIN) && !dryrun;
	for (i = 0; i < n && dowrite; i++)
		if (items[i].ok)
			break;
	if (dowrite && i == n)
		dowrite = 0;	/* nothing usable: do not even lock */
	if (dowrite && eksl_lock_take(file, timeout, &lk, err,
	    sizeof(err)) == -1) {
		status = fail_all(items, n, "io", EKSL_EXIT_IO, err);
		goto emit;
	}
	if (cmd == EKSL_HOSTS_LIST || dowrite || dryrun ||
	    cmd == EKSL_HOSTS_CHECK) {
		rc = eksl_file_read(file, EKSL_HOSTS_MAX_FILE, &data, &len, err,
		    sizeof(err));
		if (rc == -1) {
			status = fail_all(items, n, "io", EKSL_EXIT_IO, err);
			goto emit;
		}
		if ((h = eksl_hosts_parse(file, data != NULL ? data : "",
		    len, err, sizeof(err))) == NULL) {
			rc = fail_all(items, n, "input", EKSL_EXIT_INPUT, err);
			status = EKSL_EXIT_WORST(status, rc);
			goto emit;
		}
	}
	if (cmd == EKSL_HOSTS_LIST) {
		status = do_list(h, file, flaghost);
		goto out;
	}
	if (h != NULL) {
		rc = apply(h, file, cmd, items, n);
		status = EKSL_EXIT_WORST(status, rc);
	}
	if (dryrun) {
		if (h != NULL && eksl_hosts_diff(h, &out) == -1) {
			eksl_err("%s: cannot make the diff: %s", file,
			    strerror(errno));
			status = EKSL_EXIT_IO;
		}
		fwrite(out.data != NULL ? out.data : "", 1, out.len, stdout);
		if (fflush(stdout) == EOF) {
			eksl_err("stdout: %s", strerror(errno));
			status = EKSL_EXIT_IO;
		}
		goto out;
	}
	if (dowrite && h != NULL) {
		rc = write_changes(h, file, data, len, items, n);
		status = EKSL_EXIT_WORST(status, rc);
	}
emit:
	eksl_lock_release(lk);
	lk = NULL;
	for (i = 0; i < n && !dryrun; i++) {
		if (eksl_hosts_set_field(items[i].rec, file, 1,
		    items[i].changed) == -1 || eksl_record_write(stdout,
		    items[i].rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			status = EKSL_EXIT_IO;
			break;
		}
	}
out:
	eksl_lock_release(lk);
	eksl_hosts_free(h);
	free(data);
	eksl_buf_free(&out);
	for (i = 0; i < n; i++) {
		json_decref(items[i].rec);
		eksl_hosts_item_clear(&items[i]);
	}
	free(items);
	return status;
}
