/*
 * eksl-authcheck: obtain x.509 offline credentials while the Region is
 * reachable (prepare), and prove that the offline path works (check).
 * The Kubernetes calls are lib/k8s, the key and CSR lib/x509, the EKS
 * token lib/ekstoken.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "awsconf.h"
#include "base64.h"
#include "duration.h"
#include "ekstoken.h"
#include "exitcodes.h"
#include "k8s.h"
#include "k8scheck.h"
#include "kubeconfig.h"
#include "msg.h"
#include "record.h"
#include "x509.h"

#define TOOL		"eksl-authcheck"
#define MAX_ADDRS	EKSL_CHECK_MAX_ADDRS
#define SIGNER		"kubernetes.io/kube-apiserver-client"
#define CERT_WAIT_MS	60000L

struct opts {
	const char	*dir, *user, *group, *role;
	long long	 expiration;
	enum eksl_keytype keytype;
	long		 renew_days, warn_days, timeout_ms;
	int		 deep;
};

/* What one record gives: the endpoint, its CA, where to connect. */
struct target {
	const char	*name;
	const char	*host;
	int		 port;
	char		*ca;		/* PEM */
	size_t		 calen;
	const char	*ips[MAX_ADDRS];
	size_t		 nips;
	char		 iplist[MAX_ADDRS * 48];
	const char	*certp;		/* check: auth.cert, for messages */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-authcheck prepare --dir DIR [--user NAME] "
	    "[--group NAME] [--cluster-role ROLE]\n"
	    "                      [--expiration DURATION] "
	    "[--key-type ec|rsa2048|rsa4096] [--renew-days N]\n"
	    "       eksl-authcheck check [--warn-days N] [--deep] "
	    "[--timeout MS]\n"
	    "       common: [-v] [-q] [--help] [--version]\n");
}

