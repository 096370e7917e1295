/*
 * AWS Signature Version 4.  The canonical forms follow the AWS
 * documentation and both official test suites: the path is encoded once
 * more as sent (so "%20" becomes "%2520", the double encoding every
 * service but S3 expects), the query is decoded and re-encoded pair by
 * pair, header values are trimmed with inner whitespace runs collapsed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * SHA-256 through OpenSSL's plain SHA256_* functions, with HMAC (RFC 2104)
 * on top.  They are deprecated in OpenSSL 3 in favour of EVP, but EVP
 * costs what eksl-token cannot pay: the provider machinery it pulls in
 * doubles the start-up time and takes peak RSS past 4 MiB, while these
 * link about 30 KB, fetch nothing at all, and run the same assembly
 * (the signing rate is the same as EVP with its algorithms fetched once).
 */
#define OPENSSL_API_COMPAT	10101
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "buf.h"
#include "sigv4.h"

#define ALGORITHM	"AWS4-HMAC-SHA256"
#define MAX_EXPIRES	604800		/* seven days, the SigV4 limit */
#define CANON_MAX	(16u * 1024 * 1024)
#define EMPTY_SHA256	"e3b0c44298fc1c149afbf4c8996fb924" \
	"27ae41e4649b934ca495991b7852b855"
#define SECRET_MAX	128		/* longer secrets are not cached */

/* An HMAC-SHA256 key: the hash states after the inner and outer pads. */
struct hkey {
	SHA256_CTX	 inner;
	SHA256_CTX	 outer;
};

struct eksl_sigv4 {
	/*
	 * The signing key depends only on the secret, the date, the region
	 * and the service: keep the last one, as the SDKs do, so a run of
	 * signatures costs one HMAC each instead of five.
	 */
	int		 have_key;
	struct hkey	 key;
	char		 key_secret[SECRET_MAX];
	char		 key_date[9];
	char		 key_region[64];
	char		 key_service[64];
};

struct hdr {
	char		*name;		/* lowercased, owned */
	const char	*value;
	size_t		 pos;		/* arrival order */
};

struct qpair {
	char		*key;		/* encoded, owned */
	char		*value;		/* encoded, owned */
};

static const char hexl[] = "0123456789abcdef";
static const char hexu[] = "0123456789ABCDEF";

void
eksl_creds_clear(struct eksl_creds *c)
{
	if (c == NULL)
		return;
	if (c->access_key != NULL)
		OPENSSL_cleanse(c->access_key, strlen(c->access_key));
	if (c->secret_key != NULL)
		OPENSSL_cleanse(c->secret_key, strlen(c->secret_key));
	if (c->session_token != NULL)
		OPENSSL_cleanse(c->session_token, strlen(c->session_token));
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	c->access_key = c->secret_key = c->session_token = NULL;
	c->expiration = 0;
}

struct eksl_sigv4 *
eksl_sigv4_new(void)
{
	return calloc(1, sizeof(struct eksl_sigv4));
}

void
eksl_sigv4_free(struct eksl_sigv4 *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/* Not SHA256(): in OpenSSL 3 that one fetches through EVP on every call. */
void
eksl_sha256(const void *p, size_t len, unsigned char out[32])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, p, len);
	SHA256_Final(out, &c);
}

