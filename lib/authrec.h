/*
 * What eksl-authcheck reads from and writes to one cluster record: the
 * API server to reach (endpoint host and port, CA, addresses), the auth
 * field, and how a step failed (the errors[] code, the exit status and
 * the message).  Used by lib/authprep (prepare) and lib/authcheck (check).
 */
#ifndef EKSL_AUTHREC_H
#define EKSL_AUTHREC_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "k8s.h"
#include "k8scheck.h"
#include "msg.h"

/* How one step failed. */
struct eksl_auth_fail {
	const char	*code;		/* errors[] code: "input", "io", "api", "network", "auth" */
	int		 status;	/* the exit status it maps to (EKSL_EXIT_*) */
	char		 msg[EKSL_ERRLEN * 2];	/* "object: reason" */
};

/* The API server one record names; strings borrowed from the record. */
struct eksl_auth_target {
	const char	*name;		/* record name, or the host */
	const char	*host;
	int		 port;
	char		*ca;		/* PEM, owned: eksl_auth_target_clear */
	size_t		 calen;
	const char	*ips[EKSL_CHECK_MAX_ADDRS];
	size_t		 nips;
	char		 iplist[EKSL_CHECK_MAX_ADDRS * 48];	/* "ip,ip" */
};

/*
 * Fill f (which may be NULL) with code, status and the printf-style
 * message; returns status.
 */
int	eksl_auth_fail_set(struct eksl_auth_fail *f, const char *code,
	    int status, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/*
 * Fill f from a Kubernetes client error about what (a record name):
 * "api" and EKSL_EXIT_REFUSED for an answer, "network" and
 * EKSL_EXIT_UNREACHABLE for none, "network" and EKSL_EXIT_IO for a local
 * failure.  Returns the status.
 */
int	eksl_auth_fail_k8s(struct eksl_auth_fail *f, const char *what,
	    const struct eksl_k8s_error *e);

/*
 * Fill t from rec (borrowed: rec must outlive t): the endpoint host (a
 * valid host name), its port (443 unless the endpoint gives one), the
 * base64 PEM "ca" decoded, the first EKSL_CHECK_MAX_ADDRS addresses[].ip.
 * Returns 0, or -1 with f filled ("input", EKSL_EXIT_INPUT).  Clear t
 * with eksl_auth_target_clear either way.
 */
int	eksl_auth_target_load(json_t *rec, struct eksl_auth_target *t,
	    struct eksl_auth_fail *f);

/* Free what eksl_auth_target_load allocated in t. */
void	eksl_auth_target_clear(struct eksl_auth_target *t);

/*
 * A Kubernetes object name (DNS-1123 subdomain characters) from s into
 * out (len bytes, NUL-terminated, truncated to fit): letters lowered,
 * every character but [a-z0-9.] made '-'.
 */
void	eksl_auth_k8s_name(const char *s, char *out, size_t len);

/*
 * Set rec's auth field (created when absent; other members kept): user,
 * group (removed when NULL), clusterRole, key, cert, notAfter (RFC 3339).
 * Returns 0, or -1 out of memory.
 */
int	eksl_auth_set(json_t *rec, const char *user, const char *group,
	    const char *role, const char *keyp, const char *certp,
	    time_t not_after);

#endif
