/*
 * Last-known-good answers, one file per state directory (see lkg.h).
 *
 * The file is read once into memory and indexed by host (a sorted array
 * of lines, each pointing into the buffer); a host's line is parsed only
 * when the host is looked up.  Answers to save are queued and merged into
 * the file in one write at the end of the run: a thousand endpoints cost
 * one read and at most one write, not a thousand of each.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "buf.h"
#include "jsonmem.h"
#include "lkg.h"
#include "record.h"

#define HOSTMAX	256	/* a host name and its NUL */

/* One line of the file: a host's answer, not parsed yet. */
struct line {
	const char	*key;	/* the host, normalised; not NUL-terminated */
	size_t		 keylen;
	const char	*text;	/* the line, without its newline */
	size_t		 len;
	size_t		 lineno;
};

/* The file in memory. */
struct index {
	char		*buf;	/* the file's bytes; owned */
	size_t		 len;
	struct line	*v;	/* sorted by key, no key twice */
	size_t		 n;
	char		**keys;	/* keys not found in buf; owned */
	size_t		 nkeys;
};

enum { PUT, MOVE };	/* an answer, or an old per-host file to move in */

/* An answer waiting for eksl_lkg_commit. */
struct pending {
	char			*key;	/* the host, normalised */
	char			*given;	/* the host as given */
	struct eksl_lkg_addr	*a;	/* sorted by ip, no IP twice; owned */
	size_t			 n;
	char			 since[EKSL_LKG_SINCELEN];	/* MOVE */
	void			*tag;
	int			 kind;
	int			 status;
	size_t			 nsaved;
};

struct eksl_lkg {
	char		*dir;
	char		*path;		/* DIR/resolve.jsonl */
	int		 olddir;	/* DIR/resolve, or -1 */
	struct index	 idx;
	struct pending	*p;
	size_t		 np;
	size_t		 psize;
};

char *
eksl_lkg_default_dir(void)
{
	const char *xdg, *home;
	char *p = NULL;

	if (geteuid() == 0)
		return strdup("/var/lib/eksl");
	if ((xdg = getenv("XDG_STATE_HOME")) != NULL && xdg[0] == '/') {
		if (asprintf(&p, "%s/eksl", xdg) == -1)
			return NULL;
		return p;
	}
	if ((home = getenv("HOME")) == NULL || home[0] != '/')
		return NULL;
	if (asprintf(&p, "%s/.local/state/eksl", home) == -1)
		return NULL;
	return p;
}

/*
 * host in lower case without a final dot, into name[HOSTMAX]; 0, or -1
 * when it is not a valid host name.
 */
static int
normalise(const char *host, char *name)
{
	size_t i, n;

	if (!eksl_hostname_valid(host))
		return -1;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n >= HOSTMAX)
		return -1;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[n] = '\0';
	return 0;
}

static int
ip_valid(const char *ip)
{
	unsigned char b[sizeof(struct in6_addr)];

	return ip != NULL && (inet_pton(AF_INET, ip, b) == 1 ||
	    inet_pton(AF_INET6, ip, b) == 1);
}

/* A "since" that can be written back as it is: a time stamp's characters. */
static int
since_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n >= EKSL_LKG_SINCELEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && strchr(":.+-", p[i]) ==
		    NULL)
			return 0;
	return 1;
}

static int
cmp_addr(const void *a, const void *b)
{
	return strcmp(((const struct eksl_lkg_addr *)a)->ip,
	    ((const struct eksl_lkg_addr *)b)->ip);
}

/* Sort a[0..*n) by ip and drop an IP met twice. */
static void
canon(struct eksl_lkg_addr *a, size_t *n)
{
	size_t i, j;

	for (i = 1; i < *n; i++)
		if (cmp_addr(&a[i - 1], &a[i]) >= 0)
			break;
	if (i == *n)
		return;		/* as written: sorted, no IP twice */
	qsort(a, *n, sizeof(*a), cmp_addr);
	for (i = 1, j = 1; i < *n; i++)
		if (cmp_addr(&a[j - 1], &a[i]) != 0)
			a[j++] = a[i];
	*n = j;
}

