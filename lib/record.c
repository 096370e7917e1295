#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonmem.h"
#include "record.h"

struct eksl_reader {
	FILE		*fp;
	char		*name;
	size_t		 lineno;
	int		 failed;
	int		 nomem;		/* the line could not be held */
	struct eksl_buf	 line;
};

struct eksl_reader *
eksl_reader_new(FILE *fp, const char *name)
{
	struct eksl_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->name = strdup(name != NULL ? name : "stdin")) == NULL) {
		free(r);
		return NULL;
	}
	r->fp = fp;
	/* One byte over the cap for the CR of a CRLF line. */
	eksl_buf_init(&r->line, EKSL_RECORD_MAX_LINE + 1);
	return r;
}

void
eksl_reader_free(struct eksl_reader *r)
{
	if (r == NULL)
		return;
	eksl_buf_free(&r->line);
	free(r->name);
	free(r);
}

int
eksl_reader_failed(const struct eksl_reader *r)
{
	return r->failed;
}

/*
 * Read one line into r->line without its newline.  Returns 1 for a line,
 * 0 at EOF with nothing read, -1 for a line over the cap (consumed to its
 * end, *toolong set), a stream error (r->failed set) or no memory for the
 * line (consumed to its end, r->nomem set).  NUL bytes are
 * kept so that the caller can refuse them.
 */
/* Append to the line; past the cap sets *toolong, no memory r->nomem. */
static void
grow(struct eksl_reader *r, const char *p, size_t n, int *toolong)
{
	if (eksl_buf_add(&r->line, p, n) == -1) {
		if (errno == ENOMEM)
			r->nomem = 1;
		else
			*toolong = 1;
	}
}

static int
read_line(struct eksl_reader *r, int *toolong)
{
	char chunk[4096];
	size_t n = 0;
	int c, got = 0;

	*toolong = 0;
	r->nomem = 0;
	eksl_buf_reset(&r->line);
	while ((c = getc_unlocked(r->fp)) != EOF) {
		got = 1;
		if (c == '\n')
			break;
		chunk[n++] = (char)c;
		if (n == sizeof(chunk)) {
			if (!*toolong && !r->nomem)
				grow(r, chunk, n, toolong);
			n = 0;
		}
	}
	if (c == EOF && ferror(r->fp)) {
		r->failed = 1;
		return -1;
	}
	if (!got)
		return 0;
	if (!*toolong && !r->nomem)
		grow(r, chunk, n, toolong);
	r->lineno++;
	if (*toolong || r->nomem)
		return -1;
	if (r->line.len > 0 && r->line.data[r->line.len - 1] == '\r')
		r->line.data[--r->line.len] = '\0';
	if (r->line.len > EKSL_RECORD_MAX_LINE) {
		*toolong = 1;
		return -1;
	}
	return 1;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

int
eksl_reader_next(struct eksl_reader *r, json_t **out, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *v;
	int toolong, rc;

	*out = NULL;
	for (;;) {
		rc = read_line(r, &toolong);
		if (rc == 0)
			return 0;
		if (rc == -1) {
			if (r->failed)
				snprintf(err, errlen, "%s: read error: %s",
				    r->name, strerror(errno));
			else if (r->nomem)
				snprintf(err, errlen, "%s:%zu: %s", r->name,
				    r->lineno, strerror(ENOMEM));
			else
				snprintf(err, errlen,
				    "%s:%zu: line longer than %d bytes",
				    r->name, r->lineno, EKSL_RECORD_MAX_LINE);
			return -1;
		}
		if (memchr(r->line.data, '\0', r->line.len) != NULL) {
			snprintf(err, errlen, "%s:%zu: NUL byte in input",
			    r->name, r->lineno);
			return -1;
		}
		if (!blank(r->line.data, r->line.len))
			break;
	}
	eksl_json_mem_watch();
	v = json_loadb(r->line.data, r->line.len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (eksl_json_mem_failed()) {
		/*
		 * jansson may have dropped a character, or failed and said
		 * something else: never trust it.
		 */
		json_decref(v);
		snprintf(err, errlen, "%s:%zu: %s", r->name, r->lineno,
		    strerror(ENOMEM));
		return -1;
	}
	if (v == NULL) {
		snprintf(err, errlen, "%s:%zu:%d: %s", r->name, r->lineno,
		    jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(err, errlen, "%s:%zu:1: a record must be a JSON object",
		    r->name, r->lineno);
		return -1;
	}
	*out = v;
	return 1;
}

int
eksl_record_write(FILE *fp, const json_t *rec, char *err, size_t errlen)
{
	char *s;
	int rc = 0;

	eksl_json_mem_watch();
	if ((s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL ||
	    eksl_json_mem_failed()) {
		free(s);
		snprintf(err, errlen, "stdout: cannot encode record: %s",
		    strerror(ENOMEM));
		return -1;
	}
	if (fputs(s, fp) == EOF || fputc('\n', fp) == EOF || fflush(fp) == EOF) {
		snprintf(err, errlen, "stdout: %s", strerror(errno));
		rc = -1;
	}
	free(s);
	return rc;
}

json_t *
eksl_record_new(void)
{
	return json_pack("{s:s}", "schema", EKSL_SCHEMA);
}

int
eksl_record_add_error(json_t *rec, const char *tool, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	json_t *errs, *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errs = json_object_get(rec, "errors");
	if (!json_is_array(errs)) {
		if ((errs = json_array()) == NULL ||
		    json_object_set_new(rec, "errors", errs) == -1)
			return -1;
	}
	e = json_pack("{s:s,s:s,s:s}", "tool", tool, "code", code,
	    "message", msg);
	if (e == NULL)
		return -1;
	return json_array_append_new(errs, e);
}

const char *
eksl_json_str(const json_t *obj, const char *key)
{
	const json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
eksl_record_host(json_t *rec)
{
	const char *h, *ep, *start, *end;
	char name[256];
	size_t n;

	errno = EINVAL;
	if ((h = eksl_json_str(rec, "host")) != NULL && *h != '\0')
		return h;
	if ((ep = eksl_json_str(rec, "endpoint")) == NULL)
		return NULL;
	start = strstr(ep, "://");
	start = start != NULL ? start + 3 : ep;
	/* An IP literal ("[::1]") is not a host name. */
	if (*start == '[')
		return NULL;
	/* userinfo is not part of an EKS endpoint; refuse rather than guess */
	end = start + strcspn(start, "/?#:@");
	if (*end == '@')
		return NULL;
	n = (size_t)(end - start);
	if (n > 0 && start[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, start, n);
	name[n] = '\0';
	for (size_t i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	if (json_object_set_new(rec, "host", json_string(name)) == -1) {
		errno = ENOMEM;
		return NULL;
	}
	return eksl_json_str(rec, "host");
}

int
eksl_hostname_valid(const char *name)
{
	size_t len, label = 0, i;
	unsigned char c, prev = '.';

	if (name == NULL)
		return 0;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0 || prev == '-')
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-') {
			if (label == 0 && c == '-')
				return 0;
			if (++label > 63)
				return 0;
		} else
			return 0;
		prev = c;
	}
	/* label == 0 here means "a..": an empty last label. */
	return prev != '-' && label > 0;
}
