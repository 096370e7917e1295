#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_DEFAULT_MAX	(64u * 1024 * 1024)

void
eksl_buf_init(struct eksl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max != 0 ? max : BUF_DEFAULT_MAX;
}

static int
grow(struct eksl_buf *b, size_t need)
{
	size_t nsize;
	char *p;

	if (need > b->max) {
		errno = E2BIG;
		return -1;
	}
	if (need + 1 <= b->size)
		return 0;
	nsize = b->size != 0 ? b->size : 256;
	while (nsize < need + 1)
		nsize *= 2;
	if ((p = realloc(b->data, nsize)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->size = nsize;
	return 0;
}

int
eksl_buf_add(struct eksl_buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len) {
		errno = E2BIG;
		return -1;
	}
	if (grow(b, b->len + n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
eksl_buf_reserve(struct eksl_buf *b, size_t n)
{
	if (n > b->max - b->len) {
		errno = E2BIG;
		return -1;
	}
	return grow(b, b->len + n);
}

int
eksl_buf_addstr(struct eksl_buf *b, const char *s)
{
	return eksl_buf_add(b, s, strlen(s));
}

int
eksl_buf_printf(struct eksl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > b->max - b->len) {
		errno = E2BIG;
		return -1;
	}
	if (grow(b, b->len + (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
eksl_buf_str(const struct eksl_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
eksl_buf_steal(struct eksl_buf *b)
{
	char *p;

	p = b->data != NULL ? b->data : strdup("");
	b->data = NULL;
	b->len = b->size = 0;
	return p;
}

void
eksl_buf_reset(struct eksl_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
eksl_buf_free(struct eksl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
