/*
 * lib/http: the parsers (status line and fields, chunked bodies,
 * no_proxy, proxy URLs, IMF-fixdate), table-driven.  The client itself
 * is tested against real servers in tests/http.bats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "tap.h"

static void
test_head(void)
{
	static const struct {
		const char *in;
		int rc;
		int minor;
		long status;
		long long length;
		int chunked, close;
	} t[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 0, 1, 200,
		  5, 0, 0 },
		{ "HTTP/1.1 204\r\n\r\n", 0, 1, 204, -1, 0, 0 },
		{ "HTTP/1.1 404 Not Found\n\n", 0, 1, 404, -1, 0, 0 },
		{ "HTTP/1.0 200 OK\r\n\r\n", 0, 0, 200, -1, 0, 1 },
		{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
		  "Content-Length: 2\r\n\r\n", 0, 0, 200, 2, 0, 0 },
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 0, 1, 200,
		  -1, 0, 1 },
		{ "HTTP/1.1 200 OK\r\nConnection: foo, Close\r\n\r\n", 0, 1,
		  200, -1, 0, 1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		  "Content-Length: 9\r\n\r\n", 0, 1, 200, -1, 1, 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		  0, 1, 200, -1, 1, 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 1,
		  200, -1, 0, 1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: notchunked\r\n\r\n",
		  0, 1, 200, -1, 0, 1 },
		/* obs-fold: the continuation joins the value */
		{ "HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n close\r\n"
		  "\r\n", 0, 1, 200, -1, 0, 1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3"
		  "\r\n\r\n", 0, 1, 200, 3, 0, 0 },
		/* refused */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4"
		  "\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -1, 0, 0,
		  0, 0, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", -1, 0, 0,
		  0, 0, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999"
		  "\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/2 200\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 20 OK\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 2000 OK\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 099 Low\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "ICY 200 OK\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", -1, 0, 0, 0,
		  0, 0 },
		{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", -1, 0, 0, 0, 0,
		  0 },
		{ "HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n", -1, 0, 0, 0,
		  0, 0 },
		{ "HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n", -1, 0, 0, 0, 0, 0 },
		{ "HTTP/1.1 200 OK\r\n: empty\r\n\r\n", -1, 0, 0, 0, 0, 0 },
	};
	struct eksl_http_head h;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		rc = eksl_http_parse_head(t[i].in, strlen(t[i].in), &h, err,
		    sizeof(err));
		if (t[i].rc == -1) {
			tap_ok(rc == -1 && err[0] != '\0', "head %zu refused "
			    "(%s)", i, err);
			continue;
		}
		tap_ok(rc == 0 && h.minor == t[i].minor &&
		    h.status == t[i].status && h.length == t[i].length &&
		    h.chunked == t[i].chunked && h.close == t[i].close,
		    "head %zu: 1.%d %ld len %lld chunked %d close %d", i,
		    h.minor, h.status, h.length, h.chunked, h.close);
		if (rc != 0)
			tap_diag("%s", err);
	}
}

static void
test_head_limits(void)
{
	struct eksl_buf b;
	struct eksl_http_head h;
	char err[256];
	int i;

	/* 100 fields pass, 101 do not. */
	eksl_buf_init(&b, 0);
	eksl_buf_addstr(&b, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 100; i++)
		eksl_buf_printf(&b, "X-%d: v\r\n", i);
	eksl_buf_addstr(&b, "\r\n");
	tap_ok(eksl_http_parse_head(b.data, b.len, &h, err, sizeof(err)) ==
	    0, "100 fields are accepted");
	b.len -= 2;
	eksl_buf_addstr(&b, "X-last: v\r\n\r\n");
	tap_ok(eksl_http_parse_head(b.data, b.len, &h, err, sizeof(err)) ==
	    -1 && strstr(err, "fields") != NULL, "101 fields are refused: %s",
	    err);
	eksl_buf_reset(&b);
	/* A line of 8 KiB passes, longer does not. */
	eksl_buf_addstr(&b, "HTTP/1.1 200 OK\r\nX: ");
	for (i = 0; i < 8000; i++)
		eksl_buf_add(&b, "a", 1);
	eksl_buf_addstr(&b, "\r\n\r\n");
	tap_ok(eksl_http_parse_head(b.data, b.len, &h, err, sizeof(err)) ==
	    0, "a field of 8000 bytes is accepted");
	b.len -= 4;
	for (i = 0; i < 300; i++)
		eksl_buf_add(&b, "a", 1);
	eksl_buf_addstr(&b, "\r\n\r\n");
	tap_ok(eksl_http_parse_head(b.data, b.len, &h, err, sizeof(err)) ==
	    -1, "a field over 8 KiB is refused");
	eksl_buf_free(&b);
}

