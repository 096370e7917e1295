/*
 * The AWS transport over lib/http: REST-JSON and Query calls signed with
 * SigV4, the standard retry mode, clock-skew correction and redacted
 * logging.  All calls of a client go through one HTTP client, so they
 * share its pooled connections and CA store (loaded once), and
 * independent calls run at once (eksl_aws_run).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws.h"
#include "buf.h"
#include "duration.h"
#include "exitcodes.h"
#include "http.h"
#include "jsonmem.h"
#include "msg.h"
#include "sigv4.h"
#include "xml.h"

#define RESP_MAX	(16 * 1024 * 1024)	/* answer body cap */
#define MAX_BACKOFF_MS	20000			/* standard mode cap */
#define BASE_MS		1000			/* standard mode base */
#define MAX_ATTEMPTS	3
#define CODE_MAX	64			/* longest error code kept */

struct eksl_aws {
	struct eksl_awsconf	*c;
	struct eksl_sigv4	*sig;
	struct eksl_http	*http;		/* connections, CA store */
	void			(*log)(int, const char *, void *);
	void			*logarg;
	long			 connect_ms;
	long			 total_ms;
	long			 base_ms;
	int			 max_attempts;
	time_t			 skew;		/* add to local time */
};

/* Names whose values are secrets in bodies, forms and headers. */
static const char *const secret_names[] = {
	"SecretAccessKey", "SessionToken", "SecurityToken", "Password",
	"PrivateKey", "aws_secret_access_key", "aws_session_token",
	"X-Amz-Security-Token", "Authorization", NULL
};

/* What a secret value becomes in logs, and in error messages (as msg.c). */
#define LOG_MARK	"[redacted]"
#define MSG_MARK	"<redacted>"