int
eksl_lkg_same(const struct eksl_lkg_entry *e, const struct eksl_lkg_addr *a,
    size_t n)
{
	size_t i, k;

	/* e has no IP twice: the same set when all of e is met, and no other */
	for (k = 0; k < e->n; k++) {
		for (i = 0; i < n; i++)
			if (strcmp(a[i].ip, e->a[k].ip) == 0)
				break;
		if (i == n)
			return 0;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < e->n; k++)
			if (strcmp(a[i].ip, e->a[k].ip) == 0)
				break;
		if (k == e->n)
			return 0;
	}
	return 1;
}

/*
 * Where a message points: "PATH:LINE" for a line of the file, "PATH" for
 * a per-host file (lineno 0).
 */
static void
where(char *buf, size_t len, const char *path, size_t lineno)
{
	if (lineno > 0)
		snprintf(buf, len, "%s:%zu", path, lineno);
	else
		snprintf(buf, len, "%s", path);
}

/*
 * Parse text (a line of path, or the whole of it when lineno is 0) as
 * JSON; NULL with err "PATH:LINE:COLUMN: reason" (*oom set when memory
 * ran out).
 */
static json_t *
parse(const char *text, size_t len, const char *path, size_t lineno,
    int *oom, char *err, size_t errlen)
{
	char w[1024];
	json_error_t je;
	json_t *o;

	*oom = 0;
	eksl_json_mem_watch();
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (o != NULL && !eksl_json_mem_failed())
		return o;
	where(w, sizeof(w), path, lineno);
	if (o != NULL || eksl_json_mem_failed()) {
		/* jansson may have dropped a character: never trust it */
		json_decref(o);
		*oom = 1;
		snprintf(err, errlen, "%s: %s", w, strerror(ENOMEM));
	} else if (lineno > 0)
		snprintf(err, errlen, "%s:%d: %s", w, je.column, je.text);
	else
		snprintf(err, errlen, "%s:%d:%d: %s", w, je.line, je.column,
		    je.text);
	return NULL;
}

/*
 * A line as this module writes it, read without a JSON parser:
 * {"host":"KEY","since":"T","addresses":[{"ip":"IP","ttl":N},...]}.
 * Returns 1 with *e filled, 0 when the line has any other form (then it
 * goes to the parser, which judges it).
 */
static int
read_fast(const char *p, size_t len, const char *key, struct eksl_lkg_entry *e)
{
	const char *end = p + len, *q;
	size_t n, klen = strlen(key);
	long long ttl;
	int neg, digits;

#define LIT(s)	(n = sizeof(s) - 1, (size_t)(end - p) >= n && \
	memcmp(p, s, n) == 0 ? (p += n, 1) : 0)
	e->n = 0;
	if (!LIT("{\"host\":\"") || (size_t)(end - p) < klen ||
	    memcmp(p, key, klen) != 0)
		return 0;
	p += klen;
	if (!LIT("\",\"since\":\"") || (q = memchr(p, '"',
	    (size_t)(end - p))) == NULL || !since_ok(p, (size_t)(q - p)))
		return 0;
	memcpy(e->since, p, (size_t)(q - p));
	e->since[q - p] = '\0';
	p = q;
	if (!LIT("\",\"addresses\":["))
		return 0;
	do {
		if (e->n == EKSL_LKG_MAX_ADDRS || !LIT("{\"ip\":\"") ||
		    (q = memchr(p, '"', (size_t)(end - p))) == NULL ||
		    (size_t)(q - p) >= INET6_ADDRSTRLEN)
			return 0;
		memcpy(e->a[e->n].ip, p, (size_t)(q - p));
		e->a[e->n].ip[q - p] = '\0';
		if (!ip_valid(e->a[e->n].ip))
			return 0;
		p = q;
		if (!LIT("\",\"ttl\":"))
			return 0;
		neg = p < end && *p == '-';
		p += neg;
		for (ttl = 0, digits = 0; p < end && isdigit((unsigned char)*p) &&
		    digits < 18; p++, digits++)
			ttl = ttl * 10 + (*p - '0');
		if (digits == 0 || !LIT("}"))
			return 0;
		e->a[e->n++].ttl = neg ? -ttl : ttl;
	} while (LIT(","));
	if (!LIT("]}") || p != end)
		return 0;
