/*
 * eksl-authcheck prepare for one record (see authprep.h).  The
 * Kubernetes calls are lib/k8s, the key and CSR lib/x509, the EKS token
 * lib/ekstoken.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "authprep.h"
#include "authrec.h"
#include "awsconf.h"
#include "ekstoken.h"
#include "exitcodes.h"
#include "k8s.h"
#include "kubeconfig.h"
#include "msg.h"
#include "record.h"
#include "sigv4.h"
#include "x509.h"

#define CERT_WAIT_MS	60000L
#define KEY_MAX		(64 * 1024)	/* cap on a key or certificate file */

/* A client for t; ips NULL: all addresses (or the resolver). */
static struct eksl_k8s *
client(const struct eksl_auth_target *t, const char *token, const char *cert,
    const char *key, struct eksl_auth_fail *f)
{
	struct eksl_k8s_target kt;
	struct eksl_k8s *k;
	char err[EKSL_ERRLEN];

	memset(&kt, 0, sizeof(kt));
	kt.host = t->host;
	kt.port = t->port;
	kt.ips = t->iplist[0] ? t->iplist : NULL;
	kt.ca_pem = t->ca;
	kt.ca_len = t->calen;
	kt.token = token;
	kt.cert_file = cert;
	kt.key_file = key;
	kt.no_proxy = cert != NULL;
	if ((k = eksl_k8s_new(&kt, err, sizeof(err))) == NULL)
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: %s", t->name,
		    err);
	return k;
}

/* A token for rec made in-process, as eksl-token makes it (a secret). */
static char *
make_token(json_t *rec, const char *name, struct eksl_auth_fail *f)
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
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s: the token "
		    "needs region and %s", name, eksl_kc_uses_id(rec) ? "id" :
		    "name");
		return NULL;
	}
	if (eksl_awsconf_load(&ac, &ao, err, sizeof(err)) == -1) {
		eksl_auth_fail_set(f, "input", EKSL_EXIT_INPUT, "%s", err);
		goto out;
	}
	if ((rc = eksl_awsconf_credentials(&ac, err, sizeof(err))) != 0) {
		eksl_auth_fail_set(f, "auth", rc == 1 ? EKSL_EXIT_INPUT :
		    EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	if ((s = eksl_sigv4_new()) == NULL) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "sigv4: cannot "
		    "initialise");
		goto out;
	}
	if ((tok = eksl_eks_token(s, &ac.creds, region, cluster, time(NULL),
	    err, sizeof(err))) == NULL)
		eksl_auth_fail_set(f, "auth", EKSL_EXIT_IO, "%s", err);
out:
	eksl_sigv4_free(s);
	eksl_awsconf_clear(&ac);
	return tok;
}

/*
 * eksl 0.1.0 renamed the certificate first: a run of it killed between
 * its two renames left the new certificate at certp and the new key
 * still at keyp.new.  Finish that rename when the key is whole and is the
 * certificate's; anything else is left as it is.
 */
static void
finish_rename(const char *keyp, const char *certp)
{
	struct eksl_certinfo ci;
	struct eksl_key *k = NULL;
	char newkey[PATH_MAX + 8], err[EKSL_ERRLEN], *kb = NULL, *cb = NULL;
	size_t kl = 0, cl = 0;

	snprintf(newkey, sizeof(newkey), "%s.new", keyp);
	if (eksl_file_read(newkey, KEY_MAX, &kb, &kl, err, sizeof(err)) == 0 &&
	    (k = eksl_key_from_pem(kb, kl, err, sizeof(err))) != NULL &&
	    eksl_file_read(certp, KEY_MAX, &cb, &cl, err, sizeof(err)) == 0 &&
	    eksl_cert_info(cb, cl, k, &ci, err, sizeof(err)) == 0)
		(void)eksl_io_rename(newkey, keyp);
	if (kb != NULL)
		explicit_bzero(kb, kl);
	free(kb);
	free(cb);
	eksl_key_free(k);
}

/*
 * Decide what to do with the key path: 0 create it (nothing there), 1
 * renew (a key we made, with its certificate beside it, or alone: a run
 * stopped between the key's rename and the certificate's), 2 keep (that
 * certificate is valid beyond renew_days); -1 with f filled.  For 1 and
 * 2, *keyout is the key (the caller frees it).
 */