static void
logf_(struct eksl_aws *a, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(struct eksl_aws *a, int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (a->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->log(level, line, a->logarg);
}

static void
set_error(struct eksl_aws_error *e, enum eksl_aws_status st, long http,
    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
set_error(struct eksl_aws_error *e, enum eksl_aws_status st, long http,
    const char *code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->status = st;
	e->http_status = http;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/*
 * A copy of text with the value after each secret name replaced by mark:
 * XML (<SessionToken>v</...>), JSON ("SessionToken": "v"), forms
 * (SessionToken=v) and headers (Authorization: v).  A name counts only at
 * a word start, so NextToken is left alone.  Caller frees; NULL when out
 * of memory.
 */
static char *
redact(const char *text, const char *mark)
{
	struct eksl_buf b;
	const char *p = text, *q, *stop;
	size_t i, n;
	int hit, bad = 0;

	eksl_buf_init(&b, 0);
	while (*p != '\0') {
		hit = 0;
		if (p == text || !isalnum((unsigned char)p[-1])) {
			for (i = 0; secret_names[i] != NULL; i++) {
				n = strlen(secret_names[i]);
				if (strncasecmp(p, secret_names[i], n) == 0 &&
				    !isalnum((unsigned char)p[n]) &&
				    p[n] != '_' && p[n] != '-')
					break;
			}
			if (secret_names[i] != NULL) {
				q = p + n;
				/* The delimiters between name and value. */
				while (*q != '\0' && strchr("\"'>:= \t", *q) !=
				    NULL && q - (p + n) < 6)
					q++;
				/* "Name: value" (a header) runs to the end
				 * of the line; other values end at a quote,
				 * a tag, '&', ',' or '}'. */
				stop = p[n] == ':' && strchr("\"'", *q) ==
				    NULL ? "\r\n" : "<&,}\r\n\"'";
				if (q > p + n && *q != '\0' &&
				    strchr(stop, *q) == NULL) {
					bad |= eksl_buf_add(&b, p,
					    (size_t)(q - p)) == -1;
					bad |= eksl_buf_addstr(&b, mark) == -1;
					while (*q != '\0' &&
					    strchr(stop, *q) == NULL)
						q++;
					p = q;
					hit = 1;
				}
			}
		}
		if (!hit)
			bad |= eksl_buf_add(&b, p++, 1) == -1;
	}
	if (bad) {
		/* A dropped byte could have been a mark: give nothing. */
		if (b.data != NULL)
			explicit_bzero(b.data, b.len);
		eksl_buf_free(&b);
		return NULL;
	}
	return eksl_buf_steal(&b);
}

char *
eksl_aws_redact(const char *text)
{
	return redact(text, LOG_MARK);
}

/*
 * Server text made fit for an error message, in place (out, outlen):
 * secret values after secret names masked, control characters and runs
 * of blanks made one space, cut at a character boundary to
 * EKSL_AWS_MSGMAX bytes with "..." after.  A server may echo anything,
 * our own headers included, into its message.
 */
static void
clean_message(const char *in, char *out, size_t outlen)
{
	char *r;
	const unsigned char *p;
	size_t n = 0, max = EKSL_AWS_MSGMAX;
	int space = 0, cut = 0;

	if (outlen == 0)
		return;
	if (max > outlen - 4)
		max = outlen - 4;
	/* Mask before blanks are merged: a header echoed with its line
	 * ends then masks to the end of its line only. */
	if ((r = redact(in, MSG_MARK)) == NULL) {
		snprintf(out, outlen, "(message dropped: out of memory)");
		return;
	}
	for (p = (const unsigned char *)r; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 1 > max) {
				cut = 1;
				break;
			}
			out[n++] = ' ';
			space = 0;
		}
		if (n + 1 > max) {
			cut = 1;
			break;
		}
		out[n++] = (char)*p;
	}
	/* Never end inside a UTF-8 sequence. */
	if (cut) {
		size_t k = n;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0x80) != 0) {
			unsigned char lead = (unsigned char)out[k - 1];
			size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 :
			    lead >= 0xc0 ? 2 : 1;

			if (n - (k - 1) < want)
				n = k - 1;
		}
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	explicit_bzero(r, strlen(r));
	free(r);
}

/* Mask value, a secret of ours, wherever it stands in s (size bytes). */
static void
mask_value(char *s, size_t size, const char *value)
{
	struct eksl_buf b;
	const char *p, *hit;
	char *r;
	size_t vlen;
	int bad = 0;

	if (value == NULL || (vlen = strlen(value)) < 8 ||
	    strstr(s, value) == NULL)
		return;
	eksl_buf_init(&b, 0);
	for (p = s; (hit = strstr(p, value)) != NULL; p = hit + vlen)
		bad |= eksl_buf_add(&b, p, (size_t)(hit - p)) == -1 ||
		    eksl_buf_addstr(&b, MSG_MARK) == -1;
	bad |= eksl_buf_addstr(&b, p) == -1;
	if (bad || (r = eksl_buf_steal(&b)) == NULL) {
		eksl_buf_free(&b);
		snprintf(s, size, "(message dropped: out of memory)");
		return;
	}
	snprintf(s, size, "%s", r);
	explicit_bzero(r, strlen(r));
	free(r);
}

static void
log_block(struct eksl_aws *a, const char *prefix, const char *text)
{
	char *r, *line, *next;

	if (a->log == NULL || text == NULL || *text == '\0')
		return;
	if ((r = eksl_aws_redact(text)) == NULL)
		return;
	for (line = r; line != NULL && *line != '\0'; line = next) {
		if ((next = strpbrk(line, "\r\n")) != NULL) {
			*next++ = '\0';
			while (*next == '\r' || *next == '\n')
				next++;
		}
		logf_(a, 2, "%s%.1900s", prefix, line);
	}
	free(r);
}

struct eksl_aws *
eksl_aws_new(struct eksl_awsconf *c,
    void (*log)(int level, const char *line, void *arg), void *logarg,
    char *err, size_t errlen)
{
	struct eksl_aws *a;
	const char *v;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		return NULL;
	}
	a->c = c;
	a->log = log;
	a->logarg = logarg;
	a->connect_ms = 5000;
	a->total_ms = 30000;
	a->base_ms = BASE_MS;
	a->max_attempts = MAX_ATTEMPTS;
	/* A test hook: shrink the backoff base. */
	if ((v = getenv("EKSL_AWS_RETRY_BASE_MS")) != NULL && *v != '\0')
		a->base_ms = strtol(v, NULL, 10);
	if (a->base_ms < 0)
		a->base_ms = 0;
	/* The CLI's own knob for the number of attempts. */
	if ((v = getenv("AWS_MAX_ATTEMPTS")) != NULL && *v != '\0' &&
	    strtol(v, NULL, 10) >= 1 && strtol(v, NULL, 10) <= 20)
		a->max_attempts = (int)strtol(v, NULL, 10);
	if ((a->sig = eksl_sigv4_new()) == NULL) {
		eksl_seterr(err, errlen, "cannot set up SigV4 signing");
		goto fail;
	}
	if ((a->http = eksl_http_new(c->ca_bundle, err, errlen)) == NULL)
		goto fail;
	return a;
fail:
	eksl_aws_free(a);
	return NULL;
}

void
eksl_aws_free(struct eksl_aws *a)
{
	if (a == NULL)
		return;
	eksl_http_free(a->http);
	eksl_sigv4_free(a->sig);
	free(a);
}

void
eksl_aws_set_timeouts(struct eksl_aws *a, long connect_ms, long total_ms)
{
	if (connect_ms > 0)
		a->connect_ms = connect_ms;
	if (total_ms > 0)
		a->total_ms = total_ms;
}

/* Free an array of header lines, wiping them (they hold secrets). */
static void
free_headers(char **hl, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hl[i] != NULL) {
			explicit_bzero(hl[i], strlen(hl[i]));
			free(hl[i]);
		}
	free(hl);
}

