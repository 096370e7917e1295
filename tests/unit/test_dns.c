/*
 * lib/dns server parsing and lib/resolve's choice of addresses, table
 * driven.  The choice is tested here for the cases a real server cannot
 * easily produce (one query answered, the other failed); the bats tests
 * cover the rest against unbound.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns.h"
#include "exitcodes.h"
#include "lkg.h"
#include "resolve.h"
#include "tap.h"

static const struct {
	const char	*spec;
	const char	*want;	/* formatted, or "!error text" */
} servers[] = {
	{ "10.0.0.2", "10.0.0.2:53" },
	{ "10.0.0.2:5353", "10.0.0.2:5353" },
	{ "::1", "[::1]:53" },
	{ "fd00::2", "[fd00::2]:53" },
	{ "[fd00::2]", "[fd00::2]:53" },
	{ "[fd00::2]:5300", "[fd00::2]:5300" },
	{ "::ffff:10.0.0.2", "[::ffff:10.0.0.2]:53" },
	{ "dns.example", "!dns.example: not an IP address" },
	{ "10.0.0.256", "!10.0.0.256: not an IP address" },
	{ "10.0.0.2:", "!10.0.0.2: bad port ''" },
	{ "10.0.0.2:0", "!10.0.0.2: bad port '0'" },
	{ "10.0.0.2:65536", "!10.0.0.2: bad port '65536'" },
	{ "10.0.0.2:+53", "!10.0.0.2: bad port '+53'" },
	{ "10.0.0.2:53x", "!10.0.0.2: bad port '53x'" },
	{ "[fd00::2", "![fd00::2: missing ']'" },
	{ "[fd00::2]53", "![fd00::2]53: junk after ']'" },
	{ "[10.0.0.2]:53", "10.0.0.2:53" },
	{ "", "!: not an IP address" },
	{ ":53", "!: not an IP address" },
};

static void
test_servers(void)
{
	struct eksl_dns_server s;
	char err[256], got[EKSL_DNS_SERVERLEN + 256];
	size_t i;

	for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
		err[0] = '\0';
		if (eksl_dns_server_parse(servers[i].spec, &s, err,
		    sizeof(err)) == -1)
			snprintf(got, sizeof(got), "!%s", err);
		else
			eksl_dns_server_format(&s, got, sizeof(got));
		tap_streq(got, servers[i].want, servers[i].spec);
	}
}

static void
answer(struct eksl_dns_answer *a, enum eksl_dns_status st, const char *ips)
{
	char buf[256], *p, *save = NULL;

	memset(a, 0, sizeof(*a));
	a->status = st;
	if (ips == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", ips);
	a->addrs = calloc(8, sizeof(*a->addrs));
	for (p = strtok_r(buf, " ", &save); p != NULL && a->naddrs < 8;
	    p = strtok_r(NULL, " ", &save)) {
		snprintf(a->addrs[a->naddrs].ip, sizeof(a->addrs[0].ip), "%s",
		    p);
		a->addrs[a->naddrs].family = strchr(p, ':') ? AF_INET6 :
		    AF_INET;
		a->addrs[a->naddrs++].ttl = 60;
	}
}

/* ip:source list of rec's addresses, "ip/src ip/src". */
static void
summary(const json_t *rec, char *buf, size_t len)
{
	json_t *v;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(rec, "addresses"), i, v) {
		int k = snprintf(buf + off, len - off, "%s%s/%s",
		    i > 0 ? " " : "", json_string_value(json_object_get(v,
		    "ip")), json_string_value(json_object_get(v, "source")));

		if (k < 0 || (size_t)k >= len - off)
			break;
		off += (size_t)k;
	}
}