#undef LIT
	canon(e->a, &e->n);
	return 1;
}

/*
 * The same from any JSON object: host must be key, addresses an array of
 * at least one {ip, ttl} with a valid ip.  Returns 1, or -1 with err.
 */
static int
read_json(const char *text, size_t len, const char *path, size_t lineno,
    const char *key, struct eksl_lkg_entry *e, int *oom, char *err,
    size_t errlen)
{
	char name[HOSTMAX], w[1024];
	const char *h, *ip, *since;
	json_t *o, *addrs, *v, *ttl;
	size_t i;
	int rc = -1;

	e->n = 0;
	if ((o = parse(text, len, path, lineno, oom, err, errlen)) == NULL)
		return -1;
	where(w, sizeof(w), path, lineno);
	h = eksl_json_str(o, "host");
	addrs = json_object_get(o, "addresses");
	if (h == NULL || normalise(h, name) == -1 || strcmp(name, key) != 0)
		snprintf(err, errlen, "%s: not the last-known-good of %s", w,
		    key);
	else if (!json_is_array(addrs) || json_array_size(addrs) == 0)
		snprintf(err, errlen, "%s: no addresses", w);
	else if (json_array_size(addrs) > EKSL_LKG_MAX_ADDRS)
		snprintf(err, errlen, "%s: more than %d addresses", w,
		    EKSL_LKG_MAX_ADDRS);
	else
		rc = 1;
	json_array_foreach(addrs, i, v) {
		if (rc == -1)
			break;
		ip = eksl_json_str(v, "ip");
		if (!ip_valid(ip)) {
			snprintf(err, errlen, "%s: address %zu: not an IP "
			    "address", w, i + 1);
			rc = -1;
			break;
		}
		snprintf(e->a[e->n].ip, sizeof(e->a[e->n].ip), "%s", ip);
		ttl = json_object_get(v, "ttl");
		e->a[e->n++].ttl = json_is_integer(ttl) ?
		    (long long)json_integer_value(ttl) : 0;
	}
	since = eksl_json_str(o, "since");
	if (since != NULL && since_ok(since, strlen(since)))
		snprintf(e->since, sizeof(e->since), "%s", since);
	else
		e->since[0] = '\0';
	json_decref(o);
	if (rc == 1)
		canon(e->a, &e->n);
	return rc;
}

/*
 * A line (or a per-host file, lineno 0) as key's entry.  Returns 1, or -1
 * with err (*oom set when memory ran out).
 */
static int
read_entry(const char *text, size_t len, const char *path, size_t lineno,
    const char *key, struct eksl_lkg_entry *e, int *oom, char *err,
    size_t errlen)
{
	*oom = 0;
	if (read_fast(text, len, key, e))
		return 1;
	return read_json(text, len, path, lineno, key, e, oom, err, errlen);
}

/* ---- the file in memory ---- */

