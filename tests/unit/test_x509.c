/*
 * lib/x509 and lib/duration: key types, keys, CSRs, certificate dates and
 * the key match, command-line durations.  Table-driven.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "duration.h"
#include "tap.h"
#include "x509.h"

static const struct {
	const char	*in;
	int		 ok;
	long long	 secs;
} durations[] = {
	{ "3600", 1, 3600 },
	{ "3600s", 1, 3600 },
	{ "30m", 1, 1800 },
	{ "24h", 1, 86400 },
	{ "90d", 1, 90LL * 86400 },
	{ "365d", 1, 365LL * 86400 },
	{ "", 0, 0 },
	{ "0", 0, 0 },
	{ "-5d", 0, 0 },
	{ "5w", 0, 0 },
	{ "5dd", 0, 0 },
	{ "d", 0, 0 },
	{ " 5d", 0, 0 },
	{ "99999999999999999999", 0, 0 },
	{ "40000d", 0, 0 },
};

static const struct {
	const char	*in;
	int		 ok;
	enum eksl_keytype t;
	const char	*pem_has;	/* in "openssl pkey -text" terms */
	int		 bits;
} keytypes[] = {
	{ "ec", 1, EKSL_KEY_EC, "EC", 256 },
	{ "rsa2048", 1, EKSL_KEY_RSA2048, "RSA", 2048 },
	{ "rsa4096", 0, EKSL_KEY_RSA4096, NULL, 0 },	/* parse only: slow */
	{ "RSA2048", 0, EKSL_KEY_EC, NULL, 0 },
	{ "dsa", 0, EKSL_KEY_EC, NULL, 0 },
	{ "", 0, EKSL_KEY_EC, NULL, 0 },
};

/* Sign csr_pem with key as a self-made CA, valid for secs. */
static char *
sign(const char *csr_pem, const struct eksl_key *keyobj, const char *keypem,
    long secs)
{
	BIO *b = BIO_new_mem_buf(csr_pem, -1), *kb, *out;
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	EVP_PKEY *k;
	X509 *x = X509_new();
	BUF_MEM *m;
	char *s = NULL;

	(void)keyobj;
	kb = BIO_new_mem_buf(keypem, -1);
	k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_subject_name(x, X509_REQ_get_subject_name(req));
	X509_set_issuer_name(x, X509_REQ_get_subject_name(req));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), secs);
	X509_set_pubkey(x, X509_REQ_get0_pubkey(req));
	X509_sign(x, k, EVP_sha256());
	out = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(out, x);
	BIO_get_mem_ptr(out, &m);
	s = strndup(m->data, m->length);
	BIO_free(out);
	BIO_free(b);
	BIO_free(kb);
	EVP_PKEY_free(k);
	X509_REQ_free(req);
	X509_free(x);
	return s;
}

int
main(void)
{
	struct eksl_key *k, *k2;
	struct eksl_certinfo ci;
	enum eksl_keytype t;
	char err[512], *pem, *pem2, *csr, *cert, ts[32];
	long long secs;
	size_t i, len, len2;
	time_t now = time(NULL);

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		secs = -1;
		if (durations[i].ok)
			tap_ok(eksl_duration_parse(durations[i].in, &secs) == 0 &&
			    secs == durations[i].secs, "duration \"%s\" = %lld",
			    durations[i].in, durations[i].secs);
		else
			tap_ok(eksl_duration_parse(durations[i].in, &secs) == -1,
			    "duration \"%s\" refused", durations[i].in);
	}
	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++) {
		int rc = eksl_keytype_parse(keytypes[i].in, &t);

		if (strcmp(keytypes[i].in, "rsa4096") == 0) {
			tap_ok(rc == 0 && t == EKSL_KEY_RSA4096,
			    "key type rsa4096 parses");
			continue;
		}
		tap_ok(keytypes[i].ok ? rc == 0 && t == keytypes[i].t : rc == -1,
		    "key type \"%s\" %s", keytypes[i].in, keytypes[i].ok ?
		    "parses" : "refused");
		if (!keytypes[i].ok)
			continue;
		k = eksl_key_generate(t, err, sizeof(err));
		tap_ok(k != NULL, "%s: key generated", keytypes[i].in);
		if (k == NULL)
			continue;
		pem = eksl_key_pem(k, &len, err, sizeof(err));
		tap_ok(pem != NULL && strncmp(pem, "-----BEGIN PRIVATE KEY-----",
		    27) == 0 && strlen(pem) == len, "%s: PKCS#8 PEM",
		    keytypes[i].in);
		k2 = pem != NULL ? eksl_key_from_pem(pem, len, err,
		    sizeof(err)) : NULL;
		tap_ok(k2 != NULL, "%s: PEM loads back", keytypes[i].in);
		csr = eksl_csr_pem(k, "eksl-offline-admin", "ops", err,
		    sizeof(err));
		tap_ok(csr != NULL && strstr(csr, "CERTIFICATE REQUEST") !=
		    NULL, "%s: CSR made", keytypes[i].in);
		cert = csr != NULL ? sign(csr, k, pem, 90L * 86400) : NULL;
		tap_ok(cert != NULL && eksl_cert_info(cert, strlen(cert), k2,
		    &ci, err, sizeof(err)) == 0, "%s: certificate matches the "
		    "key", keytypes[i].in);
		tap_streq(ci.cn, "eksl-offline-admin", "CN from the CSR");
		tap_ok(ci.not_after >= now + 90L * 86400 - 5 &&
		    ci.not_after <= now + 90L * 86400 + 5,
		    "%s: notAfter read", keytypes[i].in);
		/* Another key does not match. */
		eksl_key_free(k2);
		k2 = eksl_key_generate(EKSL_KEY_EC, err, sizeof(err));
		tap_ok(cert != NULL && eksl_cert_info(cert, strlen(cert), k2,
		    &ci, err, sizeof(err)) == -1 && strcmp(err,
		    "certificate does not match the key") == 0,
		    "%s: another key is refused", keytypes[i].in);
		if (pem != NULL)
			explicit_bzero(pem, len);
		free(pem);
		free(csr);
		free(cert);
		eksl_key_free(k);
		eksl_key_free(k2);
	}
	tap_ok(eksl_cert_info("junk", 4, NULL, &ci, err, sizeof(err)) == -1 &&
	    strncmp(err, "not a PEM certificate", 21) == 0,
	    "junk is not a certificate (%s)", err);
	pem2 = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	len2 = strlen(pem2);
	tap_ok(eksl_key_from_pem(pem2, len2, err, sizeof(err)) == NULL &&
	    strstr(err, "AAAA") == NULL, "a bad key is refused without "
	    "quoting it (%s)", err);
	eksl_time_rfc3339(86400 * 365, ts, sizeof(ts));
	tap_streq(ts, "1971-01-01T00:00:00Z", "RFC 3339 time");
	(void)tap_skip;	/* nothing here is ever skipped */
	return tap_done();
}
