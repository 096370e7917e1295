/*
 * The AWS transport over libcurl: REST-JSON and Query calls signed with
 * SigV4, the standard retry mode, clock-skew correction and redacted
 * logging.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws.h"
#include "buf.h"
#include "exitcodes.h"
#include "msg.h"
#include "sigv4.h"

#define RESP_MAX	(16 * 1024 * 1024)	/* answer body cap */
#define MAX_BACKOFF_MS	20000			/* standard mode cap */
#define BASE_MS		1000			/* standard mode base */
#define MAX_ATTEMPTS	3

struct eksl_aws {
	struct eksl_awsconf	*c;
	struct eksl_sigv4	*sig;
	CURL			*curl;
	void			(*log)(int, const char *, void *);
	void			*logarg;
	long			 connect_ms;
	long			 total_ms;
	long			 base_ms;
	int			 max_attempts;
	time_t			 skew;		/* add to local time */
};

/* One answer: status, body and the headers that matter here. */
struct answer {
	long		 status;
	struct eksl_buf	 body;
	struct eksl_buf	 headers;	/* for -vv */
	char		 errtype[128];	/* x-amzn-ErrorType */
	char		 date[64];	/* Date */
};

/* Names whose values are secrets in bodies, forms and headers. */
static const char *const secret_names[] = {
	"SecretAccessKey", "SessionToken", "SecurityToken", "Password",
	"PrivateKey", "aws_secret_access_key", "aws_session_token",
	"X-Amz-Security-Token", "Authorization", NULL
};

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
 * A copy of text with the value after each secret name replaced by
 * "[redacted]": XML (<SessionToken>v</...>), JSON ("SessionToken": "v"),
 * forms (SessionToken=v) and headers (Authorization: v).  A name counts
 * only at a word start, so NextToken is left alone.  Caller frees.
 */
char *
eksl_aws_redact(const char *text)
{
	struct eksl_buf b;
	const char *p = text, *q, *stop;
	size_t i, n;
	int hit;

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
					eksl_buf_add(&b, p, (size_t)(q - p));
					eksl_buf_addstr(&b, "[redacted]");
					while (*q != '\0' &&
					    strchr(stop, *q) == NULL)
						q++;
					p = q;
					hit = 1;
				}
			}
		}
		if (!hit)
			eksl_buf_add(&b, p++, 1);
	}
	return eksl_buf_steal(&b);
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
	static int curl_ready;
	struct eksl_aws *a;
	const char *v;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			eksl_seterr(err, errlen, "libcurl: cannot initialise");
			return NULL;
		}
		curl_ready = 1;
	}
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
	if ((a->curl = curl_easy_init()) == NULL) {
		eksl_seterr(err, errlen, "libcurl: cannot make a handle");
		goto fail;
	}
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
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
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

