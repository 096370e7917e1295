/*
 * lib/authrec and lib/authcheck's pure parts: object names, the target a
 * record gives, the auth field, Kubernetes error mapping, and the
 * readiness verdict.  Table-driven.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authcheck.h"
#include "authrec.h"
#include "base64.h"
#include "exitcodes.h"
#include "record.h"
#include "tap.h"

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} names[] = {
	{ "my-cluster", 200, "my-cluster" },
	{ "My_Cluster", 200, "my-cluster" },
	{ "eksl-offline-admin", 200, "eksl-offline-admin" },
	{ "a.b:c/d e", 200, "a.b-c-d-e" },
	{ "UPPER9", 200, "upper9" },
	{ "", 200, "" },
	{ "abcdef", 4, "abc" },
	{ "ab", 1, "" },
};

/* base64 of a PEM-looking CA (target_load only looks for the header). */
#define CA_PEM	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static const struct {
	const char	*json;		/* a "ca" of "@" is replaced by CA_PEM */
	int		 ok;
	const char	*host, *name, *iplist, *err;
	int		 port;
} targets[] = {
	{ "{\"name\":\"c1\",\"endpoint\":\"https://api.example.com\","
	  "\"ca\":\"@\",\"addresses\":[{\"ip\":\"127.0.0.11\"},"
	  "{\"ip\":\"127.0.0.12\"},{\"x\":1}]}", 1, "api.example.com", "c1",
	  "127.0.0.11,127.0.0.12", NULL, 443 },
	{ "{\"endpoint\":\"https://api.example.com:6443\",\"ca\":\"@\"}", 1,
	  "api.example.com", "api.example.com", "", NULL, 6443 },
	{ "{\"name\":\"c1\",\"endpoint\":\"https://api.example.com:0\","
	  "\"ca\":\"@\"}", 0, NULL, NULL, NULL,
	  "c1: bad port in endpoint https://api.example.com:0", 0 },
	{ "{\"name\":\"c1\",\"ca\":\"@\"}", 0, NULL, NULL, NULL,
	  "c1: no valid endpoint host", 0 },
	{ "{\"ca\":\"@\"}", 0, NULL, NULL, NULL,
	  "record: no valid endpoint host", 0 },
	{ "{\"name\":\"c1\",\"host\":\"bad host\",\"ca\":\"@\"}", 0, NULL,
	  NULL, NULL, "c1: no valid endpoint host", 0 },
	{ "{\"name\":\"c1\",\"host\":\"h.example\"}", 0, NULL, NULL, NULL,
	  "c1: ca: not a base64 PEM certificate", 0 },
	{ "{\"name\":\"c1\",\"host\":\"h.example\",\"ca\":\"aGVsbG8=\"}", 0,
	  NULL, NULL, NULL, "c1: ca: not a base64 PEM certificate", 0 },
};

static void
test_names(void)
{
	char out[200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(out, 'x', sizeof(out));
		eksl_auth_k8s_name(names[i].in, out, names[i].len);
		tap_streq(out, names[i].want, names[i].in);
	}
}

static void
test_targets(void)
{
	struct eksl_auth_target t;
	struct eksl_auth_fail f;
	char *ca;
	json_t *rec;
	size_t i;
	int rc;

	if ((ca = eksl_base64_encode((const unsigned char *)CA_PEM,
	    strlen(CA_PEM), EKSL_B64_STD)) == NULL) {
		tap_ok(0, "base64 encode");
		return;
	}
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		rec = json_loads(targets[i].json, 0, NULL);
		if (rec != NULL && strcmp(eksl_json_str(rec, "ca") != NULL ?
		    eksl_json_str(rec, "ca") : "", "@") == 0)
			json_object_set_new(rec, "ca", json_string(ca));
		memset(&f, 0, sizeof(f));
		rc = eksl_auth_target_load(rec, &t, &f);
		if (targets[i].ok) {
			tap_ok(rc == 0, "target %zu loads", i);
			tap_streq(t.host, targets[i].host, "host");
			tap_streq(t.name, targets[i].name, "name");
			tap_streq(t.iplist, targets[i].iplist, "address list");
			tap_ok(t.port == targets[i].port, "port %d", t.port);
			tap_ok(t.ca != NULL && strcmp(t.ca, CA_PEM) == 0,
			    "ca decoded");
		} else {
			tap_ok(rc == -1 && f.status == EKSL_EXIT_INPUT &&
			    f.code != NULL && strcmp(f.code, "input") == 0,
			    "target %zu refused as input", i);
			tap_streq(f.msg, targets[i].err, "its message");
		}
		eksl_auth_target_clear(&t);
		json_decref(rec);
	}
	free(ca);
}