static void
test_header_value(void)
{
	static const char head[] = "HTTP/1.1 400 Bad\r\n"
	    "x-amzn-ErrorType: ThrottlingException:http://x/\r\n"
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "X-Folded: one\r\n\ttwo  \r\n"
	    "date: Mon, 07 Nov 1994 08:49:37 GMT\r\n\r\n";
	char v[128];

	tap_ok(eksl_http_header(head, strlen(head), "X-AMZN-ERRORTYPE", v,
	    sizeof(v)) == 0 && strcmp(v, "ThrottlingException:http://x/") ==
	    0, "a field by name, any case");
	tap_ok(eksl_http_header(head, strlen(head), "Date", v, sizeof(v)) ==
	    0 && strcmp(v, "Mon, 07 Nov 1994 08:49:37 GMT") == 0,
	    "the last of two fields wins");
	tap_ok(eksl_http_header(head, strlen(head), "X-Folded", v,
	    sizeof(v)) == 0 && strcmp(v, "one two") == 0,
	    "a folded field is joined: [%s]", v);
	tap_ok(eksl_http_header(head, strlen(head), "Missing", v,
	    sizeof(v)) == -1, "a missing field is -1");
}

/* Feed in pieces of step bytes; returns the feed's last result. */
static int
feed(const char *in, size_t step, struct eksl_buf *out, size_t *rest,
    char *err, size_t errlen)
{
	struct eksl_http_chunked c;
	size_t n = strlen(in), off = 0, k, used;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	while (off < n) {
		k = n - off < step ? n - off : step;
		rc = eksl_http_chunked_feed(&c, in + off, k, &used, out, err,
		    errlen);
		off += used;
		if (rc != 0)
			break;
	}
	*rest = n - off;
	return rc;
}