/* Split an endpoint URL into scheme://authority and a base path. */
static int
split_endpoint(const char *url, char **origin, char **host, char **base)
{
	const char *p, *slash;

	*origin = *host = *base = NULL;
	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return -1;
	slash = p + strcspn(p, "/?#");
	if (slash == p || *slash == '?' || *slash == '#' ||
	    memchr(p, '@', (size_t)(slash - p)) != NULL)
		return -1;
	*origin = strndup(url, (size_t)(slash - url));
	*host = strndup(p, (size_t)(slash - p));
	*base = strdup(slash);
	if (*origin == NULL || *host == NULL || *base == NULL)
		return -1;
	/* "http://h:1/" and "http://h:1" are the same endpoint. */
	if ((*base)[0] != '\0' && (*base)[strlen(*base) - 1] == '/')
		(*base)[strlen(*base) - 1] = '\0';
	/* Host carries no default port, as in botocore. */
	if (strncmp(url, "https://", 8) == 0 && strlen(*host) > 4 &&
	    strcmp(*host + strlen(*host) - 4, ":443") == 0)
		(*host)[strlen(*host) - 4] = '\0';
	else if (strncmp(url, "http://", 7) == 0 && strlen(*host) > 3 &&
	    strcmp(*host + strlen(*host) - 3, ":80") == 0)
		(*host)[strlen(*host) - 3] = '\0';
	return 0;
}

/* The region to sign with: IAM is global, signed in its home region. */
static const char *
signing_region(const struct eksl_awsconf *c, const char *service)
{
	if (strcmp(service, "iam") == 0) {
		if (c->region != NULL && strncmp(c->region, "cn-", 3) == 0)
			return "cn-north-1";
		if (c->region != NULL && strncmp(c->region, "us-gov-", 7) == 0)
			return "us-gov-west-1";
		if (c->region == NULL ||
		    strcmp(eksl_aws_dns_suffix(c->region), "amazonaws.com") == 0)
			return "us-east-1";
	}
	return c->region;
}

static int
is_throttle(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded",
		"BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", NULL
	};
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
is_transient(const char *code, long status)
{
	if (strcmp(code, "RequestTimeout") == 0 ||
	    strcmp(code, "RequestTimeoutException") == 0 ||
	    strcmp(code, "InternalError") == 0)
		return 1;
	return status == 500 || status == 502 || status == 503 ||
	    status == 504;
}

/* A skew answer: the server says our clock (the signing time) is off. */
static int
is_skew(const char *code, const char *message)
{
	if (strcmp(code, "RequestTimeTooSkewed") == 0 ||
	    strcmp(code, "RequestExpired") == 0 ||
	    strcmp(code, "RequestInTheFuture") == 0)
		return 1;
	if (strcmp(code, "InvalidSignatureException") == 0 ||
	    strcmp(code, "SignatureDoesNotMatch") == 0 ||
	    strcmp(code, "AuthFailure") == 0)
		return strstr(message, "expired") != NULL ||
		    strstr(message, "not yet current") != NULL ||
		    strstr(message, "skew") != NULL;
	return 0;
}

/*
 * Keep the last part of "a#Code" or "Code:http://...", and of that only
 * letters, digits and "._-" (a code is an identifier, never free text).
 */
static void
clean_code(const char *in, char *out, size_t outlen)
{
	const char *p;
	size_t i, n, k = 0;

	if ((p = strrchr(in, '#')) != NULL)
		in = p + 1;
	n = strcspn(in, ":");
	for (i = 0; i < n && k + 1 < outlen && k < CODE_MAX; i++)
		if (isalnum((unsigned char)in[i]) || in[i] == '.' ||
		    in[i] == '_' || in[i] == '-')
			out[k++] = in[i];
	if (outlen > 0)
		out[k] = '\0';
}

void
eksl_aws_parse_error(long status, const char *errtype, const char *body,
    struct eksl_aws_error *e)
{
	const char *s, *msg = NULL;
	json_t *doc = NULL;
	struct eksl_xml *x = NULL;
	char *xcode = NULL, *xmsg = NULL, xerr[8];
	const char *fallback;

