/*
 * What eksl-authcheck reads from and writes to a cluster record (see
 * authrec.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authrec.h"
#include "base64.h"
#include "exitcodes.h"
#include "k8s.h"
#include "record.h"
#include "x509.h"

int
eksl_auth_fail_set(struct eksl_auth_fail *f, const char *code, int status,
    const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return status;
	f->code = code;
	f->status = status;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return status;
}

int
eksl_auth_fail_k8s(struct eksl_auth_fail *f, const char *what,
    const struct eksl_k8s_error *e)
{
	char buf[EKSL_ERRLEN];
	int status;

	switch (e->status) {
	case EKSL_K8S_REFUSED:
		status = EKSL_EXIT_REFUSED;
		break;
	case EKSL_K8S_UNREACHABLE:
		status = EKSL_EXIT_UNREACHABLE;
		break;
	default:
		status = EKSL_EXIT_IO;
		break;
	}
	eksl_k8s_strerror(e, buf, sizeof(buf));
	return eksl_auth_fail_set(f, e->status == EKSL_K8S_REFUSED ? "api" :
	    "network", status, "%s: %s", what, buf);
}

int
eksl_auth_target_load(json_t *rec, struct eksl_auth_target *t,
    struct eksl_auth_fail *f)
{
	const char *ep, *ca, *p;
	json_t *a;
	size_t i, n, len = 0;

	memset(t, 0, sizeof(*t));
	t->name = eksl_json_str(rec, "name");
	if ((t->host = eksl_record_host(rec)) == NULL ||
	    !eksl_hostname_valid(t->host)) {
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s: no valid "
		    "endpoint host", t->name != NULL ? t->name : "record");
		return -1;
	}
	if (t->name == NULL)
		t->name = t->host;
	t->port = 443;
	ep = eksl_json_str(rec, "endpoint");
	if (ep != NULL && (p = strstr(ep, "://")) != NULL &&
	    (p = strchr(p + 3, ':')) != NULL) {
		t->port = (int)strtol(p + 1, NULL, 10);
		if (t->port <= 0 || t->port > 65535) {
			eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT,
			    "%s: bad port in endpoint %s", t->name, ep);
			return -1;
		}
	}
	if ((ca = eksl_json_str(rec, "ca")) == NULL ||
	    (t->ca = (char *)eksl_base64_decode(ca, strlen(ca),
	    &t->calen)) == NULL || strstr(t->ca, "-----BEGIN CERTIFICATE") ==
	    NULL) {
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s: ca: not a "
		    "base64 PEM certificate", t->name);
		return -1;
	}
	a = json_object_get(rec, "addresses");
	n = json_is_array(a) ? json_array_size(a) : 0;
	for (i = 0; i < n && t->nips < EKSL_CHECK_MAX_ADDRS; i++) {
		p = eksl_json_str(json_array_get(a, i), "ip");
		if (p == NULL || strlen(p) > 45)
			continue;
		t->ips[t->nips++] = p;
		len += (size_t)snprintf(t->iplist + len, sizeof(t->iplist) -
		    len, "%s%s", len ? "," : "", p);
	}
	return 0;
}

void
eksl_auth_target_clear(struct eksl_auth_target *t)
{
	free(t->ca);
	t->ca = NULL;
}

void
eksl_auth_k8s_name(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (; *s != '\0' && o + 1 < len; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[o++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.') ? c : '-';
	}
	out[o] = '\0';
}

int
eksl_auth_set(json_t *rec, const char *user, const char *group,
    const char *role, const char *keyp, const char *certp,
    time_t not_after)
{
	json_t *auth = json_object_get(rec, "auth");
	char ts[32];

	if (!json_is_object(auth)) {
		auth = json_object();
		if (auth == NULL || json_object_set_new(rec, "auth", auth) == -1)
			return -1;
	}
	eksl_time_rfc3339(not_after, ts, sizeof(ts));
	json_object_set_new(auth, "user", json_string(user));
	if (group != NULL)
		json_object_set_new(auth, "group", json_string(group));
	else
		json_object_del(auth, "group");
	json_object_set_new(auth, "clusterRole", json_string(role));
	json_object_set_new(auth, "key", json_string(keyp));
	json_object_set_new(auth, "cert", json_string(certp));
	json_object_set_new(auth, "notAfter", json_string(ts));
	return 0;
}