static void
test_chunked(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;
		size_t rest;
	} t[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", 1, "hello", 0 },
		{ "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 1, "hello world",
		  0 },
		{ "A\r\n0123456789\r\n0\r\n\r\n", 1, "0123456789", 0 },
		{ "a;name=value;x\r\n0123456789\r\n0;last\r\n\r\n", 1,
		  "0123456789", 0 },
		{ "3 ;ext\r\nabc\r\n0\r\nTrailer: x\r\nOther: y\r\n\r\n", 1,
		  "abc", 0 },
		{ "3\nabc\n0\n\n", 1, "abc", 0 },
		{ "0\r\n\r\nEXTRA", 1, "", 5 },
		{ "3\r\nabc\r\n", 0, "abc", 0 },
		{ "3\r\nab", 0, "ab", 0 },
		{ "3\r\nabcX\r\n0\r\n\r\n", -1, NULL, 0 },
		{ "\r\nabc\r\n", -1, NULL, 0 },
		{ "g\r\nabc\r\n", -1, NULL, 0 },
		{ "-3\r\nabc\r\n", -1, NULL, 0 },
		{ "0x3\r\nabc\r\n", -1, NULL, 0 },
		{ "ffffffffffffffffff\r\n", -1, NULL, 0 },
		{ "1000000000000000\r\n", -1, NULL, 0 },
	};
	struct eksl_buf out;
	char err[256];
	size_t i, rest;
	int rc, step;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (step = 1; step <= 64; step *= 64) {
			eksl_buf_init(&out, 0);
			err[0] = '\0';
			rc = feed(t[i].in, (size_t)step, &out, &rest, err,
			    sizeof(err));
			if (t[i].rc == -1)
				tap_ok(rc == -1 && err[0] != '\0', "chunked "
				    "%zu (step %d) refused: %s", i, step, err);
			else
				tap_ok(rc == t[i].rc && strcmp(eksl_buf_str(
				    &out), t[i].want) == 0 && rest ==
				    t[i].rest, "chunked %zu (step %d): rc %d "
				    "[%s] rest %zu", i, step, rc,
				    eksl_buf_str(&out), rest);
			eksl_buf_free(&out);
		}
	/* A chunk bigger than the buffer's cap: E2BIG. */
	eksl_buf_init(&out, 4);
	rc = feed("8\r\n01234567\r\n0\r\n\r\n", 64, &out, &rest, err,
	    sizeof(err));
	tap_ok(rc == -1 && errno == E2BIG, "a body over the cap is E2BIG");
	eksl_buf_free(&out);
	/* A size line of extensions past 4 KiB. */
	{
		char big[5000];

		memset(big, 'x', sizeof(big));
		memcpy(big, "1;", 2);
		big[sizeof(big) - 1] = '\0';
		eksl_buf_init(&out, 0);
		rc = feed(big, 64, &out, &rest, err, sizeof(err));
		tap_ok(rc == -1, "a size line over 4 KiB is refused");
		eksl_buf_free(&out);
	}
}

