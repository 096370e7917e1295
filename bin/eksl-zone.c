/*
 * eksl-zone: DNS data for an on-prem server from the cluster records on
 * stdin: an RFC 1035 zone, an RPZ zone, unbound local-data, dnsmasq
 * host-record lines or a hosts file.  Files change only when the data
 * does; the SOA serial then grows (RFC 1982) and --reload runs once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "atomicio.h"
#include "exitcodes.h"
#include "msg.h"
#include "record.h"
#include "zone.h"
#include "zoneout.h"

#define TOOL		"eksl-zone"
#define MAX_RECORDS	1000000		/* cap on records read from stdin */

enum { OPT_FORMAT = 256, OPT_OUT, OPT_OUTDIR, OPT_ORIGIN, OPT_TTL, OPT_NS,
	OPT_CONTACT, OPT_SERVER, OPT_RELOAD, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "format",	 required_argument, NULL, OPT_FORMAT },
	{ "out",	 required_argument, NULL, OPT_OUT },
	{ "out-dir",	 required_argument, NULL, OPT_OUTDIR },
	{ "origin",	 required_argument, NULL, OPT_ORIGIN },
	{ "ttl",	 required_argument, NULL, OPT_TTL },
	{ "ns",		 required_argument, NULL, OPT_NS },
	{ "contact",	 required_argument, NULL, OPT_CONTACT },
	{ "server-conf", required_argument, NULL, OPT_SERVER },
	{ "reload",	 required_argument, NULL, OPT_RELOAD },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "quiet",	 no_argument,	    NULL, 'q' },
	{ "help",	 no_argument,	    NULL, OPT_HELP },
	{ "version",	 no_argument,	    NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-zone --format zone|unbound|dnsmasq|hosts|rpz "
	    "[--out FILE | --out-dir DIR]\n"
	    "                 [--origin ZONE] [--ttl N] [--ns NAME] "
	    "[--contact EMAIL]\n"
	    "                 [--server-conf nsd|knot|bind] "
	    "[--reload COMMAND] [-v] [-q]\n"
	    "       eksl-zone --help | --version\n");
}

/* Note err in every record. */
static void
note_all(json_t **recs, size_t nrecs, const char *err)
{
	for (size_t i = 0; i < nrecs; i++)
		eksl_record_add_error(recs[i], TOOL, "input", "%s", err);
}

/*
 * Every record of stdin into set.  Bad records are reported and noted
 * (*bad set); the records kept (all of them with keepall, else only
 * those with no addresses, to warn about) go into *recsp.  Returns
 * EKSL_EXIT_OK, or EKSL_EXIT_IO out of memory.
 */
static int
read_records(struct eksl_zone_set *set, int keepall, json_t ***recsp,
    size_t *np, int *bad)
{
	struct eksl_reader *rd;
	json_t *rec, **nr;
	size_t seen = 0, na;
	char err[EKSL_ERRLEN];
	int r, rc = EKSL_EXIT_OK;

	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	for (;;) {
		r = eksl_reader_next(rd, &rec, err, sizeof(err));
		if (r == 0)
			break;
		if (r == -1) {
			eksl_err("%s", err);
			*bad = 1;
			if (eksl_reader_failed(rd))
				break;
			continue;
		}
		if (++seen > MAX_RECORDS) {
			eksl_err("stdin: more than %d records", MAX_RECORDS);
			json_decref(rec);
			*bad = 1;
			break;
		}
		if ((r = eksl_zone_add_record(set, rec, seen, &na, err,
		    sizeof(err))) == -1) {
			eksl_err("%s", err);
			eksl_record_add_error(rec, TOOL, "input", "%s", err);
			*bad = 1;
		}
		/*
		 * Without a file no record is printed: keep only those with
		 * no addresses, to warn about them (and spare the memory).
		 */
		if (!keepall && (r == -1 || na > 0)) {
			json_decref(rec);
			continue;
		}
		if (*np % 1024 == 0) {
			if ((nr = reallocarray(*recsp, *np + 1024,
			    sizeof(*nr))) == NULL) {
				eksl_err("out of memory");
				json_decref(rec);
				rc = EKSL_EXIT_IO;
				break;
			}
			*recsp = nr;
		}
		(*recsp)[(*np)++] = rec;
	}
	eksl_reader_free(rd);
	return rc;
}

