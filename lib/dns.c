/*
 * Concurrent A/AAAA resolution with c-ares, driven by poll(2) through
 * ares_getsock/ares_timeout/ares_process_fd (c-ares 1.18 has no event
 * thread).  Queries are issued from a queue so that at most
 * o->inflight are outstanding: a thousand at once overflow the UDP
 * receive buffer and answers are lost.
 *
 * Each server gets a channel of its own, and this module moves a query
 * from server to server itself: c-ares 1.18 doubles its timeout on every
 * round (the promise here is timeout x tries per server), and, when it
 * fails over on SERVFAIL or REFUSED, reports either as "connection
 * refused".  So every channel makes one try with checking of the answer
 * off, and a query goes to the next server on a timeout, a refused port,
 * SERVFAIL or REFUSED, round after round, up to the number of tries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns.h"

/* c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit */
#define READABLE(bits, i)	(((unsigned int)(bits) >> (i)) & 1u)
#define WRITABLE(bits, i)	\
	(((unsigned int)(bits) >> ((i) + ARES_GETSOCK_MAXNUM)) & 1u)

#define DEF_TIMEOUT_MS	2000
#define DEF_TRIES	2
#define RESOLV_CONF	"/etc/resolv.conf"
#define CLASS_IN	1
#define TYPE_A		1
#define TYPE_AAAA	28

/* A query in flight; jobs exist only while they are (a pool of cap). */
struct job {
	struct run		*run;
	struct eksl_dns_answer	*ans;
	const char		*name;
	int			 type;	/* TYPE_A or TYPE_AAAA */
	size_t			 attempts;	/* made so far */
	struct job		*next;	/* in the free list */
};

struct run {
	ares_channel	ch[EKSL_DNS_MAX_SERVERS];	/* one per server */
	int		guessed;	/* c-ares's default, no server named */
	size_t		nch;
	size_t		maxattempts;	/* tries x servers; 0 when stopping */
	size_t		outstanding;
	struct job	*free;		/* jobs not in flight */
};

static int	lib_ready;

const char *
eksl_dns_status_str(enum eksl_dns_status st)
{
	switch (st) {
	case EKSL_DNS_OK:
		return "ok";
	case EKSL_DNS_NODATA:
		return "no data";
	case EKSL_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case EKSL_DNS_SERVFAIL:
		return "SERVFAIL";
	case EKSL_DNS_REFUSED:
		return "REFUSED";
	case EKSL_DNS_TIMEOUT:
		return "timeout";
	case EKSL_DNS_CONNREFUSED:
		return "connection refused";
	case EKSL_DNS_NOSERVERS:
		return "no servers";
	case EKSL_DNS_ERROR:
		break;
	}
	return "error";
}

int
eksl_dns_server_parse(const char *spec, struct eksl_dns_server *s,
    char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	unsigned long p = 53;
	size_t n;
	char *ep;

	memset(s, 0, sizeof(*s));
	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL) {
			snprintf(err, errlen, "%s: missing ']'", spec);
			return -1;
		}
		n = (size_t)(end - spec - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			snprintf(err, errlen, "%s: junk after ']'", spec);
			return -1;
		}
		spec++;
	} else if ((end = strchr(spec, ':')) != NULL &&
	    strchr(end + 1, ':') == NULL) {
		/* one colon: IPv4:port; more: a bare IPv6 address */
		n = (size_t)(end - spec);
		port = end + 1;
	} else
		n = strlen(spec);
	if (n == 0 || n >= sizeof(host)) {
		snprintf(err, errlen, "%.*s: not an IP address",
		    (int)(n < 64 ? n : 64), spec);
		return -1;
	}
	memcpy(host, spec, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &s->addr.v4) == 1)
		s->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &s->addr.v6) == 1)
		s->family = AF_INET6;
	else {
		snprintf(err, errlen, "%s: not an IP address", host);
		return -1;
	}
	if (s->family == AF_INET6 && port != NULL && spec[-1] != '[') {
		snprintf(err, errlen, "%s: an IPv6 server with a port is "
		    "written [ADDRESS]:PORT", host);
		return -1;
	}
	if (port != NULL) {
		errno = 0;
		p = strtoul(port, &ep, 10);
		if (*port < '0' || *port > '9' || *ep != '\0' || errno != 0 ||
		    p == 0 || p > 65535) {
			snprintf(err, errlen, "%s: bad port '%s'", host, port);
			return -1;
		}
	}
	s->port = (unsigned short)p;
	return 0;
}

