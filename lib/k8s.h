/*
 * A small client of the Kubernetes API over libcurl: one client per
 * server address, keeping its connection between requests.  TLS is
 * always verified, against the cluster's own CA (PEM in memory, never the
 * system bundle), for the endpoint's host name, even when connecting to a
 * pinned IP address.  Answers are JSON (jansson); an error answer's
 * Status body gives the reason and message.
 */
#ifndef EKSL_K8S_H
#define EKSL_K8S_H

#include <stddef.h>
#include <jansson.h>

/* Where and how to reach one API server.  Strings are borrowed. */
struct eksl_k8s_target {
	const char	*host;		/* endpoint host name (TLS verified for it) */
	int		 port;		/* 443 when 0 */
	const char	*ips;		/* "ip[,ip...]" to connect to; NULL: resolve host */
	const char	*ca_pem;	/* the cluster CA, PEM */
	size_t		 ca_len;
	const char	*token;		/* bearer token (a secret) or NULL */
	const char	*cert_file;	/* client certificate (PEM) or NULL */
	const char	*key_file;	/* its private key (PEM) or NULL */
	int		 no_proxy;	/* 1: never use a proxy */
};

enum eksl_k8s_status {
	EKSL_K8S_OK = 0,
	EKSL_K8S_REFUSED,	/* an HTTP answer that is not 2xx */
	EKSL_K8S_UNREACHABLE,	/* DNS, TCP, TLS, timeout: no answer */
	EKSL_K8S_LOCAL,		/* could not even make the request */
};

struct eksl_k8s_error {
	enum eksl_k8s_status status;
	long	 http_status;	/* 0 when no answer */
	int	 tcp;		/* 1 when the TCP connection was made */
	int	 tls;		/* 1 when the TLS handshake completed */
	char	 reason[64];	/* Status reason ("Forbidden"), or "tcp", "tls", "timeout" */
	char	 message[512];	/* Status message, or curl's reason */
};

struct eksl_k8s;

/*
 * A client for target (which it copies; the strings may be freed after).
 * Returns NULL with err set.
 */
struct eksl_k8s *eksl_k8s_new(const struct eksl_k8s_target *t, char *err,
	    size_t errlen);
/* Free a client; NULL is allowed. */
void	eksl_k8s_free(struct eksl_k8s *k);

/*
 * Total time allowed for each following request, in ms (default 10000);
 * connecting gets at most the same.
 */
void	eksl_k8s_set_timeout(struct eksl_k8s *k, long ms);

/*
 * One request: method, path (with query), optional JSON body (borrowed).
 * Returns 0 on a 2xx answer with a new reference in *out (NULL allowed:
 * the answer is dropped; an empty body is an empty object).  Returns -1
 * otherwise with e filled (e is always filled: tcp/tls say how far the
 * connection got).
 */
int	eksl_k8s_request(struct eksl_k8s *k, const char *method,
	    const char *path, json_t *body, json_t **out,
	    struct eksl_k8s_error *e);

/*
 * Judge an answer (HTTP status code, body[0..len)) the way
 * eksl_k8s_request does: 0 on 2xx with a new reference in *out (NULL
 * allowed; an empty body is an empty object); -1 otherwise with e filled
 * from the Status body or the code.  Pure: no network (tests, fuzzing).
 */
int	eksl_k8s_parse_answer(long code, const char *body, size_t len,
	    json_t **out, struct eksl_k8s_error *e);
/*
 * A SelfSubjectReview: who the server takes this client for.  Returns
 * 0 with *user a new string (caller frees), or -1 with e filled.
 */
int	eksl_k8s_whoami(struct eksl_k8s *k, char **user,
	    struct eksl_k8s_error *e);

/*
 * Have csr_pem signed through a certificates.k8s.io/v1
 * CertificateSigningRequest called name, with signer, usage "client auth"
 * and expirationSeconds secs: create it, approve it through the approval
 * subresource, and poll every 200 ms, at most wait_ms, until
 * status.certificate appears.  Returns 0 with *cert (PEM, caller frees)
 * and *certlen; -1 with e filled (a denied or failed request is
 * EKSL_K8S_REFUSED, reason "Denied" or "Failed").
 */
int	eksl_k8s_csr_sign(struct eksl_k8s *k, const char *name,
	    const char *csr_pem, const char *signer, long long secs,
	    long wait_ms, char **cert, size_t *certlen,
	    struct eksl_k8s_error *e);

/*
 * Bind the ClusterRole role to the User user with a ClusterRoleBinding
 * called name.  An existing binding that says the same is fine; one that
 * binds something else is EKSL_K8S_REFUSED, reason "Conflict".  Returns 0
 * or -1 with e filled.
 */
int	eksl_k8s_bind_cluster_role(struct eksl_k8s *k, const char *name,
	    const char *role, const char *user, struct eksl_k8s_error *e);

/* Milliseconds the last request took (connect included). */
double	eksl_k8s_last_ms(const struct eksl_k8s *k);

/* "401 Unauthorized: message" or the curl reason, for error messages. */
void	eksl_k8s_strerror(const struct eksl_k8s_error *e, char *buf,
	    size_t len);

#endif
