#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

int eksl_verbosity;
static const char *progname = "eksl";

void
eksl_msg_init(const char *argv0)
{
	const char *p;

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
eksl_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
