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
#include "msg.h"
#include "record.h"

#define TOOL		"eksl-hosts"
#define MAX_RECORDS	10000

enum cmd { C_PIN, C_UNPIN, C_CHECK, C_LIST };

struct item {
	json_t	*rec;
	char	*addrs[EKSL_HOSTS_MAX_ADDRS];
	size_t	 naddrs;
	int	 ok;		/* host and addresses are usable */
	int	 changed;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-hosts pin|unpin|check|list [--file PATH] "
	    "[--dry-run] [--host NAME --ip IP...]\n"
	    "                  [--lock-timeout MS] [-v] [-q] [--help] "
	    "[--version]\n");
}

static int
usage_err(const char *msg)
{
	eksl_err("%s", msg);
	usage(stderr);
	return EKSL_EXIT_USAGE;
}

static int
item_fail(struct item *it, const char *code, int status, const char *msg)
{
	eksl_err("%s", msg);
	eksl_record_add_error(it->rec, TOOL, code, "%s", msg);
	it->ok = 0;
	return status;
}

/*
 * A copy of untrusted text that is safe in a one-line message: control
 * characters and backslashes as C escapes.
 */
static const char *
printable(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 5 < outlen; s++) {
		c = (unsigned char)*s;
		if (c == '\n' || c == '\t' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c",
			    c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* 1 when the pieces hold exactly data[0..len). */
static int
iov_same(const struct iovec *iov, int niov, const char *data, size_t len)
{
	size_t off = 0;
	int i;

	for (i = 0; i < niov; i++) {
		if (iov[i].iov_len > len - off ||
		    memcmp(iov[i].iov_base, data + off, iov[i].iov_len) != 0)
			return 0;
		off += iov[i].iov_len;
	}
	return off == len;
}

/* Double the item array.  Returns 0, or -1 with *items unchanged. */
static int
grow_items(struct item **items, size_t *cap)
{
	struct item *ni;

	if (*cap >= MAX_RECORDS ||
	    (ni = reallocarray(*items, *cap * 2, sizeof(*ni))) == NULL)
		return -1;
	memset(ni + *cap, 0, *cap * sizeof(*ni));
	*items = ni;
	*cap *= 2;
	return 0;
}

/* Check the record's host, cluster name and addresses; fill it->addrs. */
static int
item_prepare(struct item *it, enum cmd cmd)
{
	char msg[EKSL_ERRLEN], addr[EKSL_ADDRSTRLEN], p1[300], p2[200];
	const char *host, *name, *ip;
	json_t *arr, *a;
	size_t i;

	if ((host = eksl_record_host(it->rec)) == NULL)
		return item_fail(it, "input", EKSL_EXIT_INPUT,
		    "record has neither host nor endpoint");
	if (!eksl_hostname_valid(host)) {
		snprintf(msg, sizeof(msg), "%s: not a valid host name",
		    printable(host, p1, sizeof(p1)));
		return item_fail(it, "input", EKSL_EXIT_INPUT, msg);
	}
	name = eksl_json_str(it->rec, "name");
	if (cmd == C_PIN && name != NULL && !eksl_hosts_cluster_valid(name)) {
		snprintf(msg, sizeof(msg), "%s: cluster name is not a safe "
		    "token for a marker", host);
		return item_fail(it, "input", EKSL_EXIT_INPUT, msg);
	}
	it->ok = 1;
	if (cmd == C_UNPIN)
		return EKSL_EXIT_OK;
	arr = json_object_get(it->rec, "addresses");
	if (arr != NULL && !json_is_array(arr))
		return item_fail(it, "input", EKSL_EXIT_INPUT,
		    "addresses is not an array");
	json_array_foreach(arr, i, a) {
		ip = eksl_json_str(a, "ip");
		if (ip == NULL || eksl_addr_canon(ip, addr, sizeof(addr)) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s: not an IP address",
			    host, ip != NULL ? printable(ip, p2, sizeof(p2)) :
			    "addresses[].ip");
			return item_fail(it, "input", EKSL_EXIT_INPUT, msg);
		}
		if (it->naddrs == EKSL_HOSTS_MAX_ADDRS) {
			snprintf(msg, sizeof(msg), "%s: more than %d addresses",
			    host, EKSL_HOSTS_MAX_ADDRS);
			return item_fail(it, "input", EKSL_EXIT_INPUT, msg);
		}
		if ((it->addrs[it->naddrs++] = strdup(addr)) == NULL)
			return item_fail(it, "io", EKSL_EXIT_IO, "out of memory");
	}
	return EKSL_EXIT_OK;
}

/* The record built from --host and --ip. */
static json_t *
record_from_flags(const char *host, char **ips, size_t nips)
{
	json_t *rec, *arr;
	size_t i;

	if ((rec = eksl_record_new()) == NULL ||
	    json_object_set_new(rec, "host", json_string(host)) == -1 ||
	    (arr = json_array()) == NULL ||
	    json_object_set_new(rec, "addresses", arr) == -1)
		goto fail;
	for (i = 0; i < nips; i++)
		if (json_array_append_new(arr, json_pack("{s:s,s:s}", "ip",
		    ips[i], "source", "static")) == -1)
			goto fail;
	return rec;
fail:
	json_decref(rec);
	return NULL;
}

static int
set_hosts_field(json_t *rec, const char *file, int withchanged, int changed)
{
	json_t *o;

	o = withchanged ? json_pack("{s:s,s:b}", "file", file, "changed",
	    changed) : json_pack("{s:s}", "file", file);
	return o == NULL ? -1 : json_object_set_new(rec, "hosts", o);
}

static int
do_list(struct eksl_hosts *h, const char *file, const char *only)
{
	char err[EKSL_ERRLEN];
	const char *host, *cluster;
	char *const *addrs;
	json_t *rec, *arr;
	size_t i, j, n;
	int status = EKSL_EXIT_OK;

	for (i = 0; eksl_hosts_block(h, i, &host, &cluster, &addrs, &n) == 0;
	    i++) {
		if (only != NULL && strcasecmp(only, host) != 0)
			continue;
		if ((rec = eksl_record_new()) == NULL ||
		    json_object_set_new(rec, "host", json_string(host)) == -1 ||
		    (cluster != NULL && json_object_set_new(rec, "name",
		    json_string(cluster)) == -1) ||
		    (arr = json_array()) == NULL ||
		    json_object_set_new(rec, "addresses", arr) == -1 ||
		    set_hosts_field(rec, file, 0, 0) == -1) {
			json_decref(rec);
			eksl_err("out of memory");
			return EKSL_EXIT_IO;
		}
		for (j = 0; j < n; j++)
			if (json_array_append_new(arr, json_pack("{s:s,s:s}",
			    "ip", addrs[j], "source", "static")) == -1) {
				json_decref(rec);
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
apply(struct eksl_hosts *h, const char *file, enum cmd cmd,
    struct item *items, size_t n)
{
	char err[EKSL_ERRLEN], msg[EKSL_ERRLEN];
	struct eksl_buf diffs;
	const char *host, *name;
	char *line, *nl;
	size_t i, lines[4], nu;
	int status = EKSL_EXIT_OK, rc;

	eksl_buf_init(&diffs, 0);
	for (i = 0; i < n; i++) {
		if (!items[i].ok)
			continue;
		host = eksl_json_str(items[i].rec, "host");
		name = eksl_json_str(items[i].rec, "name");
		switch (cmd) {
		case C_PIN:
			if (items[i].naddrs == 0) {
				snprintf(msg, sizeof(msg), "%s: no addresses; the "
				    "existing pin is left as it is", host);
				eksl_warn("%s", msg);
				eksl_record_add_error(items[i].rec, TOOL,
				    "input", "%s", msg);
				status = EKSL_EXIT_WORST(status,
				    EKSL_EXIT_DEGRADED);
				break;
			}
			rc = eksl_hosts_pin(h, host, name, items[i].addrs,
			    items[i].naddrs, err, sizeof(err));
			if (rc == -1) {
				rc = item_fail(&items[i], "input",
				    EKSL_EXIT_INPUT, err);
				status = EKSL_EXIT_WORST(status, rc);
				break;
			}
			items[i].changed = rc;
			eksl_info("%s: %s", host, rc ? "pinned" :
			    "already pinned");
			/* glibc takes the first line that names a host. */
			nu = eksl_hosts_unmanaged(h, host, lines, 4);
			if (nu > 0)
				eksl_warn("%s:%zu: %s: an unmanaged line names "
				    "this host too", file, lines[0], host);
			break;
		case C_UNPIN:
			items[i].changed = eksl_hosts_unpin(h, host);
			eksl_info("%s: %s", host, items[i].changed ?
			    "unpinned" : "was not pinned");
			break;
		case C_CHECK:
			rc = eksl_hosts_check(h, host, items[i].addrs,
			    items[i].naddrs, &diffs);
			if (rc == -1) {
				rc = item_fail(&items[i], "io", EKSL_EXIT_IO,
				    "out of memory");
				status = EKSL_EXIT_WORST(status, rc);
				break;
			}
			if (rc == 1) {
				status = EKSL_EXIT_WORST(status,
				    EKSL_EXIT_DEGRADED);
				eksl_record_add_error(items[i].rec, TOOL,
				    "hosts", "%s: not pinned to exactly the "
				    "record's addresses", host);
			} else
				eksl_info("%s: pinned to exactly its addresses",
				    host);
			break;
		case C_LIST:
			break;
		}
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
fail_all(struct item *items, size_t n, const char *code, int status,
    const char *err)
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
    struct item **itemsp, size_t *np)
{
	char err[EKSL_ERRLEN];
	struct eksl_reader *rd = NULL;
	struct item *items;
	size_t n = 0, cap = 16;
	json_t *rec;
	int rc, status = EKSL_EXIT_OK;

	if ((items = calloc(cap, sizeof(*items))) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	*itemsp = items;
	if (flaghost != NULL) {
		if ((items[0].rec = record_from_flags(flaghost, ips, nips)) ==
		    NULL) {
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
    size_t len, struct item *items, size_t n)
{
	char err[EKSL_ERRLEN];
	const struct iovec *iov;
	size_t i;
	int niov, rc = 0;

	if (!eksl_hosts_changed(h)) {
		eksl_file_clean_temps(file);
		return EKSL_EXIT_OK;
	}
	if (eksl_hosts_iov(h, &iov, &niov) == -1) {
		snprintf(err, sizeof(err), "%s: %s", file, strerror(ENOMEM));
		rc = -1;
	} else if (iov_same(iov, niov, data, len))
		eksl_file_clean_temps(file);
	else	/* compared already: spare the file a second read */
		rc = eksl_file_replacev(file, iov, niov, 0644,
		    EKSL_WRITE_FORCE, err, sizeof(err));
	if (rc == -1) {
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
	struct item *items = NULL;
	size_t nips = 0, n = 0, i, len = 0;
	enum cmd cmd;
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
				return usage_err("too many --ip");
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
		return usage_err("no command (pin, unpin, check or list)");
	if (strcmp(argv[optind], "pin") == 0)
		cmd = C_PIN;
	else if (strcmp(argv[optind], "unpin") == 0)
		cmd = C_UNPIN;
	else if (strcmp(argv[optind], "check") == 0)
		cmd = C_CHECK;
	else if (strcmp(argv[optind], "list") == 0)
		cmd = C_LIST;
	else {
		snprintf(err, sizeof(err), "%s: unknown command",
		    argv[optind]);
		return usage_err(err);
	}
	if (optind + 1 < argc)
		return usage_err("too many arguments");
	if (*file == '\0')
		return usage_err("--file: empty path");
	if (nips > 0 && flaghost == NULL)
		return usage_err("--ip needs --host");
	if (flaghost != NULL && nips == 0 && (cmd == C_PIN || cmd == C_CHECK))
		return usage_err("--host needs at least one --ip");
	if (cmd == C_LIST && nips > 0)
		return usage_err("list takes no --ip");
	if (dryrun && cmd != C_PIN && cmd != C_UNPIN)
		return usage_err("--dry-run applies to pin and unpin");
	if ((timeout = lock_timeout(lockopt)) == -1)
		return usage_err("lock timeout: not a number of milliseconds");

	/* Records: from the flags, or every line of stdin. */
	if (cmd != C_LIST) {
		status = read_records(flaghost, ips, nips, &items, &n);
		for (i = 0; i < n; i++) {
			rc = item_prepare(&items[i], cmd);
			status = EKSL_EXIT_WORST(status, rc);
		}
		if (status == EKSL_EXIT_IO && n == 0)
			goto out;
	}

	dowrite = (cmd == C_PIN || cmd == C_UNPIN) && !dryrun;
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
	if (cmd == C_LIST || dowrite || dryrun || cmd == C_CHECK) {
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
	if (cmd == C_LIST) {
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
		if (set_hosts_field(items[i].rec, file, 1,
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
		while (items[i].naddrs > 0)
			free(items[i].addrs[--items[i].naddrs]);
	}
	free(items);
	return status;
}
