/*
 * Keys, CSRs and certificates with OpenSSL 3 (see x509.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "msg.h"
#include "x509.h"

struct eksl_key {
	EVP_PKEY	*pkey;
};

/* "what: OpenSSL's reason", emptying OpenSSL's error queue. */
static void
ssl_err(char *err, size_t errlen, const char *what)
{
	char buf[256];
	unsigned long e;

	e = ERR_peek_last_error();
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		eksl_seterr(err, errlen, "%s: %s", what, buf);
	} else
		eksl_seterr(err, errlen, "%s", what);
	ERR_clear_error();
}

int
eksl_keytype_parse(const char *s, enum eksl_keytype *out)
{
	if (strcmp(s, "ec") == 0)
		*out = EKSL_KEY_EC;
	else if (strcmp(s, "rsa2048") == 0)
		*out = EKSL_KEY_RSA2048;
	else if (strcmp(s, "rsa4096") == 0)
		*out = EKSL_KEY_RSA4096;
	else
		return -1;
	return 0;
}

struct eksl_key *
eksl_key_generate(enum eksl_keytype t, char *err, size_t errlen)
{
	struct eksl_key *k;
	EVP_PKEY *p;

	switch (t) {
	case EKSL_KEY_EC:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case EKSL_KEY_RSA2048:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case EKSL_KEY_RSA4096:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	default:
		eksl_seterr(err, errlen, "key: unknown type");
		return NULL;
	}
	if (p == NULL) {
		ssl_err(err, errlen, "key: cannot generate");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(p);
		eksl_seterr(err, errlen, "out of memory");
		return NULL;
	}
	k->pkey = p;
	return k;
}

struct eksl_key *
eksl_key_from_pem(const char *pem, size_t len, char *err, size_t errlen)
{
	struct eksl_key *k;
	EVP_PKEY *p;
	BIO *b;

	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		return NULL;
	}
	p = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (p == NULL) {
		/* OpenSSL's reason never quotes the key itself. */
		ssl_err(err, errlen, "not a PEM private key");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(p);
		eksl_seterr(err, errlen, "out of memory");
		return NULL;
	}
	k->pkey = p;
	return k;
}

void
eksl_key_free(struct eksl_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears key material it frees */
	free(k);
}

char *
eksl_key_pem(const struct eksl_key *k, size_t *len, char *err, size_t errlen)
{
	BIO *b = NULL;
	BUF_MEM *m;
	char *out = NULL;

	/* A secure-heap-free memory BIO: wiped below before it is freed. */
	if ((b = BIO_new(BIO_s_mem())) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (PEM_write_bio_PKCS8PrivateKey(b, k->pkey, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		ssl_err(err, errlen, "key: cannot encode");
		goto out;
	}
	BIO_get_mem_ptr(b, &m);
	if ((out = malloc(m->length + 1)) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out, m->data, m->length);
	out[m->length] = '\0';
	*len = m->length;
out:
	if (BIO_get_mem_ptr(b, &m) == 1 && m != NULL && m->data != NULL)
		explicit_bzero(m->data, m->max);
	BIO_free(b);
	return out;
}

char *
eksl_csr_pem(const struct eksl_key *k, const char *cn, const char *org,
    char *err, size_t errlen)
{
	X509_REQ *req = NULL;
	X509_NAME *name;
	BIO *b = NULL;
	BUF_MEM *m;
	char *out = NULL;

	if ((req = X509_REQ_new()) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		goto out;
	}
	name = X509_REQ_get_subject_name(req);
	/* O before CN, the order openssl req -subj "/O=../CN=.." gives. */
	if ((org != NULL && X509_NAME_add_entry_by_txt(name, "O",
	    MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) != 1) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1) {
		ssl_err(err, errlen, "CSR: bad subject");
		goto out;
	}
	if (X509_REQ_set_version(req, 0) != 1 ||
	    X509_REQ_set_pubkey(req, k->pkey) != 1 ||
	    X509_REQ_sign(req, k->pkey, EVP_sha256()) <= 0) {
		ssl_err(err, errlen, "CSR: cannot sign");
		goto out;
	}
	if (PEM_write_bio_X509_REQ(b, req) != 1) {
		ssl_err(err, errlen, "CSR: cannot encode");
		goto out;
	}
	BIO_get_mem_ptr(b, &m);
	if ((out = malloc(m->length + 1)) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out, m->data, m->length);
	out[m->length] = '\0';
out:
	BIO_free(b);
	X509_REQ_free(req);
	return out;
}

static int
asn1_time(const ASN1_TIME *a, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(a, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int
eksl_cert_info(const char *pem, size_t len, const struct eksl_key *k,
    struct eksl_certinfo *info, char *err, size_t errlen)
{
	X509 *x = NULL;
	BIO *b = NULL;
	int ret = -1;

	memset(info, 0, sizeof(*info));
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		eksl_seterr(err, errlen, "out of memory");
		goto out;
	}
	if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		ssl_err(err, errlen, "not a PEM certificate");
		goto out;
	}
	if (asn1_time(X509_get0_notBefore(x), &info->not_before) == -1 ||
	    asn1_time(X509_get0_notAfter(x), &info->not_after) == -1) {
		eksl_seterr(err, errlen, "certificate: bad validity dates");
		goto out;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, info->cn, sizeof(info->cn)) < 0)
		info->cn[0] = '\0';
	if (k != NULL && X509_check_private_key(x, k->pkey) != 1) {
		ERR_clear_error();
		eksl_seterr(err, errlen, "certificate does not match the key");
		goto out;
	}
	ret = 0;
out:
	X509_free(x);
	BIO_free(b);
	return ret;
}

void
eksl_time_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}