static const struct {
	const char		*name;
	enum eksl_dns_status	 a, aaaa;
	const char		*aips, *aaaaips;
	const char		*lkg;		/* saved IPs, or NULL */
	const char		*record;	/* the input record */
	int			 want_rc;
	const char		*want;		/* summary */
	const char		*want_error;	/* resolve.error or NULL */
} cases[] = {
	{ "both answered", EKSL_DNS_OK, EKSL_DNS_OK, "10.0.0.12 10.0.0.11",
	    "fd00::1", NULL, "{}", EKSL_EXIT_OK,
	    "10.0.0.11/dns 10.0.0.12/dns fd00::1/dns", NULL },
	{ "A answered, AAAA no data", EKSL_DNS_OK, EKSL_DNS_NODATA,
	    "10.0.0.11", NULL, "10.0.0.11 fd00::1", "{}", EKSL_EXIT_OK,
	    "10.0.0.11/dns", NULL },
	{ "A answered, AAAA timed out: IPv6 from the cache", EKSL_DNS_OK,
	    EKSL_DNS_TIMEOUT, "10.0.0.11", NULL, "10.0.0.11 fd00::1", "{}",
	    EKSL_EXIT_DEGRADED, "10.0.0.11/dns fd00::1/cache",
	    "AAAA: timeout" },
	{ "A timed out, AAAA answered: IPv4 from controlPlane",
	    EKSL_DNS_TIMEOUT, EKSL_DNS_OK, NULL, "fd00::1", NULL,
	    "{\"controlPlane\":[{\"privateIp\":\"10.0.0.11\"}]}",
	    EKSL_EXIT_DEGRADED, "10.0.0.11/ec2 fd00::1/dns", "A: timeout" },
	{ "A SERVFAIL, nothing to fill in", EKSL_DNS_SERVFAIL, EKSL_DNS_OK,
	    NULL, "fd00::1", NULL, "{}", EKSL_EXIT_DEGRADED, "fd00::1/dns",
	    "A: SERVFAIL" },
	{ "both different failures", EKSL_DNS_SERVFAIL, EKSL_DNS_TIMEOUT,
	    NULL, NULL, NULL, "{}", EKSL_EXIT_UNREACHABLE, "",
	    "A: SERVFAIL, AAAA: timeout" },
	{ "both no data: nothing, and not saved", EKSL_DNS_NODATA,
	    EKSL_DNS_NODATA, NULL, NULL, NULL, "{}", EKSL_EXIT_UNREACHABLE,
	    "", "no addresses" },
	{ "no data with a cache", EKSL_DNS_NODATA, EKSL_DNS_NODATA, NULL,
	    NULL, "10.0.0.11", "{}", EKSL_EXIT_DEGRADED, "10.0.0.11/cache",
	    "no addresses" },
};

/* Save ips (space separated) as host's last-known-good in dir at since. */
static void
seed(const char *dir, const char *host, const char *ips, const char *since)
{
	struct eksl_lkg_addr a[8];
	struct eksl_lkg *s;
	char buf[256], err[256], *ip, *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", ips);
	for (ip = strtok_r(buf, " ", &save); ip != NULL && n < 8;
	    ip = strtok_r(NULL, " ", &save)) {
		snprintf(a[n].ip, sizeof(a[n].ip), "%s", ip);
		a[n++].ttl = 60;
	}
	if ((s = eksl_lkg_open(dir, NULL, NULL)) == NULL ||
	    eksl_lkg_put(s, host, a, n, NULL, err, sizeof(err)) == -1 ||
	    eksl_lkg_commit(s, since, NULL, NULL, err, sizeof(err)) == -1)
		tap_diag("lkg save: %s", err);
	eksl_lkg_free(s);
}

static void
test_apply(const char *dir)
{
	struct eksl_resolve_ctx ctx;
	struct eksl_resolve_state st;
	struct eksl_dns_query q;
	json_t *rec, *servers_j;
	char host[64], got[512];
	const char *e;
	size_t i;
	int rc;

	servers_j = json_pack("[s]", "127.0.0.1:53");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(host, sizeof(host), "h%zu.test", i);
		if (cases[i].lkg != NULL)
			seed(dir, host, cases[i].lkg, "2026-01-01T00:00:00Z");
		memset(&ctx, 0, sizeof(ctx));
		ctx.tool = "resolve";
		ctx.lkg = eksl_lkg_open(dir, NULL, NULL);
		ctx.now = "2026-11-28T00:00:00Z";
		ctx.servers = servers_j;
		rec = json_loads(cases[i].record, 0, NULL);
		json_object_set_new(rec, "host", json_string(host));
		q.name = host;
		answer(&q.a, cases[i].a, cases[i].aips);
		answer(&q.aaaa, cases[i].aaaa, cases[i].aaaaips);
		eksl_resolve_prepare(host, &q, &st, &ctx);
		rc = eksl_resolve_save(&ctx);
		rc = EKSL_EXIT_WORST(rc, eksl_resolve_apply(rec, host, &q, &st,
		    &ctx));
		tap_ok(rc == cases[i].want_rc, "%s: exit %d", cases[i].name,
		    cases[i].want_rc);
		if (rc != cases[i].want_rc)
			tap_diag("got %d", rc);
		summary(rec, got, sizeof(got));
		tap_streq(got, cases[i].want, cases[i].name);
		e = json_string_value(json_object_get(json_object_get(rec,
		    "resolve"), "error"));
		tap_streq(e != NULL ? e : "(null)", cases[i].want_error != NULL ?
		    cases[i].want_error : "(null)", cases[i].name);
		eksl_dns_query_clear(&q, 1);
		json_decref(rec);
		eksl_resolve_state_clear(&st);
		eksl_resolve_ctx_clear(&ctx);
		eksl_lkg_free(ctx.lkg);
	}
	json_decref(servers_j);
}

