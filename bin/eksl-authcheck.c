/*
 * eksl-authcheck: obtain x.509 offline credentials while the Region is
 * reachable (prepare), and prove that the offline path works (check).
 * main parses and validates; the work on each record is lib/authprep
 * and lib/authcheck.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "authcheck.h"
#include "authprep.h"
#include "duration.h"
#include "exitcodes.h"
#include "msg.h"
#include "record.h"
#include "x509.h"

#define TOOL		"eksl-authcheck"

struct opts {
	struct eksl_authprep_opts prep;
	struct eksl_authcheck_opts check;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-authcheck prepare --dir DIR [--user NAME] "
	    "[--group NAME] [--cluster-role ROLE]\n"
	    "                      [--expiration DURATION] "
	    "[--key-type ec|rsa2048|rsa4096] [--renew-days N]\n"
	    "       eksl-authcheck check [--warn-days N] [--deep] "
	    "[--timeout MS]\n"
	    "       common: [-v] [-q] [--help] [--version]\n");
}

/* Print f as "prog: msg", append it to rec's errors[], return its status. */
static int
fail(json_t *rec, const struct eksl_auth_fail *f)
{
	eksl_err("%s", f->msg);
	eksl_record_add_error(rec, TOOL, f->code, "%s", f->msg);
	return f->status;
}

static int
prepare(json_t *rec, const struct opts *o)
{
	struct eksl_auth_fail f;

	if (eksl_authprep(rec, &o->prep, &f) == -1)
		return fail(rec, &f);
	return EKSL_EXIT_OK;
}

/* The check's summary on stderr, then its verdict as an exit status. */
static int
check(json_t *rec, const struct opts *o)
{
	struct eksl_authcheck_report r;
	struct eksl_auth_fail f;
	const struct eksl_check_addr *a;
	size_t i;
	int status;

	if (eksl_authcheck(rec, &o->check, &r, &f) == -1) {
		status = fail(rec, &f);
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		a = &r.a[i];
		if (a->ok)
			eksl_warn("%s: %s: ok: tcp, tls, user %s, /version, "
			    "services; %d ms%s%s", r.name, a->ip, a->user,
			    (int)a->ms, a->deep[0] ? "; deep: " :
			    o->check.deep ? "; deep: ok" : "", a->deep);
		else
			eksl_warn("%s: %s: FAILED: %s", r.name, a->ip,
			    a->error);
	}
	eksl_warn("%s: certificate for %s expires %s (%ld days)", r.name,
	    r.user, r.not_after, r.days);
	if (!r.dns.done)
		eksl_warn("%s: resolver: %s: no answer within %ld ms", r.name,
		    r.host, o->check.timeout_ms);
	else
		eksl_warn("%s: resolver: %s -> %s: %s", r.name, r.host,
		    r.dns.n ? r.resolved : gai_strerror(r.dns.rc), r.pinned ?
		    "pinned" : "NOT pinned");
	status = r.status;
	if (status == EKSL_EXIT_DEGRADED)
		eksl_warn("%s: degraded:%s%s%s%s", r.name, r.addr_fails ?
		    " an address fails;" : "", r.expires_soon ?
		    " the certificate expires soon;" : "", !r.pinned ?
		    " the name is not pinned;" : "", r.deep_fails ?
		    " a --deep check fails;" : "");
	else if (status == EKSL_EXIT_OK)
		eksl_warn("%s: ready", r.name);
	else
		status = fail(rec, &f);
out:
	eksl_authcheck_report_clear(&r);
	return status;
}

