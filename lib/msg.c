#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "msg.h"

int eksl_verbosity;
static const char *progname = "eksl";
/* Strings no message may show (secret key, session token, ...). */
static char	*secrets[8];

void
eksl_msg_redact(const char *secret)
{
	size_t i;

	/* Short strings would blank ordinary words; a secret is longer. */
	if (secret == NULL || strlen(secret) < 8)
		return;
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (secrets[i] != NULL && strcmp(secrets[i], secret) == 0)
			return;
		if (secrets[i] == NULL) {
			secrets[i] = strdup(secret);
			return;
		}
	}
}

/* Overwrite every registered secret in line with "<redacted>". */
static void
redact(char *line, size_t size)
{
	static const char mark[] = "<redacted>";
	size_t i, sl, ml = sizeof(mark) - 1, rest;
	char *p, *from;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (secrets[i] == NULL)
			continue;
		sl = strlen(secrets[i]);
		from = line;
		while ((p = strstr(from, secrets[i])) != NULL) {
			if ((size_t)(p - line) + ml >= size) {
				*p = '\0';	/* no room for the mark */
				break;
			}
			rest = strlen(p + sl) + 1;
			if ((size_t)(p - line) + ml + rest > size)
				rest = size - (size_t)(p - line) - ml;
			memmove(p + ml, p + sl, rest);
			memcpy(p, mark, ml);
			line[size - 1] = '\0';
			from = p + ml;
		}
	}
}

void
eksl_msg_init(const char *argv0)
{
	const char *p;

	eksl_msg_redact(getenv("AWS_SECRET_ACCESS_KEY"));
	eksl_msg_redact(getenv("AWS_SESSION_TOKEN"));
	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	progname = p != NULL ? p + 1 : argv0;
}

const char *
eksl_progname(void)
{
	return progname;
}

static void
vmsg(const char *fmt, va_list ap)
{
	char line[4096];

	/* One write per message, so concurrent runs do not interleave. */
	vsnprintf(line, sizeof(line), fmt, ap);
	redact(line, sizeof(line));
	fprintf(stderr, "%s: %s\n", progname, line);
}

void
eksl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
eksl_warn(const char *fmt, ...)
{
	va_list ap;

	if (eksl_verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
eksl_info(const char *fmt, ...)
{
	va_list ap;

	if (eksl_verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
eksl_debug(const char *fmt, ...)
{
	va_list ap;

	if (eksl_verbosity < 2)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
eksl_print_version(void)
{
	printf("%s (eksl) %s\n", progname, EKSL_VERSION);
}

int
eksl_usage_error(void (*usage)(FILE *), const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	usage(stderr);
	return EKSL_EXIT_USAGE;
}

void
eksl_log_sink(int level, const char *line, void *arg)
{
	(void)arg;
	if (level <= 1)
		eksl_info("%s", line);
	else
		eksl_debug("%s", line);
}

void
eksl_logf(void (*log)(int, const char *, void *), void *arg, int level,
    const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	if (log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(level, line, arg);
}

void
eksl_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
