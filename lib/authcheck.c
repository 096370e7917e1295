/*
 * eksl-authcheck check for one record (see authcheck.h).  The probes are
 * lib/k8scheck; this file reads the record, writes auth.check and judges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "authcheck.h"
#include "authrec.h"
#include "exitcodes.h"
#include "k8scheck.h"
#include "record.h"
#include "x509.h"

#define CERT_MAX	(64 * 1024)	/* cap on a certificate file */

void
eksl_authcheck_verdict(struct eksl_authcheck_report *r,
    const char *const *ips, size_t nips, long warn_days,
    struct eksl_auth_fail *f)
{
	const struct eksl_check_dns *dns = &r->dns;
	size_t i, j, nref = 0, len = 0;
	int deepok = 1;

	r->nok = 0;
	r->pinned = 0;
	r->resolved[0] = '\0';
	for (i = 0; i < r->n; i++) {
		r->nok += r->a[i].ok;
		nref += !r->a[i].ok && r->a[i].refused;
		deepok &= !r->a[i].ok || r->a[i].deep[0] == '\0';
	}
	/* Pinned: the resolver answers, and only with pinned addresses. */
	for (j = 0; dns->done && j < dns->n; j++) {
		for (i = 0; i < nips && strcmp(ips[i], dns->ips[j]) != 0; i++)
			;
		r->pinned = (j == 0 || r->pinned) && i < nips;
		len += (size_t)snprintf(r->resolved + len, sizeof(r->resolved) -
		    len, "%s%s", j ? " " : "", dns->ips[j]);
	}
	r->addr_fails = r->nok < r->n;
	r->expires_soon = r->days < warn_days;
	r->deep_fails = !deepok;
	/* The server refuses an expired certificate, however it says so. */
	if (r->days < 0)
		r->status = eksl_auth_fail_set(f, "auth", EKSL_EXIT_REFUSED,
		    "%s: not ready: the certificate %s expired at %s (run "
		    "eksl-authcheck prepare)", r->name, r->cert, r->not_after);
	else if (r->nok == 0)
		r->status = eksl_auth_fail_set(f, nref ? "api" : "network",
		    nref ? EKSL_EXIT_REFUSED : EKSL_EXIT_UNREACHABLE, "%s: not "
		    "ready: no address works (%s)", r->name, r->n > 0 ?
		    r->a[0].error : "");
	else if (r->addr_fails || r->expires_soon || !r->pinned ||
	    r->deep_fails)
		r->status = EKSL_EXIT_DEGRADED;
	else
		r->status = EKSL_EXIT_OK;
}

/* auth.check: "ready" first, for people reading the record. */
static int
set_check(json_t *auth, const struct eksl_authcheck_report *r, int deep,
    time_t not_after)
{
	json_t *chk, *arr, *x, *res, *rips;
	size_t i;
	int bad = 0;

	/* Every allocation is checked: a partial check must not pass. */
	if ((chk = json_object()) == NULL ||
	    json_object_set_new(auth, "check", chk) == -1 ||
	    json_object_set_new(chk, "ready", json_false()) == -1 ||
	    json_object_set_new(chk, "addresses", arr = json_array()) == -1)
		return -1;
	for (i = 0; i < r->n; i++) {
		x = json_pack("{s:s, s:b, s:b, s:s?, s:i, s:s?}", "ip",
		    r->a[i].ip, "tcp", r->a[i].tcp, "tls", r->a[i].tls, "user",
		    r->a[i].user, "ms", (int)r->a[i].ms, "error", r->a[i].ok ?
		    NULL : r->a[i].error);
		if (x != NULL && deep && r->a[i].ok)
			bad |= json_object_set_new(x, "deep", json_string(
			    r->a[i].deep[0] ? r->a[i].deep : "ok")) == -1;
		bad |= json_array_append_new(arr, x) == -1;
	}
	bad |= json_object_set_new(chk, "ready", json_boolean(r->nok > 0 &&
	    not_after > time(NULL))) == -1;
	bad |= json_object_set_new(chk, "notAfter",
	    json_string(r->not_after)) == -1;
	bad |= json_object_set_new(chk, "days", json_integer(r->days)) == -1;
	if ((rips = json_array()) == NULL)
		return -1;
	for (i = 0; i < r->dns.n; i++)
		bad |= json_array_append_new(rips,
		    json_string(r->dns.ips[i])) == -1;
	res = json_pack("{s:o, s:b}", "ips", rips, "pinned", r->pinned);
	bad |= json_object_set_new(chk, "resolver", res) == -1;
	return bad ? -1 : 0;
}

int
eksl_authcheck(json_t *rec, const struct eksl_authcheck_opts *o,
    struct eksl_authcheck_report *r, struct eksl_auth_fail *f)
{
	struct eksl_auth_target t;
	struct eksl_check_in in;
	struct eksl_certinfo ci;
	json_t *auth;
	const char *keyp;
	char err[EKSL_ERRLEN], *cb = NULL;
	size_t i, cl = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (eksl_auth_target_load(rec, &t, f) == -1)
		goto out;
	r->name = t.name;
	r->host = t.host;
	auth = json_object_get(rec, "auth");
	r->user = eksl_json_str(auth, "user");
	r->cert = eksl_json_str(auth, "cert");
	keyp = eksl_json_str(auth, "key");
	if (r->user == NULL || r->cert == NULL || keyp == NULL) {
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s: no "
		    "auth.user, auth.cert and auth.key (run eksl-authcheck "
		    "prepare)", t.name);
		goto out;
	}
	if (t.nips == 0) {
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s: no "
		    "addresses[] to check", t.name);
		goto out;
	}
	err[0] = '\0';
	if (eksl_file_read(r->cert, CERT_MAX, &cb, &cl, err,
	    sizeof(err)) != 0 ||
	    eksl_cert_info(cb, cl, NULL, &ci, err, sizeof(err)) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s%s", err[0] ? "" :
		    r->cert, err[0] ? err : ": No such file or directory");
		goto out;
	}
	if (access(keyp, R_OK) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: %s", keyp,
		    strerror(errno));
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.host = t.host;
	in.port = t.port;
	in.ca_pem = t.ca;
	in.ca_len = t.calen;
	in.cert_file = r->cert;
	in.key_file = keyp;
	in.user = r->user;
	in.timeout_ms = o->timeout_ms;
	in.deep = o->deep;
	r->n = t.nips;
	for (i = 0; i < t.nips; i++)
		r->a[i].ip = t.ips[i];
	if (eksl_check_run(&in, r->a, r->n, &r->dns, err, sizeof(err)) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	r->days = ci.not_after > time(NULL) ?
	    (long)((ci.not_after - time(NULL)) / 86400) : -1;
	eksl_time_rfc3339(ci.not_after, r->not_after, sizeof(r->not_after));
	eksl_authcheck_verdict(r, t.ips, t.nips, o->warn_days, f);
	if (set_check(auth, r, o->deep, ci.not_after) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(cb);
	eksl_auth_target_clear(&t);
	return ret;
}

void
eksl_authcheck_report_clear(struct eksl_authcheck_report *r)
{
	eksl_check_clear(r->a, EKSL_CHECK_MAX_ADDRS);
}