	e->code[0] = e->message[0] = '\0';
	if (errtype != NULL && errtype[0] != '\0')
		clean_code(errtype, e->code, sizeof(e->code));
	while (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')
		body++;
	if (*body == '{') {
		eksl_json_mem_watch();
		doc = json_loads(body, 0, NULL);
		/* A failed allocation inside jansson may have mangled it. */
		if (doc != NULL && eksl_json_mem_failed()) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (json_is_object(doc)) {
		if (e->code[0] == '\0' &&
		    ((s = json_string_value(json_object_get(doc, "__type"))) !=
		    NULL || (s = json_string_value(json_object_get(doc,
		    "code"))) != NULL || (s = json_string_value(
		    json_object_get(doc, "Code"))) != NULL))
			clean_code(s, e->code, sizeof(e->code));
		if ((s = json_string_value(json_object_get(doc, "message"))) !=
		    NULL || (s = json_string_value(json_object_get(doc,
		    "Message"))) != NULL || (s = json_string_value(
		    json_object_get(doc, "errorMessage"))) != NULL)
			msg = s;
	} else if (*body == '<' && (x = eksl_xml_parse(body, strlen(body),
	    xerr, sizeof(xerr))) != NULL) {
		/* When it is not XML (or memory is short), the status says. */
		xcode = eksl_xml_text(eksl_xml_root(x), "Code");
		xmsg = eksl_xml_text(eksl_xml_root(x), "Message");
		if (e->code[0] == '\0' && xcode != NULL)
			clean_code(xcode, e->code, sizeof(e->code));
		msg = xmsg;
	}
	if (msg != NULL)
		clean_message(msg, e->message, sizeof(e->message));
	if (e->code[0] == '\0') {
		switch (status) {
		case 400: fallback = "BadRequest"; break;
		case 403: fallback = "Forbidden"; break;
		case 404: fallback = "NotFound"; break;
		case 429: fallback = "TooManyRequestsException"; break;
		case 500: fallback = "InternalError"; break;
		case 502: fallback = "BadGateway"; break;
		case 503: fallback = "ServiceUnavailable"; break;
		case 504: fallback = "GatewayTimeout"; break;
		default: fallback = "HTTPError"; break;
		}
		snprintf(e->code, sizeof(e->code), "%s", fallback);
	}
	if (e->message[0] == '\0')
		snprintf(e->message, sizeof(e->message), "HTTP status %ld",
		    status);
	free(xcode);
	free(xmsg);
	json_decref(doc);
	eksl_xml_free(x);
}

/* The outcome class, error code and retry rule of a transport failure. */
static enum eksl_aws_status
http_class(enum eksl_http_code rc, const char **code, int *retry)
{
	*retry = 1;
	switch (rc) {
	case EKSL_HTTP_RESOLVE:
		*code = "ResolveFailed";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_CONNECT:
		*code = "ConnectFailed";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_TIMEOUT:
		*code = "Timeout";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_CONNECTION:
		*code = "ConnectionError";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_TLS:
		*code = "TLSError";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_TLS_VERIFY:
		*retry = 0;
		*code = "TLSError";
		return EKSL_AWS_UNREACHABLE;
	case EKSL_HTTP_TOOLARGE:
		*retry = 0;
		*code = "AnswerTooLarge";
		return EKSL_AWS_LOCAL;
	case EKSL_HTTP_NOMEM:
		*retry = 0;
		*code = "OutOfMemory";
		return EKSL_AWS_LOCAL;
	case EKSL_HTTP_PROXY:
		*retry = 0;
		*code = "BadProxy";
		return EKSL_AWS_LOCAL;
	case EKSL_HTTP_URL:
		*retry = 0;
		*code = "BadEndpoint";
		return EKSL_AWS_LOCAL;
	default:
		*retry = 0;
		*code = "ConnectionError";
		return EKSL_AWS_UNREACHABLE;
	}
}

/* One request of a batch, with its retry state. */
struct xfer {
	/* the request (borrowed) */
	const char		*service;
	const char		*op;		/* for logs: action or path */
	const char		*method;
	const char		*path;
	const char		*query;
	const char		*ctype;		/* NULL: no body type */
	const char		*body;		/* NULL: no body */
	size_t			 bodylen;
	/* made once */
	const char		*region;
	char			*endpoint, *origin, *host, *base;
	char			*fullpath, *url;
	/* per attempt */
	char			**hl;		/* "Name: value" lines */
	size_t			 nhl;
	struct eksl_http_req	 req;		/* request and answer */
	int			 attempt;
	int			 extra;		/* the attempt a skew adds */
	int			 skewed;
	enum { X_WAIT, X_RUN, X_DONE } state;	/* X_RUN: in the batch */
	long			 due;		/* X_WAIT: start then (now_ms) */
	/* the outcome */
	char			*out;		/* the answer body on success */
	struct eksl_aws_error	*e;
	int			 rc;
};

static void
x_done(struct xfer *x, int rc)
{
	x->state = X_DONE;
	x->rc = rc;
	if (rc == -1 && x->e->attempts > 0 && x->e->status == EKSL_AWS_OK)
		x->e->status = EKSL_AWS_LOCAL;
}

/* Region, endpoint and URL of x; on failure x is done with e set. */
static void
x_prepare(struct eksl_aws *a, struct xfer *x)
{
	struct eksl_aws_error *e = x->e;

	x->state = X_DONE;
	x->rc = -1;
	if ((x->region = signing_region(a->c, x->service)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, 0, "NoRegion", "%s: no region: "
		    "use --region, AWS_REGION or the profile's region",
		    x->service);
		return;
	}
	if ((x->endpoint = eksl_awsconf_endpoint(a->c, x->service)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
		    "%s: out of memory", x->service);
		return;
	}
	if (split_endpoint(x->endpoint, &x->origin, &x->host, &x->base) ==
	    -1) {
		set_error(e, EKSL_AWS_LOCAL, 0, "BadEndpoint", "%s: endpoint "
		    "\"%.200s\" is not an http(s)://host[:port][/path] URL",
		    x->service, x->endpoint);
		return;
	}
	if (asprintf(&x->fullpath, "%s%s", x->base, x->path) == -1) {
		x->fullpath = NULL;
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		return;
	}
	if (asprintf(&x->url, "%s%s%s%s", x->origin, x->fullpath,
	    x->query != NULL && *x->query != '\0' ? "?" : "",
	    x->query != NULL ? x->query : "") == -1) {
		x->url = NULL;
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		return;
	}
	x->state = X_WAIT;
	x->due = 0;
}

/* Sign the next attempt of x and hand it to the multi handle. */
static void
x_start(struct eksl_aws *a, struct xfer *x)
{
	struct eksl_sigv4_request req;
	struct eksl_sigv4_params sp;
	struct eksl_sigv4_result sr;
	struct eksl_header hdrs[2];
	struct eksl_aws_error *e = x->e;
	char sigerr[256];
	const struct eksl_header *h;
	size_t i, nh = 0;

	memset(&sr, 0, sizeof(sr));
	x->attempt++;
	e->attempts = x->attempt;
	hdrs[nh].name = "Host";
	hdrs[nh++].value = x->host;
	if (x->ctype != NULL) {
		hdrs[nh].name = "Content-Type";
		hdrs[nh++].value = x->ctype;
	}
	memset(&req, 0, sizeof(req));
	req.method = x->method;
	req.path = x->fullpath;
	req.query = x->query;
	req.headers = hdrs;
	req.nheaders = nh;
	req.body = x->body;
	req.bodylen = x->bodylen;
	memset(&sp, 0, sizeof(sp));
	sp.creds = &a->c->creds;
	sp.region = x->region;
	sp.service = x->service;
	sp.when = time(NULL) + a->skew;
	sp.normalize_path = 1;
	if (eksl_sigv4_sign(a->sig, &req, &sp, &sr, sigerr,
	    sizeof(sigerr)) == -1) {
		set_error(e, EKSL_AWS_LOCAL, 0, "SigningFailed",
		    "%s: cannot sign: %s", x->service, sigerr);
		goto fail;
	}
	free_headers(x->hl, x->nhl);
	x->nhl = 0;
	/*
	 * The signed headers, then what libcurl sent of its own: a
	 * User-Agent of ours and an Accept of any type.  No Expect (no
	 * 100-continue round trip) and, without a body type of ours, no
	 * Content-Type at all.
	 */
	if ((x->hl = calloc(nh + sr.nadd + 2, sizeof(*x->hl))) == NULL)
		goto nomem;
	for (i = 0; i < nh + sr.nadd; i++) {
		h = i < nh ? &hdrs[i] : &sr.add_headers[i - nh];
		if (asprintf(&x->hl[x->nhl], "%s: %s", h->name, h->value) ==
		    -1) {
			x->hl[x->nhl] = NULL;
			goto nomem;
		}
		x->nhl++;
	}
	if ((x->hl[x->nhl] = strdup("User-Agent: eksl/" EKSL_VERSION)) ==
	    NULL)
		goto nomem;
	x->nhl++;
	if ((x->hl[x->nhl] = strdup("Accept: */*")) == NULL)
		goto nomem;
	x->nhl++;

	eksl_http_req_free(&x->req);
	x->req.method = x->method;
	x->req.url = x->url;
	x->req.headers = (const char *const *)x->hl;
	x->req.nheaders = x->nhl;
	x->req.body = x->body;
	x->req.bodylen = x->bodylen;
	logf_(a, 1, "%s %s: %s %s (attempt %d)", x->service, x->op,
	    x->method, x->url, x->attempt);
	if (a->log != NULL) {
		for (i = 0; i < nh + sr.nadd; i++) {
			int secret;

			h = i < nh ? &hdrs[i] : &sr.add_headers[i - nh];
			secret = strcasecmp(h->name, "Authorization") == 0 ||
			    strcasecmp(h->name, "X-Amz-Security-Token") == 0;
			logf_(a, 2, "> %s: %s", h->name,
			    secret ? LOG_MARK : h->value);
		}
		if (x->body != NULL && x->bodylen > 0)
			log_block(a, "> ", x->body);
	}
	eksl_sigv4_result_clear(&sr);
	x->state = X_RUN;
	return;
nomem:
	set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
fail:
	eksl_sigv4_result_clear(&sr);
	x_done(x, -1);
}

/* Schedule the next attempt of x after the standard mode's backoff. */
static void
x_backoff(struct eksl_aws *a, struct xfer *x, int attempt)
{
	long cap, ms;

	/* random(0,1) * min(20 s, 2^(attempt-1) * base), as botocore. */
	cap = a->base_ms;
	while (--attempt > 0 && cap < MAX_BACKOFF_MS)
		cap *= 2;
	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	ms = cap > 0 ? (long)arc4random_uniform((uint32_t)cap + 1) : 0;
	logf_(a, 1, "%s %s: retrying in %ld ms", x->service, x->op, ms);
	x->state = X_WAIT;
	x->due = eksl_now_ms() + ms;
}

/* An attempt of x ended: done, or another attempt scheduled. */
static void
x_finish(struct eksl_aws *a, struct xfer *x)
{
	struct eksl_aws_error *e = x->e;
	struct eksl_http_req *r = &x->req;
	enum eksl_aws_status st;
	const char *ecode;
	char reason[256], errtype[128], date[64];
	long status;
	int retry;

	free_headers(x->hl, x->nhl);
	x->hl = NULL;
	x->nhl = 0;
	if (r->code != EKSL_HTTP_OK) {
		st = http_class(r->code, &ecode, &retry);
		clean_message(r->reason, reason, sizeof(reason));
		set_error(e, st, 0, ecode, "%s: %s", x->host, reason);
		e->attempts = x->attempt;
		logf_(a, 1, "%s %s: %s", x->service, x->op, e->message);
		if (!retry || x->attempt >= a->max_attempts + x->extra)
			x_done(x, -1);
		else
			x_backoff(a, x, x->attempt);
		return;
	}
	status = r->status;
	if (eksl_http_header(r->head.data, r->head.len, "x-amzn-ErrorType",
	    errtype, sizeof(errtype)) == -1)
		errtype[0] = '\0';
	if (eksl_http_header(r->head.data, r->head.len, "Date", date,
	    sizeof(date)) == -1)
		date[0] = '\0';
	logf_(a, 1, "%s %s: HTTP %ld in %ld ms", x->service, x->op,
	    status, r->ms);
	log_block(a, "< ", eksl_buf_str(&r->head));
	log_block(a, "< ", eksl_buf_str(&r->answer));
	if (status >= 200 && status < 300) {
		/* Forget the errors of earlier attempts. */
		e->status = EKSL_AWS_OK;
		e->http_status = status;
		e->code[0] = e->message[0] = '\0';
		x->out = eksl_buf_steal(&r->answer);
		x_done(x, 0);
		return;
	}
	eksl_aws_parse_error(status, errtype, eksl_buf_str(&r->answer), e);
	/* A server may echo our own headers: mask our secrets by value. */
	mask_value(e->message, sizeof(e->message), a->c->creds.secret_key);
	mask_value(e->message, sizeof(e->message), a->c->creds.session_token);
	e->status = EKSL_AWS_REFUSED;
	e->http_status = status;
	e->attempts = x->attempt;
	logf_(a, 1, "%s %s: %s: %s", x->service, x->op, e->code, e->message);
	if (!x->skewed && is_skew(e->code, e->message) && date[0] != '\0') {
		time_t server;

		if (eksl_http_date(date, &server) == 0) {
			/* Sign with the server's clock from now on. */
			a->skew = server - time(NULL);
			x->skewed = 1;
			x->extra = 1;
			logf_(a, 1, "%s: clock skew: server time is %+ld s "
			    "from ours; retrying", x->service, (long)a->skew);
			if (x->attempt < a->max_attempts + x->extra) {
				x->state = X_WAIT;
				x->due = 0;
				return;
			}
		}
	}
	if ((!is_throttle(e->code) && !is_transient(e->code,
	    status)) || x->attempt >= a->max_attempts + x->extra) {
		x_done(x, -1);
		return;
	}
	x_backoff(a, x, x->attempt - x->extra);
}

/*
 * Drive the n transfers until every one is done: each round signs every
 * due transfer, runs them as one concurrent batch, finishes each (done,
 * or a retry scheduled after its backoff), then sleeps until the next
 * one is due.
 */
static void
run_xfers(struct eksl_aws *a, struct xfer *xs, size_t n)
{
	struct eksl_http_req *batch = NULL;
	struct xfer **who = NULL;
	long now, wait;
	size_t i, k, waiting;

	if ((batch = calloc(n, sizeof(*batch))) == NULL ||
	    (who = calloc(n, sizeof(*who))) == NULL) {
		for (i = 0; i < n; i++)
			if (xs[i].state != X_DONE) {
				set_error(xs[i].e, EKSL_AWS_LOCAL, 0,
				    "OutOfMemory", "out of memory");
				x_done(&xs[i], -1);
			}
		goto out;
	}
	eksl_http_set_limits(a->http, a->connect_ms, a->total_ms, RESP_MAX);
	for (;;) {
		now = eksl_now_ms();
		k = 0;
		for (i = 0; i < n; i++) {
			if (xs[i].state == X_WAIT && xs[i].due <= now)
				x_start(a, &xs[i]);
			if (xs[i].state == X_RUN)
				who[k++] = &xs[i];
		}
		if (k > 0) {
			/* The batch runs on copies; each goes back after. */
			for (i = 0; i < k; i++)
				batch[i] = who[i]->req;
			eksl_http_run(a->http, batch, k);
			for (i = 0; i < k; i++) {
				who[i]->req = batch[i];
				x_finish(a, who[i]);
			}
			continue;
		}
		waiting = 0;
		wait = 1000;
		now = eksl_now_ms();
		for (i = 0; i < n; i++)
			if (xs[i].state == X_WAIT) {
				waiting++;
				if (xs[i].due - now < wait)
					wait = xs[i].due - now;
			}
		if (waiting == 0)
			break;
		if (wait > 0)
			eksl_sleep_ms(wait);
	}
out:
	free(batch);
	free(who);
}

/* Append s form-encoded (RFC 3986 unreserved kept). */
static int
form_add(struct eksl_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' ||
		    ch == '~') {
			if (eksl_buf_add(b, s, 1) == -1)
				return -1;
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[ch >> 4];
		enc[2] = hex[ch & 15];
		if (eksl_buf_add(b, enc, 3) == -1)
			return -1;
	}
	return 0;
}

/* The form of a Query call; a new string (caller frees) or NULL. */
static char *
query_form(const char *action, const char *version,
    const char *const *params)
{
	struct eksl_buf b;
	size_t i;
	int bad = 0;

	eksl_buf_init(&b, 0);
	bad |= eksl_buf_addstr(&b, "Action=") == -1 || form_add(&b, action) ==
	    -1 || eksl_buf_addstr(&b, "&Version=") == -1 ||
	    form_add(&b, version) == -1;
	for (i = 0; params != NULL && params[i] != NULL &&
	    params[i + 1] != NULL; i += 2)
		bad |= eksl_buf_addstr(&b, "&") == -1 ||
		    form_add(&b, params[i]) == -1 ||
		    eksl_buf_addstr(&b, "=") == -1 ||
		    form_add(&b, params[i + 1]) == -1;
	if (bad) {
		if (b.data != NULL)
			explicit_bzero(b.data, b.size);
		eksl_buf_free(&b);
		return NULL;
	}
	return eksl_buf_steal(&b);
}

/* Free what a transfer holds, wiping what may carry secrets. */
static void
x_clear(struct xfer *x)
{
	free_headers(x->hl, x->nhl);
	eksl_http_req_free(&x->req);
	if (x->out != NULL) {
		explicit_bzero(x->out, strlen(x->out));
		free(x->out);
	}
	free(x->endpoint);
	free(x->origin);
	free(x->host);
	free(x->base);
	free(x->fullpath);
	free(x->url);
}

/* The answer of a successful call, parsed into c->json or c->xml. */
static void
parse_answer(struct eksl_aws_call *c, const char *ans)
{
	json_error_t je;
	char why[EKSL_AWS_MSGMAX + 8], xerr[EKSL_AWS_MSGMAX + 8];

	if (c->action == NULL) {
		if (*ans == '\0') {
			c->json = json_object();
		} else {
			eksl_json_mem_watch();
			c->json = json_loads(ans, 0, &je);
			if (c->json != NULL && eksl_json_mem_failed()) {
				/* jansson may have dropped a character */
				json_decref(c->json);
				c->json = NULL;
				set_error(&c->e, EKSL_AWS_LOCAL, 0,
				    "OutOfMemory", "%s %s: out of memory",
				    c->service, c->path);
				return;
			}
			if (c->json == NULL) {
				clean_message(je.text, why, sizeof(why));
				set_error(&c->e, EKSL_AWS_REFUSED, 200,
				    "BadAnswer", "%s %s: the answer is not "
				    "JSON: %d:%d: %s", c->service, c->path,
				    je.line, je.column, why);
				return;
			}
		}
		if (c->json == NULL)
			set_error(&c->e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
			    "out of memory");
		return;
	}
	if ((c->xml = eksl_xml_parse(ans, strlen(ans), xerr,
	    sizeof(xerr))) != NULL)
		return;
	if (errno == ENOMEM) {
		set_error(&c->e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
		    "%s %s: out of memory", c->service, c->action);
		return;
	}
	clean_message(xerr, why, sizeof(why));
	set_error(&c->e, EKSL_AWS_REFUSED, 200, "BadAnswer", "%s %s: the "
	    "answer is not XML: %s", c->service, c->action, why);
}

size_t
eksl_aws_run(struct eksl_aws *a, struct eksl_aws_call *calls, size_t n)
{
	struct eksl_aws_call *c;
	struct xfer *xs = NULL, *x;
	char **texts = NULL;
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		calls[i].json = NULL;
		calls[i].xml = NULL;
		memset(&calls[i].e, 0, sizeof(calls[i].e));
	}
	if (n == 0)
		return 0;
	if ((xs = calloc(n, sizeof(*xs))) == NULL ||
	    (texts = calloc(n, sizeof(*texts))) == NULL) {
		for (i = 0; i < n; i++)
			set_error(&calls[i].e, EKSL_AWS_LOCAL, 0,
			    "OutOfMemory", "out of memory");
		free(xs);
		return n;
	}
	for (i = 0; i < n; i++) {
		c = &calls[i];
		x = &xs[i];
		x->e = &c->e;
		x->service = c->service;
		x->rc = -1;
		x->state = X_DONE;
		if (c->action == NULL) {
			x->op = c->path;
			x->method = c->method;
			x->path = c->path;
			x->query = c->query;
			if (c->body != NULL) {
				eksl_json_mem_watch();
				texts[i] = json_dumps(c->body, JSON_COMPACT);
				if (texts[i] == NULL || eksl_json_mem_failed()) {
					set_error(&c->e, EKSL_AWS_LOCAL, 0,
					    "OutOfMemory", "out of memory");
					continue;
				}
				x->ctype = "application/json";
				x->body = texts[i];
				x->bodylen = strlen(texts[i]);
			}
		} else {
			x->op = c->action;
			x->method = "POST";
			x->path = "/";
			if ((texts[i] = query_form(c->action, c->version,
			    c->params)) == NULL) {
				set_error(&c->e, EKSL_AWS_LOCAL, 0,
				    "OutOfMemory", "out of memory");
				continue;
			}
			x->ctype = "application/x-www-form-urlencoded; "
			    "charset=utf-8";
			x->body = texts[i];
			x->bodylen = strlen(texts[i]);
		}
		x_prepare(a, x);
	}
	run_xfers(a, xs, n);
	for (i = 0; i < n; i++) {
		if (xs[i].rc == 0)
			parse_answer(&calls[i], xs[i].out);
		if (calls[i].json == NULL && calls[i].xml == NULL)
			failed++;
		x_clear(&xs[i]);
		if (texts[i] != NULL) {
			explicit_bzero(texts[i], strlen(texts[i]));
			free(texts[i]);
		}
	}
	free(texts);
	free(xs);
	return failed;
}

