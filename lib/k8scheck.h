/*
 * The readiness check of the offline path to one cluster: every control
 * plane address probed in parallel with the x.509 credentials (TCP, TLS
 * verified for the endpoint name, /version, SelfSubjectReview, the
 * kubernetes service, and optionally the local cluster's own resources),
 * and the system resolver asked, beside them, what the name maps to.
 */
#ifndef EKSL_K8SCHECK_H
#define EKSL_K8SCHECK_H

#include <stddef.h>

#define EKSL_CHECK_MAX_ADDRS	16

/* What to check; strings borrowed. */
struct eksl_check_in {
	const char	*host;		/* endpoint host name */
	int		 port;
	const char	*ca_pem;	/* the cluster CA */
	size_t		 ca_len;
	const char	*cert_file;	/* the x.509 credentials */
	const char	*key_file;
	const char	*user;		/* who the server must take us for */
	long		 timeout_ms;	/* for all steps at one address */
	int		 deep;		/* kube-dns, coredns, control-plane taint */
};

/* The outcome at one address. */
struct eksl_check_addr {
	const char	*ip;		/* in; borrowed */
	int		 tcp, tls;	/* how far the connection got */
	int		 ok;		/* every step passed */
	int		 refused;	/* failed with an answer (401, 403, other user) */
	char		*user;		/* who the server took us for, or NULL */
	double		 ms;
	char		 error[512];	/* "" when ok */
	char		 deep[512];	/* "" when the --deep checks passed */
};

/* What the resolver said about host. */
struct eksl_check_dns {
	int		 done;		/* 0: no answer within the timeout */
	int		 rc;		/* getaddrinfo's status */
	size_t		 n;
	char		 ips[EKSL_CHECK_MAX_ADDRS][46];
};

/*
 * Probe a[0..n) (n at most EKSL_CHECK_MAX_ADDRS) in parallel, and
 * resolve in->host with getaddrinfo beside them, all within
 * in->timeout_ms.  Fills a and dns.  Returns 0, or -1 with err set when
 * the check itself could not run.  Free with eksl_check_clear.
 */
int	eksl_check_run(const struct eksl_check_in *in, struct eksl_check_addr *a,
	    size_t n, struct eksl_check_dns *dns, char *err, size_t errlen);

/* Free what eksl_check_run allocated in a[0..n). */
void	eksl_check_clear(struct eksl_check_addr *a, size_t n);

#endif
