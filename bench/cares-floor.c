/*
 * The floor for bench/resolve.sh: a bare c-ares loop that asks A and
 * AAAA for every name in a file, at most 100 queries in flight, driven by
 * ares_getsock/ares_timeout/ares_process_fd and poll(2), and prints how
 * many names got at least one address.  No records, no JSON, no cache.
 *
 * usage: cares-floor SERVER NAMEFILE
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#define INFLIGHT	100
#define READABLE(bits, i)	(((unsigned int)(bits) >> (i)) & 1u)
#define MAXNAMES	100000

static size_t	outstanding;

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	int *found = arg;

	(void)timeouts;
	(void)abuf;
	(void)alen;
	outstanding--;
	if (status == ARES_SUCCESS)
		*found = 1;
}

int
main(int argc, char *argv[])
{
	static char *names[MAXNAMES];
	static int found[MAXNAMES];
	struct ares_addr_port_node srv;
	struct ares_options ao;
	ares_channel ch;
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval tv, maxtv, *tvp;
	char line[300];
	size_t n = 0, next = 0, i, ok = 0;
	int bits, k, nfds;
	FILE *fp;

	if (argc != 3 || (fp = fopen(argv[2], "r")) == NULL) {
		fprintf(stderr, "usage: cares-floor SERVER NAMEFILE\n");
		return 2;
	}
	while (n < MAXNAMES && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((names[n++] = strdup(line)) == NULL)
			return 1;
	}
	fclose(fp);
	ares_library_init(ARES_LIB_INIT_ALL);
	memset(&ao, 0, sizeof(ao));
	ao.timeout = 2000;
	ao.tries = 2;
	ao.flags = ARES_FLAG_NOSEARCH;
	if (ares_init_options(&ch, &ao, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_FLAGS) != ARES_SUCCESS)
		return 1;
	memset(&srv, 0, sizeof(srv));
	srv.family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &srv.addr.addr4) != 1)
		return 2;
	srv.udp_port = srv.tcp_port = 53;
	ares_set_servers_ports(ch, &srv);
	while (next < 2 * n || outstanding > 0) {
		while (next < 2 * n && outstanding < INFLIGHT) {
			outstanding++;
			ares_query(ch, names[next / 2], 1, next % 2 ? 28 : 1,
			    on_answer, &found[next / 2]);
			next++;
		}
		bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (k = 0, nfds = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			if (!READABLE(bits, k))
				continue;
			pfd[nfds].fd = socks[k];
			pfd[nfds].events = POLLIN;
			pfd[nfds++].revents = 0;
		}
		maxtv.tv_sec = 1;
		maxtv.tv_usec = 0;
		tvp = ares_timeout(ch, &maxtv, &tv);
		if (poll(pfd, (nfds_t)nfds, (int)(tvp->tv_sec * 1000 +
		    tvp->tv_usec / 1000)) > 0)
			for (k = 0; k < nfds; k++)
				if (pfd[k].revents != 0)
					ares_process_fd(ch, pfd[k].fd,
					    ARES_SOCKET_BAD);
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	for (i = 0; i < n; i++)
		ok += found[i] != 0;
	printf("%zu\n", ok);
	ares_destroy(ch);
	return 0;
}
