/*
 * AWS configuration as the AWS CLI reads it.  This file must not call
 * into libcurl or libxml2: eksl-token links it and has to start in a few
 * milliseconds, and --as-needed only records the libraries that the
 * linked objects really call.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "msg.h"
#include "atomicio.h"
#include "awsconf.h"
#include "buf.h"
#include "jsonmem.h"

#define INI_MAX		(1024 * 1024)	/* a shared file larger is refused */
#define PROC_MAX	(64 * 1024)	/* credential_process output cap */
#define PROC_TIMEOUT_MS	60000		/* credential_process time cap */

/* What a shared file section is. */
enum sect_kind {
	SECT_PROFILE,		/* [x] in credentials, [profile x]/[default] */
	SECT_SERVICES,		/* [services x] in config */
	SECT_OTHER,		/* [sso-session x] and the like */
};

struct ini_entry {
	int		 file;		/* 0 credentials, 1 config */
	enum sect_kind	 kind;
	char		*section;
	char		*key;		/* lower case; "eks.endpoint_url" nested */
	char		*value;
};

struct conf_priv {
	struct ini_entry *ent;
	size_t		 nent;
	char		*path[2];	/* credentials file, config file */
	int		 cli_profile;	/* --profile: skip the environment */
};

/* The environment variable name, or NULL when unset or empty. */
static const char *
envget(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A path from the environment or the default under $HOME, ~ expanded. */
static char *
shared_path(const char *envname, const char *base)
{
	const char *v = envget(envname), *home = getenv("HOME");
	char *p = NULL;

	if (v != NULL && v[0] == '~' && (v[1] == '/' || v[1] == '\0') &&
	    home != NULL) {
		if (asprintf(&p, "%s%s", home, v + 1) == -1)
			return NULL;
		return p;
	}
	if (v != NULL)
		return strdup(v);
	if (home == NULL)
		home = "";
	if (asprintf(&p, "%s/.aws/%s", home, base) == -1)
		return NULL;
	return p;
}

static int
ini_add(struct conf_priv *pv, int file, enum sect_kind kind,
    const char *section, const char *key, const char *value)
{
	struct ini_entry *n, *e;
	char *p;

	n = reallocarray(pv->ent, pv->nent + 1, sizeof(*n));
	if (n == NULL)
		return -1;
	pv->ent = n;
	e = &pv->ent[pv->nent];
	memset(e, 0, sizeof(*e));
	e->file = file;
	e->kind = kind;
	if ((e->section = strdup(section)) == NULL ||
	    (e->key = strdup(key)) == NULL ||
	    (e->value = strdup(value)) == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	for (p = e->key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	pv->nent++;
	return 0;
}

/*
 * Split "[name]" into a kind and a profile name the way botocore does:
 * in the config file "[profile x]" is profile x and "[default]" is the
 * default profile; in the credentials file the name is the profile.
 */
static int
section_name(int file, char *name, enum sect_kind *kind, char **out)
{
	char *rest;

	name = trim(name);
	*kind = SECT_PROFILE;
	if (file == 1 && strcmp(name, "default") != 0) {
		rest = name + strcspn(name, " \t");
		if (*rest == '\0') {
			/* "[x]" in config is no profile to the CLI. */
			*kind = SECT_OTHER;
		} else {
			*rest++ = '\0';
			rest = trim(rest);
			if (strcmp(name, "profile") == 0)
				*kind = SECT_PROFILE;
			else if (strcmp(name, "services") == 0)
				*kind = SECT_SERVICES;
			else
				*kind = SECT_OTHER;
			name = rest;
		}
	}
	if (*name == '\0')
		return -1;
	*out = name;
	return 0;
}

/*
 * Parse one shared file (file 0 credentials, 1 config) the way Python's
 * configparser does for the CLI: comment lines start with # or ;, keys
 * and values are split at the first '=' or ':', an indented line after
 * "key =" with no value is a nested setting ("s3 =" then
 * "  max_concurrent_requests = 4") kept as "s3.max_concurrent_requests",
 * and an indented line after a value continues it.
 */
static int
ini_parse(struct conf_priv *pv, int file, const char *path, char *text,
    char *err, size_t errlen)
{
	char *line, *next, *s, *key, *val, *sect = NULL;
	char parent[128] = "";
	enum sect_kind kind = SECT_OTHER;
	size_t lineno = 0, delim, last = (size_t)-1;
	int indented;

	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		indented = *line == ' ' || *line == '\t';
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (indented && sect != NULL && last != (size_t)-1) {
			if (parent[0] == '\0') {
				/* A continuation line of the last value. */
				struct ini_entry *e = &pv->ent[last];
				char *nv;

				if (asprintf(&nv, "%s\n%s", e->value, s) == -1)
					goto nomem;
				free(e->value);
				e->value = nv;
				continue;
			}
			delim = strcspn(s, "=:");
			if (s[delim] == '\0') {
				eksl_seterr(err, errlen, "%s:%zu: nested setting "
				    "without \"=\"", path, lineno);
				return -1;
			}
			s[delim] = '\0';
			key = trim(s);
			val = trim(s + delim + 1);
			if (*key == '\0') {
				eksl_seterr(err, errlen, "%s:%zu: empty key", path,
				    lineno);
				return -1;
			}
			{
				char full[256];

				snprintf(full, sizeof(full), "%s.%s", parent,
				    key);
				if (ini_add(pv, file, kind, sect, full,
				    val) == -1)
					goto nomem;
			}
			continue;
		}
		if (*s == '[') {
			char *end = strrchr(s, ']');

			if (end == NULL || end[1] != '\0') {
				eksl_seterr(err, errlen, "%s:%zu: section header "
				    "without \"]\"", path, lineno);
				return -1;
			}
			*end = '\0';
			if (section_name(file, s + 1, &kind, &sect) == -1) {
				eksl_seterr(err, errlen, "%s:%zu: empty section "
				    "name", path, lineno);
				return -1;
			}
			/* sect points into text, which outlives the parse. */
			parent[0] = '\0';
			last = (size_t)-1;
			continue;
		}
		delim = strcspn(s, "=:");
		if (s[delim] == '\0') {
			eksl_seterr(err, errlen, "%s:%zu: expected \"key = value\"",
			    path, lineno);
			return -1;
		}
		if (sect == NULL) {
			eksl_seterr(err, errlen, "%s:%zu: setting outside a "
			    "section", path, lineno);
			return -1;
		}
		s[delim] = '\0';
		key = trim(s);
		val = trim(s + delim + 1);
		if (*key == '\0') {
			eksl_seterr(err, errlen, "%s:%zu: empty key", path, lineno);
			return -1;
		}
		if (ini_add(pv, file, kind, sect, key, val) == -1)
			goto nomem;
		last = pv->nent - 1;
		if (*val == '\0' && strlen(key) < sizeof(parent))
			snprintf(parent, sizeof(parent), "%s", key);
		else
			parent[0] = '\0';
	}
	return 0;
nomem:
	eksl_seterr(err, errlen, "%s: out of memory", path);
	return -1;
}

static int	load_settings(struct eksl_awsconf *, const struct eksl_awsopts *,
		    char *, size_t);

static int
ini_load(struct conf_priv *pv, int file, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len;
	int rc;

	rc = eksl_file_read(pv->path[file], INI_MAX, &text, &len, err, errlen);
	if (rc == 1)
		return 0;
	if (rc == -1)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		eksl_seterr(err, errlen, "%s: contains a NUL byte", pv->path[file]);
		explicit_bzero(text, len);
		free(text);
		return -1;
	}
	rc = ini_parse(pv, file, pv->path[file], text, err, errlen);
	/* The credentials file holds secret keys. */
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/*
 * The value of key in profile (the credentials file wins over the config
 * file, as in botocore's merged profile map); the last setting in a file
 * wins.  NULL when unset.
 */
static const char *
file_get(const struct conf_priv *pv, int file, enum sect_kind kind,
    const char *section, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < pv->nent; i++) {
		const struct ini_entry *e = &pv->ent[i];

		if (e->file == file && e->kind == kind &&
		    strcmp(e->section, section) == 0 &&
		    strcmp(e->key, key) == 0)
			v = e->value;
	}
	return v;
}

static const char *
profile_name(const struct eksl_awsconf *c)
{
	return c->profile != NULL ? c->profile : "default";
}

static const char *
prof_get(const struct eksl_awsconf *c, const char *key)
{
	const struct conf_priv *pv = c->priv;
	const char *v;

	if (pv == NULL)
		return NULL;
	v = file_get(pv, 0, SECT_PROFILE, profile_name(c), key);
	if (v == NULL)
		v = file_get(pv, 1, SECT_PROFILE, profile_name(c), key);
	return v != NULL && *v != '\0' ? v : NULL;
}

static int
profile_exists(const struct conf_priv *pv, const char *name)
{
	size_t i;

	for (i = 0; i < pv->nent; i++)
		if (pv->ent[i].kind == SECT_PROFILE &&
		    strcmp(pv->ent[i].section, name) == 0)
			return 1;
	return 0;
}

int
eksl_aws_region_valid(const char *region)
{
	size_t i, n;
	int dash = 0;

	if (region == NULL || (n = strlen(region)) < 4 || n > 32)
		return 0;
	/* "us-west-2", "us-gov-west-1": letters, dashes, a final number. */
	if (strcspn(region, "-") < 2 ||
	    !isdigit((unsigned char)region[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (region[i] == '-') {
			if (region[i + 1] == '-' || region[i + 1] == '\0')
				return 0;
			dash++;
		} else if (!islower((unsigned char)region[i]) &&
		    !isdigit((unsigned char)region[i]))
			return 0;
	}
	return dash >= 2;
}

const char *
eksl_aws_dns_suffix(const char *region)
{
	if (region == NULL)
		return "amazonaws.com";
	if (strncmp(region, "cn-", 3) == 0)
		return "amazonaws.com.cn";
	if (strncmp(region, "us-isob-", 8) == 0)
		return "sc2s.sgov.gov";
	if (strncmp(region, "us-isof-", 8) == 0)
		return "csp.hci.ic.gov";
	if (strncmp(region, "us-iso-", 7) == 0)
		return "c2s.ic.gov";
	if (strncmp(region, "eu-isoe-", 8) == 0)
		return "cloud.adc-e.uk";
	return "amazonaws.com";
}

int
eksl_awsconf_load(struct eksl_awsconf *c, const struct eksl_awsopts *o,
    char *err, size_t errlen)
{
	static const struct eksl_awsopts none;
	struct conf_priv *pv;

	if (o == NULL)
		o = &none;
	memset(c, 0, sizeof(*c));
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		goto nomem;
	c->priv = pv;
	if ((pv->path[0] = shared_path("AWS_SHARED_CREDENTIALS_FILE",
	    "credentials")) == NULL ||
	    (pv->path[1] = shared_path("AWS_CONFIG_FILE", "config")) == NULL)
		goto nomem;
	if (ini_load(pv, 0, err, errlen) == -1 ||
	    ini_load(pv, 1, err, errlen) == -1)
		goto fail;
	if (load_settings(c, o, err, errlen) == -1)
		goto fail;
	return 0;
nomem:
	eksl_seterr(err, errlen, "out of memory");
fail:
	eksl_awsconf_clear(c);
	return -1;
}

/* Parse a copy of text[0..len) as file (0 credentials, 1 config). */
static int
ini_parse_mem(struct conf_priv *pv, int file, const char *text, size_t len,
    char *err, size_t errlen)
{
	char *copy;
	int rc;

	if (len > INI_MAX) {
		eksl_seterr(err, errlen, "%s: larger than %d bytes", pv->path[file],
		    INI_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		eksl_seterr(err, errlen, "%s: contains a NUL byte", pv->path[file]);
		return -1;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		eksl_seterr(err, errlen, "%s: out of memory", pv->path[file]);
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = ini_parse(pv, file, pv->path[file], copy, err, errlen);
	explicit_bzero(copy, len);
	free(copy);
	return rc;
}

int
eksl_awsconf_load_mem(struct eksl_awsconf *c, const struct eksl_awsopts *o,
    const char *creds, size_t credslen, const char *config, size_t configlen,
    char *err, size_t errlen)
{
	static const struct eksl_awsopts none;
	struct conf_priv *pv;

	if (o == NULL)
		o = &none;
	memset(c, 0, sizeof(*c));
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		goto nomem;
	c->priv = pv;
	if ((pv->path[0] = strdup("credentials")) == NULL ||
	    (pv->path[1] = strdup("config")) == NULL)
		goto nomem;
	if ((creds != NULL &&
	    ini_parse_mem(pv, 0, creds, credslen, err, errlen) == -1) ||
	    (config != NULL &&
	    ini_parse_mem(pv, 1, config, configlen, err, errlen) == -1))
		goto fail;
	if (load_settings(c, o, err, errlen) == -1)
		goto fail;
	return 0;
nomem:
	eksl_seterr(err, errlen, "out of memory");
fail:
	eksl_awsconf_clear(c);
	return -1;
}

/*
 * Profile, region, CA bundle and endpoint from o, the environment and the
 * files already parsed into c->priv.  Returns 0, or -1 with err set (the
 * caller clears c).
 */
static int
load_settings(struct eksl_awsconf *c, const struct eksl_awsopts *o,
    char *err, size_t errlen)
{
	struct conf_priv *pv = c->priv;
	const char *v;

	if ((v = o->profile) != NULL) {
		pv->cli_profile = 1;
		c->profile_explicit = 1;
	} else if ((v = envget("AWS_PROFILE")) != NULL ||
	    (v = envget("AWS_DEFAULT_PROFILE")) != NULL)
		c->profile_explicit = 1;
	if (v != NULL && (c->profile = strdup(v)) == NULL)
		goto nomem;
	if (c->profile_explicit && !profile_exists(pv, c->profile)) {
		eksl_seterr(err, errlen, "profile %s: not found in %s or %s",
		    c->profile, pv->path[0], pv->path[1]);
		return -1;
	}

	if ((v = o->region) == NULL && (v = envget("AWS_REGION")) == NULL &&
	    (v = envget("AWS_DEFAULT_REGION")) == NULL)
		v = prof_get(c, "region");
	if (v != NULL) {
		if (!eksl_aws_region_valid(v)) {
			eksl_seterr(err, errlen, "region \"%.64s\": not a valid "
			    "region name", v);
			return -1;
		}
		if ((c->region = strdup(v)) == NULL)
			goto nomem;
	}
	if ((v = envget("AWS_CA_BUNDLE")) != NULL ||
	    (v = prof_get(c, "ca_bundle")) != NULL)
		if ((c->ca_bundle = strdup(v)) == NULL)
			goto nomem;
	if (o->endpoint_url != NULL &&
	    (c->endpoint_url = strdup(o->endpoint_url)) == NULL)
		goto nomem;
	return 0;
nomem:
	eksl_seterr(err, errlen, "out of memory");
	return -1;
}

static int
set_creds(struct eksl_awsconf *c, const char *ak, const char *sk,
    const char *token, const char *source)
{
	eksl_creds_clear(&c->creds);
	free(c->creds_source);
	c->creds_source = NULL;
	if ((c->creds.access_key = strdup(ak)) == NULL ||
	    (c->creds.secret_key = strdup(sk)) == NULL ||
	    (token != NULL &&
	    (c->creds.session_token = strdup(token)) == NULL) ||
	    (c->creds_source = strdup(source)) == NULL) {
		eksl_creds_clear(&c->creds);
		return -1;
	}
	return 0;
}

/*
 * Static keys of the profile in one file (0 credentials, 1 config).
 * Returns 0 found, 1 none, -1 partial or out of memory.
 */
static int
file_creds(struct eksl_awsconf *c, int file, char *err, size_t errlen)
{
	const struct conf_priv *pv = c->priv;
	const char *ak, *sk, *tok, *p = profile_name(c);

	ak = file_get(pv, file, SECT_PROFILE, p, "aws_access_key_id");
	sk = file_get(pv, file, SECT_PROFILE, p, "aws_secret_access_key");
	if ((tok = file_get(pv, file, SECT_PROFILE, p,
	    "aws_session_token")) == NULL)
		tok = file_get(pv, file, SECT_PROFILE, p,
		    "aws_security_token");
	if (ak != NULL && *ak == '\0')
		ak = NULL;
	if (sk != NULL && *sk == '\0')
		sk = NULL;
	if (tok != NULL && *tok == '\0')
		tok = NULL;
	if (ak == NULL && sk == NULL)
		return 1;
	if (ak == NULL || sk == NULL) {
		eksl_seterr(err, errlen, "%s: profile %s: partial credentials: "
		    "%s without %s", pv->path[file], p,
		    ak != NULL ? "aws_access_key_id" : "aws_secret_access_key",
		    ak != NULL ? "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	if (set_creds(c, ak, sk, tok, file == 0 ?
	    "shared-credentials-file" : "config-file") == -1) {
		eksl_seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Split a credential_process command line as the CLI does (Python's
 * shlex.split in POSIX mode): blanks separate words, single quotes are
 * literal, double quotes allow \\ \" \$ \` escapes, a backslash outside
 * quotes escapes the next character.  Returns a NULL-terminated vector
 * (caller frees each word and the vector) or NULL with err set.
 */
static char **
split_command(const char *cmd, char *err, size_t errlen)
{
	char **argv = NULL, **n;
	size_t argc = 0;
	struct eksl_buf w;
	const char *p = cmd;
	int inword = 0;
	char q = 0;

	eksl_buf_init(&w, 64 * 1024);
	for (;; p++) {
		char ch = *p;

		if (q == '\'') {
			if (ch == '\0')
				goto unterminated;
			if (ch == '\'')
				q = 0;
			else if (eksl_buf_add(&w, p, 1) == -1)
				goto nomem;
			continue;
		}
		if (q == '"') {
			if (ch == '\0')
				goto unterminated;
			if (ch == '"') {
				q = 0;
				continue;
			}
			if (ch == '\\' && p[1] != '\0' &&
			    strchr("\\\"$`\n", p[1]) != NULL)
				ch = *++p;
			if (eksl_buf_add(&w, &ch, 1) == -1)
				goto nomem;
			continue;
		}
		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' ||
		    ch == '\r') {
			if (inword) {
				n = reallocarray(argv, argc + 2,
				    sizeof(*argv));
				if (n == NULL)
					goto nomem;
				argv = n;
				argv[argc++] = eksl_buf_steal(&w);
				argv[argc] = NULL;
				inword = 0;
			}
			if (ch == '\0')
				break;
			continue;
		}
		inword = 1;
		if (ch == '\'' || ch == '"') {
			q = ch;
			continue;
		}
		if (ch == '\\') {
			if (p[1] == '\0')
				goto unterminated;
			ch = *++p;
		}
		if (eksl_buf_add(&w, &ch, 1) == -1)
			goto nomem;
	}
	eksl_buf_free(&w);
	if (argc == 0) {
		eksl_seterr(err, errlen, "credential_process: empty command");
		free(argv);
		return NULL;
	}
	return argv;
unterminated:
	eksl_seterr(err, errlen, "credential_process: unterminated quote or "
	    "escape");
	goto fail;
nomem:
	eksl_seterr(err, errlen, "out of memory");
fail:
	eksl_buf_free(&w);
	while (argc > 0)
		free(argv[--argc]);
	free(argv);
	return NULL;
}

int
eksl_time_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, oh, om;
	long off = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &sec, &n) != 6 || n == 0)
		return -1;
	p = s + n;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6)
			return -1;
		off = (oh * 60L + om) * 60L * (*p == '+' ? 1 : -1);
		p += 6;
	} else
		return -1;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - off;
	return 0;
}

/* Read the child's stdout into b until EOF, the cap or the deadline. */
static int
read_child(int fd, struct eksl_buf *b, long timeout_ms, const char *prog,
    char *err, size_t errlen)
{
	struct timespec start, now;
	struct pollfd pfd;
	char chunk[4096];
	ssize_t n;
	long left;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			eksl_seterr(err, errlen, "credential_process: %s: timed "
			    "out after %ld ms", prog, timeout_ms);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX :
		    (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			eksl_seterr(err, errlen, "credential_process: poll: %s",
			    strerror(errno));
			return -1;
		}
		if (rc == 0)
			continue;
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			eksl_seterr(err, errlen, "credential_process: %s: read: %s",
			    prog, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (eksl_buf_add(b, chunk, (size_t)n) == -1) {
			if (errno == E2BIG)
				eksl_seterr(err, errlen, "credential_process: %s: "
				    "output larger than %d bytes", prog, PROC_MAX);
			else
				eksl_seterr(err, errlen, "credential_process: %s: "
				    "output: %s", prog, strerror(errno));
			return -1;
		}
	}
}

/* Fill out from the credential_process JSON in text; never quotes it. */
int
eksl_awsconf_process_json(const char *text, const char *prog,
    struct eksl_creds *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc, *v;
	const char *ak, *sk, *tok = NULL, *exp = NULL;
	time_t when = 0;
	int rc = -1;

	/*
	 * A failed allocation inside jansson may drop a character of a key
	 * or a value (a secret key one byte short) and still "succeed".
	 */
	eksl_json_mem_watch();
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (eksl_json_mem_failed()) {
		eksl_seterr(err, errlen, "credential_process: %s: cannot parse "
		    "the output: %s", prog, strerror(ENOMEM));
		goto out;
	}
	/* jansson's text may quote the input ("near ..."): keep position. */
	if (doc == NULL) {
		eksl_seterr(err, errlen, "credential_process: %s: output is not "
		    "JSON (line %d, column %d)", prog, je.line, je.column);
		return -1;
	}
	if (!json_is_object(doc)) {
		eksl_seterr(err, errlen, "credential_process: %s: output is not a "
		    "JSON object", prog);
		goto out;
	}
	v = json_object_get(doc, "Version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		eksl_seterr(err, errlen, "credential_process: %s: unsupported "
		    "Version (want 1)", prog);
		goto out;
	}
	ak = json_string_value(json_object_get(doc, "AccessKeyId"));
	sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
	if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0') {
		eksl_seterr(err, errlen, "credential_process: %s: missing %s",
		    prog, ak == NULL || *ak == '\0' ? "AccessKeyId" :
		    "SecretAccessKey");
		goto out;
	}
	if ((v = json_object_get(doc, "SessionToken")) != NULL &&
	    !json_is_null(v)) {
		if ((tok = json_string_value(v)) == NULL) {
			eksl_seterr(err, errlen, "credential_process: %s: "
			    "SessionToken is not a string", prog);
			goto out;
		}
		if (*tok == '\0')
			tok = NULL;
	}
	if ((v = json_object_get(doc, "Expiration")) != NULL &&
	    !json_is_null(v)) {
		if ((exp = json_string_value(v)) == NULL ||
		    eksl_time_parse_rfc3339(exp, &when) == -1) {
			eksl_seterr(err, errlen, "credential_process: %s: "
			    "Expiration is not an RFC 3339 time", prog);
			goto out;
		}
		if (when <= time(NULL)) {
			eksl_seterr(err, errlen, "credential_process: %s: "
			    "credentials expired at %s", prog, exp);
			goto out;
		}
	}
	eksl_creds_clear(out);
	if ((out->access_key = strdup(ak)) == NULL ||
	    (out->secret_key = strdup(sk)) == NULL ||
	    (tok != NULL && (out->session_token = strdup(tok)) == NULL)) {
		eksl_creds_clear(out);
		eksl_seterr(err, errlen, "credential_process: %s: %s", prog,
		    strerror(ENOMEM));
		goto out;
	}
	out->expiration = when;
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int
eksl_awsconf_run_process(char *const argv[], struct eksl_creds *out,
    char *err, size_t errlen)
{
	struct eksl_buf b;
	const char *prog = argv[0], *t;
	pid_t pid;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, status, rc = -1;
	int cerr = 0, null = -1;
	long timeout_ms = PROC_TIMEOUT_MS;
	ssize_t n;

	eksl_buf_init(&b, PROC_MAX);
	/* A test hook: the time cap in ms. */
	if ((t = envget("EKSL_PROCESS_TIMEOUT_MS")) != NULL)
		timeout_ms = strtol(t, NULL, 10) > 0 ? strtol(t, NULL, 10) :
		    PROC_TIMEOUT_MS;
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		eksl_seterr(err, errlen, "credential_process: pipe: %s",
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		eksl_seterr(err, errlen, "credential_process: fork: %s",
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* stdin from /dev/null: the plugin's stdin is kubectl's. */
		if ((null = open("/dev/null", O_RDONLY)) != -1)
			dup2(null, 0);
		dup2(outp[1], 1);
		execvp(prog, argv);
		cerr = errno;
		n = write(errp[1], &cerr, sizeof(cerr));
		(void)n;
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (read(errp[0], &cerr, sizeof(cerr)) == (ssize_t)sizeof(cerr)) {
		waitpid(pid, &status, 0);
		eksl_seterr(err, errlen, "credential_process: %s: cannot run: %s",
		    prog, strerror(cerr));
		goto out;
	}
	if (read_child(outp[0], &b, timeout_ms, prog, err, errlen) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		goto out;
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			eksl_seterr(err, errlen, "credential_process: wait: %s",
			    strerror(errno));
			goto out;
		}
	}
	if (WIFSIGNALED(status)) {
		eksl_seterr(err, errlen, "credential_process: %s: killed by "
		    "signal %d", prog, WTERMSIG(status));
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		eksl_seterr(err, errlen, "credential_process: %s: exited with "
		    "status %d", prog, WEXITSTATUS(status));
		goto out;
	}
	rc = eksl_awsconf_process_json(eksl_buf_str(&b), prog, out, err,
	    errlen);
out:
	if (b.data != NULL)
		explicit_bzero(b.data, b.size);
	eksl_buf_free(&b);
	if (outp[0] != -1)
		close(outp[0]);
	if (outp[1] != -1)
		close(outp[1]);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	return rc;
}

int
eksl_awsconf_credentials(struct eksl_awsconf *c, char *err, size_t errlen)
{
	const struct conf_priv *pv = c->priv;
	const char *ak, *sk, *tok, *cmd;
	char **argv = NULL;
	size_t i;
	int rc;

	if (pv == NULL) {
		eksl_seterr(err, errlen, "configuration not loaded");
		return -1;
	}
	/* As the CLI: only --profile makes it skip the environment. */
	if (!pv->cli_profile) {
		ak = envget("AWS_ACCESS_KEY_ID");
		sk = envget("AWS_SECRET_ACCESS_KEY");
		if ((tok = envget("AWS_SESSION_TOKEN")) == NULL)
			tok = envget("AWS_SECURITY_TOKEN");
		if (ak != NULL && sk != NULL) {
			if (set_creds(c, ak, sk, tok, "env") == -1) {
				eksl_seterr(err, errlen, "out of memory");
				return -1;
			}
			return 0;
		}
		if (ak != NULL || sk != NULL) {
			eksl_seterr(err, errlen, "environment: partial "
			    "credentials: %s set without %s",
			    ak != NULL ? "AWS_ACCESS_KEY_ID" :
			    "AWS_SECRET_ACCESS_KEY",
			    ak != NULL ? "AWS_SECRET_ACCESS_KEY" :
			    "AWS_ACCESS_KEY_ID");
			return -1;
		}
	}
	if ((rc = file_creds(c, 0, err, errlen)) != 1)
		return rc;
	if ((cmd = prof_get(c, "credential_process")) != NULL) {
		if ((argv = split_command(cmd, err, errlen)) == NULL)
			return -1;
		eksl_creds_clear(&c->creds);
		rc = eksl_awsconf_run_process(argv, &c->creds, err, errlen);
		for (i = 0; argv[i] != NULL; i++)
			free(argv[i]);
		free(argv);
		if (rc == -1)
			return -1;
		free(c->creds_source);
		if ((c->creds_source = strdup("custom-process")) == NULL) {
			eksl_seterr(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if ((rc = file_creds(c, 1, err, errlen)) != 1)
		return rc;
	if (prof_get(c, "role_arn") != NULL || prof_get(c, "sso_session") !=
	    NULL || prof_get(c, "sso_start_url") != NULL) {
		eksl_seterr(err, errlen, "no credentials: profile %s uses role_arn "
		    "or SSO, which eksl does not read; use credential_process "
		    "or --role-arn", profile_name(c));
		return 1;
	}
	eksl_seterr(err, errlen, "no credentials: looked in %s%s, %s (profile %s)",
	    pv->cli_profile ? "" : "the environment, ", pv->path[0],
	    pv->path[1], profile_name(c));
	return 1;
}

/* The uppercase service id of AWS_ENDPOINT_URL_<SERVICE>. */
static void
service_env(const char *service, char *name, size_t len)
{
	size_t i, n;

	n = (size_t)snprintf(name, len, "AWS_ENDPOINT_URL_%s", service);
	for (i = strlen("AWS_ENDPOINT_URL_"); i < n && i < len; i++) {
		if (name[i] == '-' || name[i] == ' ')
			name[i] = '_';
		else
			name[i] = (char)toupper((unsigned char)name[i]);
	}
}

static int
env_true(const char *name)
{
	const char *v = envget(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

char *
eksl_awsconf_endpoint(const struct eksl_awsconf *c, const char *service)
{
	const struct conf_priv *pv = c->priv;
	const char *v = NULL, *svc, *suffix;
	char name[64], key[64];
	char *url = NULL;
	int ignore;

	if (c->endpoint_url != NULL)
		return strdup(c->endpoint_url);
	ignore = env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ||
	    (prof_get(c, "ignore_configured_endpoint_urls") != NULL &&
	    strcasecmp(prof_get(c, "ignore_configured_endpoint_urls"),
	    "true") == 0);
	if (!ignore) {
		service_env(service, name, sizeof(name));
		if ((v = envget(name)) == NULL && pv != NULL &&
		    (svc = prof_get(c, "services")) != NULL) {
			snprintf(key, sizeof(key), "%s.endpoint_url", service);
			v = file_get(pv, 1, SECT_SERVICES, svc, key);
			if (v != NULL && *v == '\0')
				v = NULL;
		}
		if (v == NULL)
			v = envget("AWS_ENDPOINT_URL");
		if (v == NULL)
			v = prof_get(c, "endpoint_url");
		if (v != NULL)
			return strdup(v);
	}
	suffix = eksl_aws_dns_suffix(c->region);
	if (strcmp(service, "iam") == 0) {
		/* IAM is global: one endpoint per partition. */
		if (c->region != NULL && strncmp(c->region, "cn-", 3) == 0)
			v = "https://iam.cn-north-1.amazonaws.com.cn";
		else if (c->region != NULL &&
		    strncmp(c->region, "us-gov-", 7) == 0)
			v = "https://iam.us-gov.amazonaws.com";
		else if (c->region == NULL ||
		    strcmp(suffix, "amazonaws.com") == 0)
			v = "https://iam.amazonaws.com";
		if (v != NULL)
			return strdup(v);
	}
	if (c->region == NULL)
		return NULL;
	if (asprintf(&url, "https://%s.%s.%s", service, c->region,
	    suffix) == -1)
		return NULL;
	return url;
}

void
eksl_awsconf_clear(struct eksl_awsconf *c)
{
	struct conf_priv *pv;
	size_t i;

	if (c == NULL)
		return;
	if ((pv = c->priv) != NULL) {
		for (i = 0; i < pv->nent; i++) {
			free(pv->ent[i].section);
			free(pv->ent[i].key);
			/* Values may be secrets (aws_secret_access_key). */
			explicit_bzero(pv->ent[i].value,
			    strlen(pv->ent[i].value));
			free(pv->ent[i].value);
		}
		free(pv->ent);
		free(pv->path[0]);
		free(pv->path[1]);
		free(pv);
	}
	eksl_creds_clear(&c->creds);
	free(c->profile);
	free(c->region);
	free(c->ca_bundle);
	free(c->creds_source);
	free(c->endpoint_url);
	memset(c, 0, sizeof(*c));
}
