/*
 * AWS configuration as the AWS CLI reads it: credentials, region,
 * endpoints and CA bundle, from flags, the environment and the shared
 * files (~/.aws/credentials, ~/.aws/config).
 */
#ifndef EKSL_AWSCONF_H
#define EKSL_AWSCONF_H

#include "sigv4.h"

/* What the command line gave; NULL members are unset. */
struct eksl_awsopts {
	const char	*profile;	/* --profile */
	const char	*region;	/* --region */
	const char	*endpoint_url;	/* --endpoint-url, for every service */
};

struct eksl_awsconf {
	char		*profile;	/* the profile in use; NULL: default */
	int		 profile_explicit; /* --profile or AWS_PROFILE given */
	char		*region;	/* NULL when none found */
	char		*ca_bundle;	/* AWS_CA_BUNDLE or profile ca_bundle */
	struct eksl_creds creds;	/* filled by eksl_awsconf_credentials */
	char		*creds_source;	/* "env", "shared-credentials-file", ... */
	/* private: what was read, for endpoints and retries */
	char		*endpoint_url;
	void		*priv;
};

/*
 * Resolve profile and region (flag, AWS_REGION, AWS_DEFAULT_REGION,
 * profile's region) and read the shared files.  Credentials are not
 * loaded yet.  Returns 0, or -1 with err set (e.g. a malformed file with
 * its "path:line").  A missing file is not an error.
 */
int	eksl_awsconf_load(struct eksl_awsconf *c, const struct eksl_awsopts *o,
	    char *err, size_t errlen);

/*
 * The same as eksl_awsconf_load with the shared files' text given instead
 * of read (creds and config may be NULL for an absent file; both are
 * borrowed); messages name them "credentials" and "config".  For tests
 * and fuzzing: only the environment is read.
 */
int	eksl_awsconf_load_mem(struct eksl_awsconf *c,
	    const struct eksl_awsopts *o, const char *creds, size_t credslen,
	    const char *config, size_t configlen, char *err, size_t errlen);
/*
 * Load credentials like the CLI: environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) unless --profile was given
 * (AWS_PROFILE does not hide them, as in the CLI), then the profile's
 * keys in the credentials file, then its credential_process, then its
 * keys in the config file.  Returns 0; 1 when none were found (err says
 * where it looked); -1 on error (err set; never contains a secret).
 */
int	eksl_awsconf_credentials(struct eksl_awsconf *c, char *err,
	    size_t errlen);

/*
 * The endpoint URL for service ("eks", "ec2", "iam", "sts", "outposts"):
 * --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * profile's endpoint_url, else the regional default
 * (https://eks.REGION.amazonaws.com, iam is global).  Returns a new
 * string (caller frees) or NULL when no region is known.
 */
char	*eksl_awsconf_endpoint(const struct eksl_awsconf *c,
	    const char *service);

/*
 * Run argv (no shell; argv[0] looked up on PATH) and read credentials in
 * the credential_process format (JSON: Version 1, AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration) from its stdout, with a cap
 * on size and time.  The profile's credential_process string is split
 * into argv the way the AWS CLI splits it.  Returns 0, or -1 with err set
 * (never a secret; the child's stderr passes through).
 */
int	eksl_awsconf_run_process(char *const argv[], struct eksl_creds *out,
	    char *err, size_t errlen);

/*
 * Read credentials in the credential_process format from text (what the
 * process printed; prog names it in messages).  Returns 0 with *out
 * replaced (the caller clears it), or -1 with err set (never quoting the
 * text) and *out untouched.
 */
int	eksl_awsconf_process_json(const char *text, const char *prog,
	    struct eksl_creds *out, char *err, size_t errlen);
/*
 * Parse an RFC 3339 time ("2026-11-28T15:00:00Z", with fractions or an
 * offset) into *out.  Returns 0, or -1 when s is not one.
 */
int	eksl_time_parse_rfc3339(const char *s, time_t *out);

/* The DNS suffix of region's partition ("amazonaws.com", "amazonaws.com.cn"...). */
const char *eksl_aws_dns_suffix(const char *region);

/* 1 when region looks like a real region id ("us-west-2"), else 0. */
int	eksl_aws_region_valid(const char *region);

/* Free everything, wiping credentials. */
void	eksl_awsconf_clear(struct eksl_awsconf *c);

#endif
