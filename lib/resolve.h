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
#include "lkg.h"

#define EKSL_RESOLVE_ERR	-1	/* note levels: an error */
#define EKSL_RESOLVE_WARN	0	/* a warning */
#define EKSL_RESOLVE_INFO	1	/* detail for -v */

/* Receives one message line "HOST: ..." at a level above; may be NULL. */
typedef void eksl_resolve_note_fn(int level, const char *line, void *arg);

struct eksl_resolve_ctx {
	const char		*tool;		/* errors[] "tool" */
	struct eksl_lkg		*lkg;		/* NULL: no last-known-good */
	const char		*now;		/* RFC 3339 UTC, for "at" */
	const json_t		*servers;	/* array of "IP:PORT"; borrowed */
	eksl_resolve_note_fn	*note;
	void			*arg;
	/* kept by eksl_resolve_apply; eksl_resolve_ctx_clear releases them */
	json_t			*answered;	/* shared "resolve" */
	json_t			*dns_source;	/* shared "dns" */
};

/*
 * Apply q (the answers for host, which rec names) to rec: set
 * rec.addresses and rec.resolve (values that may be shared with other
 * records: change them only by replacing them), compare with host's last-known-good in
 * ctx->lkg and queue a new answer there (rec, borrowed, must live until
 * eksl_resolve_save), add an errors[] entry when no address is left.
 * Returns the record's exit status: EKSL_EXIT_OK (DNS answered),
 * EKSL_EXIT_DEGRADED (a fallback was used), EKSL_EXIT_UNREACHABLE (no
 * address at all), EKSL_EXIT_IO (the answer could not be queued).
 */
int	eksl_resolve_apply(json_t *rec, const char *host,
	    const struct eksl_dns_query *q, struct eksl_resolve_ctx *ctx);

/*
 * Save the answers eksl_resolve_apply queued in ctx->lkg (one write at
 * most) and say what became of each.  Returns EKSL_EXIT_OK, or
 * EKSL_EXIT_IO when they could not be saved: each record concerned then
 * has an errors[] entry with code "io".
 */
int	eksl_resolve_save(struct eksl_resolve_ctx *ctx);

/*
 * Release what eksl_resolve_apply kept in ctx (values the records share,
 * which hold their own references).
 */
void	eksl_resolve_ctx_clear(struct eksl_resolve_ctx *ctx);

/*
 * Sort an array of {ip, ...} in place: IPv4 before IPv6, each in numeric
 * order.  Returns 0 or -1 (out of memory).
 */
int	eksl_resolve_sort(json_t *addrs);

#endif
