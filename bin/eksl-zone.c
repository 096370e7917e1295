/*
 * eksl-zone: DNS data for an on-prem server from the cluster records on
 * stdin: an RFC 1035 zone, an RPZ zone, unbound local-data, dnsmasq
 * host-record lines or a hosts file.  Files change only when the data
 * does; the SOA serial then grows (RFC 1982) and --reload runs once.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "exitcodes.h"
#include "msg.h"
#include "record.h"
#include "zone.h"

#define TOOL		"eksl-zone"
#define MAX_RECORDS	1000000		/* cap on records read from stdin */
#define MAX_ADDRS	64		/* cap on addresses in one record */

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

struct unit {
	char			*file;
	int			 ok;	/* updated without error */
	char			 err[EKSL_ERRLEN];
	struct eksl_zone_result	 res;
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

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char msg[EKSL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eksl_err("%s", msg);
	usage(stderr);
	return EKSL_EXIT_USAGE;
}

/* Read one record's addresses[].ip into ips; -1 with err when malformed. */
static int
record_ips(json_t *rec, const char *host, const char **ips, size_t *n,
    char *err, size_t errlen)
{
	json_t *arr, *a;
	size_t i;
	const char *ip;

	*n = 0;
	if ((arr = json_object_get(rec, "addresses")) == NULL ||
	    json_is_null(arr))
		return 0;
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: addresses: not an array", host);
		return -1;
	}
	if (json_array_size(arr) > MAX_ADDRS) {
		snprintf(err, errlen, "%s: addresses: more than %d", host,
		    MAX_ADDRS);
		return -1;
	}
	json_array_foreach(arr, i, a) {
		if ((ip = eksl_json_str(a, "ip")) == NULL) {
			snprintf(err, errlen, "%s: addresses[%zu]: no ip", host,
			    i);
			return -1;
		}
		ips[(*n)++] = ip;
	}
	return 0;
}