static int
existing(const char *keyp, const char *certp,
    const struct eksl_authprep_opts *o, struct eksl_certinfo *ci,
    struct eksl_key **keyout, struct eksl_auth_fail *f)
{
	struct stat st;
	struct eksl_key *k = NULL;
	char err[EKSL_ERRLEN], *kb = NULL, *cb = NULL;
	size_t kl = 0, cl = 0;
	int ret = -1;

	finish_rename(keyp, certp);
	if (lstat(keyp, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: %s", keyp,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: is not a "
		    "regular file (a symbolic link?); refusing to use it as a "
		    "key", keyp);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: not owned by "
		    "us with mode 0600; refusing to use it as a key", keyp);
		return -1;
	}
	if (eksl_file_read(keyp, KEY_MAX, &kb, &kl, err, sizeof(err)) != 0 ||
	    (k = eksl_key_from_pem(kb, kl, err, sizeof(err))) == NULL)
		goto refuse;
	/* Our key alone: the certificate's rename did not happen. */
	if (lstat(certp, &st) == -1 && errno == ENOENT) {
		eksl_logf(o->log, o->logarg, 1, "%s: no certificate beside "
		    "it; one is made for this key", keyp);
		memset(ci, 0, sizeof(*ci));
		ret = 1;
		goto keep;
	}
	if (eksl_file_read(certp, KEY_MAX, &cb, &cl, err, sizeof(err)) != 0 ||
	    eksl_cert_info(cb, cl, k, ci, err, sizeof(err)) == -1 ||
	    strcmp(ci->cn, o->user) != 0)
		goto refuse;
	ret = ci->not_after - time(NULL) > o->renew_days * 86400 ? 2 : 1;
keep:
	*keyout = k;
	k = NULL;
	goto out;
refuse:
	eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: exists and has no "
	    "matching certificate for %s at %s; refusing to use it", keyp,
	    o->user, certp);
out:
	if (kb != NULL)
		explicit_bzero(kb, kl);
	free(kb);
	free(cb);
	eksl_key_free(k);
	return ret;
}

int
eksl_authprep(json_t *rec, const struct eksl_authprep_opts *o,
    struct eksl_auth_fail *f)
{
	struct eksl_auth_target t;
	struct eksl_certinfo ci;
	struct eksl_k8s *k = NULL, *kx = NULL;
	struct eksl_k8s_error e;
	struct eksl_key *key = NULL;
	char keyp[PATH_MAX], certp[PATH_MAX], newkey[PATH_MAX + 8];
	char newcert[PATH_MAX + 8], base[200], err[EKSL_ERRLEN];
	char csrname[256], crbname[512];
	char *tok = NULL, *kpem = NULL, *csr = NULL, *cert = NULL, *who = NULL;
	size_t kl = 0, cl = 0;
	int ret = -1, mode, made_key = 0, made_cert = 0;

