/*
 * Compact JSON output, as jansson's encoder writes it (see jsonout.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonout.h"

#define MAXDEPTH	2048

/* s[0..n) as a JSON string: jansson's escapes, UTF-8 left as it is. */
static int
string(struct eksl_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s, *end = s + n;
	char esc[7];
	size_t elen;
	unsigned char c;

	if (eksl_buf_add(b, "\"", 1) == -1)
		return -1;
	for (; s < end; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (eksl_buf_add(b, run, (size_t)(s - run)) == -1)
			return -1;
		run = s + 1;
		esc[0] = '\\';
		elen = 2;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
			break;
		}
		if (eksl_buf_add(b, esc, elen) == -1)
			return -1;
	}
	if (eksl_buf_add(b, run, (size_t)(end - run)) == -1)
		return -1;
	return eksl_buf_add(b, "\"", 1);
}

static int
value(struct eksl_buf *b, const json_t *v, int depth)
{
	const char *key;
	json_t *m;
	size_t i;
	int first = 1, rc;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth >= MAXDEPTH) {
			errno = E2BIG;
			return -1;
		}
		if (eksl_buf_add(b, "{", 1) == -1)
			return -1;
		json_object_foreach((json_t *)v, key, m) {
			if ((!first && eksl_buf_add(b, ",", 1) == -1) ||
			    string(b, key, strlen(key)) == -1 ||
			    eksl_buf_add(b, ":", 1) == -1)
				return -1;
			first = 0;
			if ((rc = value(b, m, depth + 1)) != 0)
				return rc;
		}
		return eksl_buf_add(b, "}", 1);
	case JSON_ARRAY:
		if (depth >= MAXDEPTH) {
			errno = E2BIG;
			return -1;
		}
		if (eksl_buf_add(b, "[", 1) == -1)
			return -1;
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0 && eksl_buf_add(b, ",", 1) == -1)
				return -1;
			if ((rc = value(b, json_array_get(v, i), depth + 1)) !=
			    0)
				return rc;
		}
		return eksl_buf_add(b, "]", 1);
	case JSON_STRING:
		return string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return eksl_buf_printf(b, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	case JSON_TRUE:
		return eksl_buf_add(b, "true", 4);
	case JSON_FALSE:
		return eksl_buf_add(b, "false", 5);
	case JSON_NULL:
		return eksl_buf_add(b, "null", 4);
	case JSON_REAL:
	default:
		return 1;
	}
}

int
eksl_json_encode(struct eksl_buf *b, const json_t *v)
{
	size_t len = b->len;
	int rc;

	if ((rc = value(b, v, 0)) != 0 && b->data != NULL) {
		/* as it was: no half value */
		b->len = len;
		b->data[len] = '\0';
	}
	return rc;
}