static int
fail(json_t *rec, const char *code, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Print "prog: msg", append it to rec's errors[], return status. */
static int
fail(json_t *rec, const char *code, int status, const char *fmt, ...)
{
	char msg[EKSL_ERRLEN * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eksl_err("%s", msg);
	eksl_record_add_error(rec, TOOL, code, "%s", msg);
	return status;
}

static int
k8s_status(const struct eksl_k8s_error *e)
{
	switch (e->status) {
	case EKSL_K8S_REFUSED:
		return EKSL_EXIT_REFUSED;
	case EKSL_K8S_UNREACHABLE:
		return EKSL_EXIT_UNREACHABLE;
	default:
		return EKSL_EXIT_IO;
	}
}

static int
k8s_fail(json_t *rec, const char *what, const struct eksl_k8s_error *e)
{
	char buf[EKSL_ERRLEN];

	eksl_k8s_strerror(e, buf, sizeof(buf));
	return fail(rec, e->status == EKSL_K8S_REFUSED ? "api" : "network",
	    k8s_status(e), "%s: %s", what, buf);
}

/* Fill t from rec: host, port, CA, addresses.  Returns 0 or an exit. */
static int
target_load(json_t *rec, struct target *t)
{
	const char *ep, *ca, *p;
	json_t *a;
	size_t i, n, len = 0;

	memset(t, 0, sizeof(*t));
	t->name = eksl_json_str(rec, "name");
	if ((t->host = eksl_record_host(rec)) == NULL ||
	    !eksl_hostname_valid(t->host))
		return fail(rec, "input", EKSL_EXIT_INPUT, "%s: no valid "
		    "endpoint host", t->name != NULL ? t->name : "record");
	if (t->name == NULL)
		t->name = t->host;
	t->port = 443;
	ep = eksl_json_str(rec, "endpoint");
	if (ep != NULL && (p = strstr(ep, "://")) != NULL &&
	    (p = strchr(p + 3, ':')) != NULL) {
		t->port = (int)strtol(p + 1, NULL, 10);
		if (t->port <= 0 || t->port > 65535)
			return fail(rec, "input", EKSL_EXIT_INPUT,
			    "%s: bad port in endpoint %s", t->name, ep);
	}
	if ((ca = eksl_json_str(rec, "ca")) == NULL ||
	    (t->ca = (char *)eksl_base64_decode(ca, strlen(ca),
	    &t->calen)) == NULL || strstr(t->ca, "-----BEGIN CERTIFICATE") ==
	    NULL)
		return fail(rec, "input", EKSL_EXIT_INPUT, "%s: ca: not a "
		    "base64 PEM certificate", t->name);
	a = json_object_get(rec, "addresses");
	n = json_is_array(a) ? json_array_size(a) : 0;
	for (i = 0; i < n && t->nips < MAX_ADDRS; i++) {
		p = eksl_json_str(json_array_get(a, i), "ip");
		if (p == NULL || strlen(p) > 45)
			continue;
		t->ips[t->nips++] = p;
		len += (size_t)snprintf(t->iplist + len, sizeof(t->iplist) -
		    len, "%s%s", len ? "," : "", p);
	}
	return EKSL_EXIT_OK;
}

static void
target_clear(struct target *t)
{
	free(t->ca);
	t->ca = NULL;
}

/* A client for t; ips NULL: all addresses (or the resolver). */
static struct eksl_k8s *
client(json_t *rec, const struct target *t, const char *ips,
    const char *token, const char *cert, const char *key, int *status)
{
	struct eksl_k8s_target kt;
	struct eksl_k8s *k;
	char err[EKSL_ERRLEN];

	memset(&kt, 0, sizeof(kt));
	kt.host = t->host;
	kt.port = t->port;
	kt.ips = ips;
	kt.ca_pem = t->ca;
	kt.ca_len = t->calen;
	kt.token = token;
	kt.cert_file = cert;
	kt.key_file = key;
	kt.no_proxy = cert != NULL;
	if ((k = eksl_k8s_new(&kt, err, sizeof(err))) == NULL)
		*status = fail(rec, "io", EKSL_EXIT_IO, "%s: %s", t->name, err);
	return k;
}

/* ---- prepare ---- */

/* A token for rec made in-process, as eksl-token makes it. */
static char *
make_token(json_t *rec, const char *name, int *status)
{
	struct eksl_awsopts ao;
	struct eksl_awsconf ac;
	struct eksl_sigv4 *s = NULL;
	const char *region, *cluster;
	char err[EKSL_ERRLEN], *tok = NULL;
	int rc;

	memset(&ao, 0, sizeof(ao));
	memset(&ac, 0, sizeof(ac));
	region = eksl_json_str(rec, "region");
	cluster = eksl_kc_uses_id(rec) ? eksl_json_str(rec, "id") :
	    eksl_json_str(rec, "name");
	ao.region = region;
	if (region == NULL || cluster == NULL) {
		*status = fail(rec, "input", EKSL_EXIT_INPUT, "%s: the token "
		    "needs region and %s", name, eksl_kc_uses_id(rec) ? "id" :
		    "name");
		return NULL;
	}
	if (eksl_awsconf_load(&ac, &ao, err, sizeof(err)) == -1) {
		*status = fail(rec, "input", EKSL_EXIT_INPUT, "%s", err);
		goto out;
	}
	if ((rc = eksl_awsconf_credentials(&ac, err, sizeof(err))) != 0) {
		*status = fail(rec, "auth", rc == 1 ? EKSL_EXIT_INPUT :
		    EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	if ((s = eksl_sigv4_new()) == NULL) {
		*status = fail(rec, "io", EKSL_EXIT_IO, "sigv4: cannot "
		    "initialise");
		goto out;
	}
	if ((tok = eksl_eks_token(s, &ac.creds, region, cluster, time(NULL),
	    err, sizeof(err))) == NULL)
		*status = fail(rec, "auth", EKSL_EXIT_IO, "%s", err);
out:
	eksl_sigv4_free(s);
	eksl_awsconf_clear(&ac);
	return tok;
}

/* A DNS-1123 subdomain from s: lower case, [a-z0-9.-]. */
static void
k8s_name(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 1 < len; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[o++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.') ? c : '-';
	}
	out[o] = '\0';
}

/*
 * Decide what to do with the key path: 0 create it (nothing there), 1
 * renew (a key we made, with its certificate beside it), 2 keep (that
 * certificate is valid beyond --renew-days); else an exit status.
 */
static int
existing(json_t *rec, const char *keyp, const char *certp,
    const struct opts *o, struct eksl_certinfo *ci)
{
	struct stat st;
	struct eksl_key *k = NULL;
	char err[EKSL_ERRLEN], *kb = NULL, *cb = NULL;
	size_t kl = 0, cl = 0;
	int ret;

	if (lstat(keyp, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail(rec, "io", EKSL_EXIT_IO, "%s: %s", keyp,
		    strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return fail(rec, "io", EKSL_EXIT_IO, "%s: is not a regular "
		    "file (a symbolic link?); refusing to use it as a key",
		    keyp);
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return fail(rec, "io", EKSL_EXIT_IO, "%s: not owned by us "
		    "with mode 0600; refusing to use it as a key", keyp);
	ret = EKSL_EXIT_IO;
	if (eksl_file_read(keyp, 64 * 1024, &kb, &kl, err, sizeof(err)) != 0 ||
	    (k = eksl_key_from_pem(kb, kl, err, sizeof(err))) == NULL ||
	    eksl_file_read(certp, 64 * 1024, &cb, &cl, err, sizeof(err)) != 0 ||
	    eksl_cert_info(cb, cl, k, ci, err, sizeof(err)) == -1 ||
	    strcmp(ci->cn, o->user) != 0) {
		ret = fail(rec, "io", EKSL_EXIT_IO, "%s: exists and has no "
		    "matching certificate for %s at %s; refusing to use it",
		    keyp, o->user, certp);
		goto out;
	}
	ret = ci->not_after - time(NULL) > o->renew_days * 86400 ? 2 : 1;
out:
	if (kb != NULL)
		explicit_bzero(kb, kl);
	free(kb);
	free(cb);
	eksl_key_free(k);
	return ret;
}

static int
set_auth(json_t *rec, const struct opts *o, const char *keyp,
    const char *certp, time_t not_after)
{
	json_t *auth = json_object_get(rec, "auth");
	char ts[32];

	if (!json_is_object(auth)) {
		auth = json_object();
		if (auth == NULL || json_object_set_new(rec, "auth", auth) == -1)
			return -1;
	}
	eksl_time_rfc3339(not_after, ts, sizeof(ts));
	json_object_set_new(auth, "user", json_string(o->user));
	if (o->group != NULL)
		json_object_set_new(auth, "group", json_string(o->group));
	else
		json_object_del(auth, "group");
	json_object_set_new(auth, "clusterRole", json_string(o->role));
	json_object_set_new(auth, "key", json_string(keyp));
	json_object_set_new(auth, "cert", json_string(certp));
	json_object_set_new(auth, "notAfter", json_string(ts));
	return 0;
}

static int
prepare(json_t *rec, const struct opts *o)
{
	struct target t;
	struct eksl_certinfo ci;
	struct eksl_k8s *k = NULL, *kx = NULL;
	struct eksl_k8s_error e;
	struct eksl_key *key = NULL;
	char keyp[PATH_MAX], certp[PATH_MAX], newkey[PATH_MAX + 8];
	char newcert[PATH_MAX + 8], base[200], err[EKSL_ERRLEN];
	char csrname[256], crbname[512];
	char *tok = NULL, *kpem = NULL, *csr = NULL, *cert = NULL, *who = NULL;
	size_t kl = 0, cl = 0;
	int status, mode, made_key = 0, made_cert = 0;

	if ((status = target_load(rec, &t)) != EKSL_EXIT_OK)
		goto out;
	k8s_name(t.name, base, sizeof(base));
	snprintf(keyp, sizeof(keyp), "%s/%s.key", o->dir, base);
	snprintf(certp, sizeof(certp), "%s/%s.crt", o->dir, base);
	if ((mode = existing(rec, keyp, certp, o, &ci)) > 2) {
		status = mode;
		goto out;
	}
	if (mode == 2) {
		eksl_info("%s: %s valid until beyond %ld days; kept", t.name,
		    certp, o->renew_days);
		if (set_auth(rec, o, keyp, certp, ci.not_after) == -1)
			status = fail(rec, "io", EKSL_EXIT_IO, "out of memory");
		goto out;
	}
	/* A renewal writes beside the old pair and renames at the end. */
	snprintf(newkey, sizeof(newkey), "%s%s", keyp, mode ? ".new" : "");
	snprintf(newcert, sizeof(newcert), "%s%s", certp, mode ? ".new" : "");
	if ((key = eksl_key_generate(o->keytype, err, sizeof(err))) == NULL ||
	    (kpem = eksl_key_pem(key, &kl, err, sizeof(err))) == NULL ||
	    (csr = eksl_csr_pem(key, o->user, o->group, err,
	    sizeof(err))) == NULL) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	if (eksl_file_create_excl(newkey, kpem, kl, 0600, err,
	    sizeof(err)) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	made_key = 1;
	if ((tok = make_token(rec, t.name, &status)) == NULL)
		goto out;
	if ((k = client(rec, &t, t.iplist[0] ? t.iplist : NULL, tok, NULL,
	    NULL, &status)) == NULL)
		goto out;
	eksl_k8s_set_timeout(k, 30000);
	k8s_name(o->user, base, sizeof(base));
	snprintf(csrname, sizeof(csrname), "eksl-%s-%lld", base,
	    (long long)time(NULL));
	eksl_info("%s: CertificateSigningRequest %s", t.name, csrname);
	if (eksl_k8s_csr_sign(k, csrname, csr, SIGNER, o->expiration,
	    CERT_WAIT_MS, &cert, &cl, &e) == -1) {
		status = k8s_fail(rec, t.name, &e);
		goto out;
	}
	if (eksl_cert_info(cert, cl, key, &ci, err, sizeof(err)) == -1) {
		status = fail(rec, "api", EKSL_EXIT_REFUSED, "%s: signed "
		    "certificate: %s", t.name, err);
		goto out;
	}
	if (eksl_file_replace(newcert, cert, cl, 0644, EKSL_WRITE_FORCE |
	    EKSL_WRITE_NOFOLLOW, err, sizeof(err)) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	made_cert = 1;
	snprintf(crbname, sizeof(crbname), "eksl:%s:%s", o->user, o->role);
	if (eksl_k8s_bind_cluster_role(k, crbname, o->role, o->user, &e) ==
	    -1) {
		status = k8s_fail(rec, t.name, &e);
		goto out;
	}
	/* The proof: the new certificate alone must name the user. */
	if ((kx = client(rec, &t, t.iplist[0] ? t.iplist : NULL, NULL,
	    newcert, newkey, &status)) == NULL)
		goto out;
	if (eksl_k8s_whoami(kx, &who, &e) == -1) {
		status = k8s_fail(rec, t.name, &e);
		goto out;
	}
	if (strcmp(who, o->user) != 0) {
		status = fail(rec, "api", EKSL_EXIT_REFUSED, "%s: the new "
		    "certificate authenticates as %s, not %s", t.name, who,
		    o->user);
		goto out;
	}
	if (mode == 1 && (eksl_io_rename(newkey, keyp) == -1 ||
	    eksl_io_rename(newcert, certp) == -1)) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s: cannot rename: %s",
		    keyp, strerror(errno));
		goto out;
	}
	made_key = made_cert = 0;
	eksl_info("%s: %s: certificate for %s valid until %ld", t.name, certp,
	    o->user, (long)ci.not_after);
	if (set_auth(rec, o, keyp, certp, ci.not_after) == -1)
		status = fail(rec, "io", EKSL_EXIT_IO, "out of memory");
out:
	/* Never leave a key without its certificate: the next run refuses. */
	if (made_key)
		unlink(newkey);
	if (made_cert)
		unlink(newcert);
	if (tok != NULL)
		explicit_bzero(tok, strlen(tok));
	if (kpem != NULL)
		explicit_bzero(kpem, kl);
	free(tok);
	free(kpem);
	free(csr);
	free(cert);
	free(who);
	eksl_key_free(key);
	eksl_k8s_free(k);
	eksl_k8s_free(kx);
	target_clear(&t);
	return status;
}

/* ---- check ---- */

/* Print the summary and map the outcome to an exit status. */
static int
check_report(json_t *rec, const struct target *t, const struct opts *o,
    const char *user, struct eksl_check_addr *a,
    const struct eksl_check_dns *dns, long days, const char *ts)
{
	char list[EKSL_CHECK_MAX_ADDRS * 48];
	size_t i, j, nok = 0, nref = 0, len = 0;
	int pinned = 0, deepok = 1;

	list[0] = '\0';
	for (i = 0; i < t->nips; i++) {
		nok += a[i].ok;
		nref += !a[i].ok && a[i].refused;
		deepok &= !a[i].ok || a[i].deep[0] == '\0';
		if (a[i].ok)
			eksl_warn("%s: %s: ok: tcp, tls, user %s, /version, "
			    "services; %d ms%s%s", t->name, a[i].ip, a[i].user,
			    (int)a[i].ms, a[i].deep[0] ? "; deep: " : o->deep ?
			    "; deep: ok" : "", a[i].deep);
		else
			eksl_warn("%s: %s: FAILED: %s", t->name, a[i].ip,
			    a[i].error);
	}
	/* Pinned: the resolver answers, and only with pinned addresses. */
	for (j = 0; dns->done && j < dns->n; j++) {
		for (i = 0; i < t->nips && strcmp(t->ips[i], dns->ips[j]) != 0;
		    i++)
			;
		pinned = (j == 0 || pinned) && i < t->nips;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    j ? " " : "", dns->ips[j]);
	}
	json_object_set_new(json_object_get(json_object_get(rec, "auth"),
	    "check"), "resolver", json_pack("{s:o, s:b}", "ips", json_array(),
	    "pinned", pinned));
	for (j = 0; j < dns->n; j++)
		json_array_append_new(json_object_get(json_object_get(
		    json_object_get(json_object_get(rec, "auth"), "check"),
		    "resolver"), "ips"), json_string(dns->ips[j]));
	eksl_warn("%s: certificate for %s expires %s (%ld days)", t->name,
	    user, ts, days);
	if (!dns->done)
		eksl_warn("%s: resolver: %s: no answer within %ld ms", t->name,
		    t->host, o->timeout_ms);
	else
		eksl_warn("%s: resolver: %s -> %s: %s", t->name, t->host,
		    dns->n ? list : gai_strerror(dns->rc), pinned ? "pinned" :
		    "NOT pinned");
	/* The server refuses an expired certificate, however it says so. */
	if (days < 0)
		return fail(rec, "auth", EKSL_EXIT_REFUSED, "%s: not ready: "
		    "the certificate %s expired at %s (run eksl-authcheck "
		    "prepare)", t->name, t->certp, ts);
	if (nok == 0)
		return fail(rec, nref ? "api" : "network", nref ?
		    EKSL_EXIT_REFUSED : EKSL_EXIT_UNREACHABLE, "%s: not ready: "
		    "no address works (%s)", t->name, a[0].error);
	if (nok < t->nips || days < o->warn_days || !pinned || !deepok) {
		eksl_warn("%s: degraded:%s%s%s%s", t->name, nok < t->nips ?
		    " an address fails;" : "", days < o->warn_days ?
		    " the certificate expires soon;" : "", !pinned ?
		    " the name is not pinned;" : "", !deepok ?
		    " a --deep check fails;" : "");
		return EKSL_EXIT_DEGRADED;
	}
	eksl_warn("%s: ready", t->name);
	return EKSL_EXIT_OK;
}

static int
check(json_t *rec, const struct opts *o)
{
	struct target t;
	struct eksl_check_in in;
	struct eksl_check_addr a[EKSL_CHECK_MAX_ADDRS];
	struct eksl_check_dns dns;
	struct eksl_certinfo ci;
	json_t *auth, *chk, *arr, *x;
	const char *user, *certp, *keyp;
	char err[EKSL_ERRLEN], ts[32], *cb = NULL;
	size_t i, cl = 0, nok = 0;
	long days;
	int status;

	memset(a, 0, sizeof(a));
	if ((status = target_load(rec, &t)) != EKSL_EXIT_OK)
		goto out;
	auth = json_object_get(rec, "auth");
	user = eksl_json_str(auth, "user");
	certp = eksl_json_str(auth, "cert");
	keyp = eksl_json_str(auth, "key");
	if (user == NULL || certp == NULL || keyp == NULL) {
		status = fail(rec, "input", EKSL_EXIT_INPUT, "%s: no "
		    "auth.user, auth.cert and auth.key (run eksl-authcheck "
		    "prepare)", t.name);
		goto out;
	}
	if (t.nips == 0) {
		status = fail(rec, "input", EKSL_EXIT_INPUT, "%s: no "
		    "addresses[] to check", t.name);
		goto out;
	}
	err[0] = '\0';
	if (eksl_file_read(certp, 64 * 1024, &cb, &cl, err, sizeof(err)) != 0 ||
	    eksl_cert_info(cb, cl, NULL, &ci, err, sizeof(err)) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s%s", err[0] ? "" :
		    certp, err[0] ? err : ": No such file or directory");
		goto out;
	}
	if (access(keyp, R_OK) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s: %s", keyp,
		    strerror(errno));
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.host = t.host;
	in.port = t.port;
	in.ca_pem = t.ca;
	in.ca_len = t.calen;
	in.cert_file = certp;
	in.key_file = keyp;
	in.user = user;
	in.timeout_ms = o->timeout_ms;
	in.deep = o->deep;
	for (i = 0; i < t.nips; i++)
		a[i].ip = t.ips[i];
	if (eksl_check_run(&in, a, t.nips, &dns, err, sizeof(err)) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	/* "ready" first, for people reading the record; set below. */
	if ((chk = json_object()) == NULL || (arr = json_array()) == NULL ||
	    json_object_set_new(auth, "check", chk) == -1 ||
	    json_object_set_new(chk, "ready", json_false()) == -1 ||
	    json_object_set_new(chk, "addresses", arr) == -1) {
		status = fail(rec, "io", EKSL_EXIT_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < t.nips; i++) {
		nok += a[i].ok;
		x = json_pack("{s:s, s:b, s:b, s:s?, s:i, s:s?}", "ip",
		    a[i].ip, "tcp", a[i].tcp, "tls", a[i].tls, "user",
		    a[i].user, "ms", (int)a[i].ms, "error", a[i].ok ? NULL :
		    a[i].error);
		if (x != NULL && o->deep && a[i].ok)
			json_object_set_new(x, "deep", json_string(a[i].deep[0] ?
			    a[i].deep : "ok"));
		json_array_append_new(arr, x);
	}
	days = ci.not_after > time(NULL) ?
	    (long)((ci.not_after - time(NULL)) / 86400) : -1;
	t.certp = certp;
	eksl_time_rfc3339(ci.not_after, ts, sizeof(ts));
	json_object_set_new(chk, "ready", json_boolean(nok > 0 &&
	    ci.not_after > time(NULL)));
	json_object_set_new(chk, "notAfter", json_string(ts));
	json_object_set_new(chk, "days", json_integer(days));
	status = check_report(rec, &t, o, user, a, &dns, days, ts);
out:
	eksl_check_clear(a, EKSL_CHECK_MAX_ADDRS);
	free(cb);
	target_clear(&t);
	return status;
}

static int
number(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "dir",		required_argument, NULL, 'd' },
		{ "user",		required_argument, NULL, 'u' },
		{ "group",		required_argument, NULL, 'g' },
		{ "cluster-role",	required_argument, NULL, 'r' },
		{ "expiration",		required_argument, NULL, 'e' },
		{ "key-type",		required_argument, NULL, 'k' },
		{ "renew-days",		required_argument, NULL, 'R' },
		{ "warn-days",		required_argument, NULL, 'w' },
		{ "deep",		no_argument,	   NULL, 'D' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	struct eksl_reader *rd = NULL;
	json_t *rec;
	char err[EKSL_ERRLEN], bad[64] = "";
	const char *cmd = NULL;
	int c, prep, status = EKSL_EXIT_OK, rc, n = 0, li = -1;

	eksl_msg_init(argv[0]);
	memset(&o, 0, sizeof(o));
	o.user = "eksl-offline-admin";
	o.role = "cluster-admin";
	o.expiration = 365LL * 86400;
	o.renew_days = 30;
	o.warn_days = 30;
	o.timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "+vqh", lo, NULL)) != -1) {
		switch (c) {
		case 'v':
			eksl_verbosity++;
			break;
		case 'q':
			eksl_verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			return EKSL_EXIT_OK;
		case 'V':
			eksl_print_version();
			return EKSL_EXIT_OK;
		default:
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		eksl_err("prepare or check?");
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "prepare") != 0 && strcmp(cmd, "check") != 0) {
		eksl_err("%s: not a command (prepare or check)", cmd);
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	prep = cmd[0] == 'p';
	optind++;
	while ((c = getopt_long(argc, argv, "vqh", lo, &li)) != -1) {
		if (li >= 0 && ((prep && strchr("wDt", c) != NULL) ||
		    (!prep && strchr("dugrekR", c) != NULL))) {
			snprintf(bad, sizeof(bad), "--%s", lo[li].name);
			c = '?';
		}
		li = -1;
		switch (c) {
		case 'v':
			eksl_verbosity++;
			break;
		case 'q':
			eksl_verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			return EKSL_EXIT_OK;
		case 'V':
			eksl_print_version();
			return EKSL_EXIT_OK;
		case 'D':
			o.deep = 1;
			break;
		case 'd':
			o.dir = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'r':
			o.role = optarg;
			break;
		case 'e':
			if (eksl_duration_parse(optarg, &o.expiration) == -1 ||
			    o.expiration < 600) {
				eksl_err("--expiration: %s: not a duration of "
				    "at least 600s (e.g. 90d, 24h, 3600s)",
				    optarg);
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			break;
		case 'k':
			if (eksl_keytype_parse(optarg, &o.keytype) == -1) {
				eksl_err("--key-type: %s: not ec, rsa2048 or "
				    "rsa4096", optarg);
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			break;
		case 'R':
		case 'w':
		case 't':
			if (number(optarg, c == 'R' ? &o.renew_days : c == 'w' ?
			    &o.warn_days : &o.timeout_ms) == -1 ||
			    (c == 't' && o.timeout_ms == 0)) {
				eksl_err("%s: %s: not a number", c == 'R' ?
				    "--renew-days" : c == 'w' ? "--warn-days" :
				    "--timeout", optarg);
				usage(stderr);
				return EKSL_EXIT_USAGE;
			}
			break;
		default:
			if (bad[0] != '\0')
				eksl_err("%s: not an option of %s", bad, cmd);
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		eksl_err("%s: unexpected argument", argv[optind]);
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (prep && o.dir == NULL) {
		eksl_err("prepare: --dir is required");
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (prep && (o.user[0] == '\0' || o.role[0] == '\0' ||
	    (o.group != NULL && o.group[0] == '\0'))) {
		eksl_err("--user, --group and --cluster-role must not be "
		    "empty");
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (prep && eksl_mkdirs(o.dir, 0700, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		return EKSL_EXIT_IO;
	}
	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	for (;;) {
		rc = eksl_reader_next(rd, &rec, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc == -1) {
			eksl_err("%s", err);
			status = EKSL_EXIT_WORST(status, EKSL_EXIT_INPUT);
			if (eksl_reader_failed(rd))
				break;
			continue;
		}
		n++;
		rc = prep ? prepare(rec, &o) : check(rec, &o);
		status = EKSL_EXIT_WORST(status, rc);
		if (eksl_record_write(stdout, rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			json_decref(rec);
			status = EKSL_EXIT_IO;
			break;
		}
		json_decref(rec);
	}
	eksl_reader_free(rd);
	if (n == 0 && status == EKSL_EXIT_OK)
		eksl_info("no records on stdin");
	return status;
}