int
eksl_aws_json(struct eksl_aws *a, const char *service, const char *method,
    const char *path, const char *query, json_t *body, json_t **out,
    struct eksl_aws_error *e)
{
	struct eksl_aws_call c;

	memset(&c, 0, sizeof(c));
	c.service = service;
	c.method = method;
	c.path = path;
	c.query = query;
	c.body = body;
	eksl_aws_run(a, &c, 1);
	*e = c.e;
	*out = c.json;
	return c.json != NULL ? 0 : -1;
}

int
eksl_aws_query(struct eksl_aws *a, const char *service, const char *action,
    const char *version, const char *const *params, struct eksl_xml **out,
    struct eksl_aws_error *e)
{
	struct eksl_aws_call c;

	memset(&c, 0, sizeof(c));
	c.service = service;
	c.action = action;
	c.version = version;
	c.params = params;
	eksl_aws_run(a, &c, 1);
	*e = c.e;
	*out = c.xml;
	return c.xml != NULL ? 0 : -1;
}

int
eksl_sts_assume_role(struct eksl_aws *a, const char *role_arn,
    const char *session, int duration, struct eksl_creds *out,
    struct eksl_aws_error *e)
{
	const char *params[7];
	char dur[16];
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *cred;
	char *exp = NULL;
	size_t n = 0;
	int rc = -1;

