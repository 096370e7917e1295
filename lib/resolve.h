/*
 * The record side of eksl-resolve: turn the DNS answers for a record's
 * host into its "addresses" and "resolve" fields, falling back to the
 * last-known-good answer and then to controlPlane[].privateIp, flagging
 * an answer that changed, and saving a good answer as last-known-good.
 */
#ifndef EKSL_RESOLVE_H
#define EKSL_RESOLVE_H

#include <jansson.h>

#include "dns.h"

#define EKSL_RESOLVE_ERR	-1	/* note levels: an error */
#define EKSL_RESOLVE_WARN	0	/* a warning */
#define EKSL_RESOLVE_INFO	1	/* detail for -v */

/* Receives one message line "HOST: ..." at a level above; may be NULL. */
typedef void eksl_resolve_note_fn(int level, const char *line, void *arg);

struct eksl_resolve_ctx {
	const char		*tool;		/* errors[] "tool" */
	const char		*state_dir;	/* NULL: no last-known-good */
	const char		*now;		/* RFC 3339 UTC, for "at" */
	const json_t		*servers;	/* array of "IP:PORT"; borrowed */
	eksl_resolve_note_fn	*note;
	void			*arg;
};

/*
 * Apply q (the answers for host, which rec names) to rec: set
 * rec.addresses and rec.resolve, compare with lkg (host's last-known-good
 * as eksl_lkg_load gave it, borrowed, or NULL) and save a better answer
 * in ctx->state_dir, add an errors[] entry when no address is left.
 * Returns the record's exit status: EKSL_EXIT_OK (DNS answered),
 * EKSL_EXIT_DEGRADED (a fallback was used), EKSL_EXIT_UNREACHABLE (no
 * address at all), EKSL_EXIT_IO (the last-known-good could not be saved).
 */
int	eksl_resolve_apply(json_t *rec, const char *host,
	    const struct eksl_dns_query *q, const json_t *lkg,
	    const struct eksl_resolve_ctx *ctx);

/*
 * Sort an array of {ip, ...} in place: IPv4 before IPv6, each in numeric
 * order.  Returns 0 or -1 (out of memory).
 */
int	eksl_resolve_sort(json_t *addrs);

#endif
