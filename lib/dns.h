/*
 * Resolve many host names at once with c-ares: A and AAAA for every name,
 * all names in flight together under a cap on outstanding queries, a
 * timeout and a number of tries per query, and every failure classified
 * (NXDOMAIN, SERVFAIL, REFUSED, timeout, no servers, ...).
 */
#ifndef EKSL_DNS_H
#define EKSL_DNS_H

#include <stddef.h>
#include <netinet/in.h>

#define EKSL_DNS_MAX_SERVERS	8	/* --server may be given this often */
#define EKSL_DNS_MAX_ADDRS	64	/* addresses kept per name and family */
#define EKSL_DNS_INFLIGHT	100	/* default cap on outstanding queries */
#define EKSL_DNS_SERVERLEN	(INET6_ADDRSTRLEN + 8)	/* "[v6]:port" */

enum eksl_dns_status {
	EKSL_DNS_OK = 0,	/* an answer with at least one address */
	EKSL_DNS_NODATA,	/* the name exists, no record of this type */
	EKSL_DNS_NXDOMAIN,	/* the name does not exist */
	EKSL_DNS_SERVFAIL,	/* the server failed (SERVFAIL) */
	EKSL_DNS_REFUSED,	/* the server refused (REFUSED, NOTIMP) */
	EKSL_DNS_TIMEOUT,	/* no answer within timeout x tries */
	EKSL_DNS_CONNREFUSED,	/* nothing listens on the server's port */
	EKSL_DNS_NOSERVERS,	/* no server configured */
	EKSL_DNS_ERROR		/* anything else (bad answer, no memory) */
};

/* A DNS server: address family, binary address, UDP/TCP port. */
struct eksl_dns_server {
	int		family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
	}		addr;
	unsigned short	port;
};

struct eksl_dns_addr {
	int		family;
	char		ip[INET6_ADDRSTRLEN];
	unsigned int	ttl;
};

/* The outcome of one name for one type (A or AAAA). */
struct eksl_dns_answer {
	enum eksl_dns_status	status;
	struct eksl_dns_addr	*addrs;	/* naddrs of them; owned */
	size_t			naddrs;
};

/* One name to resolve: the caller sets name, eksl_dns_resolve fills a/aaaa. */
struct eksl_dns_query {
	const char		*name;	/* borrowed; must stay valid */
	struct eksl_dns_answer	 a;
	struct eksl_dns_answer	 aaaa;
};

struct eksl_dns_opts {
	const struct eksl_dns_server *servers;	/* NULL: system configuration */
	size_t		nservers;
	int		timeout_ms;	/* per try and server; 0 means 2000 */
	int		tries;		/* 0 means 2 */
	int		inflight;	/* cap on outstanding queries; 0: default */
};

/*
 * Parse a server given as "IPV4[:PORT]", "IPV6" or "[IPV6][:PORT]" (port
 * 53 when absent) into *s.  Host names are not accepted: resolving the
 * resolver would need a resolver.  Returns 0, or -1 with err
 * "SPEC: reason".
 */
int	eksl_dns_server_parse(const char *spec, struct eksl_dns_server *s,
	    char *err, size_t errlen);

/* Format s as "IPV4:PORT" or "[IPV6]:PORT" into buf (EKSL_DNS_SERVERLEN). */
void	eksl_dns_server_format(const struct eksl_dns_server *s, char *buf,
	    size_t len);

/*
 * Resolve A and AAAA for q[0..n) concurrently.  Returns 0 when the
 * queries ran (each answer carries its own status, whatever it is), or
 * -1 when they could not start (c-ares failed to initialise; err set).
 * The servers actually asked are stored in used[0..*nused) (at most
 * EKSL_DNS_MAX_SERVERS; used may be NULL).  The answers' addresses are
 * allocated: release them with eksl_dns_query_clear.
 */
int	eksl_dns_resolve(struct eksl_dns_query *q, size_t n,
	    const struct eksl_dns_opts *o, struct eksl_dns_server *used,
	    size_t *nused, char *err, size_t errlen);

/* Free the addresses held by the answers of q[0..n). */
void	eksl_dns_query_clear(struct eksl_dns_query *q, size_t n);

/* A short, stable word for st ("NXDOMAIN", "timeout", ...); static. */
const char *eksl_dns_status_str(enum eksl_dns_status st);

#endif