/* No file: the data on stdout, a warning for each host left out. */
static int
to_stdout(struct eksl_zone_set *set, int format, uint32_t base,
    json_t **recs, size_t nrecs)
{
	struct eksl_zone_result res;
	const char *host;
	char err[EKSL_ERRLEN];
	size_t na;
	int rc = EKSL_EXIT_OK;

	if (format == EKSL_ZONE_FMT_ZONE && eksl_zone_count(set) > 1) {
		eksl_err("stdout: one zone cannot hold %zu zones; use "
		    "--origin or --out-dir", eksl_zone_count(set));
		return EKSL_EXIT_INPUT;
	}
	if (eksl_zone_update(set, EKSL_ZONE_ALL, NULL, base, &res, err,
	    sizeof(err)) == -1) {
		eksl_err("%s", err);
		return res.fail;
	}
	if (res.data.len > 0 && fwrite(res.data.data, 1, res.data.len,
	    stdout) != res.data.len) {
		eksl_err("stdout: %s", strerror(errno));
		rc = EKSL_EXIT_IO;
	}
	eksl_buf_free(&res.data);
	for (size_t i = 0; i < nrecs; i++) {
		host = eksl_json_str(recs[i], "host");
		if (host != NULL && eksl_zone_host_state(set, host, &na) ==
		    EKSL_ZONE_HOST_DROPPED) {
			eksl_warn("%s: no addresses; left out", host);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
		}
	}
	if (fflush(stdout) == EOF) {
		eksl_err("stdout: %s", strerror(errno));
		rc = EKSL_EXIT_IO;
	}
	return rc;
}

/* Bring each unit's file up to date; *changed when any file changed. */
static int
update_units(struct eksl_zone_set *set, int byzone, uint32_t base,
    struct eksl_zone_unit *units, size_t nunits, int *changed)
{
	struct eksl_zone_unit *un;
	int rc = EKSL_EXIT_OK;

