/*
 * AWS Signature Version 4: header signing and presigned URLs.
 * Passes both official suites in shared/testdata/sigv4 byte for byte.
 * Nothing is fetched per call: SHA-256 comes from OpenSSL's plain
 * SHA256_* functions (no EVP provider set-up, so eksl-token starts fast),
 * and the context keeps the last derived signing key.
 */
#ifndef EKSL_SIGV4_H
#define EKSL_SIGV4_H

#include <stddef.h>
#include <time.h>

/* Credentials.  Secrets are wiped when freed. */
struct eksl_creds {
	char	*access_key;
	char	*secret_key;
	char	*session_token;	/* NULL when none */
	time_t	 expiration;	/* 0 when they do not expire */
};
/* Wipe and free the members (not c itself); c may be reused. */
void	eksl_creds_clear(struct eksl_creds *c);

struct eksl_header {
	const char	*name;
	const char	*value;
};

/*
 * A request to sign.  path and query are exactly as they go on the wire
 * (query without '?', NULL or "" when none).  headers must include Host.
 */
struct eksl_sigv4_request {
	const char		*method;
	const char		*path;
	const char		*query;
	const struct eksl_header *headers;
	size_t			 nheaders;
	const void		*body;
	size_t			 bodylen;
};

struct eksl_sigv4_params {
	const struct eksl_creds	*creds;
	const char	*region;
	const char	*service;
	time_t		 when;
	/*
	 * 1: remove "." and ".." segments and merge "//" (every service
	 * but S3).  Either way the path is URI-encoded once more as sent
	 * ("%20" signs as "%2520"), the double encoding of every service
	 * but S3; S3's single encoding is not offered.
	 */
	int		 normalize_path;
	int		 sign_body;		/* add x-amz-content-sha256 */
	int		 omit_session_token;	/* add the token after signing */
	long		 expires;		/* presign: X-Amz-Expires */
};

/*
 * What signing produced.  All strings are owned by the result.
 * add_headers are the headers the caller must add to the request (header
 * mode: X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256,
 * Authorization, as applicable); query is the whole signed query string
 * (presign mode: the original parameters plus X-Amz-*).
 */
struct eksl_sigv4_result {
	char		*canonical_request;
	char		*string_to_sign;
	char		 signature[65];
	struct eksl_header add_headers[4];	/* name/value owned */
	size_t		 nadd;
	char		*query;			/* presign only */
};

struct eksl_sigv4;

/*
 * SHA-256 of p into out, without EVP: it allocates nothing, so it cannot
 * fail.
 */
void	eksl_sha256(const void *p, size_t len, unsigned char out[32]);

/* A signing context (fetched algorithms); NULL on failure. */
struct eksl_sigv4 *eksl_sigv4_new(void);
void	eksl_sigv4_free(struct eksl_sigv4 *s);

/* Header signing.  Returns 0, or -1 with err set. */
int	eksl_sigv4_sign(struct eksl_sigv4 *s,
	    const struct eksl_sigv4_request *req,
	    const struct eksl_sigv4_params *p, struct eksl_sigv4_result *out,
	    char *err, size_t errlen);

/* Query (presigned URL) signing.  Returns 0, or -1 with err set. */
int	eksl_sigv4_presign(struct eksl_sigv4 *s,
	    const struct eksl_sigv4_request *req,
	    const struct eksl_sigv4_params *p, struct eksl_sigv4_result *out,
	    char *err, size_t errlen);

/* Free the strings of a result (not r itself). */
void	eksl_sigv4_result_clear(struct eksl_sigv4_result *r);

#endif
