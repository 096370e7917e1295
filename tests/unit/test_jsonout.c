/*
 * lib/jsonout: the compact encoder writes what json_dumps(JSON_COMPACT)
 * writes, byte for byte, and leaves reals to jansson.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonout.h"
#include "tap.h"

static const char *same[] = {
	"{}",
	"[]",
	"{\"a\":[],\"b\":{},\"c\":[[],[{}]]}",
	"{\"schema\":\"eksl.cluster.v1\",\"host\":\"api.eks.test\","
	    "\"addresses\":[{\"ip\":\"127.0.0.11\",\"source\":\"dns\","
	    "\"ttl\":300}],\"resolve\":{\"at\":\"2026-11-28T00:00:00Z\","
	    "\"ok\":true,\"stale\":false,\"servers\":[\"127.0.0.1:53\"],"
	    "\"error\":null,\"changed\":false}}",
	"{\"z\":1,\"a\":2,\"m\":3}",
	"{\"n\":-9223372036854775808,\"p\":9223372036854775807,\"z\":0}",
	"[true,false,null,\"\",0]",
	"{\"s\":\"\\u0001\\u001f\\u007f \\\" \\\\ / \\b\\f\\n\\r\\t\"}",
	"{\"u\":\"\\u00e9 \\u2028 \\ud83d\\ude00 caf\\u00e9\"}",
	"{\"k\\n\\\"ey\":\"v\"}",
};

static void
check(json_t *v, const char *name)
{
	struct eksl_buf b;
	char *want;
	int rc;

	eksl_buf_init(&b, 0);
	want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	rc = eksl_json_encode(&b, v);
	tap_ok(rc == 0, "%s: encoded", name);
	tap_streq(eksl_buf_str(&b), want != NULL ? want : "(null)", name);
	free(want);
	eksl_buf_free(&b);
}

int
main(void)
{
	struct eksl_buf b;
	json_t *v, *deep, *a;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if ((v = json_loads(same[i], JSON_DECODE_ANY, NULL)) == NULL) {
			tap_ok(0, "case %zu parses", i);
			continue;
		}
		check(v, same[i]);
		json_decref(v);
	}
	/* a string with a NUL inside (json_stringn) */
	v = json_pack("{s:s#}", "nul", "a\0b", (int)3);
	check(v, "NUL in a string");
	json_decref(v);

	/* a real: left to jansson, the buffer as it was */
	eksl_buf_init(&b, 0);
	eksl_buf_addstr(&b, "before");
	v = json_pack("{s:i, s:[i, f]}", "a", 1, "b", 2, 0.5);
	rc = eksl_json_encode(&b, v);
	tap_ok(rc == 1, "a real: 1");
	tap_streq(eksl_buf_str(&b), "before", "a real: buffer unchanged");
	json_decref(v);

	/* the cap: -1, E2BIG, nothing half written */
	eksl_buf_free(&b);
	eksl_buf_init(&b, 8);
	v = json_pack("{s:s}", "key", "a long value");
	errno = 0;
	rc = eksl_json_encode(&b, v);
	tap_ok(rc == -1 && errno == E2BIG && b.len == 0,
	    "over the cap: -1 E2BIG, empty");
	json_decref(v);
	eksl_buf_free(&b);

	/* too deep */
	deep = json_array();
	for (a = deep, i = 0; i < 3000; i++) {
		json_t *n = json_array();

		json_array_append_new(a, n);
		a = n;
	}
	eksl_buf_init(&b, 0);
	errno = 0;
	rc = eksl_json_encode(&b, deep);
	tap_ok(rc == -1 && errno == E2BIG && b.len == 0,
	    "3000 levels: refused");
	eksl_buf_free(&b);
	json_decref(deep);
	return tap_done();
}