	for (size_t u = 0; u < nunits; u++) {
		un = &units[u];
		if (eksl_zone_update(set, byzone ? u : EKSL_ZONE_ALL, un->file,
		    base, &un->res, un->err, sizeof(un->err)) == -1) {
			eksl_err("%s", un->err);
			rc = EKSL_EXIT_WORST(rc, un->res.fail);
			continue;
		}
		un->ok = 1;
		eksl_buf_free(&un->res.data);
		*changed |= un->res.changed;
		if (!un->res.written)
			eksl_info("%s: no addresses, not written", un->file);
		else if (un->res.has_serial)
			eksl_info("%s: %s, serial %u", un->file,
			    un->res.changed ? "written" : "unchanged",
			    un->res.serial);
		else
			eksl_info("%s: %s", un->file, un->res.changed ?
			    "written" : "unchanged");
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	struct eksl_zone_opts o = { -1, NULL, EKSL_ZONE_TTL, NULL, NULL };
	const char *out = NULL, *outdir = NULL, *server = NULL, *reload = NULL;
	const char *host;
	struct eksl_zone_set *set = NULL;
	struct eksl_zone_unit *units = NULL;
	json_t **recs = NULL;
	size_t nrecs = 0, nunits = 0, u;
	char err[EKSL_ERRLEN], rerr[EKSL_ERRLEN], warn[4096], *end;
	char *confpath = NULL;
	int c, r, rc = EKSL_EXIT_OK, bad = 0, changed = 0, files;
	unsigned long ul;
	uint32_t base;

	eksl_msg_init(argv[0]);
	while ((c = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if ((o.format = eksl_zone_format_parse(optarg)) == -1)
				return eksl_usage_error(usage, "--format %s: "
				    "not zone, unbound, dnsmasq, hosts or rpz",
				    optarg);
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_OUTDIR:
			outdir = optarg;
			break;
		case OPT_ORIGIN:
			o.origin = optarg;
			break;
		case OPT_TTL:
			errno = 0;
			ul = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || ul > 2147483647UL)
				return eksl_usage_error(usage, "--ttl %s: not a "
				    "number of seconds from 0 to 2147483647",
				    optarg);
			o.ttl = (uint32_t)ul;
			break;
		case OPT_NS:
			o.ns = optarg;
			break;
		case OPT_CONTACT:
			o.contact = optarg;
			break;
		case OPT_SERVER:
			if (strcmp(optarg, "nsd") != 0 &&
			    strcmp(optarg, "knot") != 0 &&
			    strcmp(optarg, "bind") != 0)
				return eksl_usage_error(usage, "--server-conf "
				    "%s: not nsd, knot or bind", optarg);
			server = optarg;
			break;
		case OPT_RELOAD:
			reload = optarg;
			break;
		case 'v':
			eksl_verbosity = eksl_verbosity < 0 ? 1 :
			    eksl_verbosity + 1;
			break;
		case 'q':
			eksl_verbosity = -1;
			break;
		case OPT_HELP:
			usage(stdout);
			return EKSL_EXIT_OK;
		case OPT_VERSION:
			eksl_print_version();
			return EKSL_EXIT_OK;
		default:
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return eksl_usage_error(usage, "%s: unexpected argument",
		    argv[optind]);
	if (o.format == -1)
		return eksl_usage_error(usage, "--format is required");
	if (out != NULL && outdir != NULL)
		return eksl_usage_error(usage, "--out and --out-dir exclude "
		    "each other");
	if (server != NULL && (outdir == NULL || o.format !=
	    EKSL_ZONE_FMT_ZONE))
		return eksl_usage_error(usage, "--server-conf needs --format "
		    "zone and --out-dir");
	if (server != NULL && strpbrk(outdir, "\"\\\n") != NULL)
		return eksl_usage_error(usage, "--out-dir %s: cannot be quoted "
		    "in a %s configuration", outdir, server);
	if (reload != NULL && out == NULL && outdir == NULL)
		return eksl_usage_error(usage, "--reload needs --out or "
		    "--out-dir");
	if ((set = eksl_zone_set_new(&o, err, sizeof(err))) == NULL)
		return eksl_usage_error(usage, "%s", err);

	/* all records first: a zone may hold the hosts of many */
	files = out != NULL || outdir != NULL;
	if ((rc = read_records(set, files, &recs, &nrecs, &bad)) !=
	    EKSL_EXIT_OK)
		goto out;
	if (!bad && eksl_zone_set_finish(set, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		note_all(recs, nrecs, err);
		bad = 1;
	}
	if (!bad && out != NULL && o.format == EKSL_ZONE_FMT_ZONE &&
	    eksl_zone_count(set) > 1) {
		snprintf(err, sizeof(err), "%s: one zone file cannot hold %zu "
		    "zones; use --origin or --out-dir", out,
		    eksl_zone_count(set));
		eksl_err("%s", err);
		note_all(recs, nrecs, err);
		bad = 1;
	}
	if (bad) {
		/* nothing is written when any input is bad */
		rc = EKSL_EXIT_INPUT;
		for (size_t i = 0; files && i < nrecs; i++)
			if (eksl_record_write(stdout, recs[i], err,
			    sizeof(err)) == -1) {
				eksl_err("%s", err);
				break;
			}
		goto out;
	}
	if (eksl_zone_origin_public(set))
		eksl_warn("--origin %s: a public parent zone: a server "
		    "authoritative for it answers NXDOMAIN for every other "
		    "name under it", o.origin);

	base = eksl_serial_base(time(NULL));
	if (!files) {
		rc = to_stdout(set, o.format, base, recs, nrecs);
		goto out;
	}

	/* one unit per file: per zone with --out-dir, all in one with --out */
	if (outdir != NULL && eksl_mkdirs(outdir, 0755, err, sizeof(err)) ==
	    -1) {
		eksl_err("%s", err);
		rc = EKSL_EXIT_IO;
		goto out;
	}
	if ((units = eksl_zone_units_new(set, out, outdir, &nunits)) == NULL) {
		eksl_err("out of memory");
		rc = EKSL_EXIT_IO;
		goto out;
	}
	rc = update_units(set, outdir != NULL, base, units, nunits, &changed);
	if (server != NULL) {
		if ((r = eksl_zone_server_conf_write(set, server, outdir, units,
		    nunits, &confpath, err, sizeof(err))) == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_IO);
		} else {
			eksl_info("%s: %s", confpath, r ? "written" :
			    "unchanged");
			changed |= r;
		}
	}
	rerr[0] = '\0';
	if (reload != NULL && changed && eksl_zone_reload(reload, rerr,
	    sizeof(rerr)) == -1) {
		eksl_err("%s", rerr);
		rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
	}

	for (size_t i = 0; i < nrecs; i++) {
		host = eksl_json_str(recs[i], "host");
		u = outdir != NULL ? eksl_zone_of(set, host) : 0;
		if ((r = eksl_zone_record_note(recs[i], set, units, nunits, u,
		    o.format, rerr, TOOL, warn, sizeof(warn))) == -1) {
			eksl_err("out of memory");
			rc = EKSL_EXIT_IO;
			goto out;
		}
		if (warn[0] != '\0')
			eksl_warn("%s", warn);
		rc = EKSL_EXIT_WORST(rc, r);
		if (eksl_record_write(stdout, recs[i], err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_IO;
			goto out;
		}
	}
out:
	for (size_t i = 0; i < nrecs; i++)
		json_decref(recs[i]);
	free(recs);
	eksl_zone_units_free(units, nunits);
	free(confpath);
	eksl_zone_set_free(set);
	return rc;
}