static int
number(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "dir",		required_argument, NULL, 'd' },
		{ "user",		required_argument, NULL, 'u' },
		{ "group",		required_argument, NULL, 'g' },
		{ "cluster-role",	required_argument, NULL, 'r' },
		{ "expiration",		required_argument, NULL, 'e' },
		{ "key-type",		required_argument, NULL, 'k' },
		{ "renew-days",		required_argument, NULL, 'R' },
		{ "warn-days",		required_argument, NULL, 'w' },
		{ "deep",		no_argument,	   NULL, 'D' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	struct eksl_reader *rd = NULL;
	json_t *rec;
	char err[EKSL_ERRLEN], bad[64] = "";
	const char *cmd = NULL;
	int c, prep, status = EKSL_EXIT_OK, rc, n = 0, li = -1;

	eksl_msg_init(argv[0]);
	memset(&o, 0, sizeof(o));
	o.prep.user = "eksl-offline-admin";
	o.prep.role = "cluster-admin";
	o.prep.expiration = 365LL * 86400;
	o.prep.renew_days = 30;
	o.prep.log = eksl_log_sink;
	o.check.warn_days = 30;
	o.check.timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "+vqh", lo, NULL)) != -1) {
		switch (c) {
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
		return eksl_usage_error(usage, "prepare or check?");
	cmd = argv[optind];
	if (strcmp(cmd, "prepare") != 0 && strcmp(cmd, "check") != 0)
		return eksl_usage_error(usage, "%s: not a command (prepare or "
		    "check)", cmd);
	prep = cmd[0] == 'p';
	optind++;
	while ((c = getopt_long(argc, argv, "vqh", lo, &li)) != -1) {
		if (li >= 0 && ((prep && strchr("wDt", c) != NULL) ||
		    (!prep && strchr("dugrekR", c) != NULL))) {
			snprintf(bad, sizeof(bad), "--%s", lo[li].name);
			c = '?';
		}
		li = -1;
		switch (c) {
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
		case 'D':
			o.check.deep = 1;
			break;
		case 'd':
			o.prep.dir = optarg;
			break;
		case 'u':
			o.prep.user = optarg;
			break;
		case 'g':
			o.prep.group = optarg;
			break;
		case 'r':
			o.prep.role = optarg;
			break;
		case 'e':
			if (eksl_duration_parse(optarg,
			    &o.prep.expiration) == -1 ||
			    o.prep.expiration < 600)
				return eksl_usage_error(usage, "--expiration: "
				    "%s: not a duration of at least 600s (e.g. "
				    "90d, 24h, 3600s)", optarg);
			break;
		case 'k':
			if (eksl_keytype_parse(optarg, &o.prep.keytype) == -1)
				return eksl_usage_error(usage, "--key-type: "
				    "%s: not ec, rsa2048 or rsa4096", optarg);
			break;
		case 'R':
		case 'w':
		case 't':
			if (number(optarg, c == 'R' ? &o.prep.renew_days :
			    c == 'w' ? &o.check.warn_days :
			    &o.check.timeout_ms) == -1 ||
			    (c == 't' && o.check.timeout_ms == 0))
				return eksl_usage_error(usage, "%s: %s: not "
				    "a number", c == 'R' ? "--renew-days" :
				    c == 'w' ? "--warn-days" : "--timeout",
				    optarg);
			break;
		default:
			if (bad[0] != '\0')
				return eksl_usage_error(usage, "%s: not an "
				    "option of %s", bad, cmd);
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return eksl_usage_error(usage, "%s: unexpected argument",
		    argv[optind]);
	if (prep && o.prep.dir == NULL)
		return eksl_usage_error(usage, "prepare: --dir is required");
	if (prep && (o.prep.user[0] == '\0' || o.prep.role[0] == '\0' ||
	    (o.prep.group != NULL && o.prep.group[0] == '\0')))
		return eksl_usage_error(usage, "--user, --group and "
		    "--cluster-role must not be empty");
	if (prep && eksl_mkdirs(o.prep.dir, 0700, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		return EKSL_EXIT_IO;
	}
	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	for (;;) {
		rc = eksl_reader_next(rd, &rec, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc == -1) {
			eksl_err("%s", err);
			status = EKSL_EXIT_WORST(status, EKSL_EXIT_INPUT);
			if (eksl_reader_failed(rd))
				break;
			continue;
		}
		n++;
		rc = prep ? prepare(rec, &o) : check(rec, &o);
		status = EKSL_EXIT_WORST(status, rc);
		if (eksl_record_write(stdout, rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			json_decref(rec);
			status = EKSL_EXIT_IO;
			break;
		}
		json_decref(rec);
	}
	eksl_reader_free(rd);
	if (n == 0 && status == EKSL_EXIT_OK)
		eksl_info("no records on stdin");
	return status;
}