static void
hkey_set(struct hkey *k, const void *key, size_t klen)
{
	unsigned char kb[SHA256_CBLOCK], pad[SHA256_CBLOCK];
	size_t i;

	memset(kb, 0, sizeof(kb));
	if (klen > sizeof(kb))
		eksl_sha256(key, klen, kb);
	else
		memcpy(kb, key, klen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = kb[i] ^ 0x36;
	SHA256_Init(&k->inner);
	SHA256_Update(&k->inner, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = kb[i] ^ 0x5c;
	SHA256_Init(&k->outer);
	SHA256_Update(&k->outer, pad, sizeof(pad));
	OPENSSL_cleanse(kb, sizeof(kb));
	OPENSSL_cleanse(pad, sizeof(pad));
}

static void
hmac_with(const struct hkey *k, const void *msg, size_t mlen,
    unsigned char out[32])
{
	SHA256_CTX c;
	unsigned char d[32];

	c = k->inner;
	SHA256_Update(&c, msg, mlen);
	SHA256_Final(d, &c);
	c = k->outer;
	SHA256_Update(&c, d, sizeof(d));
	SHA256_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(d, sizeof(d));
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	struct hkey k;

	hkey_set(&k, key, klen);
	hmac_with(&k, msg, strlen(msg), out);
	OPENSSL_cleanse(&k, sizeof(k));
}

static void
sha256_hex(const void *p, size_t len, char out[65])
{
	unsigned char d[32];
	size_t i;

	eksl_sha256(p, len, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexl[d[i] >> 4];
		out[2 * i + 1] = hexl[d[i] & 15];
	}
	out[64] = '\0';
}

static int
signing_key(struct eksl_sigv4 *s, const char *secret, const char *date,
    const char *region, const char *service)
{
	unsigned char k[32];
	char *first;
	size_t slen = strlen(secret);

	if (s->have_key && strcmp(s->key_secret, secret) == 0 &&
	    strcmp(s->key_date, date) == 0 &&
	    strcmp(s->key_region, region) == 0 &&
	    strcmp(s->key_service, service) == 0)
		return 0;
	s->have_key = 0;
	if ((first = malloc(slen + 5)) == NULL)
		return -1;
	memcpy(first, "AWS4", 4);
	memcpy(first + 4, secret, slen + 1);
	hmac(first, slen + 4, date, k);
	OPENSSL_cleanse(first, slen + 4);
	free(first);
	hmac(k, 32, region, k);
	hmac(k, 32, service, k);
	hmac(k, 32, "aws4_request", k);
	hkey_set(&s->key, k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	if (slen < SECRET_MAX && strlen(region) < sizeof(s->key_region) &&
	    strlen(service) < sizeof(s->key_service)) {
		memcpy(s->key_secret, secret, slen + 1);
		memcpy(s->key_date, date, 9);
		memcpy(s->key_region, region, strlen(region) + 1);
		memcpy(s->key_service, service, strlen(service) + 1);
		s->have_key = 1;
	}
	return 0;
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* URI-encode n bytes of p into b; '/' is kept when keep_slash. */
static int
uri_encode(struct eksl_buf *b, const char *p, size_t n, int keep_slash)
{
	char tmp[256];
	size_t i, t = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (t + 3 > sizeof(tmp)) {
			if (eksl_buf_add(b, tmp, t) == -1)
				return -1;
			t = 0;
		}
		if (unreserved(c) || (keep_slash && c == '/'))
			tmp[t++] = (char)c;
		else {
			tmp[t++] = '%';
			tmp[t++] = hexu[c >> 4];
			tmp[t++] = hexu[c & 15];
		}
	}
	return eksl_buf_add(b, tmp, t);
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode %XX escapes of n bytes of p in place into out (which has room
 * for n bytes); a '%' that does not start an escape stays as it is, and
 * '+' stays '+' (SigV4 clients send spaces as %20).  Returns the length.
 */
static size_t
uri_decode(const char *p, size_t n, char *out)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n &&
		    (h = hexval((unsigned char)p[i + 1])) != -1 &&
		    (l = hexval((unsigned char)p[i + 2])) != -1) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			out[o++] = p[i];
	}
	return o;
}

/* The canonical path: dot segments removed when normalize, then encoded. */
static int
canonical_path(struct eksl_buf *b, const char *path, int normalize)
{
	const char *seg, *end, *p;
	size_t *stack = NULL, *lens = NULL, nseg = 0, plen, i;
	int rc = -1;

	if (path == NULL || *path == '\0')
		return eksl_buf_addstr(b, "/");
	plen = strlen(path);
	if (!normalize)
		return uri_encode(b, path, plen, 1);

	/* At most plen / 2 + 1 segments. */
	if ((stack = calloc(plen / 2 + 2, sizeof(*stack))) == NULL ||
	    (lens = calloc(plen / 2 + 2, sizeof(*lens))) == NULL)
		goto out;
	for (p = path; p <= path + plen; p = end + 1) {
		seg = p;
		if ((end = strchr(seg, '/')) == NULL)
			end = path + plen;
		if (end == seg || (end - seg == 1 && seg[0] == '.'))
			continue;
		if (end - seg == 2 && seg[0] == '.' && seg[1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		stack[nseg] = (size_t)(seg - path);
		lens[nseg++] = (size_t)(end - seg);
	}
	if (path[0] == '/' && eksl_buf_addstr(b, "/") == -1)
		goto out;
	for (i = 0; i < nseg; i++) {
		if (i > 0 && eksl_buf_addstr(b, "/") == -1)
			goto out;
		if (uri_encode(b, path + stack[i], lens[i], 1) == -1)
			goto out;
	}
	if (path[plen - 1] == '/' && nseg > 0 && eksl_buf_addstr(b, "/") == -1)
		goto out;
	rc = 0;
out:
	free(stack);
	free(lens);
	return rc;
}

static int
qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

static void
qpairs_free(struct qpair *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (q[i].value != NULL)
			OPENSSL_cleanse(q[i].value, strlen(q[i].value));
		free(q[i].key);
		free(q[i].value);
	}
	free(q);
}

/* Encode n bytes (already decoded) into a new string. */
static char *
encode_new(const char *p, size_t n)
{
	struct eksl_buf b;

	eksl_buf_init(&b, CANON_MAX);
	if (uri_encode(&b, p, n, 0) == -1 || eksl_buf_add(&b, "", 0) == -1) {
		eksl_buf_free(&b);
		return NULL;
	}
	return eksl_buf_steal(&b);
}

static int
qpair_add(struct qpair **q, size_t *n, size_t *cap, const char *k,
    size_t klen, const char *v, size_t vlen)
{
	struct qpair *nq;
	size_t ncap;

	if (*n == *cap) {
		ncap = *cap == 0 ? 16 : *cap * 2;
		if ((nq = reallocarray(*q, ncap, sizeof(*nq))) == NULL)
			return -1;
		*q = nq;
		*cap = ncap;
	}
	(*q)[*n].key = encode_new(k, klen);
	(*q)[*n].value = encode_new(v, vlen);
	(*n)++;
	if ((*q)[*n - 1].key == NULL || (*q)[*n - 1].value == NULL)
		return -1;
	return 0;
}

/* Split the wire query into decoded pairs (empty pieces are skipped). */
static int
query_pairs(const char *query, struct qpair **q, size_t *n, size_t *cap)
{
	const char *p, *amp, *eq;
	char *tmp = NULL;
	size_t klen, vlen;
	int rc = -1;

	if (query == NULL || *query == '\0')
		return 0;
	if ((tmp = malloc(strlen(query) + 1)) == NULL)
		return -1;
	for (p = query; *p != '\0'; p = *amp == '\0' ? amp : amp + 1) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		klen = uri_decode(p, (size_t)(eq - p), tmp);
		vlen = 0;
		if (eq < amp)
			vlen = uri_decode(eq + 1, (size_t)(amp - eq - 1),
			    tmp + klen);
		if (qpair_add(q, n, cap, tmp, klen, tmp + klen, vlen) == -1)
			goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Append v trimmed, with each inner whitespace run made one space. */
static int
add_trimmed(struct eksl_buf *b, const char *v)
{
	char tmp[256];
	size_t t = 0;
	int space = 0;

	while (is_ws((unsigned char)*v))
		v++;
	for (; *v != '\0'; v++) {
		if (t + 2 > sizeof(tmp)) {
			if (eksl_buf_add(b, tmp, t) == -1)
				return -1;
			t = 0;
		}
		if (is_ws((unsigned char)*v)) {
			space = 1;
			continue;
		}
		if (space)
			tmp[t++] = ' ';
		space = 0;
		tmp[t++] = *v;
	}
	return eksl_buf_add(b, tmp, t);
}

/* Append the strings up to NULL (printf is a third of the cost here). */
static int
cat(struct eksl_buf *b, ...)
{
	va_list ap;
	const char *p;
	int rc = 0;

	va_start(ap, b);
	while ((p = va_arg(ap, const char *)) != NULL)
		if (eksl_buf_addstr(b, p) == -1) {
			rc = -1;
			break;
		}
	va_end(ap);
	return rc;
}

/* YYYYMMDDTHHMMSSZ, without strftime's locale work. */
static int
amz_date(const struct tm *tm, char out[17])
{
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 }, i, j, k = 0, x;

	v[0] = tm->tm_year + 1900;
	v[1] = tm->tm_mon + 1;
	v[2] = tm->tm_mday;
	v[3] = tm->tm_hour;
	v[4] = tm->tm_min;
	v[5] = tm->tm_sec;
	if (v[0] < 0 || v[0] > 9999)
		return -1;
	for (i = 0; i < 6; i++) {
		if (i == 3)
			out[k++] = 'T';
		for (j = w[i] - 1, x = v[i]; j >= 0; j--, x /= 10)
			out[k + j] = (char)('0' + x % 10);
		k += w[i];
	}
	out[k++] = 'Z';
	out[k] = '\0';
	return 0;
}

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static char *
lower_name(const char *name)
{
	const char *e;
	char *s;
	size_t i, n;

	while (is_ws((unsigned char)*name))
		name++;
	e = name + strlen(name);
	while (e > name && is_ws((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - name);
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	s[n] = '\0';
	return s;
}

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "sigv4: %s", msg);
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = malloc(n)) != NULL)
		memcpy(d, s, n);
	return d;
}

