#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char std_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
eksl_base64_encode(const void *p, size_t len, int alphabet)
{
	const unsigned char *in = p;
	const char *tab = alphabet == EKSL_B64_URL ? url_chars : std_chars;
	char *out, *o;
	uint32_t v;
	size_t i, rest;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	rest = len - i;
	if (rest > 0) {
		v = (uint32_t)in[i] << 16;
		if (rest == 2)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		if (rest == 2)
			*o++ = tab[v >> 6 & 63];
		if (alphabet != EKSL_B64_URL) {
			if (rest == 1)
				*o++ = '=';
			*o++ = '=';
		}
	}
	*o = '\0';
	return out;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

unsigned char *
eksl_base64_decode(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out, *o;
	uint32_t acc = 0;
	size_t i, n = 0, pad = 0;
	int v;

	if ((out = malloc(len / 4 * 3 + 3 + 1)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	o = out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		/* Data after padding is not base64. */
		if (pad > 0 || (v = b64val(c)) == -1)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++n % 4 == 0) {
			*o++ = acc >> 16 & 0xff;
			*o++ = acc >> 8 & 0xff;
			*o++ = acc & 0xff;
			acc = 0;
		}
	}
	switch (n % 4) {
	case 0:
		if (pad != 0)
			goto bad;
		break;
	case 1:
		goto bad;
	case 2:
		if (pad != 0 && pad != 2)
			goto bad;
		*o++ = acc >> 4 & 0xff;
		break;
	case 3:
		if (pad != 0 && pad != 1)
			goto bad;
		*o++ = acc >> 10 & 0xff;
		*o++ = acc >> 2 & 0xff;
		break;
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
bad:
	free(out);
	errno = EINVAL;
	return NULL;
}
