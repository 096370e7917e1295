/*
 * A growable byte buffer with a hard cap.  Input from a pipe or the
 * network is untrusted, so every buffer that grows from it has a limit.
 */
#ifndef EKSL_BUF_H
#define EKSL_BUF_H

#include <stddef.h>

struct eksl_buf {
	char	*data;	/* always NUL-terminated when not NULL */
	size_t	 len;
	size_t	 size;	/* allocated */
	size_t	 max;	/* cap on len; 0 means 64 MiB */
};

/* Initialise an empty buffer that may grow to max bytes. */
void	eksl_buf_init(struct eksl_buf *b, size_t max);
/* Append n bytes.  Returns 0, or -1 with errno E2BIG (cap) or ENOMEM. */
int	eksl_buf_add(struct eksl_buf *b, const void *p, size_t n);
/* Make room for n more bytes at once.  Same returns as eksl_buf_add. */
int	eksl_buf_reserve(struct eksl_buf *b, size_t n);
/* Append a C string.  Same returns as eksl_buf_add. */
int	eksl_buf_addstr(struct eksl_buf *b, const char *s);
/* Append printf-style.  Same returns as eksl_buf_add. */
int	eksl_buf_printf(struct eksl_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The contents as a C string (never NULL); borrowed. */
const char *eksl_buf_str(const struct eksl_buf *b);
/* Take ownership of the data (caller frees; never NULL); b is reset. */
char	*eksl_buf_steal(struct eksl_buf *b);
/* Empty the buffer, keeping its memory. */
void	eksl_buf_reset(struct eksl_buf *b);
/* Free the memory; b may be reused after eksl_buf_init. */
void	eksl_buf_free(struct eksl_buf *b);

#endif
