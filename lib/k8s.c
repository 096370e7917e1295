/*
 * The Kubernetes API client (see k8s.h).  One curl easy handle per
 * client, so that the requests of one check share one TLS connection.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base64.h"
#include "buf.h"
#include "jsonmem.h"
#include "k8s.h"
#include "msg.h"

#define BODY_MAX	(4 * 1024 * 1024)	/* cap on one answer */
#define DEFAULT_TIMEOUT	10000L
#define POLL_MS		200
#define CSR_PATH	"/apis/certificates.k8s.io/v1/certificatesigningrequests"
#define CRB_PATH	"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"

struct eksl_k8s {
	CURL		*c;
	char		*base;		/* "https://host:port" */
	struct curl_slist *resolve;	/* host:port:ips, when pinned */
	struct curl_slist *hdrs;	/* Accept, User-Agent, Authorization */
	struct curl_slist *jhdrs;	/* the same plus Content-Type */
	char		*ca;		/* CA PEM copy (curl keeps a pointer) */
	size_t		 calen;
	char		*cert_file;
	char		*key_file;
	char		*token;		/* a copy, to mask it in errors */
	long		 timeout_ms;
	double		 last_ms;
	int		 answered;	/* a request got an HTTP answer */
	int		 tcp_seen;	/* a socket of this request was connected */
	struct eksl_buf	 body;
	char		 cerr[CURL_ERROR_SIZE];
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct eksl_k8s *k = arg;

	if (eksl_buf_add(&k->body, p, size * n) == -1)
		return 0;	/* over the cap: curl fails the transfer */
	return size * n;
}

/*
 * curl counts the TLS handshake as part of connecting, so a handshake that
 * hangs looks like a TCP timeout.  A socket that has a peer when curl
 * closes it was connected: that tells the two apart.
 */
static int
on_close(void *arg, curl_socket_t fd)
{
	struct eksl_k8s *k = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		k->tcp_seen = 1;
	return close(fd);
}

/* 1 for a character a bearer token may hold (base64, base64url, JWT). */
static int
tokenchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL;
}

/*
 * Mask bearer tokens in s (size bytes), text that came from an API
 * server: a Status message may echo the request's headers.  The token
 * this client sends (token, may be NULL) and anything shaped like one
 * ("Bearer X", "k8s-aws-v1.X", even cut short) become "<redacted>".
 */