	if (eksl_auth_target_load(rec, &t, f) == -1)
		goto out;
	eksl_auth_k8s_name(t.name, base, sizeof(base));
	snprintf(keyp, sizeof(keyp), "%s/%s.key", o->dir, base);
	snprintf(certp, sizeof(certp), "%s/%s.crt", o->dir, base);
	if ((mode = existing(keyp, certp, o, &ci, &key, f)) == -1)
		goto out;
	/*
	 * Write beside the final names and rename at the end.  A renewal
	 * keeps the key: only the certificate changes, in one rename, so
	 * that the pair at the final names always matches (two renames
	 * could be cut between them).  A new pair renames its key first: a
	 * run stopped before the certificate's rename leaves the key alone,
	 * and the next run makes its certificate.  .new files are ours:
	 * those a stopped run left are removed.
	 */
	snprintf(newkey, sizeof(newkey), "%s.new", keyp);
	snprintf(newcert, sizeof(newcert), "%s.new", certp);
	(void)unlink(newkey);
	(void)unlink(newcert);
	if (mode == 2) {
		eksl_logf(o->log, o->logarg, 1, "%s: %s valid until beyond "
		    "%ld days; kept", t.name, certp, o->renew_days);
		if (eksl_auth_set(rec, o->user, o->group, o->role, keyp, certp,
		    ci.not_after) == -1)
			eksl_auth_fail_set(f, "io", EKSL_EXIT_IO,
			    "out of memory");
		else
			ret = 0;
		goto out;
	}
	if (mode == 0 && ((key = eksl_key_generate(o->keytype, err,
	    sizeof(err))) == NULL ||
	    (kpem = eksl_key_pem(key, &kl, err, sizeof(err))) == NULL)) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	if ((csr = eksl_csr_pem(key, o->user, o->group, err,
	    sizeof(err))) == NULL) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	if (mode == 0) {
		/* newkey is ours (unlinked above), even half made. */
		made_key = 1;
		if (eksl_file_create_excl(newkey, kpem, kl, 0600, err,
		    sizeof(err)) == -1) {
			eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s", err);
			goto out;
		}
	}
	if ((tok = make_token(rec, t.name, f)) == NULL)
		goto out;
	if ((k = client(&t, tok, NULL, NULL, f)) == NULL)
		goto out;
	eksl_k8s_set_timeout(k, 30000);
	eksl_auth_k8s_name(o->user, base, sizeof(base));
	/* The pid too: two runs within a second must not share a name. */
	snprintf(csrname, sizeof(csrname), "eksl-%s-%lld-%ld", base,
	    (long long)time(NULL), (long)getpid());
	eksl_logf(o->log, o->logarg, 1, "%s: CertificateSigningRequest %s",
	    t.name, csrname);
	if (eksl_k8s_csr_sign(k, csrname, csr, EKSL_AUTHPREP_SIGNER,
	    o->expiration, CERT_WAIT_MS, &cert, &cl, &e) == -1) {
		eksl_auth_fail_k8s(f, t.name, &e);
		goto out;
	}
	if (eksl_cert_info(cert, cl, key, &ci, err, sizeof(err)) == -1) {
		eksl_auth_fail_set(f, "api", EKSL_EXIT_REFUSED, "%s: signed "
		    "certificate: %s", t.name, err);
		goto out;
	}
	/* Set first: a failed directory fsync leaves the file renamed. */
	made_cert = 1;
	if (eksl_file_replace(newcert, cert, cl, 0644, EKSL_WRITE_FORCE |
	    EKSL_WRITE_NOFOLLOW, err, sizeof(err)) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s", err);
		goto out;
	}
	snprintf(crbname, sizeof(crbname), "eksl:%s:%s", o->user, o->role);
	if (eksl_k8s_bind_cluster_role(k, crbname, o->role, o->user, &e) ==
	    -1) {
		eksl_auth_fail_k8s(f, t.name, &e);
		goto out;
	}
	/* The proof: the new certificate alone must name the user. */
	if ((kx = client(&t, NULL, newcert, mode == 0 ? newkey : keyp,
	    f)) == NULL)
		goto out;
	if (eksl_k8s_whoami(kx, &who, &e) == -1) {
		eksl_auth_fail_k8s(f, t.name, &e);
		goto out;
	}
	if (strcmp(who, o->user) != 0) {
		eksl_auth_fail_set(f, "api", EKSL_EXIT_REFUSED, "%s: the new "
		    "certificate authenticates as %s, not %s", t.name, who,
		    o->user);
		goto out;
	}
	if (mode == 0 && eksl_io_rename(newkey, keyp) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: cannot rename: "
		    "%s", keyp, strerror(errno));
		goto out;
	}
	/* From here the key is at its name: the next run reuses it. */
	made_key = 0;
	if (eksl_io_rename(newcert, certp) == -1) {
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "%s: cannot rename: "
		    "%s", certp, strerror(errno));
		goto out;
	}
	made_cert = 0;
	eksl_logf(o->log, o->logarg, 1, "%s: %s: certificate for %s valid "
	    "until %ld", t.name, certp, o->user, (long)ci.not_after);
	if (eksl_auth_set(rec, o->user, o->group, o->role, keyp, certp,
	    ci.not_after) == -1)
		eksl_auth_fail_set(f, "io", EKSL_EXIT_IO, "out of memory");
	else
		ret = 0;
out:
	/* A new key that never reached its name goes. */
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
	eksl_auth_target_clear(&t);
	return ret;
}