void
eksl_dns_server_format(const struct eksl_dns_server *s, char *buf,
    size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(s->family, &s->addr, ip, sizeof(ip)) == NULL)
		ip[0] = '\0';
	if (s->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, s->port);
	else
		snprintf(buf, len, "%s:%u", ip, s->port);
}

static enum eksl_dns_status
classify(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return EKSL_DNS_OK;
	case ARES_ENODATA:
		return EKSL_DNS_NODATA;
	case ARES_ENOTFOUND:
		return EKSL_DNS_NXDOMAIN;
	case ARES_ESERVFAIL:
		return EKSL_DNS_SERVFAIL;
	case ARES_EREFUSED:
	case ARES_ENOTIMP:
		return EKSL_DNS_REFUSED;
	case ARES_ETIMEOUT:
		return EKSL_DNS_TIMEOUT;
	case ARES_ECONNREFUSED:
		return EKSL_DNS_CONNREFUSED;
	default:
		return EKSL_DNS_ERROR;
	}
}

static void	on_answer(void *, int, int, unsigned char *, int);

static void
issue(struct job *j)
{
	ares_channel ch = j->run->ch[j->attempts % j->run->nch];

	j->attempts++;
	ares_query(ch, j->name, CLASS_IN, j->type, on_answer, j);
}

static void
parse_answer(struct job *j, unsigned char *abuf, int alen)
{
	struct ares_addrttl v4[EKSL_DNS_MAX_ADDRS];
	struct ares_addr6ttl v6[EKSL_DNS_MAX_ADDRS];
	struct eksl_dns_answer *ans = j->ans;
	int i, n = EKSL_DNS_MAX_ADDRS, rc;

	if (j->type == TYPE_A)
		rc = ares_parse_a_reply(abuf, alen, NULL, v4, &n);
	else
		rc = ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
	if (rc != ARES_SUCCESS) {
		ans->status = classify(rc);
		return;
	}
	free(ans->addrs);
	ans->naddrs = 0;
	if (n > 0 && (ans->addrs = calloc((size_t)n,
	    sizeof(*ans->addrs))) == NULL) {
		ans->status = EKSL_DNS_ERROR;
		return;
	}
	for (i = 0; i < n; i++) {
		struct eksl_dns_addr *a = &ans->addrs[ans->naddrs];

		if (j->type == TYPE_A) {
			a->family = AF_INET;
			a->ttl = v4[i].ttl < 0 ? 0 : (unsigned int)v4[i].ttl;
			if (inet_ntop(AF_INET, &v4[i].ipaddr, a->ip,
			    sizeof(a->ip)) == NULL)
				continue;
		} else {
			a->family = AF_INET6;
			a->ttl = v6[i].ttl < 0 ? 0 : (unsigned int)v6[i].ttl;
			if (inet_ntop(AF_INET6, &v6[i].ip6addr, a->ip,
			    sizeof(a->ip)) == NULL)
				continue;
		}
		ans->naddrs++;
	}
	ans->status = ans->naddrs > 0 ? EKSL_DNS_OK : EKSL_DNS_NODATA;
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job *j = arg;

	(void)timeouts;
	/* No answer, or one that says "ask someone else": next server. */
	if ((status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED ||
	    status == ARES_ESERVFAIL || status == ARES_EREFUSED ||
	    status == ARES_ENOTIMP) && j->attempts < j->run->maxattempts) {
		issue(j);
		return;
	}
	j->run->outstanding--;
	if (status == ARES_SUCCESS)
		parse_answer(j, abuf, alen);
	else if (j->run->guessed && (status == ARES_ETIMEOUT ||
	    status == ARES_ECONNREFUSED))
		j->ans->status = EKSL_DNS_NOSERVERS;
	else
		j->ans->status = classify(status);
	j->next = j->run->free;
	j->run->free = j;
}

/*
 * 1 when the system configuration names a server.  When it names none,
 * c-ares (like the C library) asks 127.0.0.1:53; if that gives no
 * answer, "no servers" says what is wrong better than "timeout".
 */
