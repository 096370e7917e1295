/*
 * eksl-resolve: resolve every record's endpoint host (A and AAAA) at once
 * with c-ares, fall back to the last-known-good answer or the control
 * plane's private IPs when DNS fails, and optionally probe each address.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "dns.h"
#include "exitcodes.h"
#include "jsonmem.h"
#include "jsonout.h"
#include "lkg.h"
#include "msg.h"
#include "probe.h"
#include "record.h"
#include "resolve.h"

#define TOOL		"resolve"
#define MAX_HOSTS	4096
#define MAX_RECORDS	1000000

struct item {
	json_t		*rec;	/* NULL: not built yet (from --host) */
	const char	*host;	/* --host: the name */
	int		 status;	/* this record's exit status so far */
	int		 query;		/* index into the queries, or -1 */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-resolve [--server HOST[:PORT]]... "
	    "[--timeout MS] [--tries N] [--state-dir DIR]\n"
	    "                    [--probe] [--port N] [--host NAME]... "
	    "[-v] [-q] [--help] [--version]\n");
}

static int
number(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *ep;
	long v;

	errno = 0;
	v = strtol(s, &ep, 10);
	if (*s == '\0' || *ep != '\0' || errno != 0 || v < lo || v > hi) {
		eksl_err("%s: '%s': expected a number from %ld to %ld", opt, s,
		    lo, hi);
		usage(stderr);
		return -1;
	}
	*out = v;
	return 0;
}

static void
lkg_warn(const char *msg, void *arg)
{
	(void)arg;
	eksl_warn("%s (ignored)", msg);
}

static void
note_sink(int level, const char *line, void *arg)
{
	(void)arg;
	if (level == EKSL_RESOLVE_ERR)
		eksl_err("%s", line);
	else if (level == EKSL_RESOLVE_WARN)
		eksl_warn("%s", line);
	else
		eksl_info("%s", line);
}

/* The endpoint's port when it names one ("https://h:8443"), else 443. */
static unsigned short
endpoint_port(json_t *rec)
{
	const char *ep = eksl_json_str(rec, "endpoint"), *h, *c;
	long p;

	if (ep == NULL)
		return 443;
	h = strstr(ep, "://");
	h = h != NULL ? h + 3 : ep;
	h += strcspn(h, ":/?#");
	if (*h != ':')
		return 443;
	c = h + 1;
	p = strtol(c, NULL, 10);
	return p > 0 && p <= 65535 ? (unsigned short)p : 443;
}

/* The record of a --host name: {schema, host}; 0, or -1 (reported). */
static int
build_record(struct item *it)
{
	if ((it->rec = eksl_record_new()) == NULL ||
	    json_object_set_new(it->rec, "host", json_string(it->host)) ==
	    -1) {
		eksl_err("%s: %s", it->host, strerror(ENOMEM));
		return -1;
	}
	if (it->status == EKSL_EXIT_INPUT)
		eksl_record_add_error(it->rec, TOOL, "input", "%s: not a "
		    "valid host name", it->host);
	return 0;
}