/*
 * The one signer behind both modes.  presign selects query signing.
 */
static int
sign(struct eksl_sigv4 *s, const struct eksl_sigv4_request *req,
    const struct eksl_sigv4_params *p, struct eksl_sigv4_result *out,
    int presign, char *err, size_t errlen)
{
	struct eksl_buf b, sh, q;
	struct hdr *hs = NULL;
	struct qpair *qs = NULL;
	size_t nh = 0, nq = 0, qcap = 0, i, j;
	char amzdate[17], date[9], payload[65], crhash[65], expires[24];
	const char *token;
	unsigned char sig[32];
	struct tm tm;
	int have_host = 0, rc = -1, add_token, add_sha;

	memset(out, 0, sizeof(*out));
	eksl_buf_init(&b, CANON_MAX);
	eksl_buf_init(&sh, CANON_MAX);
	eksl_buf_init(&q, CANON_MAX);

	if (s == NULL || req == NULL || p == NULL || req->method == NULL ||
	    p->creds == NULL || p->creds->access_key == NULL ||
	    p->creds->secret_key == NULL || p->region == NULL ||
	    p->service == NULL || *p->region == '\0' || *p->service == '\0') {
		set_err(err, errlen, "missing credentials, region, service "
		    "or method");
		errno = EINVAL;
		goto out;
	}
	if (presign && (p->expires < 1 || p->expires > MAX_EXPIRES)) {
		set_err(err, errlen, "expiry must be 1 to 604800 seconds");
		errno = EINVAL;
		goto out;
	}
	if (gmtime_r(&p->when, &tm) == NULL || amz_date(&tm, amzdate) == -1) {
		set_err(err, errlen, "time out of range");
		errno = EINVAL;
		goto out;
	}
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	token = p->creds->session_token;
	if (token != NULL && *token == '\0')
		token = NULL;
	add_token = token != NULL && !p->omit_session_token;
	add_sha = !presign && p->sign_body;

	if (req->body == NULL || req->bodylen == 0)
		memcpy(payload, EMPTY_SHA256, sizeof(payload));
	else
		sha256_hex(req->body, req->bodylen, payload);

	/*
	 * Headers: the caller's, less those the signer sets itself (header
	 * mode), plus ours.  Room for three more.
	 */
	if ((hs = calloc(req->nheaders + 3, sizeof(*hs))) == NULL)
		goto nomem;
	for (i = 0; i < req->nheaders; i++) {
		char *ln;

		if (req->headers[i].name == NULL ||
		    req->headers[i].value == NULL)
			continue;
		if ((ln = lower_name(req->headers[i].name)) == NULL)
			goto nomem;
		if (strcmp(ln, "host") == 0)
			have_host = 1;
		if (!presign && (strcmp(ln, "authorization") == 0 ||
		    strcmp(ln, "x-amz-date") == 0 ||
		    (token != NULL &&
		    strcmp(ln, "x-amz-security-token") == 0) ||
		    (add_sha && strcmp(ln, "x-amz-content-sha256") == 0))) {
			free(ln);
			continue;
		}
		hs[nh].name = ln;
		hs[nh].value = req->headers[i].value;
		hs[nh].pos = i;
		nh++;
	}
	if (!have_host) {
		set_err(err, errlen, "request has no Host header");
		errno = EINVAL;
		goto out;
	}
	if (!presign) {
		if ((hs[nh].name = xstrdup("x-amz-date")) == NULL)
			goto nomem;
		hs[nh].value = amzdate;
		hs[nh].pos = req->nheaders;
		nh++;
		if (add_token) {
			if ((hs[nh].name = xstrdup("x-amz-security-token")) ==
			    NULL)
				goto nomem;
			hs[nh].value = token;
			hs[nh].pos = req->nheaders + 1;
			nh++;
		}
		if (add_sha) {
			if ((hs[nh].name = xstrdup("x-amz-content-sha256")) ==
			    NULL)
				goto nomem;
			hs[nh].value = payload;
			hs[nh].pos = req->nheaders + 2;
			nh++;
		}
	}
	qsort(hs, nh, sizeof(*hs), hdr_cmp);
	for (i = 0; i < nh; i++) {
		if (i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0)
			continue;
		if ((i > 0 && eksl_buf_addstr(&sh, ";") == -1) ||
		    eksl_buf_addstr(&sh, hs[i].name) == -1)
			goto nomem;
	}

	/* Query. */
	if (query_pairs(req->query, &qs, &nq, &qcap) == -1)
		goto nomem;
	if (presign) {
		if (cat(&q, p->creds->access_key, "/", date, "/", p->region,
		    "/", p->service, "/aws4_request", NULL) == -1)
			goto nomem;
		snprintf(expires, sizeof(expires), "%ld", p->expires);
		if (qpair_add(&qs, &nq, &qcap, "X-Amz-Algorithm", 15,
		    ALGORITHM, strlen(ALGORITHM)) == -1 ||
		    qpair_add(&qs, &nq, &qcap, "X-Amz-Credential", 16,
		    q.data, q.len) == -1 ||
		    qpair_add(&qs, &nq, &qcap, "X-Amz-Date", 10, amzdate,
		    16) == -1 ||
		    qpair_add(&qs, &nq, &qcap, "X-Amz-Expires", 13, expires,
		    strlen(expires)) == -1 ||
		    qpair_add(&qs, &nq, &qcap, "X-Amz-SignedHeaders", 19,
		    sh.data, sh.len) == -1)
			goto nomem;
		if (add_token && qpair_add(&qs, &nq, &qcap,
		    "X-Amz-Security-Token", 20, token, strlen(token)) == -1)
			goto nomem;
		eksl_buf_reset(&q);
	}
	if (nq > 1)
		qsort(qs, nq, sizeof(*qs), qpair_cmp);

	/* The canonical request. */
	if (eksl_buf_addstr(&b, req->method) == -1 ||
	    eksl_buf_addstr(&b, "\n") == -1 ||
	    canonical_path(&b, req->path, p->normalize_path) == -1 ||
	    eksl_buf_addstr(&b, "\n") == -1)
		goto nomem;
	for (i = 0; i < nq; i++) {
		if ((i > 0 && eksl_buf_addstr(&b, "&") == -1) ||
		    eksl_buf_addstr(&b, qs[i].key) == -1 ||
		    eksl_buf_addstr(&b, "=") == -1 ||
		    eksl_buf_addstr(&b, qs[i].value) == -1)
			goto nomem;
	}
	if (eksl_buf_addstr(&b, "\n") == -1)
		goto nomem;
	for (i = 0; i < nh; i = j) {
		if (eksl_buf_addstr(&b, hs[i].name) == -1 ||
		    eksl_buf_addstr(&b, ":") == -1)
			goto nomem;
		for (j = i; j < nh && strcmp(hs[j].name, hs[i].name) == 0;
		    j++) {
			if ((j > i && eksl_buf_addstr(&b, ",") == -1) ||
			    add_trimmed(&b, hs[j].value) == -1)
				goto nomem;
		}
		if (eksl_buf_addstr(&b, "\n") == -1)
			goto nomem;
	}
	if (cat(&b, "\n", sh.data, "\n", payload, NULL) == -1)
		goto nomem;
	sha256_hex(b.data, b.len, crhash);
	out->canonical_request = eksl_buf_steal(&b);

	/* The string to sign and the signature. */
	if (cat(&b, ALGORITHM "\n", amzdate, "\n", date, "/", p->region, "/",
	    p->service, "/aws4_request\n", crhash, NULL) == -1)
		goto nomem;
	if (signing_key(s, p->creds->secret_key, date, p->region,
	    p->service) == -1)
		goto nomem;
	hmac_with(&s->key, b.data, b.len, sig);
	out->string_to_sign = eksl_buf_steal(&b);
	for (i = 0; i < 32; i++) {
		out->signature[2 * i] = hexl[sig[i] >> 4];
		out->signature[2 * i + 1] = hexl[sig[i] & 15];
	}
	out->signature[64] = '\0';

	if (presign) {
		/* The caller's query as sent, then ours in emission order. */
		if (req->query != NULL && *req->query != '\0' &&
		    (eksl_buf_addstr(&q, req->query) == -1 ||
		    eksl_buf_addstr(&q, "&") == -1))
			goto nomem;
		if (eksl_buf_addstr(&q, "X-Amz-Algorithm=" ALGORITHM
		    "&X-Amz-Credential=") == -1 ||
		    uri_encode(&q, p->creds->access_key,
		    strlen(p->creds->access_key), 0) == -1 ||
		    cat(&q, "%2F", date, "%2F", NULL) == -1 ||
		    uri_encode(&q, p->region, strlen(p->region), 0) == -1 ||
		    eksl_buf_addstr(&q, "%2F") == -1 ||
		    uri_encode(&q, p->service, strlen(p->service), 0) == -1 ||
		    cat(&q, "%2Faws4_request&X-Amz-Date=", amzdate,
		    "&X-Amz-Expires=", expires, "&X-Amz-SignedHeaders=",
		    NULL) == -1 ||
		    uri_encode(&q, sh.data, sh.len, 0) == -1)
			goto nomem;
		if (token != NULL &&
		    (eksl_buf_addstr(&q, "&X-Amz-Security-Token=") == -1 ||
		    uri_encode(&q, token, strlen(token), 0) == -1))
			goto nomem;
		if (cat(&q, "&X-Amz-Signature=", out->signature, NULL) == -1)
			goto nomem;
		out->query = eksl_buf_steal(&q);
	} else {
		struct eksl_header *ah = out->add_headers;

		if ((ah[out->nadd].name = xstrdup("X-Amz-Date")) == NULL ||
		    (ah[out->nadd++].value = xstrdup(amzdate)) == NULL)
			goto nomem;
		if (token != NULL &&
		    ((ah[out->nadd].name = xstrdup("X-Amz-Security-Token")) ==
		    NULL || (ah[out->nadd++].value = xstrdup(token)) == NULL))
			goto nomem;
		if (add_sha &&
		    ((ah[out->nadd].name = xstrdup("x-amz-content-sha256")) ==
		    NULL || (ah[out->nadd++].value = xstrdup(payload)) ==
		    NULL))
			goto nomem;
		if ((ah[out->nadd].name = xstrdup("Authorization")) == NULL)
			goto nomem;
		out->nadd++;
		if (cat(&b, ALGORITHM " Credential=", p->creds->access_key, "/",
		    date, "/", p->region, "/", p->service, "/aws4_request, "
		    "SignedHeaders=", sh.data, ", Signature=", out->signature,
		    NULL) == -1)
			goto nomem;
		ah[out->nadd - 1].value = eksl_buf_steal(&b);
	}
	rc = 0;
	goto out;
nomem:
	set_err(err, errlen, strerror(errno != 0 ? errno : ENOMEM));
	goto out;
out:
	OPENSSL_cleanse(sig, sizeof(sig));
	if (hs != NULL) {
		for (i = 0; i < nh; i++)
			free(hs[i].name);
		free(hs);
	}
	if (qs != NULL)
		qpairs_free(qs, nq);
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	if (q.data != NULL)
		OPENSSL_cleanse(q.data, q.len);
	eksl_buf_free(&b);
	eksl_buf_free(&sh);
	eksl_buf_free(&q);
	if (rc == -1)
		eksl_sigv4_result_clear(out);
	return rc;
}

int
eksl_sigv4_sign(struct eksl_sigv4 *s, const struct eksl_sigv4_request *req,
    const struct eksl_sigv4_params *p, struct eksl_sigv4_result *out,
    char *err, size_t errlen)
{
	return sign(s, req, p, out, 0, err, errlen);
}

int
eksl_sigv4_presign(struct eksl_sigv4 *s,
    const struct eksl_sigv4_request *req, const struct eksl_sigv4_params *p,
    struct eksl_sigv4_result *out, char *err, size_t errlen)
{
	return sign(s, req, p, out, 1, err, errlen);
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void
eksl_sigv4_result_clear(struct eksl_sigv4_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	wipe_free(r->canonical_request);
	wipe_free(r->string_to_sign);
	wipe_free(r->query);
	for (i = 0; i < sizeof(r->add_headers) / sizeof(r->add_headers[0]);
	    i++) {
		wipe_free((char *)r->add_headers[i].name);
		wipe_free((char *)r->add_headers[i].value);
	}
	memset(r, 0, sizeof(*r));
}
