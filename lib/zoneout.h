/*
 * Where eksl-zone's data goes once lib/zone has it: records read into a
 * zone set, the output files (one per zone with --out-dir, one with
 * --out), the server's include file (--server-conf), the reload command
 * (--reload), and each record's "zone" field.  Nothing here prints; the
 * program prints what these return.
 */
#ifndef EKSL_ZONEOUT_H
#define EKSL_ZONEOUT_H

#include <stddef.h>

#include <jansson.h>

#include "msg.h"
#include "zone.h"

#define EKSL_ZONE_MAX_ADDRS	64	/* cap on addresses in one record */

/* One output file and how its update went. */
struct eksl_zone_unit {
	char			*file;
	int			 ok;	/* updated without error */
	char			 err[EKSL_ERRLEN];
	struct eksl_zone_result	 res;
};

/*
 * Read rec's addresses[].ip (at most EKSL_ZONE_MAX_ADDRS; borrowed from
 * rec) into ips and *n; none (absent or null) is fine.  Returns 0, or -1
 * with err "HOST: addresses: reason".
 */
int	eksl_zone_record_ips(json_t *rec, const char *host, const char **ips,
	    size_t *n, char *err, size_t errlen);

/*
 * Add record number nth (1-based, for messages) of stdin to s: its host
 * and addresses.  *naddrs gets the number of addresses.  Returns 0, or -1
 * with err ("stdin: record N: no host or endpoint", "HOST: reason").
 */
int	eksl_zone_add_record(struct eksl_zone_set *s, json_t *rec, size_t nth,
	    size_t *naddrs, char *err, size_t errlen);

/*
 * The output files of finished set s: one named out, or one per zone in
 * outdir.  Returns a new array of *n units (free with
 * eksl_zone_units_free), or NULL out of memory.
 */
struct eksl_zone_unit *eksl_zone_units_new(const struct eksl_zone_set *s,
	    const char *out, const char *outdir, size_t *n);

/* Free units[0..n) and the array; NULL is allowed. */
void	eksl_zone_units_free(struct eksl_zone_unit *units, size_t n);

/*
 * Write "eksl-SERVER.conf" in dir (under its lock; unchanged content not
 * rewritten), including every unit's file that was written or exists.
 * *path gets the file's name (a new string, caller frees; NULL on
 * failure before it is known).  Returns 1 changed, 0 unchanged, -1 with
 * err.
 */
int	eksl_zone_server_conf_write(const struct eksl_zone_set *s,
	    const char *server, const char *dir,
	    const struct eksl_zone_unit *units, size_t n, char **path,
	    char *err, size_t errlen);

/*
 * Run cmd with /bin/sh -c, its stdin /dev/null and its stdout on our
 * stderr (stdout carries records); stdout is flushed first.  Returns 0
 * when it exits 0, else -1 with err "--reload: ...".
 */
int	eksl_zone_reload(const char *cmd, char *err, size_t errlen);

/*
 * Note in rec (whose host is in unit u of units, or none when u is out
 * of range) how its file went: an errors[] entry (tool names the
 * program) for a failed unit, a host kept from or dropped from the file,
 * a failed reload (reload_err not "") of a changed unit; then its "zone"
 * field {file, format, serial, changed}.  warn gets the warning to print
 * ("" when none).  Returns EKSL_EXIT_OK, EKSL_EXIT_DEGRADED (no
 * addresses: kept or dropped), or -1 out of memory.
 */
int	eksl_zone_record_note(json_t *rec, const struct eksl_zone_set *s,
	    const struct eksl_zone_unit *units, size_t nunits, size_t u,
	    int format, const char *reload_err, const char *tool, char *warn,
	    size_t warnlen);

#endif