static void
test_auth_set(void)
{
	json_t *rec = json_loads("{\"auth\":{\"group\":\"g\",\"x\":1}}", 0,
	    NULL);
	char *s;

	tap_ok(eksl_auth_set(rec, "u", NULL, "cluster-admin", "/d/c.key",
	    "/d/c.crt", 86400) == 0, "auth set");
	s = json_dumps(json_object_get(rec, "auth"), JSON_COMPACT);
	tap_streq(s, "{\"x\":1,\"user\":\"u\",\"clusterRole\":\"cluster-admin\","
	    "\"key\":\"/d/c.key\",\"cert\":\"/d/c.crt\","
	    "\"notAfter\":\"1970-01-02T00:00:00Z\"}",
	    "auth: group removed, other members kept, in order");
	free(s);
	tap_ok(eksl_auth_set(rec, "u", "ops", "view", "k", "c", 0) == 0,
	    "auth set again");
	tap_streq(json_string_value(json_object_get(json_object_get(rec,
	    "auth"), "group")), "ops", "group set");
	json_decref(rec);
	rec = json_object();
	tap_ok(eksl_auth_set(rec, "u", NULL, "r", "k", "c", 0) == 0 &&
	    json_is_object(json_object_get(rec, "auth")), "auth created");
	json_decref(rec);
}

static const struct {
	enum eksl_k8s_status st;
	const char	*code;
	int		 status;
} k8serrs[] = {
	{ EKSL_K8S_REFUSED, "api", EKSL_EXIT_REFUSED },
	{ EKSL_K8S_UNREACHABLE, "network", EKSL_EXIT_UNREACHABLE },
	{ EKSL_K8S_LOCAL, "network", EKSL_EXIT_IO },
};

