/*
 * Parallel TCP connect probes (see probe.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Start a connect; returns the socket, or -1 with p->error set. */
static int
start(struct eksl_probe *p)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, p->ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, p->ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->port);
		sl = sizeof(*s6);
	} else {
		p->error = EINVAL;
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		p->error = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		p->reachable = 1;
		close(fd);
		return -1;
	}
	if (errno != EINPROGRESS) {
		p->error = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static int
batch(struct eksl_probe *p, size_t n, int timeout_ms, char *err,
    size_t errlen)
{
	struct pollfd *pfd = NULL;
	size_t *idx = NULL, i, npfd = 0, left;
	double t0, t, deadline;
	int fd, rc = -1, r, soerr;
	socklen_t sl;

	if ((pfd = calloc(n, sizeof(*pfd))) == NULL ||
	    (idx = calloc(n, sizeof(*idx))) == NULL) {
		snprintf(err, errlen, "probe: %s", strerror(errno));
		goto out;
	}
	t0 = now_ms();
	deadline = t0 + timeout_ms;
	for (i = 0; i < n; i++) {
		p[i].reachable = 0;
		p[i].rtt_ms = 0;
		p[i].error = 0;
		if ((fd = start(&p[i])) == -1) {
			if (p[i].reachable)
				p[i].rtt_ms = now_ms() - t0;
			continue;
		}
		pfd[npfd].fd = fd;
		pfd[npfd].events = POLLOUT;
		idx[npfd++] = i;
	}
	left = npfd;
	while (left > 0) {
		t = now_ms();
		if (t >= deadline)
			break;
		r = poll(pfd, (nfds_t)npfd, (int)(deadline - t) + 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "probe: poll: %s",
			    strerror(errno));
			goto out;
		}
		t = now_ms();
		for (i = 0; r > 0 && i < npfd; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			soerr = 0;
			sl = sizeof(soerr);
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) == -1)
				soerr = errno;
			if (soerr == 0) {
				p[idx[i]].reachable = 1;
				p[idx[i]].rtt_ms = t - t0;
			} else
				p[idx[i]].error = soerr;
			close(pfd[i].fd);
			pfd[i].fd = -1;	/* poll ignores negative fds */
			left--;
		}
	}
	rc = 0;
 out:
	for (i = 0; i < npfd; i++) {
		if (pfd[i].fd >= 0) {
			if (rc == 0)
				p[idx[i]].error = ETIMEDOUT;
			close(pfd[i].fd);
		}
	}
	free(pfd);
	free(idx);
	return rc;
}

int
eksl_probe_tcp(struct eksl_probe *p, size_t n, int timeout_ms, char *err,
    size_t errlen)
{
	size_t off, k;

	for (off = 0; off < n; off += k) {
		k = n - off < EKSL_PROBE_BATCH ? n - off : EKSL_PROBE_BATCH;
		if (batch(p + off, k, timeout_ms, err, errlen) == -1)
			return -1;
	}
	return 0;
}
