/*
 * The last-known-good answer for an endpoint host: one small JSON file per
 * host in a state directory, written while DNS answers, read when it does
 * not.  The file is {"host": H, "since": T, "addresses": [{"ip", "ttl"}]}
 * with the addresses sorted by ip; "since" is when this set of addresses
 * was first saved (RFC 3339, UTC).
 */
#ifndef EKSL_LKG_H
#define EKSL_LKG_H

#include <stddef.h>
#include <jansson.h>

#define EKSL_LKG_MAX_FILE	(64 * 1024)	/* cap on one file */

/*
 * The default state directory: /var/lib/eksl for root, else
 * $XDG_STATE_HOME/eksl, else $HOME/.local/state/eksl.  Returns a new
 * string (caller frees), or NULL when none can be named (no HOME).
 */
char	*eksl_lkg_default_dir(void);

/*
 * The file of host in dir, "DIR/resolve/HOST.json" with HOST in lower case
 * and without a final dot; a new string, or NULL when host is not a valid
 * host name (it becomes part of a path) or memory runs out.
 */
char	*eksl_lkg_path(const char *dir, const char *host);

/*
 * Read host's last-known-good from dir without a lock (files are only
 * ever renamed into place, so a reader sees a whole one).  Returns 1 with
 * *out a new reference to the object (its "addresses" array has at least
 * one {ip, ttl} with a valid IP); 0 when there is none; -1 when the file
 * cannot be read or is not valid (err "PATH: reason").
 */
int	eksl_lkg_load(const char *dir, const char *host, json_t **out,
	    char *err, size_t errlen);

/*
 * Save addrs (an array of {ip, ttl}, at least one) as host's
 * last-known-good, atomically and under the file's lock, with since =
 * now.  The saved file is read again under the lock: if it holds the
 * same set of IPs nothing is written (returns 0); if it holds more
 * addresses than addrs, it is kept, since a worse answer never replaces
 * a better one (returns 2).  Returns 1 when written, -1 on error (err
 * "PATH: reason"; nothing changed).
 */
int	eksl_lkg_save(const char *dir, const char *host, const json_t *addrs,
	    const char *now, char *err, size_t errlen);

/* 1 when the arrays of {ip, ...} a and b hold the same set of IPs. */
int	eksl_lkg_same(const json_t *a, const json_t *b);

#endif
