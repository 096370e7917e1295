/*
 * A minimal TAP producer for the C unit tests: "ok N - name" or
 * "not ok N - name", then a plan line; tests/run.sh counts them.
 */
#ifndef EKSL_TAP_H
#define EKSL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* Not every test uses every helper. */
#define TAP_FN static __attribute__((unused))

TAP_FN void __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
}

TAP_FN void __attribute__((format(printf, 1, 2)))
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

TAP_FN void
tap_skip(const char *why)
{
	printf("ok %d # skip %s\n", ++tap_n, why);
}

/* Compare two strings; on mismatch print both. */
TAP_FN void
tap_streq(const char *got, const char *want, const char *name)
{
	int eq = got != NULL && want != NULL && strcmp(got, want) == 0;

	tap_ok(eq, "%s", name);
	if (!eq) {
		tap_diag("got:  %s", got != NULL ? got : "(null)");
		tap_diag("want: %s", want != NULL ? want : "(null)");
	}
}

TAP_FN int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed != 0;
}

#endif
