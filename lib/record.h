/*
 * The cluster record (DESIGN.md "The cluster record"): one JSON object per
 * line on the pipes between eksl programs.  A program owns only its part;
 * every other field passes through untouched, in its original key order.
 */
#ifndef EKSL_RECORD_H
#define EKSL_RECORD_H

#include <stdio.h>
#include <jansson.h>

#define EKSL_SCHEMA		"eksl.cluster.v1"
#define EKSL_RECORD_MAX_LINE	(1024 * 1024)	/* hard cap on one line */

struct eksl_reader;

/* A reader of JSON Lines from fp; name ("stdin") prefixes its errors. */
struct eksl_reader *eksl_reader_new(FILE *fp, const char *name);
void	eksl_reader_free(struct eksl_reader *r);

/*
 * Read the next record.  Returns 1 with a new reference in *out; 0 at the
 * end of input; -1 when a line is bad (err: "stdin:LINE:COL: reason"),
 * in which case that line has been consumed and the caller may read on.
 * Blank lines are skipped.  A line longer than EKSL_RECORD_MAX_LINE, a NUL
 * byte, a duplicate key, invalid UTF-8 or anything but an object is bad.
 * A read error from the stream is -1 too, with eksl_reader_failed() true.
 */
int	eksl_reader_next(struct eksl_reader *r, json_t **out, char *err,
	    size_t errlen);
/* 1 when the stream itself failed (not just one line): stop reading. */
int	eksl_reader_failed(const struct eksl_reader *r);

/*
 * Write rec as one compact line and flush.  Returns 0, or -1 with err
 * set (e.g. "stdout: Broken pipe").
 */
int	eksl_record_write(FILE *fp, const json_t *rec, char *err,
	    size_t errlen);

/* A new, empty record with "schema" set; new reference. */
json_t	*eksl_record_new(void);

/*
 * Append {tool, code, message} to rec's "errors" array (created if
 * absent).  code is a short word ("dns", "io", "input", "api", ...).
 * Returns 0 or -1 (out of memory).
 */
int	eksl_record_add_error(json_t *rec, const char *tool, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The endpoint's host name: "host" if present, else derived from
 * "endpoint" (scheme, port, path and trailing dot removed) and stored in
 * rec as "host".  Returns a borrowed string, or NULL when neither field
 * gives a name (errno EINVAL) or memory ran out (errno ENOMEM).  The name
 * is not validated here (see eksl_hostname_valid).
 */
const char *eksl_record_host(json_t *rec);

/* A string member of obj, or NULL if absent or not a string; borrowed. */
const char *eksl_json_str(const json_t *obj, const char *key);

/*
 * 1 when name is a valid DNS host name: RFC 1123 labels of letters,
 * digits and '-' (not at either end), 1..63 octets each, 253 in all, an
 * optional final dot; 0 otherwise.
 */
int	eksl_hostname_valid(const char *name);

#endif