static void
test_k8s_fail(void)
{
	struct eksl_k8s_error e;
	struct eksl_auth_fail f;
	size_t i;

	for (i = 0; i < sizeof(k8serrs) / sizeof(k8serrs[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.status = k8serrs[i].st;
		e.http_status = e.status == EKSL_K8S_REFUSED ? 401 : 0;
		snprintf(e.reason, sizeof(e.reason), "Unauthorized");
		snprintf(e.message, sizeof(e.message), "Unauthorized");
		tap_ok(eksl_auth_fail_k8s(&f, "c1", &e) == k8serrs[i].status &&
		    f.status == k8serrs[i].status &&
		    strcmp(f.code, k8serrs[i].code) == 0 &&
		    strncmp(f.msg, "c1: ", 4) == 0, "k8s error %zu: %s, %d", i,
		    f.code, f.status);
	}
	tap_ok(eksl_auth_fail_set(NULL, "io", EKSL_EXIT_IO, "x") ==
	    EKSL_EXIT_IO, "fail_set with no f returns the status");
}

/* One verdict case: per address ok/refused/deep, resolver answer, days. */
static const struct {
	const char	*what;
	size_t		 n;
	int		 ok[3], refused[3];
	const char	*deep[3];
	int		 done;
	size_t		 ndns;
	const char	*dns[3];
	long		 days;
	int		 status, pinned, addr_fails, soon, deepfail;
	const char	*code, *msg, *resolved;
} verdicts[] = {
	{ "ready", 2, { 1, 1 }, { 0, 0 }, { "", "" }, 1, 2,
	  { "127.0.0.11", "127.0.0.12" }, 200, EKSL_EXIT_OK, 1, 0, 0, 0,
	  NULL, NULL, "127.0.0.11 127.0.0.12" },
	{ "one address fails", 2, { 1, 0 }, { 0, 0 }, { "", "" }, 1, 1,
	  { "127.0.0.11" }, 200, EKSL_EXIT_DEGRADED, 1, 1, 0, 0, NULL, NULL,
	  "127.0.0.11" },
	{ "expires soon", 1, { 1 }, { 0 }, { "" }, 1, 1, { "127.0.0.11" },
	  10, EKSL_EXIT_DEGRADED, 1, 0, 1, 0, NULL, NULL, "127.0.0.11" },
	{ "not pinned: another address", 1, { 1 }, { 0 }, { "" }, 1, 2,
	  { "127.0.0.11", "192.0.2.9" }, 200, EKSL_EXIT_DEGRADED, 0, 0, 0, 0,
	  NULL, NULL, "127.0.0.11 192.0.2.9" },
	{ "not pinned: no answer", 1, { 1 }, { 0 }, { "" }, 0, 0, { NULL },
	  200, EKSL_EXIT_DEGRADED, 0, 0, 0, 0, NULL, NULL, "" },
	{ "not pinned: NXDOMAIN", 1, { 1 }, { 0 }, { "" }, 1, 0, { NULL },
	  200, EKSL_EXIT_DEGRADED, 0, 0, 0, 0, NULL, NULL, "" },
	{ "deep fails", 1, { 1 }, { 0 }, { "kube-dns missing" }, 1, 1,
	  { "127.0.0.11" }, 200, EKSL_EXIT_DEGRADED, 1, 0, 0, 1, NULL, NULL,
	  "127.0.0.11" },
	{ "deep of a failed address ignored", 2, { 1, 0 }, { 0, 0 },
	  { "", "x" }, 1, 1, { "127.0.0.12" }, 200, EKSL_EXIT_DEGRADED, 1, 1,
	  0, 0, NULL, NULL, "127.0.0.12" },
	{ "none works, refused", 2, { 0, 0 }, { 0, 1 }, { "", "" }, 1, 1,
	  { "127.0.0.11" }, 200, EKSL_EXIT_REFUSED, 1, 1, 0, 0, "api",
	  "c1: not ready: no address works (e0)", "127.0.0.11" },
	{ "none works, unreachable", 1, { 0 }, { 0 }, { "" }, 1, 1,
	  { "127.0.0.11" }, 200, EKSL_EXIT_UNREACHABLE, 1, 1, 0, 0, "network",
	  "c1: not ready: no address works (e0)", "127.0.0.11" },
	{ "expired", 1, { 1 }, { 0 }, { "" }, 1, 1, { "127.0.0.11" }, -1,
	  EKSL_EXIT_REFUSED, 1, 0, 1, 0, "auth",
	  "c1: not ready: the certificate /d/c1.crt expired at "
	  "2020-01-02T00:00:00Z (run eksl-authcheck prepare)", "127.0.0.11" },
};

static void
test_verdicts(void)
{
	static const char *const ips[] = { "127.0.0.11", "127.0.0.12" };
	struct eksl_authcheck_report r;
	struct eksl_auth_fail f;
	size_t i, j;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		memset(&r, 0, sizeof(r));
		memset(&f, 0, sizeof(f));
		r.name = "c1";
		r.cert = "/d/c1.crt";
		snprintf(r.not_after, sizeof(r.not_after),
		    "2020-01-02T00:00:00Z");
		r.n = verdicts[i].n;
		for (j = 0; j < r.n; j++) {
			r.a[j].ip = ips[j];
			r.a[j].ok = verdicts[i].ok[j];
			r.a[j].refused = verdicts[i].refused[j];
			snprintf(r.a[j].deep, sizeof(r.a[j].deep), "%s",
			    verdicts[i].deep[j]);
			snprintf(r.a[j].error, sizeof(r.a[j].error), "e%zu",
			    j);
		}
		r.dns.done = verdicts[i].done;
		r.dns.n = verdicts[i].ndns;
		for (j = 0; j < r.dns.n; j++)
			snprintf(r.dns.ips[j], sizeof(r.dns.ips[j]), "%s",
			    verdicts[i].dns[j]);
		r.days = verdicts[i].days;
		eksl_authcheck_verdict(&r, ips, 2, 30, &f);
		tap_ok(r.status == verdicts[i].status &&
		    r.pinned == verdicts[i].pinned &&
		    r.addr_fails == verdicts[i].addr_fails &&
		    r.expires_soon == verdicts[i].soon &&
		    r.deep_fails == verdicts[i].deepfail,
		    "verdict: %s (status %d, pinned %d, fails %d, soon %d, "
		    "deep %d)", verdicts[i].what, r.status, r.pinned,
		    r.addr_fails, r.expires_soon, r.deep_fails);
		tap_streq(r.resolved, verdicts[i].resolved, "resolved list");
		if (verdicts[i].code != NULL) {
			tap_streq(f.code, verdicts[i].code, "failure code");
			tap_streq(f.msg, verdicts[i].msg, "failure message");
		}
	}
}

int
main(void)
{
	test_names();
	test_targets();
	test_auth_set();
	test_k8s_fail();
	test_verdicts();
	return tap_done();
}
