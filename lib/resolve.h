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
	/* kept by the calls below; eksl_resolve_ctx_clear releases them */
	json_t			*answered;	/* shared "resolve" */
	json_t			*dns_source;	/* shared "dns" */
	char			 save_err[1024];	/* why saving failed */
};

/* What eksl_resolve_prepare found for one host, for eksl_resolve_apply. */
struct eksl_resolve_state {
	int	lkg;		/* a valid last-known-good exists */
	int	answered;	/* DNS answered both types, some address */
	int	changed;	/* ... with other IPs than the last-known-good */
	int	saved;		/* -1 not saved (error), 0 no need, 1 saved,
				   2 kept a larger one out */
	struct eksl_lkg_entry *fallback;	/* DNS failed: the
				   last-known-good; owned */
};

/*
 * A run takes three steps, so that the last-known-good file is written
 * once, and each record can be written (and freed) as soon as it is
 * ready: eksl_resolve_prepare for every host, eksl_resolve_save, then
 * eksl_resolve_apply for every record.
 *
 * Prepare: compare q (the answers for host) with host's last-known-good
 * in ctx->lkg, report a change, queue an answer to save; fill *st (which
 * must live until eksl_resolve_save).
 */
void	eksl_resolve_prepare(const char *host, const struct eksl_dns_query *q,
	    struct eksl_resolve_state *st, struct eksl_resolve_ctx *ctx);

/*
 * Save the answers queued in ctx->lkg (one write at most) and say what
 * became of each.  Returns EKSL_EXIT_OK, or EKSL_EXIT_IO when they could
 * not be saved (reported; their states say so).
 */
int	eksl_resolve_save(struct eksl_resolve_ctx *ctx);

/*
 * Apply q and st (host's, which rec names) to rec: set rec.addresses and
 * rec.resolve (values that may be shared with other records: change them
 * only by replacing them), falling back to the last-known-good answer and
 * the controlPlane; add an errors[] entry when no address is left or the
 * answer could not be saved.  Returns the record's exit status:
 * EKSL_EXIT_OK (DNS answered), EKSL_EXIT_DEGRADED (a fallback was used),
 * EKSL_EXIT_UNREACHABLE (no address at all), EKSL_EXIT_IO (not saved).
 */
int	eksl_resolve_apply(json_t *rec, const char *host,
	    const struct eksl_dns_query *q, const struct eksl_resolve_state *st,
	    struct eksl_resolve_ctx *ctx);

/*
 * Release what the calls above kept in ctx (values the records share,
 * which hold their own references).
 */
void	eksl_resolve_ctx_clear(struct eksl_resolve_ctx *ctx);

/* Release what eksl_resolve_prepare kept in st. */
void	eksl_resolve_state_clear(struct eksl_resolve_state *st);

/*
 * Sort an array of {ip, ...} in place: IPv4 before IPv6, each in numeric
 * order.  Returns 0 or -1 (out of memory).
 */
int	eksl_resolve_sort(json_t *addrs);

#endif