static void
test_no_proxy(void)
{
	static const struct {
		const char *list, *host;
		int want;
	} t[] = {
		{ "*", "anything.example", 1 },
		{ "example.com", "example.com", 1 },
		{ "example.com", "www.example.com", 1 },
		{ "example.com", "wwwexample.com", 0 },
		{ "example.com", "example.com.evil", 0 },
		{ ".example.com", "www.example.com", 1 },
		{ ".example.com", "example.com", 1 },
		{ "EXAMPLE.com", "Www.Example.COM", 1 },
		{ "a.com, b.com ,c.com", "x.b.com", 1 },
		{ "a.com,,b.com", "b.com", 1 },
		{ "a.com", "b.com", 0 },
		{ "", "b.com", 0 },
		{ "localhost,127.0.0.1", "127.0.0.1", 1 },
		{ "127.0.0.1", "127.0.0.2", 0 },
		{ "10.0.0.0/8", "10.1.2.3", 1 },
		{ "10.0.0.0/8", "11.1.2.3", 0 },
		{ "192.168.1.0/25", "192.168.1.127", 1 },
		{ "192.168.1.0/25", "192.168.1.128", 0 },
		{ "0.0.0.0/0", "8.8.8.8", 1 },
		{ "::1", "::1", 1 },
		{ "[::1]", "::1", 1 },
		{ "fd00::/8", "fd12:3456::1", 1 },
		{ "fd00::/8", "fe80::1", 0 },
		{ "10.0.0.0/8", "::1", 0 },
		{ "10.0.0.0/8", "ten.example", 0 },
		{ "1.2.3.4", "1.2.3.4.example", 0 },
		{ "example.com", "example.com.", 1 },
		{ "*.example.com", "www.example.com", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_ok(eksl_http_no_proxy(t[i].list, t[i].host) == t[i].want,
		    "no_proxy \"%s\" for %s is %d", t[i].list, t[i].host,
		    t[i].want);
	tap_ok(eksl_http_no_proxy(NULL, "x") == 0, "no list: proxy");
}

static void
test_proxy_url(void)
{
	static const struct {
		const char *url;
		int rc;
		const char *host;
		int port;
		const char *user, *pass;
		int auth;
	} t[] = {
		{ "http://proxy.example:3128", 0, "proxy.example", 3128, "",
		  "", 0 },
		{ "http://proxy.example:3128/", 0, "proxy.example", 3128, "",
		  "", 0 },
		{ "HTTP://proxy.example", 0, "proxy.example", 1080, "", "", 0 },
		{ "proxy.example:8080", 0, "proxy.example", 8080, "", "", 0 },
		{ "proxy.example", 0, "proxy.example", 1080, "", "", 0 },
		{ "http://[::1]:3128", 0, "::1", 3128, "", "", 0 },
		{ "http://u:p@127.0.0.1:3128", 0, "127.0.0.1", 3128, "u", "p",
		  1 },
		{ "http://us%40er:p%3Ass%2F@h:1", 0, "h", 1, "us@er",
		  "p:ss/", 1 },
		{ "http://user@h:1", 0, "h", 1, "user", "", 1 },
		{ "http://a:b@c@h:1", 0, "h", 1, "a", "b@c", 1 },
		{ "https://h:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "socks5://h:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "socks5h://u:secret@h:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://h:0", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://h:65536", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://h:x", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://h:1/path", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://u:p%zz@h:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://u:p%00@h:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://:1", -1, NULL, 0, NULL, NULL, 0 },
		{ "http://[::1", -1, NULL, 0, NULL, NULL, 0 },
	};
	struct eksl_http_proxy p;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		rc = eksl_http_proxy_parse(t[i].url, &p, err, sizeof(err));
		if (t[i].rc == -1) {
			tap_ok(rc == -1 && err[0] != '\0' &&
			    strstr(err, "secret") == NULL, "proxy %s refused: "
			    "%s", t[i].url, err);
			continue;
		}
		tap_ok(rc == 0 && strcmp(p.host, t[i].host) == 0 &&
		    p.port == t[i].port && strcmp(p.user, t[i].user) == 0 &&
		    strcmp(p.pass, t[i].pass) == 0 && p.auth == t[i].auth,
		    "proxy %s: %s port %d user [%s] auth %d", t[i].url, p.host,
		    p.port, p.user, p.auth);
	}
	rc = eksl_http_proxy_parse("socks5://h:1", &p, err, sizeof(err));
	tap_streq(err, "proxy scheme \"socks5\" is not supported (only "
	    "http://)", "a refused scheme is named");
}

static void
test_date(void)
{
	static const struct {
		const char *in;
		int rc;
		long long want;
	} t[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
		{ "Sat, 28 Nov 2026 21:12:31 GMT", 0, 1795900351 },
		{ "Thu, 29 Feb 2024 12:00:00 GMT", 0, 1709208000 },
		/* refused: other formats, bad fields, wrong weekday */
		{ "Sunday, 06-Nov-94 08:49:37 GMT", -1, 0 },
		{ "Sun Nov  6 08:49:37 1994", -1, 0 },
		{ "Sun, 06 Nov 1994 08:49:37 UTC", -1, 0 },
		{ "Sun, 6 Nov 1994 08:49:37 GMT", -1, 0 },
		{ "Sun, 06 Nov 1994 24:00:00 GMT", -1, 0 },
		{ "Sun, 06 Nov 1994 08:60:00 GMT", -1, 0 },
		{ "Sun, 32 Nov 1994 08:49:37 GMT", -1, 0 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", -1, 0 },
		{ "Mon, 06 Nov 1994 08:49:37 GMT", -1, 0 },
		{ "Thu, 29 Feb 2023 12:00:00 GMT", -1, 0 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT ", -1, 0 },
		{ "", -1, 0 },
	};
	time_t got;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = 0;
		rc = eksl_http_date(t[i].in, &got);
		tap_ok(rc == t[i].rc && (rc == -1 || (long long)got ==
		    t[i].want), "date \"%s\": %d %lld", t[i].in, rc,
		    (long long)got);
	}
}

int
main(void)
{
	(void)tap_skip;
	test_head();
	test_head_limits();
	test_header_value();
	test_chunked();
	test_no_proxy();
	test_proxy_url();
	test_date();
	return tap_done();
}