static void
warnf(eksl_lkg_warn_fn *warn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(eksl_lkg_warn_fn *warn, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(msg, arg);
}

/*
 * The host a line is about, normalised into name.  The lines this module
 * writes start {"host":"NAME", which is read without a JSON parser; any
 * other line is parsed.  Returns 0, or -1 (err says why; ENOMEM in *oom).
 */
static int
line_host(const char *text, size_t len, const char *path, size_t lineno,
    char *name, int *oom, char *err, size_t errlen)
{
	static const char pre[] = "{\"host\":\"";
	const size_t plen = sizeof(pre) - 1;
	const char *h, *q;
	json_t *o;
	size_t n, i;
	int rc = -1;

	if (len > plen && memcmp(text, pre, plen) == 0) {
		h = text + plen;
		if ((q = memchr(h, '"', len - plen)) != NULL &&
		    (n = (size_t)(q - h)) > 0 && n < HOSTMAX) {
			for (i = 0; i < n; i++)
				if (!islower((unsigned char)h[i]) &&
				    !isdigit((unsigned char)h[i]) &&
				    h[i] != '-' && h[i] != '.')
					break;
			if (i == n && h[n - 1] != '.') {
				memcpy(name, h, n);
				name[n] = '\0';
				if (eksl_hostname_valid(name))
					return 0;
			}
		}
	}
	if ((o = parse(text, len, path, lineno, oom, err, errlen)) == NULL)
		return -1;
	h = eksl_json_str(o, "host");
	if (h == NULL)
		snprintf(err, errlen, "%s:%zu: no host", path, lineno);
	else if (normalise(h, name) == -1)
		snprintf(err, errlen, "%s:%zu: %s: not a valid host name",
		    path, lineno, h);
	else
		rc = 0;
	json_decref(o);
	return rc;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c;

	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

static int
cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c;

	if ((c = cmp_key(a, b)) != 0)
		return c;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static void
index_free(struct index *x)
{
	size_t i;

	for (i = 0; i < x->nkeys; i++)
		free(x->keys[i]);
	free(x->keys);
	free(x->v);
	free(x->buf);
	memset(x, 0, sizeof(*x));
}

/*
 * Index the lines of x->buf by host; lines that say nothing usable, and
 * later lines of a host met before, go to warn and are left out.  Returns
 * 0, or -1 when memory runs out.
 */
static int
index_lines(struct index *x, const char *path, eksl_lkg_warn_fn *warn,
    void *arg)
{
	char name[HOSTMAX], err[1024], **nk;
	const char *p, *end, *nl;
	struct line *v;
	size_t size = 0, lineno = 0, len, i, j;
	int oom;

	p = x->buf;
	end = x->buf + x->len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		lineno++;
		for (i = 0; i < len && isspace((unsigned char)p[i]); i++)
			;
		if (i == len)
			continue;
		oom = 0;
		if (line_host(p, len, path, lineno, name, &oom, err,
		    sizeof(err)) == -1) {
			if (oom)
				return -1;
			warnf(warn, arg, "%s", err);
			continue;
		}
		if (x->n == size) {
			size = size == 0 ? 64 : size * 2;
			if ((v = reallocarray(x->v, size, sizeof(*v))) == NULL)
				return -1;
			x->v = v;
		}
		v = &x->v[x->n++];
		v->text = p;
		v->len = len;
		v->lineno = lineno;
		v->keylen = strlen(name);
		/* the name is in the line as it is, or else needs a copy */
		if (len > 9 + v->keylen && memcmp(p + 9, name, v->keylen) == 0)
			v->key = p + 9;
		else {
			if ((nk = reallocarray(x->keys, x->nkeys + 1,
			    sizeof(*nk))) == NULL)
				return -1;
			x->keys = nk;
			if ((x->keys[x->nkeys] = strdup(name)) == NULL)
				return -1;
			v->key = x->keys[x->nkeys++];
		}
	}
	/* written sorted; sort only what someone else wrote */
	for (i = 1; i < x->n; i++)
		if (cmp_line(&x->v[i - 1], &x->v[i]) >= 0)
			break;
	if (i < x->n)
		qsort(x->v, x->n, sizeof(*x->v), cmp_line);
	for (i = 1, j = 1; i < x->n; i++) {
		if (x->v[i].keylen == x->v[j - 1].keylen &&
		    memcmp(x->v[i].key, x->v[j - 1].key, x->v[i].keylen) ==
		    0) {
			warnf(warn, arg, "%s:%zu: %.*s: also on line %zu",
			    path, x->v[i].lineno, (int)x->v[i].keylen,
			    x->v[i].key, x->v[j - 1].lineno);
			continue;
		}
		x->v[j++] = x->v[i];
	}
	if (x->n > 0)
		x->n = j;
	return 0;
}

/*
 * Read and index path.  Returns 0 (a missing file is empty), -1 when it
 * cannot be read (err), -2 when memory runs out.
 */
static int
index_read(struct index *x, const char *path, eksl_lkg_warn_fn *warn,
    void *arg, char *err, size_t errlen)
{
	int rc;

	memset(x, 0, sizeof(*x));
	rc = eksl_file_read(path, EKSL_LKG_MAX_STORE, &x->buf, &x->len, err,
	    errlen);
	if (rc == 1)
		return 0;
	if (rc == -1)
		return -1;
	if (index_lines(x, path, warn, arg) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -2;
	}
	return 0;
}

static struct line *
index_find(const struct index *x, const char *key)
{
	struct line k;

	/* bsearch may not be given a NULL array, even an empty one. */
	if (x->n == 0)
		return NULL;
	memset(&k, 0, sizeof(k));
	k.key = key;
	k.keylen = strlen(key);
	return bsearch(&k, x->v, x->n, sizeof(*x->v), cmp_key);
}

/* ---- answers ---- */

/* Queue an answer (PUT) or an old file's (MOVE): e's addresses copied. */
static int
queue(struct eksl_lkg *s, int kind, const char *key, const char *given,
    const struct eksl_lkg_entry *e, void *tag)
{
	struct pending *p;

	if (s->np == s->psize) {
		size_t size = s->psize == 0 ? 64 : s->psize * 2;

		if ((p = reallocarray(s->p, size, sizeof(*p))) == NULL)
			return -1;
		s->p = p;
		s->psize = size;
	}
	p = &s->p[s->np];
	memset(p, 0, sizeof(*p));
	if ((p->key = strdup(key)) == NULL ||
	    (p->given = strdup(given)) == NULL ||
	    (p->a = calloc(e->n, sizeof(*p->a))) == NULL) {
		free(p->key);
		free(p->given);
		return -1;
	}
	memcpy(p->a, e->a, e->n * sizeof(*p->a));
	p->n = e->n;
	memcpy(p->since, e->since, sizeof(p->since));
	p->kind = kind;
	p->tag = tag;
	s->np++;
	return 0;
}

struct eksl_lkg *
eksl_lkg_open(const char *dir, eksl_lkg_warn_fn *warn, void *arg)
{
	struct eksl_lkg *s;
	char err[1024], *old = NULL;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->olddir = -1;
	if ((s->dir = strdup(dir)) == NULL ||
	    asprintf(&s->path, "%s/%s", dir, EKSL_LKG_FILE) == -1) {
		s->path = NULL;
		goto fail;
	}
	rc = index_read(&s->idx, s->path, warn, arg, err, sizeof(err));
	if (rc == -2)
		goto fail;
	if (rc == -1)
		warnf(warn, arg, "%s", err);
	/* the per-host files of earlier versions, if any are left */
	if (asprintf(&old, "%s/%s", dir, EKSL_LKG_OLD_DIR) == -1)
		goto fail;
	s->olddir = open(old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(old);
	return s;
 fail:
	eksl_lkg_free(s);
	return NULL;
}

/* host's answer in an earlier version's per-host file, queued to move in. */
static int
get_old(struct eksl_lkg *s, const char *host, const char *key,
    struct eksl_lkg_entry *e, char *err, size_t errlen)
{
	char *path = NULL, *buf = NULL;
	size_t len;
	int rc, oom;

	if (asprintf(&path, "%s/%s/%s.json", s->dir, EKSL_LKG_OLD_DIR,
	    key) == -1) {
		snprintf(err, errlen, "%s: %s", host, strerror(ENOMEM));
		return -1;
	}
	if ((rc = eksl_file_read(path, EKSL_LKG_MAX_FILE, &buf, &len, err,
	    errlen)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	if ((rc = read_json(buf, len, path, 0, key, e, &oom, err,
	    errlen)) == 1 && queue(s, MOVE, key, host, e, NULL) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		rc = -1;
	}
 out:
	free(buf);
	free(path);
	return rc;
}

int
eksl_lkg_get(struct eksl_lkg *s, const char *host, struct eksl_lkg_entry *e,
    char *err, size_t errlen)
{
	char key[HOSTMAX];
	struct line *l;
	int oom;

	e->n = 0;
	if (normalise(host, key) == -1) {
		snprintf(err, errlen, "%s: not a valid host name", host);
		return -1;
	}
	if ((l = index_find(&s->idx, key)) == NULL)
		return s->olddir == -1 ? 0 : get_old(s, host, key, e, err,
		    errlen);
	return read_entry(l->text, l->len, s->path, l->lineno, key, e, &oom,
	    err, errlen);
}

int
eksl_lkg_put(struct eksl_lkg *s, const char *host,
    const struct eksl_lkg_addr *a, size_t n, void *tag, char *err,
    size_t errlen)
{
	struct eksl_lkg_entry e;
	char key[HOSTMAX];
	size_t i;

	if (normalise(host, key) == -1) {
		snprintf(err, errlen, "%s: not a valid host name", host);
		return -1;
	}
	e.n = 0;
	e.since[0] = '\0';
	for (i = 0; i < n && e.n < EKSL_LKG_MAX_ADDRS; i++)
		if (ip_valid(a[i].ip))
			e.a[e.n++] = a[i];
	if (e.n == 0) {
		/* never save an empty answer */
		snprintf(err, errlen, "%s: no address to save", host);
		return -1;
	}
	canon(e.a, &e.n);
	if (queue(s, PUT, key, host, &e, tag) == -1) {
		snprintf(err, errlen, "%s: %s", host, strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* ---- saving ---- */

/* A host whose line is to be written anew. */
struct change {
	const char	*key;
	char		*text;	/* the new line, without its newline */
};

static int
cmp_pending(const void *a, const void *b)
{
	const struct pending *x = *(const struct pending *const *)a;
	const struct pending *y = *(const struct pending *const *)b;
	int c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	/* the same host: in the order queued */
	return x < y ? -1 : x > y;
}

/*
 * The line for key: {"host","since","addresses":[{"ip","ttl"}]}, every
 * piece of it known safe to write without escapes (a host name, a time
 * stamp, IP addresses, numbers).  A new string, or NULL.
 */
static char *
format_line(const char *key, const char *since, const struct eksl_lkg_addr *a,
    size_t n)
{
	struct eksl_buf b;
	size_t i;
	int bad;

	eksl_buf_init(&b, 0);
	bad = eksl_buf_printf(&b, "{\"host\":\"%s\",\"since\":\"%s\","
	    "\"addresses\":[", key, since) == -1;
	for (i = 0; i < n && !bad; i++)
		bad = eksl_buf_printf(&b, "%s{\"ip\":\"%s\",\"ttl\":%lld}",
		    i > 0 ? "," : "", a[i].ip, a[i].ttl) == -1;
	if (bad || eksl_buf_addstr(&b, "]}") == -1) {
		eksl_buf_free(&b);
		return NULL;
	}
	return eksl_buf_steal(&b);
}

/* 1 when a[0..n) and e hold the same IPs; both are sorted, no IP twice. */
static int
same_set(const struct eksl_lkg_entry *e, const struct eksl_lkg_addr *a,
    size_t n)
{
	size_t i;

	if (e->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(e->a[i].ip, a[i].ip) != 0)
			return 0;
	return 1;
}

/*
 * Decide the fate of one host's queued entries p[0..n) against its saved
 * line l (may be NULL).  Sets each entry's status; *text is the host's
 * new line, or NULL when the saved one stays.  Returns 0 or -1 (ENOMEM).
 */
static int
decide(struct eksl_lkg *s, const struct line *l, struct pending **p,
    size_t n, const char *now, char **text)
{
	struct eksl_lkg_entry *e = NULL;
	char err[1024];
	const char *key = p[0]->key;
	size_t i;
	int oom = 0, have = 0, changed = 0;

	*text = NULL;
	if ((e = malloc(sizeof(*e))) == NULL)
		return -1;
	/* a saved line that is not valid is no answer: it gets replaced */
	if (l != NULL)
		have = read_entry(l->text, l->len, s->path, l->lineno, key, e,
		    &oom, err, sizeof(err)) == 1;
	if (oom) {
		free(e);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (p[i]->kind == MOVE) {
			p[i]->status = 0;
			if (have)
				continue;
			snprintf(e->since, sizeof(e->since), "%s",
			    p[i]->since[0] != '\0' ? p[i]->since : now);
		} else if (have && same_set(e, p[i]->a, p[i]->n)) {
			p[i]->status = 0;
			continue;
		} else if (have && e->n > p[i]->n) {
			p[i]->status = 2;
			p[i]->nsaved = e->n;
			continue;
		} else {
			p[i]->status = 1;
			snprintf(e->since, sizeof(e->since), "%s", now);
		}
		memcpy(e->a, p[i]->a, p[i]->n * sizeof(*e->a));
		e->n = p[i]->n;
		have = changed = 1;
	}
	if (changed && (*text = format_line(key, e->since, e->a,
	    e->n)) == NULL) {
		free(e);
		return -1;
	}
	free(e);
	return 0;
}

/* The whole new file: x's lines with c[0..nc) (sorted) put in. */
static int
assemble(const struct index *x, const struct change *c, size_t nc,
    struct eksl_buf *b)
{
	struct line k;
	size_t i = 0, j = 0, need = x->len + 1;
	int cmp;

	for (j = 0; j < nc; j++)
		need += strlen(c[j].text) + 1;
	if (eksl_buf_reserve(b, need) == -1)
		return -1;
	memset(&k, 0, sizeof(k));
	for (j = 0; i < x->n || j < nc;) {
		if (j < nc) {
			k.key = c[j].key;
			k.keylen = strlen(c[j].key);
		}
		cmp = j == nc ? -1 : i == x->n ? 1 : cmp_key(&x->v[i], &k);
		if (cmp < 0) {
			if (eksl_buf_add(b, x->v[i].text, x->v[i].len) == -1)
				return -1;
			i++;
		} else {
			if (eksl_buf_addstr(b, c[j].text) == -1)
				return -1;
			if (cmp == 0)
				i++;
			j++;
		}
		if (eksl_buf_add(b, "\n", 1) == -1)
			return -1;
	}
	return 0;
}

/* Remove the per-host files of earlier versions now in the file. */
static void
remove_old(struct eksl_lkg *s)
{
	char name[HOSTMAX + 32], *dir = NULL;
	size_t i;

	if (s->olddir == -1)
		return;
	for (i = 0; i < s->np; i++) {
		snprintf(name, sizeof(name), "%s.json", s->p[i].key);
		if (unlinkat(s->olddir, name, 0) == -1 && errno != ENOENT)
			continue;
		snprintf(name, sizeof(name), ".%s.json.eksl.lock",
		    s->p[i].key);
		unlinkat(s->olddir, name, 0);
	}
	/* the directory goes when it is empty */
	if (asprintf(&dir, "%s/%s", s->dir, EKSL_LKG_OLD_DIR) != -1) {
		rmdir(dir);
		free(dir);
	}
}

static void
report(struct eksl_lkg *s, eksl_lkg_result_fn *fn, void *arg)
{
	struct eksl_lkg_result r;
	size_t i;

	if (fn == NULL)
		return;
	for (i = 0; i < s->np; i++) {
		if (s->p[i].kind != PUT)
			continue;
		memset(&r, 0, sizeof(r));
		r.host = s->p[i].given;
		r.tag = s->p[i].tag;
		r.status = s->p[i].status;
		r.naddrs = s->p[i].n;
		r.nsaved = s->p[i].nsaved;
		fn(&r, arg);
	}
}

static void
pending_clear(struct eksl_lkg *s)
{
	size_t i;

	for (i = 0; i < s->np; i++) {
		free(s->p[i].key);
		free(s->p[i].given);
		free(s->p[i].a);
	}
	free(s->p);
	s->p = NULL;
	s->np = s->psize = 0;
}

int
eksl_lkg_commit(struct eksl_lkg *s, const char *now, eksl_lkg_result_fn *fn,
    void *arg, char *err, size_t errlen)
{
	struct eksl_lock *lk = NULL;
	struct pending **ord = NULL;
	struct change *ch = NULL;
	struct eksl_buf b;
	struct index cur;
	struct line *l;
	size_t i, j, nch = 0;
	int rc = -1, r;

	memset(&cur, 0, sizeof(cur));
	eksl_buf_init(&b, EKSL_LKG_MAX_STORE);
	if (s->np == 0)
		return 0;
	if ((ord = calloc(s->np, sizeof(*ord))) == NULL ||
	    (ch = calloc(s->np, sizeof(*ch))) == NULL) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < s->np; i++)
		ord[i] = &s->p[i];
	qsort(ord, s->np, sizeof(*ord), cmp_pending);
	if (eksl_mkdirs(s->dir, 0755, err, errlen) == -1 ||
	    eksl_lock_take(s->path, EKSL_LOCK_TIMEOUT_MS, &lk, err,
	    errlen) == -1)
		goto out;
	/* what is saved now: another run may have written since */
	if ((r = index_read(&cur, s->path, NULL, NULL, err, errlen)) != 0)
		goto out;
	for (i = 0; i < s->np; i = j) {
		for (j = i + 1; j < s->np && strcmp(ord[j]->key,
		    ord[i]->key) == 0; j++)
			;
		l = index_find(&cur, ord[i]->key);
		if (decide(s, l, ord + i, j - i, now,
		    &ch[nch].text) == -1) {
			snprintf(err, errlen, "%s: %s", s->path,
			    strerror(ENOMEM));
			goto out;
		}
		if (ch[nch].text != NULL)
			ch[nch++].key = ord[i]->key;
	}
	if (nch > 0) {
		if (assemble(&cur, ch, nch, &b) == -1) {
			snprintf(err, errlen, "%s: %s", s->path,
			    strerror(errno));
			goto out;
		}
		if (eksl_file_replace(s->path, b.data, b.len, 0644, 0, err,
		    errlen) == -1)
			goto out;
	}
	/* every host queued has a valid line in the file now */
	remove_old(s);
	rc = 0;
 out:
	eksl_lock_release(lk);
	if (rc == -1)
		for (i = 0; i < s->np; i++)
			s->p[i].status = -1;
	report(s, fn, arg);
	pending_clear(s);
	for (i = 0; i < nch; i++)
		free(ch[i].text);
	free(ch);
	free(ord);
	eksl_buf_free(&b);
	index_free(&cur);
	return rc;
}

void
eksl_lkg_free(struct eksl_lkg *s)
{
	if (s == NULL)
		return;
	pending_clear(s);
	index_free(&s->idx);
	if (s->olddir != -1)
		close(s->olddir);
	free(s->dir);
	free(s->path);
	free(s);
}