/* Run COMMAND with /bin/sh, its stdout on our stderr; 0 when it exits 0. */
static int
run_reload(const char *cmd, char *err, size_t errlen)
{
	pid_t pid;
	int st, fd;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "--reload: cannot fork: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* stdout carries records: the command must not write there */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, STDIN_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "--reload: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(err, errlen, "--reload: %s: exited with status %d", cmd,
		    WEXITSTATUS(st));
	else
		snprintf(err, errlen, "--reload: %s: killed by signal %d", cmd,
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

/* Write the --server-conf include file; 1 changed, 0 same, -1 error. */
static int
write_server_conf(struct eksl_zone_set *set, const char *server,
    const char *dir, struct unit *units, size_t nunits, char **path)
{
	char absdir[PATH_MAX], err[EKSL_ERRLEN];
	struct eksl_buf b;
	struct eksl_lock *lk = NULL;
	int *inc = NULL, rc = -1;

	eksl_buf_init(&b, 0);
	*path = NULL;
	if (realpath(dir, absdir) == NULL) {
		eksl_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((inc = calloc(nunits + 1, sizeof(int))) == NULL ||
	    asprintf(path, "%s/eksl-%s.conf", dir, server) == -1) {
		*path = NULL;
		eksl_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nunits; i++)
		inc[i] = units[i].res.written ||
		    access(units[i].file, F_OK) == 0;
	if (eksl_zone_server_conf(set, server, absdir, inc, &b, err,
	    sizeof(err)) == -1 ||
	    eksl_lock_take(*path, EKSL_LOCK_TIMEOUT_MS, &lk, err,
	    sizeof(err)) == -1 ||
	    (rc = eksl_file_replace(*path, b.data, b.len, 0644, 0, err,
	    sizeof(err))) == -1)
		eksl_err("%s", err);
	else
		eksl_info("%s: %s", *path, rc ? "written" : "unchanged");
out:
	eksl_lock_release(lk);
	eksl_buf_free(&b);
	free(inc);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct eksl_zone_opts o = { -1, NULL, EKSL_ZONE_TTL, NULL, NULL };
	const char *out = NULL, *outdir = NULL, *server = NULL, *reload = NULL;
	const char *ips[MAX_ADDRS], *host;
	struct eksl_zone_set *set = NULL;
	struct eksl_reader *rd = NULL;
	struct unit *units = NULL;
	json_t **recs = NULL, *rec, *z;
	size_t nrecs = 0, seen = 0, nunits = 0, n, u, na;
	char err[EKSL_ERRLEN], rerr[EKSL_ERRLEN], *end, *confpath = NULL;
	int c, r, rc = EKSL_EXIT_OK, bad = 0, changed = 0, st;
	unsigned long ul;
	uint32_t base;

	eksl_msg_init(argv[0]);
	while ((c = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if ((o.format = eksl_zone_format_parse(optarg)) == -1)
				return usage_error("--format %s: not zone, "
				    "unbound, dnsmasq, hosts or rpz", optarg);
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
				return usage_error("--ttl %s: not a number of "
				    "seconds from 0 to 2147483647", optarg);
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
				return usage_error("--server-conf %s: not nsd, "
				    "knot or bind", optarg);
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
		return usage_error("%s: unexpected argument", argv[optind]);
	if (o.format == -1)
		return usage_error("%s", "--format is required");
	if (out != NULL && outdir != NULL)
		return usage_error("%s", "--out and --out-dir exclude each other");
	if (server != NULL && (outdir == NULL || o.format !=
	    EKSL_ZONE_FMT_ZONE))
		return usage_error("%s", "--server-conf needs --format zone and "
		    "--out-dir");
	if (server != NULL && strpbrk(outdir, "\"\\\n") != NULL)
		return usage_error("--out-dir %s: cannot be quoted in a %s "
		    "configuration", outdir, server);
	if (reload != NULL && out == NULL && outdir == NULL)
		return usage_error("%s", "--reload needs --out or --out-dir");
	if ((set = eksl_zone_set_new(&o, err, sizeof(err))) == NULL)
		return usage_error("%s", err);

	/* all records first: a zone may hold the hosts of many */
	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		rc = EKSL_EXIT_IO;
		goto out;
	}
	for (;;) {
		r = eksl_reader_next(rd, &rec, err, sizeof(err));
		if (r == 0)
			break;
		if (r == -1) {
			eksl_err("%s", err);
			bad = 1;
			if (eksl_reader_failed(rd))
				break;
			continue;
		}
		if (++seen > MAX_RECORDS) {
			eksl_err("stdin: more than %d records", MAX_RECORDS);
			json_decref(rec);
			bad = 1;
			break;
		}
		na = 0;
		if ((host = eksl_record_host(rec)) == NULL) {
			snprintf(err, sizeof(err), "stdin: record %zu: no host "
			    "or endpoint", seen);
			r = -1;
		} else if ((r = record_ips(rec, host, ips, &na, err,
		    sizeof(err))) == 0)
			r = eksl_zone_add(set, host, ips, na, err, sizeof(err));
		if (r == -1) {
			eksl_err("%s", err);
			eksl_record_add_error(rec, TOOL, "input", "%s", err);
			bad = 1;
		}
		/*
		 * Without a file no record is printed: keep only those with
		 * no addresses, to warn about them (and spare the memory).
		 */
		if (out == NULL && outdir == NULL && (r == -1 || na > 0)) {
			json_decref(rec);
			continue;
		}
		if (nrecs % 1024 == 0) {
			json_t **nr = reallocarray(recs, nrecs + 1024,
			    sizeof(*nr));

			if (nr == NULL) {
				eksl_err("out of memory");
				json_decref(rec);
				rc = EKSL_EXIT_IO;
				goto out;
			}
			recs = nr;
		}
		recs[nrecs++] = rec;
	}
	if (!bad && eksl_zone_set_finish(set, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		for (size_t i = 0; i < nrecs; i++)
			eksl_record_add_error(recs[i], TOOL, "input", "%s", err);
		bad = 1;
	}
	if (!bad && out != NULL && o.format == EKSL_ZONE_FMT_ZONE &&
	    eksl_zone_count(set) > 1) {
		snprintf(err, sizeof(err), "%s: one zone file cannot hold %zu "
		    "zones; use --origin or --out-dir", out,
		    eksl_zone_count(set));
		eksl_err("%s", err);
		for (size_t i = 0; i < nrecs; i++)
			eksl_record_add_error(recs[i], TOOL, "input", "%s", err);
		bad = 1;
	}
	if (bad) {
		/* nothing is written when any input is bad */
		rc = EKSL_EXIT_INPUT;
		if (out == NULL && outdir == NULL)
			goto out;
		for (size_t i = 0; i < nrecs; i++)
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
	if (out == NULL && outdir == NULL) {
		struct eksl_zone_result res;

		if (o.format == EKSL_ZONE_FMT_ZONE && eksl_zone_count(set) > 1) {
			eksl_err("stdout: one zone cannot hold %zu zones; use "
			    "--origin or --out-dir", eksl_zone_count(set));
			rc = EKSL_EXIT_INPUT;
			goto out;
		}
		if (eksl_zone_update(set, EKSL_ZONE_ALL, NULL, base, &res, err,
		    sizeof(err)) == -1) {
			eksl_err("%s", err);
			rc = res.fail;
			goto out;
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
		goto out;
	}

	/* one unit per file: per zone with --out-dir, all in one with --out */
	if (outdir != NULL && eksl_mkdirs(outdir, 0755, err, sizeof(err)) ==
	    -1) {
		eksl_err("%s", err);
		rc = EKSL_EXIT_IO;
		goto out;
	}
	nunits = outdir != NULL ? eksl_zone_count(set) : 1;
	if ((units = calloc(nunits + 1, sizeof(*units))) == NULL) {
		eksl_err("out of memory");
		rc = EKSL_EXIT_IO;
		goto out;
	}
	for (u = 0; u < nunits; u++) {
		char *name = NULL;

		if (outdir == NULL)
			units[u].file = strdup(out);
		else if ((name = eksl_zone_file_name(set, u)) == NULL ||
		    asprintf(&units[u].file, "%s/%s", outdir, name) == -1)
			units[u].file = NULL;
		free(name);
		if (units[u].file == NULL) {
			eksl_err("out of memory");
			rc = EKSL_EXIT_IO;
			goto out;
		}
		if (eksl_zone_update(set, outdir != NULL ? u : EKSL_ZONE_ALL,
		    units[u].file, base, &units[u].res, units[u].err,
		    sizeof(units[u].err)) == -1) {
			eksl_err("%s", units[u].err);
			rc = EKSL_EXIT_WORST(rc, units[u].res.fail);
			continue;
		}
		units[u].ok = 1;
		eksl_buf_free(&units[u].res.data);
		changed |= units[u].res.changed;
		if (!units[u].res.written)
			eksl_info("%s: no addresses, not written",
			    units[u].file);
		else if (units[u].res.has_serial)
			eksl_info("%s: %s, serial %u", units[u].file,
			    units[u].res.changed ? "written" : "unchanged",
			    units[u].res.serial);
		else
			eksl_info("%s: %s", units[u].file,
			    units[u].res.changed ? "written" : "unchanged");
	}
	if (server != NULL) {
		if ((r = write_server_conf(set, server, outdir, units, nunits,
		    &confpath)) == -1)
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_IO);
		else
			changed |= r;
	}
	rerr[0] = '\0';
	if (reload != NULL && changed && run_reload(reload, rerr,
	    sizeof(rerr)) == -1) {
		eksl_err("%s", rerr);
		rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
	}

	for (size_t i = 0; i < nrecs; i++) {
		rec = recs[i];
		host = eksl_json_str(rec, "host");
		u = outdir != NULL ? eksl_zone_of(set, host) : 0;
		if (u >= nunits)
			goto write;	/* cannot happen: every host has a zone */
		st = eksl_zone_host_state(set, host, &n);
		if (!units[u].ok)
			eksl_record_add_error(rec, TOOL, units[u].res.fail ==
			    EKSL_EXIT_IO ? "io" : "input", "%s", units[u].err);
		else if (st == EKSL_ZONE_HOST_KEPT) {
			eksl_warn("%s: no addresses; kept %zu from %s", host, n,
			    units[u].file);
			eksl_record_add_error(rec, TOOL, "noaddr", "%s: no "
			    "addresses; kept %zu from %s", host, n,
			    units[u].file);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
		} else if (st == EKSL_ZONE_HOST_DROPPED) {
			eksl_warn("%s: no addresses and none in %s; left out",
			    host, units[u].file);
			eksl_record_add_error(rec, TOOL, "noaddr", "%s: no "
			    "addresses and none in %s; left out", host,
			    units[u].file);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
		}
		if (rerr[0] != '\0' && units[u].res.changed)
			eksl_record_add_error(rec, TOOL, "reload", "%s", rerr);
		z = json_pack("{s:s, s:s, s:o, s:b}", "file", units[u].file,
		    "format", eksl_zone_format_name(o.format), "serial",
		    units[u].ok && units[u].res.has_serial ?
		    json_integer(units[u].res.serial) : json_null(),
		    "changed", units[u].ok && units[u].res.changed);
		if (z == NULL || json_object_set_new(rec, "zone", z) == -1) {
			eksl_err("out of memory");
			rc = EKSL_EXIT_IO;
			goto out;
		}
write:
		if (eksl_record_write(stdout, rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_IO;
			goto out;
		}
	}
out:
	for (size_t i = 0; i < nrecs; i++)
		json_decref(recs[i]);
	free(recs);
	for (u = 0; units != NULL && u < nunits; u++) {
		free(units[u].file);
		eksl_buf_free(&units[u].res.data);
	}
	free(units);
	free(confpath);
	eksl_reader_free(rd);
	eksl_zone_set_free(set);
	return rc;
}
