/*
 * A lean HTTP/1.1 client over sockets and OpenSSL's libssl, for the AWS
 * transport: keep-alive connections pooled per (scheme, host, port,
 * proxy), connect and total timeouts, TLS that always verifies the peer,
 * proxies from the environment as curl reads them, and n requests at once
 * (one thread each).  It never follows redirects and never sends a body
 * type of its own.  Over TLS, a body that runs to the close must end with
 * close_notify: a bare TCP close may have cut it.
 */
#ifndef EKSL_HTTP_H
#define EKSL_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

/* What went wrong; the AWS transport maps each onto its retry rules. */
enum eksl_http_code {
	EKSL_HTTP_OK = 0,
	EKSL_HTTP_RESOLVE,	/* host or proxy name not resolved */
	EKSL_HTTP_CONNECT,	/* TCP connect refused, or proxy said no */
	EKSL_HTTP_TIMEOUT,	/* connect or total timeout */
	EKSL_HTTP_CONNECTION,	/* send/receive failure, malformed answer */
	EKSL_HTTP_TLS,		/* TLS handshake failure (transient) */
	EKSL_HTTP_TLS_VERIFY,	/* the peer is not who it must be */
	EKSL_HTTP_TOOLARGE,	/* the answer passed the body cap */
	EKSL_HTTP_NOMEM,
	EKSL_HTTP_PROXY,	/* an unusable proxy setting (local) */
	EKSL_HTTP_URL,		/* an unusable URL (local) */
};

/*
 * One request and its answer.  The caller zeroes it, fills the inputs
 * (borrowed) and, after eksl_http_run, frees it with eksl_http_req_free.
 * headers are full "Name: value" lines; a "Host" among them replaces the
 * one made from the URL.
 */
struct eksl_http_req {
	const char		*method;
	const char		*url;	/* http(s)://host[:port]/path?query */
	const char *const	*headers;
	size_t			 nheaders;
	const char		*body;	/* NULL: none */
	size_t			 bodylen;
	/* the outcome */
	enum eksl_http_code	 code;
	char			 reason[256];	/* one line, no secret */
	long			 status;	/* 0 without an answer */
	struct eksl_buf		 head;	/* status line and fields, raw */
	struct eksl_buf		 answer;	/* the body */
	int			 reused;	/* on a pooled connection */
	long			 ms;		/* how long it took */
};

struct eksl_http;

/*
 * A client: ca_file (may be NULL: the system's store) is copied; the
 * proxy variables are read at each request.  Nothing of TLS is loaded
 * before the first https request.  Returns NULL with err set.
 */
struct eksl_http *eksl_http_new(const char *ca_file, char *err,
	    size_t errlen);
/* Close every pooled connection and free the client. */
void	eksl_http_free(struct eksl_http *h);

/* Connect (DNS, TCP, proxy CONNECT, TLS) and total timeouts in ms, and
 * the largest answer body kept. */
void	eksl_http_set_limits(struct eksl_http *h, long connect_ms,
	    long total_ms, size_t max_body);

/*
 * Run the n requests at once (a thread each when n > 1) and wait for
 * all of them; each request's code, reason, status, head and answer are
 * set.  A pooled connection that fails before the first byte of an
 * answer is replaced by a new one, once, transparently.
 */
void	eksl_http_run(struct eksl_http *h, struct eksl_http_req *reqs,
	    size_t n);
/* Free what eksl_http_run left in r (wiping the answer); r may be run
 * again. */
void	eksl_http_req_free(struct eksl_http_req *r);

/*
 * The value of the last field name (any case) in a raw head, folded
 * lines joined and blanks trimmed, into out (cut to outlen).  Returns 0,
 * or -1 when there is no such field.
 */
int	eksl_http_header(const char *head, size_t len, const char *name,
	    char *out, size_t outlen);

/* What a response head says; filled by eksl_http_parse_head. */
struct eksl_http_head {
	int		 minor;		/* HTTP/1.minor */
	long		 status;
	long long	 length;	/* Content-Length, -1 when absent */
	int		 chunked;	/* Transfer-Encoding ends in chunked */
	int		 close;		/* the connection ends after it */
};

/*
 * Parse a response head (status line and fields up to the empty line,
 * LF or CRLF).  Returns 0, or -1 with err set (a malformed status line,
 * field, Content-Length, or more than 100 fields or 8 KiB in a line).
 */
int	eksl_http_parse_head(const char *head, size_t len,
	    struct eksl_http_head *h, char *err, size_t errlen);

/* A chunked body decoder (RFC 9112 section 7.1); zero it to start. */
struct eksl_http_chunked {
	int		 state;
	uint64_t	 left;		/* bytes left in this chunk */
	size_t		 linelen;	/* bytes of the current line */
	size_t		 trailer;	/* bytes of trailer fields */
	char		 line[128];	/* the size line, up to ';' */
};

/*
 * Feed n bytes of a chunked body: data goes into out (whose cap stands).
 * *used is how many bytes were taken.  Returns 1 at the end (last chunk
 * and trailers read; bytes after it are not used), 0 for more, -1 on a
 * malformed body (err set; errno E2BIG when out's cap was passed).
 */
int	eksl_http_chunked_feed(struct eksl_http_chunked *c, const char *in,
	    size_t n, size_t *used, struct eksl_buf *out, char *err,
	    size_t errlen);

/*
 * 1 when host (a name, or an IP literal without brackets) is excluded
 * from proxying by list (no_proxy syntax: "*", or names matched as
 * suffixes at label boundaries with an optional leading dot, IP literals
 * and CIDR blocks, separated by commas), else 0.
 */
int	eksl_http_no_proxy(const char *list, const char *host);

/* A proxy as parsed from a variable. */
struct eksl_http_proxy {
	char		 host[256];	/* without brackets */
	int		 port;
	char		 user[256];	/* percent-decoded; "" when none */
	char		 pass[256];
	int		 auth;		/* userinfo given */
};

/*
 * Parse a proxy URL "http://[user[:pass]@]host[:port][/]" or a bare
 * "host:port" (port defaults to 1080).  Returns 0, or -1 with err set
 * (never quoting the password) for another scheme or a malformed URL.
 */
int	eksl_http_proxy_parse(const char *url, struct eksl_http_proxy *p,
	    char *err, size_t errlen);

/* Parse an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
 * section 5.6.7).  Returns 0 with *out set, or -1. */
int	eksl_http_date(const char *s, time_t *out);

#endif