/* Free a header list, wiping it: it holds the session token. */
static void
free_headers(struct curl_slist *hl)
{
	struct curl_slist *l;

	for (l = hl; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(hl);
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct answer *ans = arg;

	if (eksl_buf_add(&ans->body, p, size * n) == -1)
		return 0;
	return size * n;
}

static void
header_value(const char *line, size_t len, size_t namelen, char *out,
    size_t outlen)
{
	const char *v = line + namelen;
	size_t n;

	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	n = (size_t)(line + len - v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	snprintf(out, outlen, "%.*s", (int)n, v);
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct answer *ans = arg;
	size_t len = size * n;

	/* A new status line starts a new set of headers (redirects, 100). */
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		eksl_buf_reset(&ans->headers);
		ans->errtype[0] = ans->date[0] = '\0';
	}
	eksl_buf_add(&ans->headers, p, len);
	if (len > 17 && strncasecmp(p, "x-amzn-ErrorType:", 17) == 0)
		header_value(p, len, 17, ans->errtype, sizeof(ans->errtype));
	else if (len > 5 && strncasecmp(p, "Date:", 5) == 0)
		header_value(p, len, 5, ans->date, sizeof(ans->date));
	return len;
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

/* Keep the last part of "a#Code" or "Code:http://...". */
static void
clean_code(const char *in, char *out, size_t outlen)
{
	const char *p;
	size_t n;

	if ((p = strrchr(in, '#')) != NULL)
		in = p + 1;
	n = strcspn(in, ":");
	snprintf(out, outlen, "%.*s", (int)n, in);
}

void
eksl_aws_parse_error(long status, const char *errtype, const char *body,
    struct eksl_aws_error *e)
{
	const char *s;
	json_t *doc = NULL;
	xmlDocPtr x = NULL;
	char *code = NULL, *msg = NULL;
	const char *fallback;

	e->code[0] = e->message[0] = '\0';
	if (errtype != NULL && errtype[0] != '\0')
		clean_code(errtype, e->code, sizeof(e->code));
	while (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')
		body++;
	if (*body == '{' &&
	    (doc = json_loads(body, 0, NULL)) != NULL && json_is_object(doc)) {
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
			snprintf(e->message, sizeof(e->message), "%s", s);
	} else if (*body == '<' && (x = xmlReadMemory(body, (int)strlen(body),
	    NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING)) != NULL) {
		xmlNodePtr root = xmlDocGetRootElement(x);

		if (root != NULL) {
			code = eksl_xml_text(root, "Code");
			msg = eksl_xml_text(root, "Message");
		}
		if (e->code[0] == '\0' && code != NULL)
			snprintf(e->code, sizeof(e->code), "%s", code);
		if (msg != NULL)
			snprintf(e->message, sizeof(e->message), "%s", msg);
	}
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
	free(code);
	free(msg);
	json_decref(doc);
	if (x != NULL)
		xmlFreeDoc(x);
}

static void
backoff(struct eksl_aws *a, int attempt)
{
	struct timespec ts;
	long cap, ms;

	/* random(0,1) * min(20 s, 2^(attempt-1) * base), as botocore. */
	cap = a->base_ms;
	while (--attempt > 0 && cap < MAX_BACKOFF_MS)
		cap *= 2;
	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	ms = cap > 0 ? (long)arc4random_uniform((uint32_t)cap + 1) : 0;
	logf_(a, 1, "retrying in %ld ms", ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static enum eksl_aws_status
curl_class(CURLcode rc, const char **code, int *retry)
{
	*retry = 1;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*code = "ResolveFailed";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_COULDNT_CONNECT:
		*code = "ConnectFailed";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		*code = "Timeout";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		*code = "ConnectionError";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_SSL_CONNECT_ERROR:
		*code = "TLSError";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		*retry = 0;
		*code = "TLSError";
		return EKSL_AWS_UNREACHABLE;
	case CURLE_WRITE_ERROR:
		*retry = 0;
		*code = "AnswerTooLarge";
		return EKSL_AWS_LOCAL;
	case CURLE_OUT_OF_MEMORY:
		*retry = 0;
		*code = "OutOfMemory";
		return EKSL_AWS_LOCAL;
	default:
		*retry = 0;
		*code = "ConnectionError";
		return EKSL_AWS_UNREACHABLE;
	}
}

/*
 * One signed request with retries.  On success returns 0 with the answer
 * body in *out (caller frees).  On failure returns -1 with e filled.
 */
static int
call(struct eksl_aws *a, const char *service, const char *op,
    const char *method, const char *path, const char *query,
    const char *ctype, const char *body, size_t bodylen, char **out,
    struct eksl_aws_error *e)
{
	struct eksl_sigv4_request req;
	struct eksl_sigv4_params sp;
	struct eksl_sigv4_result sr;
	struct eksl_header hdrs[2];
	struct answer ans;
	struct curl_slist *hl = NULL;
	char *endpoint = NULL, *origin = NULL, *host = NULL, *base = NULL;
	char *fullpath = NULL, *url = NULL, *line = NULL, cerr[CURL_ERROR_SIZE];
	char sigerr[256];
	const char *region, *ecode;
	enum eksl_aws_status st;
	struct timespec t0, t1;
	CURLcode crc;
	size_t i, nh;
	int attempt = 0, rc = -1, retry, skewed = 0, extra = 0;

	memset(e, 0, sizeof(*e));
	memset(&sr, 0, sizeof(sr));
	memset(&ans, 0, sizeof(ans));
	eksl_buf_init(&ans.body, RESP_MAX);
	eksl_buf_init(&ans.headers, 256 * 1024);
	*out = NULL;

	if ((region = signing_region(a->c, service)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, 0, "NoRegion", "%s: no region: "
		    "use --region, AWS_REGION or the profile's region",
		    service);
		goto out;
	}
	if ((endpoint = eksl_awsconf_endpoint(a->c, service)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
		    "%s: out of memory", service);
		goto out;
	}
	if (split_endpoint(endpoint, &origin, &host, &base) == -1) {
		set_error(e, EKSL_AWS_LOCAL, 0, "BadEndpoint", "%s: endpoint "
		    "\"%.200s\" is not an http(s)://host[:port][/path] URL",
		    service, endpoint);
		goto out;
	}
	if (asprintf(&fullpath, "%s%s", base, path) == -1 ||
	    asprintf(&url, "%s%s%s%s", origin, fullpath,
	    query != NULL && *query != '\0' ? "?" : "",
	    query != NULL ? query : "") == -1) {
		fullpath = url = NULL;
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		goto out;
	}

	for (;;) {
		attempt++;
		e->attempts = attempt;
		nh = 0;
		hdrs[nh].name = "Host";
		hdrs[nh++].value = host;
		if (ctype != NULL) {
			hdrs[nh].name = "Content-Type";
			hdrs[nh++].value = ctype;
		}
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.path = fullpath;
		req.query = query;
		req.headers = hdrs;
		req.nheaders = nh;
		req.body = body;
		req.bodylen = bodylen;
		memset(&sp, 0, sizeof(sp));
		sp.creds = &a->c->creds;
		sp.region = region;
		sp.service = service;
		sp.when = time(NULL) + a->skew;
		sp.normalize_path = 1;
		eksl_sigv4_result_clear(&sr);
		memset(&sr, 0, sizeof(sr));
		if (eksl_sigv4_sign(a->sig, &req, &sp, &sr, sigerr,
		    sizeof(sigerr)) == -1) {
			set_error(e, EKSL_AWS_LOCAL, 0, "SigningFailed",
			    "%s: cannot sign: %s", service, sigerr);
			goto out;
		}
		free_headers(hl);
		hl = NULL;
		for (i = 0; i < nh + sr.nadd; i++) {
			const struct eksl_header *h = i < nh ? &hdrs[i] :
			    &sr.add_headers[i - nh];
			struct curl_slist *nl;

			free(line);
			if (asprintf(&line, "%s: %s", h->name, h->value) == -1) {
				line = NULL;
				set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
				    "out of memory");
				goto out;
			}
			if ((nl = curl_slist_append(hl, line)) == NULL) {
				set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
				    "out of memory");
				goto out;
			}
			hl = nl;
			explicit_bzero(line, strlen(line));
		}
		/* No 100-continue round trip; a User-Agent of our own. */
		hl = curl_slist_append(hl, "Expect:");
		hl = curl_slist_append(hl, "User-Agent: eksl/" EKSL_VERSION);
		if (hl == NULL) {
			set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory",
			    "out of memory");
			goto out;
		}

		eksl_buf_reset(&ans.body);
		eksl_buf_reset(&ans.headers);
		ans.status = 0;
		ans.errtype[0] = ans.date[0] = '\0';
		cerr[0] = '\0';
		curl_easy_reset(a->curl);
		curl_easy_setopt(a->curl, CURLOPT_URL, url);
		curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(a->curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT_MS,
		    a->connect_ms);
		curl_easy_setopt(a->curl, CURLOPT_TIMEOUT_MS, a->total_ms);
		curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYHOST, 2L);
		if (a->c->ca_bundle != NULL)
			curl_easy_setopt(a->curl, CURLOPT_CAINFO,
			    a->c->ca_bundle);
		curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, write_cb);
		curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &ans);
		curl_easy_setopt(a->curl, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(a->curl, CURLOPT_HEADERDATA, &ans);
		if (strcmp(method, "GET") == 0)
			curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
		else if (strcmp(method, "HEAD") == 0)
			curl_easy_setopt(a->curl, CURLOPT_NOBODY, 1L);
		else {
			curl_easy_setopt(a->curl, CURLOPT_POST, 1L);
			curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS,
			    body != NULL ? body : "");
			curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)bodylen);
			if (strcmp(method, "POST") != 0)
				curl_easy_setopt(a->curl,
				    CURLOPT_CUSTOMREQUEST, method);
		}

		logf_(a, 1, "%s %s: %s %s (attempt %d)", service, op, method,
		    url, attempt);
		if (a->log != NULL) {
			for (i = 0; i < nh + sr.nadd; i++) {
				const struct eksl_header *h = i < nh ?
				    &hdrs[i] : &sr.add_headers[i - nh];
				int secret = strcasecmp(h->name,
				    "Authorization") == 0 ||
				    strcasecmp(h->name,
				    "X-Amz-Security-Token") == 0;

				logf_(a, 2, "> %s: %s", h->name,
				    secret ? "[redacted]" : h->value);
			}
			if (body != NULL && bodylen > 0)
				log_block(a, "> ", body);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		crc = curl_easy_perform(a->curl);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		free_headers(hl);
		hl = NULL;

		if (crc != CURLE_OK) {
			st = curl_class(crc, &ecode, &retry);
			set_error(e, st, 0, ecode, "%s: %s", host,
			    cerr[0] != '\0' ? cerr : curl_easy_strerror(crc));
			e->attempts = attempt;
			logf_(a, 1, "%s %s: %s", service, op, e->message);
			if (!retry || attempt >= a->max_attempts + extra)
				goto out;
			backoff(a, attempt);
			continue;
		}
		curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &ans.status);
		logf_(a, 1, "%s %s: HTTP %ld in %ld ms", service, op,
		    ans.status, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000));
		log_block(a, "< ", eksl_buf_str(&ans.headers));
		log_block(a, "< ", eksl_buf_str(&ans.body));
		if (ans.status >= 200 && ans.status < 300) {
			/* Forget the errors of earlier attempts. */
			e->status = EKSL_AWS_OK;
			e->http_status = ans.status;
			e->code[0] = e->message[0] = '\0';
			*out = eksl_buf_steal(&ans.body);
			rc = 0;
			goto out;
		}
		eksl_aws_parse_error(ans.status, ans.errtype,
		    eksl_buf_str(&ans.body), e);
		e->status = EKSL_AWS_REFUSED;
		e->http_status = ans.status;
		e->attempts = attempt;
		logf_(a, 1, "%s %s: %s: %s", service, op, e->code, e->message);
		if (!skewed && is_skew(e->code, e->message) &&
		    ans.date[0] != '\0') {
			time_t server = curl_getdate(ans.date, NULL);

			if (server != -1) {
				/* Sign with the server's clock from now on. */
				a->skew = server - time(NULL);
				skewed = 1;
				extra = 1;
				logf_(a, 1, "%s: clock skew: server time is "
				    "%+ld s from ours; retrying", service,
				    (long)a->skew);
				if (attempt < a->max_attempts + extra)
					continue;
			}
		}
		if (!is_throttle(e->code) && !is_transient(e->code, ans.status))
			goto out;
		if (attempt >= a->max_attempts + extra)
			goto out;
		backoff(a, attempt - extra);
	}
