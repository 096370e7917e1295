/*
 * Messages of the program that links lib/: one line on stderr, always
 * "program: object: reason".  This is the one place that prints; the
 * other lib/ modules never print, they fill an error buffer instead.
 */
#ifndef EKSL_MSG_H
#define EKSL_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define EKSL_VERSION	"0.1.0"
#define EKSL_ERRLEN	512	/* size of every error buffer passed to lib/ */

/* -1 with -q, 0 by default, 1 with -v, 2 with -vv. */
extern int eksl_verbosity;

/* Set the program name from argv[0] (its basename). */
void	eksl_msg_init(const char *argv0);
/*
 * Never show secret (a copy is kept; 8 at most, shorter than 8 characters
 * ignored) in any message: it prints as "<redacted>".  eksl_msg_init
 * registers $AWS_SECRET_ACCESS_KEY and $AWS_SESSION_TOKEN; a program
 * registers the credentials it loads elsewhere.  Defence in depth for
 * text a server echoes into an error.
 */
void	eksl_msg_redact(const char *secret);
/* The program name set by eksl_msg_init; borrowed. */
const char *eksl_progname(void);

/* An error: always printed. */
void	eksl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning: printed unless -q. */
void	eksl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A note: printed with -v. */
void	eksl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Detail: printed with -vv. */
void	eksl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "program (eksl) VERSION" on stdout, for --version. */
void	eksl_print_version(void);
/*
 * A usage error: print the message as eksl_err does, then the program's
 * usage(stderr).  Returns EKSL_EXIT_USAGE (2), for "return
 * eksl_usage_error(usage, ...)" in main.
 */
int	eksl_usage_error(void (*usage)(FILE *), const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Fill the error buffer err (errlen bytes) printf-style; err may be NULL.
 * For lib/ modules, which report errors this way instead of printing.
 */
void	eksl_seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * A log sink that lib/ modules accept as a callback (level 1 = -v,
 * 2 = -vv); it forwards to eksl_info/eksl_debug.
 */
void	eksl_log_sink(int level, const char *line, void *arg);
/*
 * For lib/ modules that report progress through such a callback: format
 * one line (cut where a message would be) and hand it to log at level;
 * nothing when log is NULL.
 */
void	eksl_logf(void (*log)(int, const char *, void *), void *arg,
	    int level, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
