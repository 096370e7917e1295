/*
 * failmalloc: an LD_PRELOAD shim for the allocation-failure sweep of
 * tests/hardening.bats.  Built there with cc -shared -fPIC; not a
 * program (tests/tools/ holds programs linked with lib/).
 *
 *	FAILMALLOC_FAIL=N	the N-th allocation (1-based) returns NULL
 *				with errno ENOMEM; 0 or unset fails none
 *	FAILMALLOC_COUNT=FILE	at exit, write the number of allocations
 *
 * Counted: malloc, calloc, realloc (but realloc(p, 0)), posix_memalign,
 * aligned_alloc, memalign; strdup and the like allocate through malloc.
 * Counting starts when the shim is loaded, so a run of N = 1.. covers
 * the program's start as well as its parser.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

void	*memalign(size_t, size_t);

static unsigned long	fm_count, fm_fail;
static const char	*fm_out;

__attribute__((constructor)) static void
fm_init(void)
{
	const char *s;

	if ((s = getenv("FAILMALLOC_FAIL")) != NULL)
		fm_fail = strtoul(s, NULL, 10);
	fm_out = getenv("FAILMALLOC_COUNT");
}

__attribute__((destructor)) static void
fm_fini(void)
{
	FILE *fp;
	unsigned long n = fm_count;

	if (fm_out == NULL || (fp = fopen(fm_out, "w")) == NULL)
		return;
	fprintf(fp, "%lu\n", n);
	fclose(fp);
}

/* Count one allocation; 1 when this one must fail. */
static int
fm_tick(void)
{
	if (++fm_count == fm_fail && fm_fail != 0) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *
malloc(size_t n)
{
	return fm_tick() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	return fm_tick() ? NULL : __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	if (n != 0 && fm_tick())
		return NULL;
	return __libc_realloc(p, n);
}

void *
memalign(size_t al, size_t n)
{
	return fm_tick() ? NULL : __libc_memalign(al, n);
}

void *
aligned_alloc(size_t al, size_t n)
{
	return fm_tick() ? NULL : __libc_memalign(al, n);
}

int
posix_memalign(void **pp, size_t al, size_t n)
{
	void *p;

	if (fm_tick())
		return ENOMEM;
	if ((p = __libc_memalign(al, n)) == NULL)
		return ENOMEM;
	*pp = p;
	return 0;
}