	eksl_creds_clear(out);
	params[n++] = "RoleArn";
	params[n++] = role_arn;
	params[n++] = "RoleSessionName";
	params[n++] = session;
	if (duration > 0) {
		snprintf(dur, sizeof(dur), "%d", duration);
		params[n++] = "DurationSeconds";
		params[n++] = dur;
	}
	params[n] = NULL;
	if (eksl_aws_query(a, "sts", "AssumeRole", "2011-06-15", params, &doc,
	    e) == -1)
		return -1;
	cred = eksl_xml_find(eksl_xml_root(doc), "Credentials");
	errno = 0;
	if (cred != NULL) {
		out->access_key = eksl_xml_text(cred, "AccessKeyId");
		out->secret_key = eksl_xml_text(cred, "SecretAccessKey");
		out->session_token = eksl_xml_text(cred, "SessionToken");
		exp = eksl_xml_text(cred, "Expiration");
	}
	if (out->access_key == NULL || out->secret_key == NULL ||
	    out->session_token == NULL) {
		if (errno == ENOMEM)
			set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "sts "
			    "AssumeRole %s: out of memory", role_arn);
		else
			set_error(e, EKSL_AWS_REFUSED, 200, "BadAnswer", "sts "
			    "AssumeRole %s: the answer has no credentials",
			    role_arn);
		eksl_creds_clear(out);
		goto out;
	}
	if (exp != NULL && eksl_time_parse_rfc3339(exp, &out->expiration) ==
	    -1)
		out->expiration = 0;
	rc = 0;
