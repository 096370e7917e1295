/*
 * sigv4tool: drive lib/sigv4 from the tests and the benchmarks.
 *
 *   sigv4tool            read one JSON request a line on stdin, write one
 *                        JSON answer a line (tests/sigv4_diff.py)
 *   sigv4tool bench N    sign a typical small request N times in-process
 *                        and print "N signatures in S s: R/s wall, C/s cpu"
 *
 * A request line: {"mode": "header"|"query", "method", "path", "query",
 * "headers": [[name, value], ...], "body_hex", "region", "service",
 * "time" (unix), "ak", "sk", "token" (or null), "sign_body", "omit",
 * "expires", "normalize"}.  The answer: {"creq", "sts", "sig",
 * "authz" (header mode) or "query" (query mode), "add": [[name, value]]}
 * or {"error": text}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sigv4.h"

#define MAXH	64

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static json_t *
one(struct eksl_sigv4 *s, json_t *in)
{
	struct eksl_sigv4_request req;
	struct eksl_sigv4_params p;
	struct eksl_sigv4_result res;
	struct eksl_header h[MAXH];
	struct eksl_creds c;
	const char *hex, *mode;
	unsigned char *body = NULL;
	char err[256];
	json_t *hs, *out = NULL, *add;
	size_t i, n = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	mode = json_string_value(json_object_get(in, "mode"));
	req.method = json_string_value(json_object_get(in, "method"));
	req.path = json_string_value(json_object_get(in, "path"));
	req.query = json_string_value(json_object_get(in, "query"));
	hs = json_object_get(in, "headers");
	for (i = 0; i < json_array_size(hs) && n < MAXH; i++) {
		h[n].name = json_string_value(json_array_get(
		    json_array_get(hs, i), 0));
		h[n].value = json_string_value(json_array_get(
		    json_array_get(hs, i), 1));
		n++;
	}
	req.headers = h;
	req.nheaders = n;
	if ((hex = json_string_value(json_object_get(in, "body_hex"))) !=
	    NULL && *hex != '\0') {
		size_t len = strlen(hex) / 2;

		if ((body = malloc(len)) == NULL)
			return json_pack("{ss}", "error", "out of memory");
		for (i = 0; i < len; i++)
			body[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
			    hexval(hex[2 * i + 1]));
		req.body = body;
		req.bodylen = len;
	}
	c.access_key = (char *)json_string_value(json_object_get(in, "ak"));
	c.secret_key = (char *)json_string_value(json_object_get(in, "sk"));
	c.session_token = (char *)json_string_value(json_object_get(in,
	    "token"));
	p.creds = &c;
	p.region = json_string_value(json_object_get(in, "region"));
	p.service = json_string_value(json_object_get(in, "service"));
	p.when = (time_t)json_integer_value(json_object_get(in, "time"));
	p.normalize_path = !json_is_false(json_object_get(in, "normalize"));
	p.sign_body = json_is_true(json_object_get(in, "sign_body"));
	p.omit_session_token = json_is_true(json_object_get(in, "omit"));
	p.expires = (long)json_integer_value(json_object_get(in, "expires"));

	if (mode != NULL && strcmp(mode, "query") == 0)
		rc = eksl_sigv4_presign(s, &req, &p, &res, err, sizeof(err));
	else
		rc = eksl_sigv4_sign(s, &req, &p, &res, err, sizeof(err));
	free(body);
	if (rc == -1)
		return json_pack("{ss}", "error", err);
	out = json_pack("{ssssss}", "creq", res.canonical_request, "sts",
	    res.string_to_sign, "sig", res.signature);
	add = json_array();
	for (i = 0; i < res.nadd; i++) {
		json_array_append_new(add, json_pack("[ss]",
		    res.add_headers[i].name, res.add_headers[i].value));
		if (strcmp(res.add_headers[i].name, "Authorization") == 0)
			json_object_set_new(out, "authz", json_string(
			    res.add_headers[i].value));
	}
	json_object_set_new(out, "add", add);
	if (res.query != NULL)
		json_object_set_new(out, "query", json_string(res.query));
	eksl_sigv4_result_clear(&res);
	return out;
}

/* A typical small request: an EKS DescribeCluster GET. */
static int
bench(struct eksl_sigv4 *s, long n)
{
	static const struct eksl_header h[] = {
		{ "Host", "eks.us-west-2.amazonaws.com" },
		{ "Accept", "application/json" },
	};
	struct eksl_sigv4_request req = { "GET", "/clusters/my-cluster",
	    NULL, h, 2, NULL, 0 };
	struct eksl_creds c = { "AKIAIOSFODNN7EXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, 0 };
	struct eksl_sigv4_params p;
	struct eksl_sigv4_result res;
	struct timespec t0, t1, c0, c1;
	char err[256];
	double secs, cpu;
	long i;

	memset(&p, 0, sizeof(p));
	p.creds = &c;
	p.region = "us-west-2";
	p.service = "eks";
	p.when = time(NULL);
	p.normalize_path = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (i = 0; i < n; i++) {
		if (eksl_sigv4_sign(s, &req, &p, &res, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "sigv4tool: %s\n", err);
			return 1;
		}
		eksl_sigv4_result_clear(&res);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) +
	    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	/* Wall time and CPU time: on a shared machine they differ. */
	printf("%ld signatures in %.3f s: %.0f/s wall, %.0f/s cpu\n", n, secs,
	    n / secs, n / cpu);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct eksl_sigv4 *s;
	json_error_t jerr;
	json_t *in, *out;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if ((s = eksl_sigv4_new()) == NULL) {
		fprintf(stderr, "sigv4tool: cannot set up OpenSSL\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "bench") == 0) {
		rc = bench(s, strtol(argv[2], NULL, 10));
		eksl_sigv4_free(s);
		return rc;
	}
	while (getline(&line, &cap, stdin) != -1) {
		if ((in = json_loads(line, 0, &jerr)) == NULL) {
			fprintf(stderr, "sigv4tool: stdin: %s\n", jerr.text);
			rc = 1;
			break;
		}
		out = one(s, in);
		json_dumpf(out, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(out);
		json_decref(in);
	}
	free(line);
	eksl_sigv4_free(s);
	return rc;
}
