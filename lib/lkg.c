/*
 * Last-known-good answers, one file per host (see lkg.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "lkg.h"
#include "record.h"

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

char *
eksl_lkg_path(const char *dir, const char *host)
{
	char name[256], *p = NULL;
	size_t i, n;

	/* the name is part of a path: nothing but a host name will do */
	if (!eksl_hostname_valid(host))
		return NULL;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n >= sizeof(name))
		return NULL;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[n] = '\0';
	if (asprintf(&p, "%s/resolve/%s.json", dir, name) == -1)
		return NULL;
	return p;
}

static int
ip_valid(const char *ip)
{
	unsigned char b[sizeof(struct in6_addr)];

	return ip != NULL && (inet_pton(AF_INET, ip, b) == 1 ||
	    inet_pton(AF_INET6, ip, b) == 1);
}

static int
has_ip(const json_t *arr, const char *ip)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = eksl_json_str(v, "ip");

		if (s != NULL && strcmp(s, ip) == 0)
			return 1;
	}
	return 0;
}

int
eksl_lkg_same(const json_t *a, const json_t *b)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || !json_is_array(b))
		return 0;
	json_array_foreach(a, i, v)
		if (!has_ip(b, eksl_json_str(v, "ip")))
			return 0;
	json_array_foreach(b, i, v)
		if (!has_ip(a, eksl_json_str(v, "ip")))
			return 0;
	return 1;
}

/* Host names compare without case and without a final dot. */
static int
same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static int
read_file(const char *path, const char *host, json_t **out, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *o = NULL, *addrs, *v;
	char *buf = NULL;
	size_t len, i;
	const char *h;
	int rc;

	*out = NULL;
	if ((rc = eksl_file_read(path, EKSL_LKG_MAX_FILE, &buf, &len, err,
	    errlen)) != 0)
		return rc == 1 ? 0 : -1;
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
		    je.text);
		goto bad;
	}
	h = eksl_json_str(o, "host");
	addrs = json_object_get(o, "addresses");
	if (h == NULL || !same_host(h, host)) {
		snprintf(err, errlen, "%s: not the last-known-good of %s",
		    path, host);
		goto bad;
	}
	if (!json_is_array(addrs) || json_array_size(addrs) == 0) {
		snprintf(err, errlen, "%s: no addresses", path);
		goto bad;
	}
	json_array_foreach(addrs, i, v) {
		if (!ip_valid(eksl_json_str(v, "ip"))) {
			snprintf(err, errlen, "%s: address %zu: not an IP "
			    "address", path, i + 1);
			goto bad;
		}
	}
	free(buf);
	*out = o;
	return 1;
 bad:
	free(buf);
	json_decref(o);
	return -1;
}

int
eksl_lkg_load(const char *dir, const char *host, json_t **out, char *err,
    size_t errlen)
{
	char *path;
	int rc;

	*out = NULL;
	if ((path = eksl_lkg_path(dir, host)) == NULL) {
		snprintf(err, errlen, "%s: not a valid host name", host);
		return -1;
	}
	rc = read_file(path, host, out, err, errlen);
	free(path);
	return rc;
}

static int
cmp_ip(const void *a, const void *b)
{
	const char *x = eksl_json_str(*(json_t *const *)a, "ip");
	const char *y = eksl_json_str(*(json_t *const *)b, "ip");

	return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

/* A canonical copy of addrs: {ip, ttl} only, sorted by ip, no duplicate. */
static json_t *
canonical(const json_t *addrs)
{
	json_t **v = NULL, *out = NULL, *a;
	size_t i, n = json_array_size(addrs);

	if (n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(addrs, i);
	qsort(v, n, sizeof(*v), cmp_ip);
	if ((out = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const char *ip = eksl_json_str(v[i], "ip");
		json_t *ttl = json_object_get(v[i], "ttl");

		if (!ip_valid(ip) || (i > 0 && cmp_ip(&v[i - 1], &v[i]) == 0))
			continue;
		a = json_pack("{s:s, s:I}", "ip", ip, "ttl",
		    json_is_integer(ttl) ? json_integer_value(ttl) :
		    (json_int_t)0);
		if (a == NULL || json_array_append_new(out, a) == -1) {
			json_decref(out);
			out = NULL;
			goto out;
		}
	}
 out:
	free(v);
	return out;
}

int
eksl_lkg_save(const char *dir, const char *host, const json_t *addrs,
    const char *now, char *err, size_t errlen)
{
	struct eksl_lock *lk = NULL;
	json_t *old = NULL, *doc = NULL, *canon = NULL;
	char *path = NULL, *sub = NULL, *text = NULL, *file = NULL;
	size_t oldn;
	int rc = -1, r;

	if ((path = eksl_lkg_path(dir, host)) == NULL) {
		snprintf(err, errlen, "%s: not a valid host name", host);
		goto out;
	}
	if (asprintf(&sub, "%s/resolve", dir) == -1) {
		sub = NULL;
		snprintf(err, errlen, "%s: %s", dir, strerror(ENOMEM));
		goto out;
	}
	if ((canon = canonical(addrs)) == NULL ||
	    json_array_size(canon) == 0) {
		/* never save an empty answer */
		snprintf(err, errlen, "%s: no address to save", path);
		goto out;
	}
	if (eksl_mkdirs(sub, 0755, err, errlen) == -1)
		goto out;
	if (eksl_lock_take(path, EKSL_LOCK_TIMEOUT_MS, &lk, err, errlen) == -1)
		goto out;
	/* an unreadable old file is replaced: it is no answer at all */
	r = read_file(path, host, &old, err, errlen);
	if (r == 1) {
		oldn = json_array_size(json_object_get(old, "addresses"));
		if (eksl_lkg_same(json_object_get(old, "addresses"), canon)) {
			rc = 0;
			goto out;
		}
		if (oldn > json_array_size(canon)) {
			rc = 2;
			goto out;
		}
	}
	doc = json_pack("{s:s, s:s, s:O}", "host", host, "since", now,
	    "addresses", canon);
	if (doc == NULL || (text = json_dumps(doc, JSON_INDENT(1) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if (asprintf(&file, "%s\n", text) == -1) {
		file = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if (eksl_file_replace(path, file, strlen(file), 0644, 0, err,
	    errlen) == -1)
		goto out;
	rc = 1;
 out:
	eksl_lock_release(lk);
	json_decref(old);
	json_decref(doc);
	json_decref(canon);
	free(text);
	free(file);
	free(sub);
	free(path);
	return rc;
}
