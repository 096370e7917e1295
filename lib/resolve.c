/*
 * Choosing a record's addresses from DNS, the last-known-good answer and
 * the EC2 view of the control plane (see resolve.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "exitcodes.h"
#include "lkg.h"
#include "record.h"
#include "resolve.h"

#define LINELEN	1024

static void __attribute__((format(printf, 3, 4)))
note(const struct eksl_resolve_ctx *ctx, int level, const char *fmt, ...)
{
	char line[LINELEN];
	va_list ap;

	if (ctx->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctx->note(level, line, ctx->arg);
}

/* 4 or 6 for a valid IP, 0 otherwise; the binary address in b. */
static int
ipfamily(const char *ip, unsigned char b[16])
{
	memset(b, 0, 16);
	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, ip, b) == 1)
		return 6;
	return 0;
}

static int
cmp_addr(const void *x, const void *y)
{
	unsigned char a[16], b[16];
	int fa, fb;

	fa = ipfamily(eksl_json_str(*(json_t *const *)x, "ip"), a);
	fb = ipfamily(eksl_json_str(*(json_t *const *)y, "ip"), b);
	if (fa != fb)
		return fa - fb;
	return memcmp(a, b, 16);
}

int
eksl_resolve_sort(json_t *addrs)
{
	json_t **v;
	size_t i, n = json_array_size(addrs);

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(addrs, i));
	qsort(v, n, sizeof(*v), cmp_addr);
	json_array_clear(addrs);
	for (i = 0; i < n; i++)
		json_array_append_new(addrs, v[i]);
	free(v);
	return 0;
}

static int
has_ip(const json_t *arr, const char *ip)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = eksl_json_str(v, "ip");

		if (s != NULL && ip != NULL && strcmp(s, ip) == 0)
			return 1;
	}
	return 0;
}