out:
	if (rc == -1 && e->attempts > 0 && e->status == EKSL_AWS_OK)
		e->status = EKSL_AWS_LOCAL;
	free_headers(hl);
	eksl_sigv4_result_clear(&sr);
	if (ans.body.data != NULL)
		explicit_bzero(ans.body.data, ans.body.size);
	eksl_buf_free(&ans.body);
	eksl_buf_free(&ans.headers);
	free(line);
	free(endpoint);
	free(origin);
	free(host);
	free(base);
	free(fullpath);
	free(url);
	return rc;
}

int
eksl_aws_json(struct eksl_aws *a, const char *service, const char *method,
    const char *path, const char *query, json_t *body, json_t **out,
    struct eksl_aws_error *e)
{
	json_error_t je;
	char *text = NULL, *ans = NULL;
	const char *op;
	int rc = -1;

	*out = NULL;
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		memset(e, 0, sizeof(*e));
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		return -1;
	}
	op = path;
	if (call(a, service, op, method, path, query,
	    text != NULL ? "application/json" : NULL, text,
	    text != NULL ? strlen(text) : 0, &ans, e) == -1)
		goto out;
	if (*ans == '\0') {
		*out = json_object();
	} else if ((*out = json_loads(ans, 0, &je)) == NULL) {
		set_error(e, EKSL_AWS_REFUSED, 200, "BadAnswer", "%s %s: the "
		    "answer is not JSON: %d:%d: %s", service, path, je.line,
		    je.column, je.text);
		goto out;
	}
	if (*out == NULL) {
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (ans != NULL) {
		explicit_bzero(ans, strlen(ans));
		free(ans);
	}
	return rc;
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

int
eksl_aws_query(struct eksl_aws *a, const char *service, const char *action,
    const char *version, const char *const *params, xmlDocPtr *out,
    struct eksl_aws_error *e)
{
	struct eksl_buf b;
	char *ans = NULL;
	size_t i;
	int rc = -1, bad = 0;

	*out = NULL;
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
		memset(e, 0, sizeof(*e));
		set_error(e, EKSL_AWS_LOCAL, 0, "OutOfMemory", "out of memory");
		goto out;
	}
	if (call(a, service, action, "POST", "/", NULL,
	    "application/x-www-form-urlencoded; charset=utf-8", b.data, b.len,
	    &ans, e) == -1)
		goto out;
	*out = xmlReadMemory(ans, (int)strlen(ans), NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (*out == NULL || xmlDocGetRootElement(*out) == NULL) {
		if (*out != NULL)
			xmlFreeDoc(*out);
		*out = NULL;
		set_error(e, EKSL_AWS_REFUSED, 200, "BadAnswer", "%s %s: the "
		    "answer is not XML", service, action);
		goto out;
	}
	rc = 0;
out:
	if (b.data != NULL)
		explicit_bzero(b.data, b.size);
	eksl_buf_free(&b);
	if (ans != NULL) {
		explicit_bzero(ans, strlen(ans));
		free(ans);
	}
	return rc;
}

static xmlNodePtr
find_node(xmlNodePtr node, const char *name)
{
	xmlNodePtr n, f;

	for (n = node; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, (const xmlChar *)name) == 0)
			return n;
		if ((f = find_node(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

char *
eksl_xml_text(xmlNodePtr node, const char *name)
{
	xmlNodePtr n;
	xmlChar *t;
	char *s;

	if (node == NULL)
		return NULL;
	if (node->type == XML_ELEMENT_NODE &&
	    xmlStrcmp(node->name, (const xmlChar *)name) == 0)
		n = node;
	else if ((n = find_node(node->children, name)) == NULL)
		return NULL;
	if ((t = xmlNodeGetContent(n)) == NULL)
		return strdup("");
	s = strdup((const char *)t);
	xmlFree(t);
	return s;
}

int
eksl_sts_assume_role(struct eksl_aws *a, const char *role_arn,
    const char *session, int duration, struct eksl_creds *out,
    struct eksl_aws_error *e)
{
	const char *params[7];
	char dur[16];
	xmlDocPtr doc = NULL;
	xmlNodePtr root, cred;
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
	root = xmlDocGetRootElement(doc);
	cred = find_node(root, "Credentials");
	if (cred != NULL) {
		out->access_key = eksl_xml_text(cred, "AccessKeyId");
		out->secret_key = eksl_xml_text(cred, "SecretAccessKey");
		out->session_token = eksl_xml_text(cred, "SessionToken");
		exp = eksl_xml_text(cred, "Expiration");
	}
	if (out->access_key == NULL || out->secret_key == NULL ||
	    out->session_token == NULL) {
		set_error(e, EKSL_AWS_REFUSED, 200, "BadAnswer", "sts "
		    "AssumeRole %s: the answer has no credentials", role_arn);
		eksl_creds_clear(out);
		goto out;
	}
	if (exp != NULL && eksl_time_parse_rfc3339(exp, &out->expiration) ==
	    -1)
		out->expiration = 0;
	rc = 0;
out:
	free(exp);
	/* The document holds the secret key: wipe it before freeing. */
	if (doc != NULL) {
		xmlNodePtr s;

		if ((s = find_node(xmlDocGetRootElement(doc),
		    "SecretAccessKey")) != NULL)
			xmlNodeSetContent(s, (const xmlChar *)"");
		if ((s = find_node(xmlDocGetRootElement(doc),
		    "SessionToken")) != NULL)
			xmlNodeSetContent(s, (const xmlChar *)"");
		xmlFreeDoc(doc);
	}
	return rc;
}

int
eksl_sts_caller(struct eksl_aws *a, char **arn, char **account,
    struct eksl_aws_error *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root;

	*arn = NULL;
	if (account != NULL)
		*account = NULL;
	if (eksl_aws_query(a, "sts", "GetCallerIdentity", "2011-06-15", NULL,
	    &doc, e) == -1)
		return -1;
	root = xmlDocGetRootElement(doc);
	*arn = eksl_xml_text(root, "Arn");
	if (account != NULL)
		*account = eksl_xml_text(root, "Account");
	xmlFreeDoc(doc);
	if (*arn == NULL) {
		if (account != NULL) {
			free(*account);
			*account = NULL;
		}
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
		    strcmp(e->code, "SigningFailed") == 0)
			return EKSL_EXIT_INPUT;
		return EKSL_EXIT_IO;
	}
}