static void
outcome(const struct eksl_lkg_result *r, void *arg)
{
	int *st = arg;

	*st = r->status;
}

/* Queue a[0..n) for host in a fresh store of dir and commit at now. */
static int
save(const char *dir, const char *host, const struct eksl_lkg_addr *a,
    size_t n, const char *now)
{
	struct eksl_lkg *s;
	char err[256];
	int st = -9;

	if ((s = eksl_lkg_open(dir, NULL, NULL)) == NULL)
		return -9;
	if (eksl_lkg_put(s, host, a, n, NULL, err, sizeof(err)) == -1)
		st = -1;
	else if (eksl_lkg_commit(s, now, outcome, &st, err,
	    sizeof(err)) == -1)
		tap_diag("commit: %s", err);
	eksl_lkg_free(s);
	return st;
}

static int
get(const char *dir, const char *host, struct eksl_lkg_entry *e, char *err,
    size_t errlen)
{
	struct eksl_lkg *s;
	int rc;

	if ((s = eksl_lkg_open(dir, NULL, NULL)) == NULL)
		return -9;
	rc = eksl_lkg_get(s, host, e, err, errlen);
	eksl_lkg_free(s);
	return rc;
}

static void
test_lkg(const char *dir)
{
	static const char *lines[] = {
		/* as written, and the same in other forms: one entry each */
		"{\"host\":\"f.test\",\"since\":\"t9\",\"addresses\":["
		"{\"ip\":\"10.0.0.2\",\"ttl\":7},{\"ip\":\"::1\",\"ttl\":-1}]}",
		"{ \"host\": \"F.test.\", \"addresses\": [{\"ttl\": 7, \"ip\": "
		"\"10.0.0.2\"}, {\"ip\": \"::1\", \"ttl\": -1}, {\"ip\": "
		"\"10.0.0.2\"}], \"since\": \"t9\"}",
		"{\"host\":\"f.test\",\"since\":\"t9\",\"addresses\":["
		"{\"ip\":\"::1\",\"ttl\":-1},{\"ip\":\"10.0.0.2\",\"ttl\":7}]}",
	};
	static const struct eksl_lkg_addr a3[] = { { "10.0.0.13", 5 },
	    { "10.0.0.11", 5 }, { "10.0.0.12", 5 }, { "10.0.0.11", 5 } };
	static const struct eksl_lkg_addr a2[] = { { "10.0.0.11", 5 },
	    { "10.0.0.14", 5 } };
	struct eksl_lkg_entry e;
	char err[256], path[512];
	FILE *fp;
	size_t i;

	tap_ok(get(dir, "l.test", &e, err, sizeof(err)) == 0, "lkg: none yet");
	tap_ok(save(dir, "l.test", a3, 4, "t1") == 1,
	    "lkg: first save writes");
	tap_ok(save(dir, "l.test", a3, 3, "t2") == 0,
	    "lkg: the same set is not rewritten");
	tap_ok(save(dir, "l.test", a2, 2, "t3") == 2,
	    "lkg: a smaller answer is kept out");
	tap_ok(save(dir, "l.test", a2, 0, "t4") == -1,
	    "lkg: an empty answer is refused");
	tap_ok(get(dir, "L.TEST.", &e, err, sizeof(err)) == 1 && e.n == 3 &&
	    eksl_lkg_same(&e, a3, 4) && !eksl_lkg_same(&e, a2, 2) &&
	    strcmp(e.since, "t1") == 0, "lkg: loads what was first saved");
	tap_streq(e.a[0].ip, "10.0.0.11", "lkg: sorted by ip");
	tap_ok(e.a[0].ttl == 5, "lkg: with its ttl");
	snprintf(path, sizeof(path), "%s/%s", dir, EKSL_LKG_FILE);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if ((fp = fopen(path, "w")) == NULL)
			break;
		fprintf(fp, "%s\n", lines[i]);
		fclose(fp);
		memset(&e, 0, sizeof(e));
		tap_ok(get(dir, "f.test", &e, err, sizeof(err)) == 1 &&
		    e.n == 2 && strcmp(e.a[0].ip, "10.0.0.2") == 0 &&
		    e.a[0].ttl == 7 && strcmp(e.a[1].ip, "::1") == 0 &&
		    e.a[1].ttl == -1 && strcmp(e.since, "t9") == 0,
		    "lkg: line form %zu reads the same", i);
	}
	remove(path);
}

int
main(void)
{
	char dir[] = "/tmp/eksl-test-dns.XXXXXX";
	char cmd[64];

	test_servers();
	if (mkdtemp(dir) == NULL) {
		tap_skip("mkdtemp failed");
		return tap_done();
	}
	test_lkg(dir);
	test_apply(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
