/*
 * Base64 (RFC 4648 section 4) and base64url (section 5) encoding and
 * decoding.
 */
#ifndef EKSL_BASE64_H
#define EKSL_BASE64_H

#include <stddef.h>

#define EKSL_B64_STD	0	/* "+/" alphabet, '=' padding */
#define EKSL_B64_URL	1	/* "-_" alphabet, no padding */

/*
 * Encode len bytes of p with the given alphabet (EKSL_B64_STD pads with
 * '=', EKSL_B64_URL does not).  Returns a new NUL-terminated string (the
 * caller frees) or NULL when out of memory.
 */
char	*eksl_base64_encode(const void *p, size_t len, int alphabet);

/*
 * Decode len characters of s.  Both alphabets are accepted (also mixed),
 * padding is optional, and ASCII whitespace (space, tab, CR, LF) is
 * skipped anywhere, so the body of a PEM block decodes as is.  Anything
 * else (a bad character, data after padding, a length that cannot be
 * base64) fails.  Returns a new buffer of *outlen bytes followed by a NUL
 * byte that is not counted (the caller frees), or NULL with errno EINVAL
 * (bad input) or ENOMEM.
 */
unsigned char *eksl_base64_decode(const char *s, size_t len, size_t *outlen);

#endif
