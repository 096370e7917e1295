/*
 * TCP reachability of many addresses at once: a non-blocking connect to
 * each, all in parallel, with one timeout.
 */
#ifndef EKSL_PROBE_H
#define EKSL_PROBE_H

#include <stddef.h>

#define EKSL_PROBE_BATCH	512	/* sockets open at the same time */

struct eksl_probe {
	const char	*ip;		/* in: IPv4 or IPv6 text; borrowed */
	unsigned short	 port;		/* in */
	int		 reachable;	/* out: 1 when the connect completed */
	double		 rtt_ms;	/* out: connect time when reachable */
	int		 error;		/* out: errno when not (ETIMEDOUT...) */
};

/*
 * Probe p[0..n): connect to each ip:port, at most EKSL_PROBE_BATCH at a
 * time, each batch waiting at most timeout_ms, and fill the out fields.
 * Returns 0, or -1 when probing itself failed (err "probe: reason").
 */
int	eksl_probe_tcp(struct eksl_probe *p, size_t n, int timeout_ms,
	    char *err, size_t errlen);

#endif