out:
	free(exp);
	/* The document holds the secret key: eksl_xml_free wipes it. */
	eksl_xml_free(doc);
	return rc;
}

int
eksl_sts_caller(struct eksl_aws *a, char **arn, char **account,
    struct eksl_aws_error *e)
{
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *root;

	*arn = NULL;
	if (account != NULL)
		*account = NULL;
	if (eksl_aws_query(a, "sts", "GetCallerIdentity", "2011-06-15", NULL,
	    &doc, e) == -1)
		return -1;
	root = eksl_xml_root(doc);
	errno = 0;
	*arn = eksl_xml_text(root, "Arn");
	if (account != NULL)
		*account = eksl_xml_text(root, "Account");
	eksl_xml_free(doc);
	if (*arn == NULL) {
		if (account != NULL) {
			free(*account);
			*account = NULL;
		}
		if (errno == ENOMEM)
			set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "sts "
			    "GetCallerIdentity: out of memory");
		else
			set_error(e, EKSL_AWS_REFUSED, 200, "BadAnswer", "sts "
			    "GetCallerIdentity: the answer has no Arn");
		return -1;
	}
	return 0;
}

int
eksl_aws_exit_code(const struct eksl_aws_error *e)
{
	switch (e->status) {
	case EKSL_AWS_OK:
		return EKSL_EXIT_OK;
	case EKSL_AWS_REFUSED:
		return EKSL_EXIT_REFUSED;
	case EKSL_AWS_UNREACHABLE:
		return EKSL_EXIT_UNREACHABLE;
	case EKSL_AWS_LOCAL:
	default:
		/* A configuration the user can fix, else a local failure. */
		if (strcmp(e->code, "NoRegion") == 0 ||
		    strcmp(e->code, "BadEndpoint") == 0 ||
		    strcmp(e->code, "BadProxy") == 0 ||
		    strcmp(e->code, "SigningFailed") == 0)
			return EKSL_EXIT_INPUT;
		return EKSL_EXIT_IO;
	}
}