/* {ip, source, ttl}, with source shared; new reference or NULL. */
static json_t *
address(const char *ip, json_t *source, long long ttl)
{
	json_t *o;

	/* ip is inet_ntop's or checked by lkg: ASCII, no UTF-8 check */
	if ((o = json_object()) == NULL ||
	    json_object_set_new_nocheck(o, "ip", json_string_nocheck(ip)) ==
	    -1 || json_object_set_nocheck(o, "source", source) == -1 ||
	    json_object_set_new_nocheck(o, "ttl",
	    json_integer((json_int_t)ttl)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
add_dns(json_t *out, const struct eksl_dns_answer *ans,
    struct eksl_resolve_ctx *ctx)
{
	size_t i;

	if (ans->status != EKSL_DNS_OK)
		return;
	if (ctx->dns_source == NULL)
		ctx->dns_source = json_string("dns");
	for (i = 0; i < ans->naddrs; i++) {
		if (has_ip(out, ans->addrs[i].ip))
			continue;
		json_array_append_new(out, address(ans->addrs[i].ip,
		    ctx->dns_source, ans->addrs[i].ttl));
	}
}

/* The saved answer as an array of {ip, source "cache", ttl}; new ref. */
static json_t *
lkg_addresses(const struct eksl_lkg_entry *e)
{
	json_t *out, *source;
	size_t i;

	if ((out = json_array()) == NULL)
		return NULL;
	if ((source = json_string("cache")) == NULL) {
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < e->n; i++)
		if (json_array_append_new(out, address(e->a[i].ip, source,
		    e->a[i].ttl)) == -1) {
			json_decref(out);
			out = NULL;
			break;
		}
	json_decref(source);
	return out;
}

/* A failed query is one that gave no answer: not OK and not NODATA. */
static int
failed(const struct eksl_dns_answer *a)
{
	return a->status != EKSL_DNS_OK && a->status != EKSL_DNS_NODATA;
}

static void
describe_failure(const struct eksl_dns_query *q, char *buf, size_t len)
{
	int fa = failed(&q->a), f6 = failed(&q->aaaa);

	if (fa && f6 && q->a.status == q->aaaa.status)
		snprintf(buf, len, "%s", eksl_dns_status_str(q->a.status));
	else if (fa && f6)
		snprintf(buf, len, "A: %s, AAAA: %s",
		    eksl_dns_status_str(q->a.status),
		    eksl_dns_status_str(q->aaaa.status));
	else if (fa)
		snprintf(buf, len, "A: %s", eksl_dns_status_str(q->a.status));
	else if (f6)
		snprintf(buf, len, "AAAA: %s",
		    eksl_dns_status_str(q->aaaa.status));
	else
		snprintf(buf, len, "no addresses");
}

/*
 * A candidate source: those of src's addresses whose family is wanted
 * (bit 4 for IPv4, bit 6 for IPv6), relabelled with source when it is
 * not NULL.  New reference.
 */
static json_t *
candidate(const json_t *src, const char *ipkey, const char *source,
    int want4, int want6)
{
	unsigned char b[16];
	json_t *out, *v, *a, *ttl;
	const char *ip;
	size_t i;
	int f;

	if ((out = json_array()) == NULL)
		return NULL;
	json_array_foreach(src, i, v) {
		ip = eksl_json_str(v, ipkey);
		f = ipfamily(ip, b);
		if ((f == 4 && !want4) || (f == 6 && !want6) || f == 0 ||
		    has_ip(out, ip))
			continue;
		if (source == NULL) {
			json_array_append(out, v);
			continue;
		}
		a = json_pack("{s:s, s:s}", "ip", ip, "source", source);
		ttl = json_object_get(v, "ttl");
		if (a != NULL && json_is_integer(ttl))
			json_object_set(a, "ttl", ttl);
		json_array_append_new(out, a);
	}
	return out;
}

static void
set_resolve(json_t *rec, struct eksl_resolve_ctx *ctx, int ok,
    int stale, const char *error, int changed)
{
	json_t *r;

	/*
	 * Every record DNS answered as before gets the same "resolve": one
	 * object, shared, rather than a thousand equal ones.
	 */
	if (ok && !stale && error == NULL && !changed) {
		if (ctx->answered == NULL)
			ctx->answered = json_pack("{s:s, s:b, s:b, s:O, s:n, "
			    "s:b}", "at", ctx->now, "ok", 1, "stale", 0,
			    "servers", ctx->servers, "error", "changed", 0);
		json_object_set(rec, "resolve", ctx->answered);
		return;
	}
	r = json_pack("{s:s, s:b, s:b, s:O, s:s?, s:b}", "at", ctx->now,
	    "ok", ok, "stale", stale, "servers", ctx->servers, "error", error,
	    "changed", changed);
	if (r != NULL && error == NULL)
		json_object_set_new(r, "error", json_null());
	json_object_set_new(rec, "resolve", r);
}

/* 4 or 6 and the binary address of a, for sorting. */
static int
cmp_lkg_addr(const void *x, const void *y)
{
	unsigned char a[16], b[16];
	int fa, fb;

	fa = ipfamily(((const struct eksl_lkg_addr *)x)->ip, a);
	fb = ipfamily(((const struct eksl_lkg_addr *)y)->ip, b);
	if (fa != fb)
		return fa - fb;
	return memcmp(a, b, 16);
}

/* e's IPs in numeric order, IPv4 first, separated by spaces. */
static void
list_entry(struct eksl_lkg_entry *e, char *buf, size_t len)
{
	size_t i, off = 0;
	int k;

	buf[0] = '\0';
	qsort(e->a, e->n, sizeof(e->a[0]), cmp_lkg_addr);
	for (i = 0; i < e->n; i++) {
		k = snprintf(buf + off, len - off, "%s%s", i > 0 ? " " : "",
		    e->a[i].ip);
		if (k < 0 || (size_t)k >= len - off)
			break;
		off += (size_t)k;
	}
}

/* The addresses of q's answers into e, each IP once. */
static void
answer_entry(const struct eksl_dns_query *q, struct eksl_lkg_entry *e)
{
	const struct eksl_dns_answer *ans[2] = { &q->a, &q->aaaa };
	size_t i, j, k;

	e->n = 0;
	e->since[0] = '\0';
	for (k = 0; k < 2; k++) {
		if (ans[k]->status != EKSL_DNS_OK)
			continue;
		for (i = 0; i < ans[k]->naddrs && e->n < EKSL_LKG_MAX_ADDRS;
		    i++) {
			for (j = 0; j < e->n; j++)
				if (strcmp(e->a[j].ip, ans[k]->addrs[i].ip) ==
				    0)
					break;
			if (j < e->n)
				continue;
			snprintf(e->a[e->n].ip, sizeof(e->a[e->n].ip), "%s",
			    ans[k]->addrs[i].ip);
			e->a[e->n++].ttl = ans[k]->addrs[i].ttl;
		}
	}
}

void
eksl_resolve_prepare(const char *host, const struct eksl_dns_query *q,
    struct eksl_resolve_state *st, struct eksl_resolve_ctx *ctx)
{
	struct eksl_lkg_entry lkg, ans;
	char err[1024], oldl[LINELEN / 2], newl[LINELEN / 2];
	int r;

	memset(st, 0, sizeof(*st));
	if (ctx->lkg != NULL) {
		r = eksl_lkg_get(ctx->lkg, host, &lkg, err, sizeof(err));
		if (r == -1)
			note(ctx, EKSL_RESOLVE_WARN, "%s (ignored)", err);
		st->lkg = r == 1;
	}
	answer_entry(q, &ans);
	if (failed(&q->a) || failed(&q->aaaa) || ans.n == 0) {
		/* kept for eksl_resolve_apply: the file may change before */
		if (st->lkg && (st->fallback = malloc(sizeof(lkg))) != NULL)
			memcpy(st->fallback, &lkg, sizeof(lkg));
		return;
	}
	st->answered = 1;
	if (st->lkg && !eksl_lkg_same(&lkg, ans.a, ans.n)) {
		st->changed = 1;
		list_entry(&lkg, oldl, sizeof(oldl));
		list_entry(&ans, newl, sizeof(newl));
		note(ctx, EKSL_RESOLVE_WARN, "%s: answer changed: %s -> %s",
		    host, oldl, newl);
	}
	/* the same answer as saved: nothing to write, not even a lock */
	if (ctx->lkg != NULL && (!st->lkg || st->changed) &&
	    eksl_lkg_put(ctx->lkg, host, ans.a, ans.n, st, err,
	    sizeof(err)) == -1) {
		note(ctx, EKSL_RESOLVE_ERR, "%s", err);
		snprintf(ctx->save_err, sizeof(ctx->save_err), "%s", err);
		st->saved = -1;
	}
}

int
eksl_resolve_apply(json_t *rec, const char *host,
    const struct eksl_dns_query *q, const struct eksl_resolve_state *st,
    struct eksl_resolve_ctx *ctx)
{
	char why[128];
	json_t *dns = NULL, *saved = NULL, *cand[3] = { NULL, NULL, NULL };
	json_t *best = NULL, *out = NULL, *v;
	const char *what[3] = { "last-known-good", "controlPlane",
	    "the record's own addresses" };
	int rc = EKSL_EXIT_UNREACHABLE, fa, f6, stale = 0;
	size_t i, k;

	if ((dns = json_array()) == NULL)
		return EKSL_EXIT_IO;
	add_dns(dns, &q->a, ctx);
	add_dns(dns, &q->aaaa, ctx);
	eksl_resolve_sort(dns);
	if (st->answered) {
		rc = EKSL_EXIT_OK;
		if (st->saved == -1) {
			eksl_record_add_error(rec, ctx->tool, "io", "%s",
			    ctx->save_err);
			rc = EKSL_EXIT_IO;
		}
		json_object_set(rec, "addresses", dns);
		set_resolve(rec, ctx, 1, 0, NULL, st->changed);
		goto out;
	}
	fa = failed(&q->a);
	f6 = failed(&q->aaaa);

	/*
	 * DNS gave no answer, or an answer for one type only.  Fill the
	 * types it did not answer from the fallback with the most such
	 * addresses; on a tie the order is last-known-good, controlPlane,
	 * the addresses the record came with.
	 */
	describe_failure(q, why, sizeof(why));
	if (json_array_size(dns) == 0)
		fa = f6 = 1;
	if (st->fallback != NULL)
		saved = lkg_addresses(st->fallback);
	cand[0] = candidate(saved, "ip", "cache", fa, f6);
	cand[1] = candidate(json_object_get(rec, "controlPlane"), "privateIp",
	    "ec2", fa, f6);
	cand[2] = candidate(json_object_get(rec, "addresses"), "ip", NULL,
	    fa, f6);
	for (i = 0, k = 3; i < 3; i++)
		if (json_array_size(cand[i]) > 0 && (k == 3 ||
		    json_array_size(cand[i]) > json_array_size(cand[k])))
			k = i;
	if ((out = json_deep_copy(dns)) == NULL)
		goto out;
	if (k < 3) {
		best = cand[k];
		json_array_foreach(best, i, v)
			if (!has_ip(out, eksl_json_str(v, "ip")))
				json_array_append(out, v);
		eksl_resolve_sort(out);
		stale = k != 1;
	}
	json_object_set(rec, "addresses", out);
	set_resolve(rec, ctx, 0, stale, why, 0);
	if (json_array_size(out) == 0) {
		note(ctx, EKSL_RESOLVE_ERR, "%s: %s; no last-known-good and no "
		    "controlPlane address", host, why);
		eksl_record_add_error(rec, ctx->tool, "dns", "%s: %s; no "
		    "last-known-good and no controlPlane address", host, why);
		rc = EKSL_EXIT_UNREACHABLE;
	} else if (k < 3) {
		note(ctx, EKSL_RESOLVE_WARN, "%s: %s; using %zu address%s "
		    "from %s", host, why, json_array_size(best),
		    json_array_size(best) == 1 ? "" : "es", what[k]);
		rc = EKSL_EXIT_DEGRADED;
	} else {
		/* one type answered, nothing to fill the other with */
		note(ctx, EKSL_RESOLVE_WARN, "%s: %s; using the %zu address%s "
		    "DNS gave", host, why, json_array_size(out),
		    json_array_size(out) == 1 ? "" : "es");
		rc = EKSL_EXIT_DEGRADED;
	}
 out:
	for (i = 0; i < 3; i++)
		json_decref(cand[i]);
	json_decref(out);
	json_decref(dns);
	json_decref(saved);
	return rc;
}

static void
saved(const struct eksl_lkg_result *r, void *arg)
{
	struct eksl_resolve_ctx *ctx = arg;
	struct eksl_resolve_state *st = r->tag;

	st->saved = r->status;
	if (r->status == 2)
		note(ctx, EKSL_RESOLVE_WARN, "%s: answer not saved as "
		    "last-known-good: it has %zu addresses, the saved one %zu",
		    r->host, r->naddrs, r->nsaved);
	else if (r->status == 1)
		note(ctx, EKSL_RESOLVE_INFO, "%s: saved as last-known-good",
		    r->host);
}

int
eksl_resolve_save(struct eksl_resolve_ctx *ctx)
{
	if (ctx->lkg == NULL)
		return EKSL_EXIT_OK;
	if (eksl_lkg_commit(ctx->lkg, ctx->now, saved, ctx, ctx->save_err,
	    sizeof(ctx->save_err)) == -1) {
		note(ctx, EKSL_RESOLVE_ERR, "%s", ctx->save_err);
		return EKSL_EXIT_IO;
	}
	return EKSL_EXIT_OK;
}

void
eksl_resolve_ctx_clear(struct eksl_resolve_ctx *ctx)
{
	json_decref(ctx->answered);
	json_decref(ctx->dns_source);
	ctx->answered = ctx->dns_source = NULL;
}

void
eksl_resolve_state_clear(struct eksl_resolve_state *st)
{
	free(st->fallback);
	st->fallback = NULL;
}
