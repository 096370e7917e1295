/*
 * eksl-zone's records in, files and record fields out (see zoneout.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "buf.h"
#include "exitcodes.h"
#include "record.h"
#include "zone.h"
#include "zoneout.h"

int
eksl_zone_record_ips(json_t *rec, const char *host, const char **ips,
    size_t *n, char *err, size_t errlen)
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
	if (json_array_size(arr) > EKSL_ZONE_MAX_ADDRS) {
		snprintf(err, errlen, "%s: addresses: more than %d", host,
		    EKSL_ZONE_MAX_ADDRS);
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

int
eksl_zone_add_record(struct eksl_zone_set *s, json_t *rec, size_t nth,
    size_t *naddrs, char *err, size_t errlen)
{
	const char *ips[EKSL_ZONE_MAX_ADDRS], *host;

	*naddrs = 0;
	if ((host = eksl_record_host(rec)) == NULL) {
		snprintf(err, errlen, "stdin: record %zu: %s", nth,
		    errno == ENOMEM ? strerror(ENOMEM) : "no host or endpoint");
		return -1;
	}
	if (eksl_zone_record_ips(rec, host, ips, naddrs, err, errlen) == -1)
		return -1;
	return eksl_zone_add(s, host, ips, *naddrs, err, errlen);
}

struct eksl_zone_unit *
eksl_zone_units_new(const struct eksl_zone_set *s, const char *out,
    const char *outdir, size_t *n)
{
	struct eksl_zone_unit *units;
	char *name;
	size_t u;

	*n = outdir != NULL ? eksl_zone_count(s) : 1;
	if ((units = calloc(*n + 1, sizeof(*units))) == NULL)
		return NULL;
	for (u = 0; u < *n; u++) {
		name = NULL;
		if (outdir == NULL)
			units[u].file = strdup(out);
		else if ((name = eksl_zone_file_name(s, u)) == NULL ||
		    asprintf(&units[u].file, "%s/%s", outdir, name) == -1)
			units[u].file = NULL;
		free(name);
		if (units[u].file == NULL) {
			eksl_zone_units_free(units, *n);
			return NULL;
		}
	}
	return units;
}

void
eksl_zone_units_free(struct eksl_zone_unit *units, size_t n)
{
	size_t u;

	for (u = 0; units != NULL && u < n; u++) {
		free(units[u].file);
		eksl_buf_free(&units[u].res.data);
	}
	free(units);
}

int
eksl_zone_server_conf_write(const struct eksl_zone_set *s,
    const char *server, const char *dir, const struct eksl_zone_unit *units,
    size_t n, char **path, char *err, size_t errlen)
{
	char absdir[PATH_MAX];
	struct eksl_buf b;
	struct eksl_lock *lk = NULL;
	int *inc = NULL, rc = -1;
	size_t i;

	eksl_buf_init(&b, 0);
	*path = NULL;
	if (realpath(dir, absdir) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((inc = calloc(n + 1, sizeof(int))) == NULL ||
	    asprintf(path, "%s/eksl-%s.conf", dir, server) == -1) {
		*path = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		inc[i] = units[i].res.written ||
		    access(units[i].file, F_OK) == 0;
	if (eksl_zone_server_conf(s, server, absdir, inc, &b, err,
	    errlen) == -1 ||
	    eksl_lock_take(*path, EKSL_LOCK_TIMEOUT_MS, &lk, err,
	    errlen) == -1)
		goto out;
	rc = eksl_file_replace(*path, b.data, b.len, 0644, 0, err, errlen);
out:
	eksl_lock_release(lk);
	eksl_buf_free(&b);
	free(inc);
	return rc;
}

int
eksl_zone_reload(const char *cmd, char *err, size_t errlen)
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

int
eksl_zone_record_note(json_t *rec, const struct eksl_zone_set *s,
    const struct eksl_zone_unit *units, size_t nunits, size_t u, int format,
    const char *reload_err, const char *tool, char *warn, size_t warnlen)
{
	const struct eksl_zone_unit *un;
	const char *host = eksl_json_str(rec, "host");
	json_t *z;
	size_t n;
	int st, bad = 0, rc = EKSL_EXIT_OK;

	warn[0] = '\0';
	if (u >= nunits)
		return EKSL_EXIT_OK;	/* cannot happen: every host has a zone */
	un = &units[u];
	st = eksl_zone_host_state(s, host, &n);
	if (!un->ok)
		bad |= eksl_record_add_error(rec, tool, un->res.fail ==
		    EKSL_EXIT_IO ? "io" : "input", "%s", un->err) == -1;
	else if (st == EKSL_ZONE_HOST_KEPT) {
		snprintf(warn, warnlen, "%s: no addresses; kept %zu from %s",
		    host, n, un->file);
		bad |= eksl_record_add_error(rec, tool, "noaddr", "%s",
		    warn) == -1;
		rc = EKSL_EXIT_DEGRADED;
	} else if (st == EKSL_ZONE_HOST_DROPPED) {
		snprintf(warn, warnlen, "%s: no addresses and none in %s; left "
		    "out", host, un->file);
		bad |= eksl_record_add_error(rec, tool, "noaddr", "%s",
		    warn) == -1;
		rc = EKSL_EXIT_DEGRADED;
	}
	if (reload_err[0] != '\0' && un->res.changed)
		bad |= eksl_record_add_error(rec, tool, "reload", "%s",
		    reload_err) == -1;
	/* A record must not go out without the error it should carry. */
	if (bad)
		return -1;
	z = json_pack("{s:s, s:s, s:o, s:b}", "file", un->file, "format",
	    eksl_zone_format_name(format), "serial", un->ok &&
	    un->res.has_serial ? json_integer(un->res.serial) : json_null(),
	    "changed", un->ok && un->res.changed);
	if (z == NULL || json_object_set_new(rec, "zone", z) == -1)
		return -1;
	return rc;
}
