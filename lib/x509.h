/*
 * Client keys, certificate signing requests and certificates (OpenSSL):
 * what eksl-authcheck needs to obtain offline credentials.  Private keys
 * are secrets: the PEM text returned here is wiped by the caller.
 */
#ifndef EKSL_X509_H
#define EKSL_X509_H

#include <stddef.h>
#include <time.h>

enum eksl_keytype {
	EKSL_KEY_EC = 0,	/* EC P-256 (the default) */
	EKSL_KEY_RSA2048,
	EKSL_KEY_RSA4096,
};

struct eksl_key;

/* Parse "ec", "rsa2048" or "rsa4096".  Returns 0, or -1 when unknown. */
int	eksl_keytype_parse(const char *s, enum eksl_keytype *out);

/* A new private key of type t; NULL with err set. */
struct eksl_key *eksl_key_generate(enum eksl_keytype t, char *err,
	    size_t errlen);

/*
 * Load a private key from PEM text; NULL with err set (err never holds
 * key material).
 */
struct eksl_key *eksl_key_from_pem(const char *pem, size_t len, char *err,
	    size_t errlen);

/* Wipe and free a key; NULL is allowed. */
void	eksl_key_free(struct eksl_key *k);

/*
 * The key as unencrypted PKCS#8 PEM: a new buffer of *len bytes plus a
 * NUL (a secret: the caller wipes it with explicit_bzero and frees it),
 * or NULL with err set.
 */
char	*eksl_key_pem(const struct eksl_key *k, size_t *len, char *err,
	    size_t errlen);

/*
 * A PEM certificate signing request signed by k, subject CN=cn and, when
 * org is not NULL, O=org.  Returns a new string (caller frees) or NULL
 * with err set.
 */
char	*eksl_csr_pem(const struct eksl_key *k, const char *cn,
	    const char *org, char *err, size_t errlen);

/* What eksl needs to know of a certificate. */
struct eksl_certinfo {
	time_t	 not_before;
	time_t	 not_after;
	char	 cn[256];	/* subject CN, "" when none */
};

/*
 * Read the first certificate of PEM text into info.  When k is not NULL
 * the certificate's public key must be k's.  Returns 0, or -1 with err
 * set ("certificate does not match the key", an OpenSSL reason...).
 */
int	eksl_cert_info(const char *pem, size_t len, const struct eksl_key *k,
	    struct eksl_certinfo *info, char *err, size_t errlen);

/* Format t as RFC 3339 UTC ("2026-11-28T14:00:00Z") into buf. */
void	eksl_time_rfc3339(time_t t, char *buf, size_t len);

#endif
