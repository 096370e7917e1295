/*
 * lib/execinfo: the apiVersion eksl-token answers kubectl with, from the
 * KUBERNETES_EXEC_INFO text, and the errors for text it must refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execinfo.h"
#include "msg.h"
#include "tap.h"

#define V1B	EKSL_EXEC_V1BETA1
#define V1	EKSL_EXEC_V1
#define E	"KUBERNETES_EXEC_INFO: "

/* "A:<apiVersion>" or "E:<error>" for text. */
static const char *
parse(const char *text)
{
	static char out[EKSL_ERRLEN + 8];
	char err[EKSL_ERRLEN];
	const char *api;

	err[0] = '\0';
	if ((api = eksl_execinfo_api_version(text, err, sizeof(err))) != NULL)
		snprintf(out, sizeof(out), "A:%s", api);
	else
		snprintf(out, sizeof(out), "E:%s", err);
	return out;
}

static void
test_table(void)
{
	static const struct {
		const char *name, *in, *want;
	} t[] = {
		{ "unset", NULL, "A:" V1B },
		{ "empty", "", "A:" V1B },
		{ "kubectl v1beta1",
		    "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1B "\","
		    "\"spec\":{\"interactive\":false}}", "A:" V1B },
		{ "kubectl v1",
		    "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\","
		    "\"spec\":{\"interactive\":true}}", "A:" V1 },
		{ "v1 with cluster info",
		    "{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":"
		    "{\"server\":\"https://x\",\"config\":[1,null]}}}",
		    "A:" V1 },
		{ "whitespace around", " \n\t{\"apiVersion\":\"" V1 "\"}\n ",
		    "A:" V1 },
		{ "no apiVersion", "{\"kind\":\"ExecCredential\"}", "A:" V1B },
		{ "apiVersion null", "{\"apiVersion\":null}", "A:" V1B },
		{ "empty object", "{}", "A:" V1B },
		{ "unsupported",
		    "{\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\"}",
		    "E:" E "apiVersion client.authentication.k8s.io/v1alpha1 "
		    "not supported (use " V1B " or " V1 ")" },
		{ "case matters", "{\"apiVersion\":\"Client.authentication.k8s.io/v1\"}",
		    "E:" E "apiVersion Client.authentication.k8s.io/v1 "
		    "not supported (use " V1B " or " V1 ")" },
		{ "a prefix of v1beta1 is not v1",
		    "{\"apiVersion\":\"client.authentication.k8s.io/v1b\"}",
		    "E:" E "apiVersion client.authentication.k8s.io/v1b "
		    "not supported (use " V1B " or " V1 ")" },
		{ "control characters masked",
		    "{\"apiVersion\":\"a\\nb\\u001b[31m\\u00e9\"}",
		    "E:" E "apiVersion a?b?[31m?? not supported (use " V1B
		    " or " V1 ")" },
		{ "apiVersion a number", "{\"apiVersion\":1}",
		    "E:" E "apiVersion is not a string" },
		{ "apiVersion an object", "{\"apiVersion\":{\"v\":\"" V1 "\"}}",
		    "E:" E "apiVersion is not a string" },
		{ "not an object", "[\"" V1 "\"]", "E:" E "not a JSON object" },
		{ "a bare string", "\"" V1 "\"",
		    "E:" E "not JSON: 1:33: '[' or '{' expected" },
		{ "not JSON", "{not json",
		    "E:" E "not JSON: 1:4: string or '}' expected near 'not'" },
		{ "trailing garbage", "{} x",
		    "E:" E "not JSON: 1:4: end of file expected near 'x'" },
		{ "duplicate apiVersion",
		    "{\"apiVersion\":\"" V1 "\",\"apiVersion\":\"" V1B "\"}",
		    "E:" E "not JSON: 1:60: duplicate object key near "
		    "'\"apiVersion\"'" },
		{ "NUL escape", "{\"apiVersion\":\"a\\u0000b\"}",
		    "E:" E "not JSON: 1:24: \\u0000 is not allowed without "
		    "JSON_ALLOW_NUL near '\"a\\u0000b\"'" },
		{ "invalid UTF-8", "{\"kind\":\"\xff\"}",
		    "E:" E "not JSON: 1:9: unable to decode byte 0xff near "
		    "'\"'" },
		{ "a control byte quoted by jansson is masked",
		    "{\"a\":1\x01}",
		    "E:" E "not JSON: 1:7: '}' expected near '?'" },
		{ "an escape byte quoted by jansson is masked", "{\x1b}",
		    "E:" E "not JSON: 1:2: string or '}' expected near '?'" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_streq(parse(t[i].in), t[i].want, t[i].name);
}

/* Deep nesting, a long apiVersion, text over the cap, a short buffer. */
static void
test_limits(void)
{
	char small[30], *big;
	const char *r;
	size_t n = 100000, i;

	if ((big = malloc(EKSL_EXECINFO_MAX + 2)) == NULL) {
		tap_ok(0, "malloc");
		return;
	}
	for (i = 0; i < n; i++) {
		big[i] = '[';
		big[2 * n - 1 - i] = ']';
	}
	big[2 * n] = '\0';
	r = parse(big);
	tap_ok(strncmp(r, "E:" E "not JSON: ", strlen("E:" E "not JSON: ")) ==
	    0 && strstr(r, "maximum parsing depth") != NULL, "100,000-deep nesting: %s", r);

	memcpy(big, "{\"apiVersion\":\"", 15);
	memset(big + 15, 'v', 5000);
	memcpy(big + 15 + 5000, "\"}", 3);
	r = parse(big);
	tap_ok(strncmp(r, "E:" E "apiVersion vvvv", strlen("E:" E
	    "apiVersion vvvv")) == 0 && strlen(r) < 300,
	    "a 5000-byte apiVersion is cut in the message (%zu bytes)",
	    strlen(r));

	/* A valid object padded with blanks to one byte over the cap. */
	memset(big, ' ', EKSL_EXECINFO_MAX + 1);
	memcpy(big, "{\"apiVersion\":\"" V1 "\"}",
	    strlen("{\"apiVersion\":\"" V1 "\"}"));
	big[EKSL_EXECINFO_MAX + 1] = '\0';
	tap_streq(parse(big), "E:" E "longer than 1048576 bytes",
	    "text over the cap is refused");
	big[EKSL_EXECINFO_MAX] = '\0';
	tap_streq(parse(big), "A:" V1, "text at the cap is read");
	free(big);

	r = eksl_execinfo_api_version("{x", small, sizeof(small));
	tap_ok(r == NULL && strlen(small) == sizeof(small) - 1 &&
	    strncmp(small, E, strlen(E)) == 0,
	    "a short error buffer is cut, not overrun: %s", small);
	tap_ok(eksl_execinfo_api_version("{x", NULL, 0) == NULL,
	    "no error buffer: still refused");
}

int
main(void)
{
	test_table();
	test_limits();
	return tap_done();
}