static void
scrub(char *s, size_t size, const char *token)
{
	static const char *const prefix[] = { "Bearer ", "k8s-aws-v1." };
	char out[1024];
	size_t i, o = 0, tl = token != NULL ? strlen(token) : 0, pl, n;
	const char *p = s, *add;

	if (size == 0 || size > sizeof(out))
		return;
	while (*p != '\0' && o < size - 1) {
		add = NULL;
		if (tl >= 8 && strncmp(p, token, tl) == 0) {
			add = "<redacted>";
			p += tl;
		}
		for (i = 0; add == NULL && i < 2; i++) {
			pl = strlen(prefix[i]);
			if (strncasecmp(p, prefix[i], pl) != 0)
				continue;
			add = i == 0 ? "Bearer <redacted>" :
			    "k8s-aws-v1.<redacted>";
			for (p += pl; *p != '\0' && tokenchar(*p); p++)
				;
		}
		if (add == NULL) {
			out[o++] = *p++;
			continue;
		}
		n = strlen(add);
		if (n > size - 1 - o)
			n = size - 1 - o;
		memcpy(out + o, add, n);
		o += n;
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
	explicit_bzero(out, sizeof(out));
}

/* Mask bearer tokens in the texts of an error (see scrub). */
static void
scrub_error(const struct eksl_k8s *k, struct eksl_k8s_error *e)
{
	scrub(e->reason, sizeof(e->reason), k->token);
	scrub(e->message, sizeof(e->message), k->token);
}

/* Wipe a header list that may carry the bearer token, then free it. */
static void
slist_wipe_free(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static struct curl_slist *
headers(const char *token, int json)
{
	struct curl_slist *l = NULL, *n;
	char *auth = NULL;
	size_t len;

	if ((n = curl_slist_append(l, "Accept: application/json")) == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, "User-Agent: eksl/" EKSL_VERSION)) ==
	    NULL)
		goto fail;
	l = n;
	/* No "Expect: 100-continue" round trip on POST and PUT. */
	if ((n = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	l = n;
	if (json) {
		if ((n = curl_slist_append(l,
		    "Content-Type: application/json")) == NULL)
			goto fail;
		l = n;
	}
	if (token != NULL) {
		len = strlen(token) + sizeof("Authorization: Bearer ");
		if ((auth = malloc(len)) == NULL)
			goto fail;
		snprintf(auth, len, "Authorization: Bearer %s", token);
		n = curl_slist_append(l, auth);
		explicit_bzero(auth, len);
		free(auth);
		if (n == NULL)
			goto fail;
		l = n;
	}
	return l;
fail:
	slist_wipe_free(l);
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

/* curl_global_init once, also when the first clients start in threads. */
static void
curl_init(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
}

struct eksl_k8s *
eksl_k8s_new(const struct eksl_k8s_target *t, char *err, size_t errlen)
{
	struct eksl_k8s *k = NULL;
	struct curl_blob blob;
	char *r = NULL;
	size_t len;
	int port = t->port > 0 ? t->port : 443;

	pthread_once(&curl_once, curl_init);
	if (!curl_ready) {
		eksl_seterr(err, errlen, "libcurl: cannot initialise");
		return NULL;
	}
	if (t->host == NULL || t->ca_pem == NULL || t->ca_len == 0) {
		eksl_seterr(err, errlen, "k8s: host and CA are required");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		goto nomem;
	eksl_buf_init(&k->body, BODY_MAX);
	k->timeout_ms = DEFAULT_TIMEOUT;
	len = strlen(t->host) + 32;
	if ((k->base = malloc(len)) == NULL)
		goto nomem;
	snprintf(k->base, len, "https://%s:%d", t->host, port);
	if (t->ips != NULL && *t->ips != '\0') {
		len = strlen(t->host) + strlen(t->ips) + 32;
		if ((r = malloc(len)) == NULL)
			goto nomem;
		snprintf(r, len, "%s:%d:%s", t->host, port, t->ips);
		if ((k->resolve = curl_slist_append(NULL, r)) == NULL)
			goto nomem;
	}
	if ((k->ca = malloc(t->ca_len)) == NULL)
		goto nomem;
	memcpy(k->ca, t->ca_pem, t->ca_len);
	k->calen = t->ca_len;
	if ((t->cert_file != NULL &&
	    (k->cert_file = strdup(t->cert_file)) == NULL) ||
	    (t->key_file != NULL &&
	    (k->key_file = strdup(t->key_file)) == NULL))
		goto nomem;
	if ((k->hdrs = headers(t->token, 0)) == NULL ||
	    (k->jhdrs = headers(t->token, 1)) == NULL ||
	    (t->token != NULL && (k->token = strdup(t->token)) == NULL))
		goto nomem;
	if ((k->c = curl_easy_init()) == NULL) {
		eksl_seterr(err, errlen, "libcurl: cannot make a handle");
		goto fail;
	}
	blob.data = k->ca;
	blob.len = k->calen;
	blob.flags = CURL_BLOB_NOCOPY;
	/*
	 * Trust the cluster CA alone: no system bundle (which would also
	 * cost ~30 ms to load) and no CA directory.
	 */
	if (curl_easy_setopt(k->c, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
		eksl_seterr(err, errlen, "libcurl: no CURLOPT_CAINFO_BLOB "
		    "(libcurl too old)");
		goto fail;
	}
	curl_easy_setopt(k->c, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(k->c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(k->c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(k->c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(k->c, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	if (k->cert_file != NULL) {
		curl_easy_setopt(k->c, CURLOPT_SSLCERT, k->cert_file);
		curl_easy_setopt(k->c, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (k->key_file != NULL) {
		curl_easy_setopt(k->c, CURLOPT_SSLKEY, k->key_file);
		curl_easy_setopt(k->c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (k->resolve != NULL)
		curl_easy_setopt(k->c, CURLOPT_RESOLVE, k->resolve);
	if (t->no_proxy)
		curl_easy_setopt(k->c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(k->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(k->c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(k->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k->c, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(k->c, CURLOPT_ERRORBUFFER, k->cerr);
	curl_easy_setopt(k->c, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(k->c, CURLOPT_CLOSESOCKETDATA, k);
	free(r);
	return k;
nomem:
	eksl_seterr(err, errlen, "out of memory");
fail:
	free(r);
	eksl_k8s_free(k);
	return NULL;
}

void
eksl_k8s_free(struct eksl_k8s *k)
{
	if (k == NULL)
		return;
	if (k->c != NULL)
		curl_easy_cleanup(k->c);
	slist_wipe_free(k->hdrs);
	slist_wipe_free(k->jhdrs);
	curl_slist_free_all(k->resolve);
	free(k->base);
	free(k->ca);
	free(k->cert_file);
	free(k->key_file);
	if (k->token != NULL) {
		explicit_bzero(k->token, strlen(k->token));
		free(k->token);
	}
	eksl_buf_free(&k->body);
	free(k);
}

void
eksl_k8s_set_timeout(struct eksl_k8s *k, long ms)
{
	k->timeout_ms = ms > 0 ? ms : 1;
}

double
eksl_k8s_last_ms(const struct eksl_k8s *k)
{
	return k->last_ms;
}

static void
fail_from_curl(struct eksl_k8s *k, CURLcode rc, struct eksl_k8s_error *e)
{
	curl_off_t ct = 0, at = 0;
	const char *reason;

	curl_easy_getinfo(k->c, CURLINFO_CONNECT_TIME_T, &ct);
	curl_easy_getinfo(k->c, CURLINFO_APPCONNECT_TIME_T, &at);
	e->status = EKSL_K8S_UNREACHABLE;
	e->tcp = ct > 0 || k->answered || k->tcp_seen;
	e->tls = at > 0 || k->answered;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		reason = "dns";
		e->tcp = e->tls = 0;
		break;
	case CURLE_COULDNT_CONNECT:
		reason = "tcp";
		e->tcp = e->tls = 0;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		reason = "timeout";
		if (e->tcp && !e->tls && !k->answered)
			snprintf(k->cerr, sizeof(k->cerr), "connected, but no "
			    "TLS handshake within %ld ms", k->timeout_ms);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CLIENTCERT:
		reason = "tls";
		e->tcp = 1;
		e->tls = 0;
		break;
	case CURLE_OUT_OF_MEMORY:
		e->status = EKSL_K8S_LOCAL;
		reason = "local";
		break;
	case CURLE_WRITE_ERROR:
		reason = "http";
		e->status = EKSL_K8S_REFUSED;
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
		snprintf(e->message, sizeof(e->message),
		    "answer larger than %d bytes", BODY_MAX);
		return;
	default:
		reason = e->tls ? "connection" : "tls";
		break;
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->message, sizeof(e->message), "%s",
	    k->cerr[0] != '\0' ? k->cerr : curl_easy_strerror(rc));
}

/* Take reason and message from a Status body, else from the HTTP code. */
static void
fail_from_answer(long code, json_t *j, struct eksl_k8s_error *e)
{
	const char *reason = NULL, *msg = NULL;

	e->status = EKSL_K8S_REFUSED;
	e->http_status = code;
	e->tcp = e->tls = 1;
	if (json_is_object(j)) {
		reason = json_string_value(json_object_get(j, "reason"));
		msg = json_string_value(json_object_get(j, "message"));
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason != NULL ?
	    reason : code == 401 ? "Unauthorized" : code == 403 ?
	    "Forbidden" : code == 404 ? "NotFound" : "HTTP");
	snprintf(e->message, sizeof(e->message), "%s", msg != NULL ? msg :
	    e->reason);
}

int
eksl_k8s_parse_answer(long code, const char *body, size_t len, json_t **out,
    struct eksl_k8s_error *e)
{
	json_error_t jerr;
	json_t *j = NULL;

	memset(e, 0, sizeof(*e));
	if (out != NULL)
		*out = NULL;
	/* jansson may drop a character and still "succeed": never trust it */
	eksl_json_mem_watch();
	if (len > 0)
		j = json_loadb(body, len, 0, &jerr);
	if (eksl_json_mem_failed()) {
		json_decref(j);
		e->status = EKSL_K8S_LOCAL;
		e->http_status = code;
		e->tcp = e->tls = 1;
		snprintf(e->reason, sizeof(e->reason), "local");
		snprintf(e->message, sizeof(e->message), "answer: out of "
		    "memory");
		return -1;
	}
	if (code < 200 || code > 299) {
		fail_from_answer(code, j, e);
		json_decref(j);
		return -1;
	}
	e->http_status = code;
	e->tcp = e->tls = 1;
	if (j == NULL && len > 0) {
		e->status = EKSL_K8S_REFUSED;
		snprintf(e->reason, sizeof(e->reason), "http");
		snprintf(e->message, sizeof(e->message),
		    "answer is not JSON: %d:%d: %s", jerr.line, jerr.column,
		    jerr.text);
		return -1;
	}
	if (j == NULL && (j = json_object()) == NULL) {
		e->status = EKSL_K8S_LOCAL;
		snprintf(e->reason, sizeof(e->reason), "local");
		snprintf(e->message, sizeof(e->message), "out of memory");
		return -1;
	}
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	return 0;
}

int
eksl_k8s_request(struct eksl_k8s *k, const char *method, const char *path,
    json_t *body, json_t **out, struct eksl_k8s_error *e)
{
	char *url = NULL, *data = NULL;
	CURLcode rc;
	long code = 0;
	double t = 0;
	size_t len;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if (out != NULL)
		*out = NULL;
	eksl_buf_reset(&k->body);
	k->cerr[0] = '\0';
	k->tcp_seen = 0;
	len = strlen(k->base) + strlen(path) + 1;
	if ((url = malloc(len)) == NULL)
		goto nomem;
	snprintf(url, len, "%s%s", k->base, path);
	/* the encoder may drop a character and still "succeed" */
	eksl_json_mem_watch();
	if (body != NULL && ((data = json_dumps(body, JSON_COMPACT)) == NULL ||
	    eksl_json_mem_failed()))
		goto nomem;
	curl_easy_setopt(k->c, CURLOPT_URL, url);
	curl_easy_setopt(k->c, CURLOPT_TIMEOUT_MS, k->timeout_ms);
	curl_easy_setopt(k->c, CURLOPT_CONNECTTIMEOUT_MS, k->timeout_ms);
	curl_easy_setopt(k->c, CURLOPT_HTTPHEADER,
	    data != NULL ? k->jhdrs : k->hdrs);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(k->c, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(k->c, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		curl_easy_setopt(k->c, CURLOPT_POST, 1L);
		curl_easy_setopt(k->c, CURLOPT_POSTFIELDS,
		    data != NULL ? data : "");
		curl_easy_setopt(k->c, CURLOPT_POSTFIELDSIZE,
		    (long)(data != NULL ? strlen(data) : 0));
		curl_easy_setopt(k->c, CURLOPT_CUSTOMREQUEST,
		    strcmp(method, "POST") == 0 ? NULL : method);
	}
	rc = curl_easy_perform(k->c);
	curl_easy_getinfo(k->c, CURLINFO_TOTAL_TIME, &t);
	k->last_ms = t * 1000.0;
	if (rc != CURLE_OK) {
		fail_from_curl(k, rc, e);
		goto out;
	}
	k->answered = 1;
	curl_easy_getinfo(k->c, CURLINFO_RESPONSE_CODE, &code);
	ret = eksl_k8s_parse_answer(code, k->body.data, k->body.len, out, e);
	goto out;
nomem:
	e->status = EKSL_K8S_LOCAL;
	snprintf(e->reason, sizeof(e->reason), "local");
	snprintf(e->message, sizeof(e->message), "out of memory");
out:
	if (ret == -1)
		scrub_error(k, e);
	free(url);
	free(data);
	return ret;
}

static int	local_fail(struct eksl_k8s_error *, const char *);

int
eksl_k8s_whoami(struct eksl_k8s *k, char **user, struct eksl_k8s_error *e)
{
	json_t *req, *ans = NULL;
	const char *u;
	int ret = -1;

	*user = NULL;
	req = json_pack("{s:s, s:s}", "apiVersion", "authentication.k8s.io/v1",
	    "kind", "SelfSubjectReview");
	if (req == NULL)
		return local_fail(e, "out of memory");
	if (eksl_k8s_request(k, "POST",
	    "/apis/authentication.k8s.io/v1/selfsubjectreviews", req, &ans,
	    e) == -1)
		goto out;
	u = json_string_value(json_object_get(json_object_get(json_object_get(
	    ans, "status"), "userInfo"), "username"));
	if (u == NULL) {
		e->status = EKSL_K8S_REFUSED;
		snprintf(e->reason, sizeof(e->reason), "http");
		snprintf(e->message, sizeof(e->message),
		    "SelfSubjectReview answer has no status.userInfo.username");
		goto out;
	}
	if ((*user = strdup(u)) == NULL) {
		local_fail(e, "out of memory");
		goto out;
	}
	ret = 0;
out:
	json_decref(req);
	json_decref(ans);
	return ret;
}

void
eksl_k8s_strerror(const struct eksl_k8s_error *e, char *buf, size_t len)
{
	if (e->http_status > 0 && e->status == EKSL_K8S_REFUSED)
		snprintf(buf, len, "%ld %s: %s", e->http_status, e->reason,
		    e->message);
	else
		snprintf(buf, len, "%s", e->message);
}

/* A refusal found in an answer's content rather than its status code. */
static int
refuse(struct eksl_k8s_error *e, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct eksl_k8s_error *e, const char *reason, const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->status = EKSL_K8S_REFUSED;
	e->tcp = e->tls = 1;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int
local_fail(struct eksl_k8s_error *e, const char *msg)
{
	memset(e, 0, sizeof(*e));
	e->status = EKSL_K8S_LOCAL;
	snprintf(e->reason, sizeof(e->reason), "local");
	snprintf(e->message, sizeof(e->message), "%s", msg);
	return -1;
}

/* The message of the first condition of type in csr, or NULL. */
static const char *
condition(json_t *csr, const char *type)
{
	json_t *c = json_object_get(json_object_get(csr, "status"),
	    "conditions"), *it;
	const char *t, *m;
	size_t i;

	for (i = 0; i < json_array_size(c); i++) {
		it = json_array_get(c, i);
		t = json_string_value(json_object_get(it, "type"));
		if (t == NULL || strcmp(t, type) != 0)
			continue;
		if ((m = json_string_value(json_object_get(it, "message"))) ==
		    NULL && (m = json_string_value(json_object_get(it,
		    "reason"))) == NULL)
			m = type;
		return m;
	}
	return NULL;
}

int
eksl_k8s_csr_sign(struct eksl_k8s *k, const char *name, const char *csr_pem,
    const char *signer, long long secs, long wait_ms, char **cert,
    size_t *certlen, struct eksl_k8s_error *e)
{
	json_t *body = NULL, *ans = NULL, *cond;
	char path[512], *b64 = NULL;
	const char *msg, *c;
	long waited;
	int ret = -1;

	*cert = NULL;
	b64 = eksl_base64_encode(csr_pem, strlen(csr_pem), EKSL_B64_STD);
	body = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:[s], s:I}}",
	    "apiVersion", "certificates.k8s.io/v1",
	    "kind", "CertificateSigningRequest", "metadata", "name", name,
	    "spec", "request", b64 != NULL ? b64 : "", "signerName", signer,
	    "usages", "client auth", "expirationSeconds", (json_int_t)secs);
	if (b64 == NULL || body == NULL) {
		local_fail(e, "out of memory");
		goto out;
	}
	if (eksl_k8s_request(k, "POST", CSR_PATH, body, &ans, e) == -1)
		goto out;
	if ((msg = condition(ans, "Denied")) != NULL) {
		refuse(e, "Denied", "CertificateSigningRequest %s was denied: "
		    "%s", name, msg);
		goto out;
	}
	/* The approval subresource takes the whole object back. */
	if (!json_is_object(json_object_get(ans, "status"))) {
		refuse(e, "http", "CertificateSigningRequest %s: the answer "
		    "has no status", name);
		goto out;
	}
	cond = json_pack("[{s:s, s:s, s:s, s:s}]", "type", "Approved",
	    "status", "True", "reason", "EkslAuthcheckApprove", "message",
	    "approved by eksl-authcheck prepare");
	/* set_new takes cond, even when it fails */
	if (cond == NULL || json_object_set_new(json_object_get(ans, "status"),
	    "conditions", cond) == -1) {
		local_fail(e, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s/approval", CSR_PATH, name);
	if (eksl_k8s_request(k, "PUT", path, ans, NULL, e) == -1)
		goto out;
	/* Approved requests are deleted after an hour: fetch at once. */
	snprintf(path, sizeof(path), "%s/%s", CSR_PATH, name);
	for (waited = 0;; waited += POLL_MS) {
		json_decref(ans);
		ans = NULL;
		if (eksl_k8s_request(k, "GET", path, NULL, &ans, e) == -1)
			goto out;
		if ((msg = condition(ans, "Denied")) != NULL ||
		    (msg = condition(ans, "Failed")) != NULL) {
			refuse(e, condition(ans, "Denied") ? "Denied" :
			    "Failed", "CertificateSigningRequest %s was not "
			    "signed: %s", name, msg);
			goto out;
		}
		c = json_string_value(json_object_get(json_object_get(ans,
		    "status"), "certificate"));
		if (c != NULL && *c != '\0')
			break;
		if (waited >= wait_ms) {
			refuse(e, "timeout", "CertificateSigningRequest %s: "
			    "approved but not signed after %ld ms", name,
			    wait_ms);
			goto out;
		}
		usleep(POLL_MS * 1000);
	}
	if ((*cert = (char *)eksl_base64_decode(c, strlen(c), certlen)) ==
	    NULL) {
		refuse(e, "http", "CertificateSigningRequest %s: "
		    "status.certificate is not base64", name);
		goto out;
	}
	ret = 0;
out:
	/* a denial's message is the server's text too */
	if (ret == -1)
		scrub_error(k, e);
	free(b64);
	json_decref(body);
	json_decref(ans);
	return ret;
}

int
eksl_k8s_bind_cluster_role(struct eksl_k8s *k, const char *name,
    const char *role, const char *user, struct eksl_k8s_error *e)
{
	json_t *body, *ans = NULL, *s;
	char path[768];
	const char *rr, *sn, *sk;
	size_t i;
	int ret = -1, same = 0;

	body = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, "
	    "s:[{s:s, s:s, s:s}]}", "apiVersion",
	    "rbac.authorization.k8s.io/v1", "kind", "ClusterRoleBinding",
	    "metadata", "name", name, "roleRef", "apiGroup",
	    "rbac.authorization.k8s.io", "kind", "ClusterRole", "name", role,
	    "subjects", "kind", "User", "apiGroup",
	    "rbac.authorization.k8s.io", "name", user);
	if (body == NULL)
		return local_fail(e, "out of memory");
	if (eksl_k8s_request(k, "POST", CRB_PATH, body, NULL, e) == 0) {
		ret = 0;
		goto out;
	}
	if (e->http_status != 409)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", CRB_PATH, name);
	if (eksl_k8s_request(k, "GET", path, NULL, &ans, e) == -1)
		goto out;
	rr = json_string_value(json_object_get(json_object_get(ans,
	    "roleRef"), "name"));
	s = json_object_get(ans, "subjects");
	for (i = 0; i < json_array_size(s); i++) {
		sn = json_string_value(json_object_get(json_array_get(s, i),
		    "name"));
		sk = json_string_value(json_object_get(json_array_get(s, i),
		    "kind"));
		if (sn != NULL && sk != NULL && strcmp(sn, user) == 0 &&
		    strcmp(sk, "User") == 0)
			same = 1;
	}
	if (rr == NULL || strcmp(rr, role) != 0 || !same) {
		refuse(e, "Conflict", "ClusterRoleBinding %s exists and does "
		    "not bind %s to %s", name, user, role);
		goto out;
	}
	ret = 0;
out:
	json_decref(body);
	json_decref(ans);
	return ret;
}