/* Probe every address of every record; a record none answers is 5. */
static int
probe_all(struct item *it, size_t n, long port, int timeout_ms)
{
	struct eksl_probe *pr = NULL;
	char err[EKSL_ERRLEN];
	size_t i, j, k = 0, total = 0, up;
	json_t *addrs, *a;
	int rc = 0;

	for (i = 0; i < n; i++)
		total += json_array_size(json_object_get(it[i].rec,
		    "addresses"));
	if (total == 0)
		return 0;
	if ((pr = calloc(total, sizeof(*pr))) == NULL) {
		eksl_err("probe: %s", strerror(errno));
		return EKSL_EXIT_IO;
	}
	for (i = 0; i < n; i++) {
		addrs = json_object_get(it[i].rec, "addresses");
		json_array_foreach(addrs, j, a) {
			pr[k].ip = eksl_json_str(a, "ip");
			pr[k].port = port > 0 ? (unsigned short)port :
			    endpoint_port(it[i].rec);
			if (pr[k].ip == NULL)
				pr[k].ip = "";
			k++;
		}
	}
	if (eksl_probe_tcp(pr, total, timeout_ms, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		free(pr);
		return EKSL_EXIT_IO;
	}
	for (i = 0, k = 0; i < n; i++) {
		addrs = json_object_get(it[i].rec, "addresses");
		up = 0;
		json_array_foreach(addrs, j, a) {
			json_object_set_new(a, "reachable",
			    json_boolean(pr[k].reachable));
			if (pr[k].reachable) {
				up++;
				/*
				 * Whole milliseconds: jansson prints a real
				 * with 17 digits (0.22600000000000001).
				 */
				json_object_set_new(a, "rttMs", json_integer(
				    (json_int_t)(pr[k].rtt_ms + 0.5)));
			} else {
				json_object_set_new(a, "rttMs", json_null());
				eksl_info("%s port %u: %s", pr[k].ip,
				    pr[k].port, strerror(pr[k].error));
			}
			k++;
		}
		if (json_array_size(addrs) > 0 && up == 0) {
			eksl_err("%s: no address answers on port %u",
			    eksl_json_str(it[i].rec, "host"), pr[k - 1].port);
			eksl_record_add_error(it[i].rec, TOOL, "tcp",
			    "%s: no address answers on port %u",
			    eksl_json_str(it[i].rec, "host"), pr[k - 1].port);
			it[i].status = EKSL_EXIT_WORST(it[i].status,
			    EKSL_EXIT_UNREACHABLE);
		}
	}
	free(pr);
	return rc;
}

/* Read the records from stdin; a bad line is reported and skipped. */
static int
read_records(struct item **itp, size_t *np)
{
	struct eksl_reader *r;
	char err[EKSL_ERRLEN];
	struct item *it = NULL, *ni;
	size_t n = 0, size = 0;
	json_t *rec;
	int rc = EKSL_EXIT_OK, got;

	if ((r = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("stdin: %s", strerror(errno));
		return EKSL_EXIT_IO;
	}
	while ((got = eksl_reader_next(r, &rec, err, sizeof(err))) != 0) {
		if (got == -1) {
			eksl_err("%s", err);
			if (eksl_reader_failed(r)) {
				rc = EKSL_EXIT_IO;
				break;
			}
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_INPUT);
			continue;
		}
		if (n == size) {
			size = size == 0 ? 64 : size * 2;
			if (size > MAX_RECORDS || (ni = realloc(it,
			    size * sizeof(*it))) == NULL) {
				eksl_err("stdin: too many records");
				json_decref(rec);
				rc = EKSL_EXIT_IO;
				break;
			}
			it = ni;
		}
		it[n].rec = rec;
		it[n].status = EKSL_EXIT_OK;
		it[n++].query = -1;
	}
	eksl_reader_free(r);
	*itp = it;
	*np = n;
	return rc;
}

/*
 * Records are encoded into a buffer that goes to stdout in pieces of
 * OUTCHUNK bytes: a write per record costs more than the lookups on a busy
 * machine, and one write of everything at the end would hold all of it in
 * memory (fresh pages cost more than the copy).  Each record is freed once
 * written, so that the next ones reuse its memory.
 */
#define OUTCHUNK	(64 * 1024)

struct output {
	struct eksl_buf	 b;
	int		 failed;	/* a record could not be encoded */
	int		 werr;		/* errno of a failed write to stdout */
};

static int
output_open(struct output *o)
{
	memset(o, 0, sizeof(*o));
	eksl_buf_init(&o->b, 0);
	return 0;
}

/* What the buffer holds, to stdout (after the first failure, nowhere). */
static void
output_drain(struct output *o)
{
	if (o->b.len > 0 && o->werr == 0 &&
	    fwrite(o->b.data, 1, o->b.len, stdout) != o->b.len)
		o->werr = errno != 0 ? errno : EIO;
	eksl_buf_reset(&o->b);
}

/* Encode the record of it into o and free it; returns its exit status. */
static int
output_record(struct output *o, struct item *it)
{
	char *s;
	int r;

	if (o->failed)
		goto out;
	if ((r = eksl_json_encode(&o->b, it->rec)) == 1) {
		/* a real number: jansson's own formatting */
		eksl_json_mem_watch();
		s = json_dumps(it->rec, JSON_COMPACT);
		r = s == NULL || eksl_json_mem_failed() ||
		    eksl_buf_addstr(&o->b, s) == -1 ? -1 : 0;
		free(s);
	}
	if (r == -1 || eksl_buf_add(&o->b, "\n", 1) == -1)
		o->failed = 1;
	else if (o->b.len >= OUTCHUNK)
		output_drain(o);
 out:
	json_decref(it->rec);
	it->rec = NULL;
	return it->status;
}

/* Write the rest to stdout; returns 0 or -1 (reported). */
static int
output_close(struct output *o)
{
	int rc = 0;

	if (o->failed) {
		eksl_err("stdout: %s", strerror(ENOMEM));
		eksl_buf_free(&o->b);
		return -1;
	}
	output_drain(o);
	if (o->werr == 0 && fflush(stdout) == EOF)
		o->werr = errno;
	if (o->werr != 0) {
		eksl_err("stdout: %s", strerror(o->werr));
		rc = -1;
	}
	eksl_buf_free(&o->b);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "tries",	required_argument,	NULL, 'T' },
		{ "state-dir",	required_argument,	NULL, 'd' },
		{ "probe",	no_argument,		NULL, 'p' },
		{ "port",	required_argument,	NULL, 'P' },
		{ "host",	required_argument,	NULL, 'H' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct eksl_dns_server servers[EKSL_DNS_MAX_SERVERS];
	struct eksl_dns_server used[EKSL_DNS_MAX_SERVERS];
	struct eksl_dns_opts o;
	struct eksl_resolve_ctx ctx;
	struct eksl_lkg *lkg = NULL;
	struct output ob;
	struct eksl_dns_query *q = NULL;
	struct eksl_resolve_state *rs = NULL;
	struct item *it = NULL;
	const char *hosts[MAX_HOSTS];
	char err[EKSL_ERRLEN], now[32], sv[EKSL_DNS_SERVERLEN];
	char *state_dir = NULL;
	json_t *srvlist = NULL;
	size_t nserv = 0, nhosts = 0, n = 0, nq = 0, nused = 0, i;
	long timeout = 2000, tries = 2, port = 0;
	int ch, probe = 0, rc = EKSL_EXIT_OK, st, k;
	const char *host;
	struct timespec t0, t1;
	time_t t;

	eksl_msg_init(argv[0]);
	memset(&o, 0, sizeof(o));
	memset(&ctx, 0, sizeof(ctx));
	while ((ch = getopt_long(argc, argv, "vq", lopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (nserv == EKSL_DNS_MAX_SERVERS) {
				eksl_err("--server: at most %d servers",
				    EKSL_DNS_MAX_SERVERS);
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			if (eksl_dns_server_parse(optarg, &servers[nserv], err,
			    sizeof(err)) == -1) {
				eksl_err("--server: %s", err);
				return EKSL_EXIT_INPUT;
			}
			nserv++;
			break;
		case 't':
			if (number("--timeout", optarg, 1, 600000,
			    &timeout) == -1)
				return EKSL_EXIT_USAGE;
			break;
		case 'T':
			if (number("--tries", optarg, 1, 20, &tries) == -1)
				return EKSL_EXIT_USAGE;
			break;
		case 'd':
			if (optarg[0] == '\0') {
				eksl_err("--state-dir: empty");
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			free(state_dir);
			if ((state_dir = strdup(optarg)) == NULL)
				return EKSL_EXIT_IO;
			break;
		case 'p':
			probe = 1;
			break;
		case 'P':
			if (number("--port", optarg, 1, 65535, &port) == -1)
				return EKSL_EXIT_USAGE;
			break;
		case 'H':
			if (nhosts == MAX_HOSTS) {
				eksl_err("--host: at most %d names", MAX_HOSTS);
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			hosts[nhosts++] = optarg;
			break;
		case 'v':
			if (eksl_verbosity < 2)
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
	if (optind < argc) {
		eksl_err("%s: unexpected argument", argv[optind]);
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (state_dir == NULL && (state_dir = eksl_lkg_default_dir()) == NULL)
		eksl_warn("no state directory (HOME is not set): "
		    "no last-known-good");

	/*
	 * The subject comes from --host, or else from stdin.  A record made
	 * from --host is built only when it is about to be written.
	 */
	if (nhosts > 0) {
		if ((it = calloc(nhosts, sizeof(*it))) == NULL) {
			eksl_err("%s", strerror(errno));
			rc = EKSL_EXIT_IO;
			goto out;
		}
		for (n = 0; n < nhosts; n++) {
			it[n].host = hosts[n];
			it[n].query = -1;
		}
	} else
		rc = read_records(&it, &n);

	if (n > 0 && ((q = calloc(n, sizeof(*q))) == NULL ||
	    (rs = calloc(n, sizeof(*rs))) == NULL)) {
		eksl_err("%s", strerror(errno));
		rc = EKSL_EXIT_IO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		host = it[i].rec != NULL ? eksl_record_host(it[i].rec) :
		    it[i].host;
		if (host == NULL || !eksl_hostname_valid(host)) {
			if (host == NULL)
				snprintf(err, sizeof(err), "record has no host "
				    "and no endpoint");
			else
				snprintf(err, sizeof(err), "%s: not a valid "
				    "host name", host);
			eksl_err("%s", err);
			if (it[i].rec != NULL)
				eksl_record_add_error(it[i].rec, TOOL, "input",
				    "%s", err);
			it[i].status = EKSL_EXIT_INPUT;
			continue;
		}
		it[i].query = (int)nq;
		q[nq++].name = host;
	}

	o.servers = nserv > 0 ? servers : NULL;
	o.nservers = nserv;
	o.timeout_ms = (int)timeout;
	o.tries = (int)tries;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nq > 0 && eksl_dns_resolve(q, nq, &o, used, &nused, err,
	    sizeof(err)) == -1)
		eksl_err("%s", err);	/* every answer says "error" */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	eksl_info("%zu name%s resolved in %ld ms", nq, nq == 1 ? "" : "s",
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if ((srvlist = json_array()) == NULL) {
		rc = EKSL_EXIT_IO;
		goto out;
	}
	for (i = 0; i < nused; i++) {
		eksl_dns_server_format(&used[i], sv, sizeof(sv));
		json_array_append_new(srvlist, json_string(sv));
	}
	t = time(NULL);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (state_dir != NULL && nq > 0 &&
	    (lkg = eksl_lkg_open(state_dir, lkg_warn, NULL)) == NULL) {
		eksl_err("%s: %s", state_dir, strerror(ENOMEM));
		rc = EKSL_EXIT_IO;
		goto out;
	}
	ctx.tool = TOOL;
	ctx.lkg = lkg;
	ctx.now = now;
	ctx.servers = srvlist;
	ctx.note = note_sink;
	if (output_open(&ob) == -1) {
		rc = EKSL_EXIT_IO;
		goto out;
	}
	/* compare every answer, save the new ones in one write, then apply */
	for (k = 0; k < (int)nq; k++)
		eksl_resolve_prepare(q[k].name, &q[k], &rs[k], &ctx);
	st = eksl_resolve_save(&ctx);
	rc = EKSL_EXIT_WORST(rc, st);
	for (i = 0; i < n; i++) {
		if (it[i].rec == NULL && build_record(&it[i]) == -1) {
			rc = EKSL_EXIT_IO;
			break;
		}
		if ((k = it[i].query) >= 0)
			it[i].status = EKSL_EXIT_WORST(it[i].status,
			    eksl_resolve_apply(it[i].rec, q[k].name, &q[k],
			    &rs[k], &ctx));
		/* with --probe, every address is needed at once first */
		if (!probe) {
			st = output_record(&ob, &it[i]);
			rc = EKSL_EXIT_WORST(rc, st);
		}
	}
	if (probe && i == n) {
		st = probe_all(it, n, port, (int)timeout);
		rc = EKSL_EXIT_WORST(rc, st);
		for (i = 0; i < n; i++) {
			st = output_record(&ob, &it[i]);
			rc = EKSL_EXIT_WORST(rc, st);
		}
	}
	if (output_close(&ob) == -1)
		rc = EKSL_EXIT_IO;
 out:
	for (i = 0; i < n; i++)
		json_decref(it[i].rec);
	free(it);
	if (q != NULL)
		eksl_dns_query_clear(q, nq);
	free(q);
	for (i = 0; rs != NULL && i < nq; i++)
		eksl_resolve_state_clear(&rs[i]);
	free(rs);
	free(state_dir);
	eksl_resolve_ctx_clear(&ctx);
	eksl_lkg_free(lkg);
	json_decref(srvlist);
	return rc;
}
