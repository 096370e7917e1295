/*
 * lib/record: the JSON Lines reader and its edge cases, the writer, error
 * entries, host derivation from the endpoint, and host name validity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tap.h"

/*
 * Read every record from data[0..len): the results, one per call, as
 * "R<compact json>" or "E<error>", joined with '|'.
 */
static char *
read_all(const char *data, size_t len)
{
	static char out[8192];
	char err[512], *s;
	struct eksl_reader *r;
	json_t *rec;
	size_t o = 0;
	FILE *fp;
	int rc, n = 0;

	out[0] = '\0';
	if ((fp = fmemopen((void *)data, len, "r")) == NULL)
		return NULL;
	r = eksl_reader_new(fp, "in");
	while ((rc = eksl_reader_next(r, &rec, err, sizeof(err))) != 0 &&
	    n++ < 20) {
		if (rc == 1) {
			s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%sR%s",
			    o > 0 ? "|" : "", s);
			free(s);
			json_decref(rec);
		} else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%sE%s",
			    o > 0 ? "|" : "", err);
		if (o >= sizeof(out) || eksl_reader_failed(r))
			break;
	}
	eksl_reader_free(r);
	fclose(fp);
	return out;
}

static void
test_reader(void)
{
	static const struct {
		const char *name, *in;
		size_t len;	/* 0: strlen */
		const char *want;
	} t[] = {
		{ "two records", "{\"a\":1}\n{\"b\":2}\n", 0,
		    "R{\"a\":1}|R{\"b\":2}" },
		{ "no final newline", "{\"a\":1}", 0, "R{\"a\":1}" },
		{ "empty input", "", 0, "" },
		{ "blank lines skipped", "\n  \n\t\r\n{\"a\":1}\n\n", 0,
		    "R{\"a\":1}" },
		{ "CRLF lines", "{\"a\":1}\r\n{\"b\":\"x\"}\r\n", 0,
		    "R{\"a\":1}|R{\"b\":\"x\"}" },
		{ "key order kept", "{\"z\":1,\"a\":2,\"m\":3}\n", 0,
		    "R{\"z\":1,\"a\":2,\"m\":3}" },
		{ "duplicate key", "{\"a\":1,\"a\":2}\n{\"b\":2}\n", 0,
		    "Ein:1:10: duplicate object key near '\"a\"'|R{\"b\":2}" },
		{ "NUL byte", "{\"a\":\"x\0\"}\n{\"b\":2}\n", 19,
		    "Ein:1: NUL byte in input|R{\"b\":2}" },
		{ "escaped NUL", "{\"a\":\"\\u0000\"}\n", 0,
		    "Ein:1:13: \\u0000 is not allowed without JSON_ALLOW_NUL "
		    "near '\"\\u0000\"'" },
		{ "array", "[1]\n", 0, "Ein:1:1: a record must be a JSON object" },
		{ "string", "\"x\"\n", 0,
		    "Ein:1:3: '[' or '{' expected near '\"x\"'" },
		{ "number", "1\n", 0, "Ein:1:1: '[' or '{' expected near '1'" },
		{ "bad JSON, then line numbers go on", "{\"a\":1}\n{oops}\n{}\n",
		    0, "R{\"a\":1}|Ein:2:5: string or '}' expected near 'oops'|"
		    "R{}" },
		{ "two objects on one line", "{}{}\n", 0,
		    "Ein:1:3: end of file expected near '{'" },
		{ "invalid UTF-8", "{\"a\":\"\xff\"}\n{}\n", 0,
		    "Ein:1:6: unable to decode byte 0xff near '\"'|R{}" },
		{ "overlong UTF-8", "{\"a\":\"\xc0\xaf\"}\n", 0,
		    "Ein:1:6: unable to decode byte 0xc0 near '\"'" },
		{ "valid UTF-8", "{\"a\":\"\xc3\xa9\"}\n", 0,
		    "R{\"a\":\"\xc3\xa9\"}" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_streq(read_all(t[i].in, t[i].len != 0 ? t[i].len :
		    strlen(t[i].in)), t[i].want, t[i].name);
}

/* A record line of exactly n bytes (without its newline). */
static char *
line_of(size_t n, const char *tail)
{
	size_t tl = strlen(tail);
	char *p;

	if ((p = malloc(n + tl + 1)) == NULL)
		return NULL;
	memcpy(p, "{\"a\":\"", 6);
	memset(p + 6, 'x', n - 8);
	memcpy(p + n - 2, "\"}", 2);
	memcpy(p + n, tail, tl + 1);
	return p;
}

/* Records read without error from p. */
static int
count_ok(const char *p)
{
	char err[512];
	struct eksl_reader *r;
	json_t *rec;
	FILE *fp;
	int n = 0, rc;

	if ((fp = fmemopen((void *)p, strlen(p), "r")) == NULL)
		return -1;
	r = eksl_reader_new(fp, "in");
	while ((rc = eksl_reader_next(r, &rec, err, sizeof(err))) != 0) {
		if (rc == -1) {
			n = -1;
			break;
		}
		json_decref(rec);
		n++;
	}
	eksl_reader_free(r);
	fclose(fp);
	return n;
}

static void
test_cap(void)
{
	char *p, want[128];

	p = line_of(EKSL_RECORD_MAX_LINE, "\r\n{\"b\":1}\n");
	tap_ok(count_ok(p) == 2, "a line of exactly 1 MiB (and CR) is read");
	free(p);
	p = line_of(EKSL_RECORD_MAX_LINE, "\n{\"b\":1}\n");
	tap_ok(count_ok(p) == 2, "a line of exactly 1 MiB is read");
	free(p);
	p = line_of(EKSL_RECORD_MAX_LINE + 1, "\r\n");
	tap_ok(count_ok(p) == -1, "1 MiB + 1 and CR is refused");
	free(p);
	p = line_of(EKSL_RECORD_MAX_LINE + 1, "\n{\"b\":1}\n");
	snprintf(want, sizeof(want), "Ein:1: line longer than %d bytes|R{\"b\":1}",
	    EKSL_RECORD_MAX_LINE);
	tap_streq(read_all(p, strlen(p)), want,
	    "a line over 1 MiB is refused and skipped");
	free(p);
	p = line_of(3 * EKSL_RECORD_MAX_LINE, "");
	snprintf(want, sizeof(want), "Ein:1: line longer than %d bytes",
	    EKSL_RECORD_MAX_LINE);
	tap_streq(read_all(p, strlen(p)), want,
	    "a 3 MiB line without newline is refused");
	free(p);
}

static void
test_write_errors(void)
{
	char err[512], buf[512];
	json_t *rec;
	FILE *fp;

	rec = eksl_record_new();
	json_object_set_new(rec, "z", json_integer(1));
	eksl_record_add_error(rec, "eksl-x", "dns", "%s: %d", "h", 5);
	eksl_record_add_error(rec, "eksl-y", "io", "second");
	fp = fmemopen(buf, sizeof(buf), "w");
	tap_ok(eksl_record_write(fp, rec, err, sizeof(err)) == 0,
	    "write a record");
	fclose(fp);
	tap_streq(buf, "{\"schema\":\"eksl.cluster.v1\",\"z\":1,\"errors\":["
	    "{\"tool\":\"eksl-x\",\"code\":\"dns\",\"message\":\"h: 5\"},"
	    "{\"tool\":\"eksl-y\",\"code\":\"io\",\"message\":\"second\"}]}\n",
	    "one compact line, errors appended in order");
	json_decref(rec);
	/* errors that is not an array is replaced, not crashed on */
	rec = json_pack("{s:i}", "errors", 3);
	eksl_record_add_error(rec, "t", "c", "m");
	tap_ok(json_array_size(json_object_get(rec, "errors")) == 1,
	    "a non-array errors field becomes an array");
	json_decref(rec);
	tap_ok(eksl_json_str(NULL, "a") == NULL, "json_str of NULL");
}

static void
test_host(void)
{
	static const struct {
		const char *json, *want;
	} t[] = {
		{ "{\"endpoint\":\"https://ABC123.gr7.us-west-2.eks.amazonaws.com\"}",
		    "abc123.gr7.us-west-2.eks.amazonaws.com" },
		{ "{\"endpoint\":\"https://x.example/\"}", "x.example" },
		{ "{\"endpoint\":\"https://x.example:443\"}", "x.example" },
		{ "{\"endpoint\":\"https://X.Example.:443/path?q#f\"}",
		    "x.example" },
		{ "{\"endpoint\":\"x.example\"}", "x.example" },
		{ "{\"endpoint\":\"https://x.example?x\"}", "x.example" },
		{ "{\"endpoint\":\"https://user@x.example\"}", NULL },
		{ "{\"endpoint\":\"https://[::1]:443/\"}", NULL },
		{ "{\"endpoint\":\"https://\"}", NULL },
		{ "{\"endpoint\":\"https://.\"}", NULL },
		{ "{\"endpoint\":\"https:///x\"}", NULL },
		{ "{\"endpoint\":7}", NULL },
		{ "{}", NULL },
		{ "{\"host\":\"Given.Example\",\"endpoint\":\"https://o.example\"}",
		    "Given.Example" },
		{ "{\"host\":\"\",\"endpoint\":\"https://o.example\"}",
		    "o.example" },
		{ "{\"host\":5,\"endpoint\":\"https://o.example/\"}",
		    "o.example" },
	};
	json_t *rec;
	size_t i;
	const char *h;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec = json_loads(t[i].json, 0, NULL);
		h = eksl_record_host(rec);
		tap_streq(h != NULL ? h : "(none)", t[i].want != NULL ?
		    t[i].want : "(none)", t[i].json);
		if (t[i].want != NULL)
			tap_streq(eksl_json_str(rec, "host"), t[i].want,
			    "host stored in the record");
		json_decref(rec);
	}
}

static void
test_hostname_valid(void)
{
	char l63[64], l64[65], n253[254], n254[255], n253dot[255];
	static const struct {
		const char *name;
		int ok;
	} t[] = {
		{ "a", 1 }, { "a.b", 1 }, { "a-b.c", 1 }, { "A.B", 1 },
		{ "x.", 1 }, { "1.2.3.4", 1 }, { "0a.example", 1 },
		{ "xn--bcher-kva.example", 1 },
		{ "", 0 }, { ".", 0 }, { "..", 0 }, { "a..b", 0 }, { "a..", 0 },
		{ ".a", 0 }, { "-a", 0 }, { "a-", 0 }, { "a.-b", 0 },
		{ "a-.b", 0 }, { "a_b", 0 }, { "a b", 0 }, { "a#b", 0 },
		{ "a\nb", 0 }, { "a\tb", 0 }, { "a\rb", 0 }, { "a\x7f", 0 },
		{ "a/b", 0 }, { "a:b", 0 }, { "*.a", 0 }, { "\xc3\xa9.a", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_ok(eksl_hostname_valid(t[i].name) == t[i].ok,
		    "hostname_valid case %zu: %d", i, t[i].ok);
	tap_ok(!eksl_hostname_valid(NULL), "hostname_valid(NULL)");
	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'a', 64);
	l64[64] = '\0';
	tap_ok(eksl_hostname_valid(l63), "a 63-octet label");
	tap_ok(!eksl_hostname_valid(l64), "a 64-octet label");
	/* 253 = 63 + 1 + 63 + 1 + 63 + 1 + 61 */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	snprintf(n254, sizeof(n254), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	snprintf(n253dot, sizeof(n253dot), "%s.", n253);
	tap_ok(strlen(n253) == 253 && eksl_hostname_valid(n253),
	    "253 octets in all");
	tap_ok(eksl_hostname_valid(n253dot), "253 octets and a final dot");
	tap_ok(strlen(n254) == 254 && !eksl_hostname_valid(n254),
	    "254 octets in all");
}

int
main(void)
{
	(void)tap_skip;	/* tap.h's helper; nothing here is skipped */
	test_reader();
	test_cap();
	test_write_errors();
	test_host();
	test_hostname_valid();
	return tap_done();
}