static int
system_names_server(void)
{
	char line[512];
	FILE *fp;
	int found = 0;

	if ((fp = fopen(RESOLV_CONF, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strncmp(line, "nameserver", 10) == 0 &&
		    (line[10] == ' ' || line[10] == '\t');
	fclose(fp);
	return found;
}

static int
set_server(ares_channel ch, const struct eksl_dns_server *s)
{
	struct ares_addr_port_node node;

	memset(&node, 0, sizeof(node));
	node.family = s->family;
	if (s->family == AF_INET)
		node.addr.addr4 = s->addr.v4;
	else
		memcpy(&node.addr.addr6, &s->addr.v6, sizeof(s->addr.v6));
	node.udp_port = s->port;
	node.tcp_port = s->port;
	return ares_set_servers_ports(ch, &node);
}

static size_t
get_servers(ares_channel ch, struct eksl_dns_server *used, size_t max)
{
	struct ares_addr_port_node *list = NULL, *p;
	size_t n = 0;

	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS)
		return 0;
	for (p = list; p != NULL; p = p->next) {
		if (used != NULL && n < max) {
			memset(&used[n], 0, sizeof(used[n]));
			used[n].family = p->family;
			if (p->family == AF_INET)
				used[n].addr.v4 = p->addr.addr4;
			else
				memcpy(&used[n].addr.v6, &p->addr.addr6,
				    sizeof(used[n].addr.v6));
			used[n].port = (unsigned short)(p->udp_port != 0 ?
			    p->udp_port : 53);
		}
		n++;
	}
	ares_free_data(list);
	return n;
}

/* Wait for the channels' sockets or their next timeout, then process. */
static int
step(struct run *run)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[EKSL_DNS_MAX_SERVERS * ARES_GETSOCK_MAXNUM];
	size_t owner[EKSL_DNS_MAX_SERVERS * ARES_GETSOCK_MAXNUM];
	struct timeval tv, maxtv, *tvp;
	int bits, i, nfds = 0, ms = -1, m, rc;
	size_t c;

	for (c = 0; c < run->nch; c++) {
		bits = ares_getsock(run->ch[c], socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			if (!READABLE(bits, i) &&
			    !WRITABLE(bits, i))
				continue;
			pfd[nfds].fd = socks[i];
			pfd[nfds].events =
			    (READABLE(bits, i) ? POLLIN : 0) |
			    (WRITABLE(bits, i) ? POLLOUT : 0);
			pfd[nfds].revents = 0;
			owner[nfds++] = c;
		}
		maxtv.tv_sec = 1;
		maxtv.tv_usec = 0;
		tvp = ares_timeout(run->ch[c], &maxtv, &tv);
		m = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		if (ms == -1 || m < ms)
			ms = m;
	}
	rc = poll(pfd, (nfds_t)nfds, ms);
	if (rc == -1 && errno != EINTR)
		return -1;
	for (i = 0; rc > 0 && i < nfds; i++) {
		if (pfd[i].revents == 0)
			continue;
		ares_process_fd(run->ch[owner[i]],
		    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd :
		    ARES_SOCKET_BAD,
		    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	/* and the timeouts, which no socket reports */
	for (c = 0; c < run->nch; c++)
		ares_process_fd(run->ch[c], ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	return 0;
}

static int
init_channel(ares_channel *ch, int timeout_ms, char *err, size_t errlen)
{
	struct ares_options ao;
	int st;

	memset(&ao, 0, sizeof(ao));
	ao.timeout = timeout_ms;
	ao.tries = 1;
	/*
	 * A name is asked as given (no search list, no hosts file), and
	 * every answer comes back to on_answer, which decides on failover.
	 */
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOCHECKRESP;
	ao.lookups = (char *)"b";
	if ((st = ares_init_options(ch, &ao, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_LOOKUPS)) !=
	    ARES_SUCCESS) {
		*ch = NULL;
		snprintf(err, errlen, "c-ares: %s", ares_strerror(st));
		return -1;
	}
	return 0;
}

void
eksl_dns_query_clear(struct eksl_dns_query *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(q[i].a.addrs);
		free(q[i].aaaa.addrs);
		q[i].a.addrs = q[i].aaaa.addrs = NULL;
		q[i].a.naddrs = q[i].aaaa.naddrs = 0;
	}
}

int
eksl_dns_resolve(struct eksl_dns_query *q, size_t n,
    const struct eksl_dns_opts *o, struct eksl_dns_server *used,
    size_t *nused, char *err, size_t errlen)
{
	struct eksl_dns_server srv[EKSL_DNS_MAX_SERVERS];
	struct run run;
	struct job *jobs = NULL, *j;
	ares_channel conf = NULL;
	size_t i, next = 0, njobs = 2 * n, cap, nsrv;
	int rc = -1, st, timeout, tries;

	memset(&run, 0, sizeof(run));
	if (nused != NULL)
		*nused = 0;
	for (i = 0; i < n; i++) {
		memset(&q[i].a, 0, sizeof(q[i].a));
		memset(&q[i].aaaa, 0, sizeof(q[i].aaaa));
		q[i].a.status = q[i].aaaa.status = EKSL_DNS_ERROR;
	}
	if (!lib_ready) {
		if ((st = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
			snprintf(err, errlen, "c-ares: %s", ares_strerror(st));
			return -1;
		}
		lib_ready = 1;
	}
	timeout = o->timeout_ms > 0 ? o->timeout_ms : DEF_TIMEOUT_MS;
	tries = o->tries > 0 ? o->tries : DEF_TRIES;
	if (o->servers != NULL && o->nservers > 0) {
		nsrv = o->nservers < EKSL_DNS_MAX_SERVERS ? o->nservers :
		    EKSL_DNS_MAX_SERVERS;
		memcpy(srv, o->servers, nsrv * sizeof(srv[0]));
	} else {
		/* the system configuration, as c-ares reads it */
		if (init_channel(&conf, timeout, err, errlen) == -1)
			goto out;
		nsrv = get_servers(conf, srv, EKSL_DNS_MAX_SERVERS);
		run.guessed = !system_names_server();
		if (nsrv > EKSL_DNS_MAX_SERVERS)
			nsrv = EKSL_DNS_MAX_SERVERS;
	}
	if (used != NULL)
		memcpy(used, srv, nsrv * sizeof(srv[0]));
	if (nused != NULL)
		*nused = nsrv;
	if (nsrv == 0) {
		for (i = 0; i < n; i++)
			q[i].a.status = q[i].aaaa.status = EKSL_DNS_NOSERVERS;
		rc = 0;
		goto out;
	}
	for (i = 0; i < nsrv; i++) {
		if (init_channel(&run.ch[i], timeout, err, errlen) == -1)
			goto out;
		run.nch++;
		if ((st = set_server(run.ch[i], &srv[i])) != ARES_SUCCESS) {
			snprintf(err, errlen, "c-ares: cannot set servers: %s",
			    ares_strerror(st));
			goto out;
		}
	}
	run.maxattempts = (size_t)tries * run.nch;
	cap = o->inflight > 0 ? (size_t)o->inflight : EKSL_DNS_INFLIGHT;
	if (cap > njobs)
		cap = njobs;
	if (cap > 0 && (jobs = calloc(cap, sizeof(*jobs))) == NULL) {
		snprintf(err, errlen, "resolve: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < cap; i++) {
		jobs[i].next = run.free;
		run.free = &jobs[i];
	}
	/* query i is name i / 2, A when i is even, else AAAA */
	while (next < njobs || run.outstanding > 0) {
		while (next < njobs && run.free != NULL) {
			j = run.free;
			run.free = j->next;
			memset(j, 0, sizeof(*j));
			j->run = &run;
			j->name = q[next / 2].name;
			j->type = next % 2 == 0 ? TYPE_A : TYPE_AAAA;
			j->ans = next % 2 == 0 ? &q[next / 2].a :
			    &q[next / 2].aaaa;
			next++;
			run.outstanding++;
			issue(j);
		}
		if (run.outstanding == 0)
			continue;
		if (step(&run) == -1) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
 out:
	/* callbacks of cancelled queries must not move on */
	run.maxattempts = 0;
	for (i = 0; i < run.nch; i++)
		ares_destroy(run.ch[i]);
	if (conf != NULL)
		ares_destroy(conf);
	free(jobs);
	return rc;
}
