/*
 * The AWS transport over lib/http: REST-JSON (EKS) and Query (EC2, IAM,
 * STS, Outposts answer XML or JSON) requests, signed with SigV4, with the
 * standard retry mode (3 attempts, exponential backoff with jitter capped
 * at 20 s, retry on throttling, 5xx and connection errors, re-signed each
 * attempt), clock-skew correction, timeouts and redacted -v logging.
 */
#ifndef EKSL_AWS_H
#define EKSL_AWS_H

#include <jansson.h>

#include "awsconf.h"
#include "xml.h"

/* Outcome classes, mapped by programs onto the exit table. */
enum eksl_aws_status {
	EKSL_AWS_OK = 0,
	EKSL_AWS_REFUSED,	/* API error answer (4xx/5xx after retries) */
	EKSL_AWS_UNREACHABLE,	/* DNS, TCP, TLS, timeout */
	EKSL_AWS_LOCAL,		/* could not even build or sign the request */
};

struct eksl_aws_error {
	enum eksl_aws_status status;
	long	 http_status;	/* 0 when no answer */
	char	 code[128];	/* AWS error code, e.g. "ThrottlingException" */
	char	 message[512];	/* the AWS message, or the transport's reason */
	int	 attempts;
};

/* The longest server-provided text an error message keeps. */
#define EKSL_AWS_MSGMAX	200

struct eksl_aws;

/*
 * A client for one configuration; borrows c (which must outlive it).
 * log (may be NULL) receives -v lines (level 1) and -vv lines (level 2),
 * with secrets redacted.  Returns NULL with err set.
 */
struct eksl_aws *eksl_aws_new(struct eksl_awsconf *c,
	    void (*log)(int level, const char *line, void *arg), void *logarg,
	    char *err, size_t errlen);
void	eksl_aws_free(struct eksl_aws *a);

/* Per-request connect and total timeouts in ms (defaults 5000, 30000). */
void	eksl_aws_set_timeouts(struct eksl_aws *a, long connect_ms,
	    long total_ms);

/*
 * A REST-JSON call: method, path (e.g. "/clusters/NAME"), optional query,
 * optional JSON body (borrowed).  On success returns 0 and a new reference
 * in *out (an empty object for an empty body).  On failure returns -1 and
 * fills e (code/message parsed from the JSON error answer).
 */
int	eksl_aws_json(struct eksl_aws *a, const char *service,
	    const char *method, const char *path, const char *query,
	    json_t *body, json_t **out, struct eksl_aws_error *e);

/*
 * A Query call (POST form Action=...&Version=...&params).  params is a
 * NULL-terminated array of key, value pairs (values are encoded here).
 * On success returns 0 and *out is the parsed XML document (caller frees
 * with eksl_xml_free).  On failure returns -1 and fills e from the XML
 * error.
 */
int	eksl_aws_query(struct eksl_aws *a, const char *service,
	    const char *action, const char *version, const char *const *params,
	    struct eksl_xml **out, struct eksl_aws_error *e);

/*
 * One call of a batch run by eksl_aws_run: a REST-JSON call when action
 * is NULL (method, path, query, body as for eksl_aws_json), else a Query
 * call (action, version, params as for eksl_aws_query).  The inputs are
 * borrowed.  eksl_aws_run sets json (REST-JSON) or xml (Query) on success,
 * NULL otherwise (the caller owns and frees them), and e always.
 */
struct eksl_aws_call {
	const char	*service;
	const char	*method;
	const char	*path;
	const char	*query;
	json_t		*body;
	const char	*action;
	const char	*version;
	const char *const *params;
	json_t		*json;
	struct eksl_xml	*xml;
	struct eksl_aws_error e;
};

/*
 * Run n independent calls at once over the client's connections, each
 * with its own retries, and wait for all of them.  Returns the number of
 * calls that failed (0 when all succeeded); see each call's e.
 */
size_t	eksl_aws_run(struct eksl_aws *a, struct eksl_aws_call *calls,
	    size_t n);

/*
 * The code and message of an error answer (HTTP status, the
 * x-amzn-ErrorType header or NULL, the body as a C string, JSON or XML)
 * into e->code and e->message, with a fallback from the status; other
 * members of e are untouched.  The code keeps letters, digits and "._-"
 * (64 at most); the message has control characters replaced, secret
 * values after secret names shown as "<redacted>" and is cut to about
 * EKSL_AWS_MSGMAX bytes.  Pure: no network, for tests and fuzzing.
 */
void	eksl_aws_parse_error(long status, const char *errtype,
	    const char *body, struct eksl_aws_error *e);

/*
 * STS AssumeRole: temporary credentials for role_arn into *out (cleared
 * first).  session is the RoleSessionName; duration in seconds (0: the
 * service default).  Returns 0 or -1 with e filled.
 */
int	eksl_sts_assume_role(struct eksl_aws *a, const char *role_arn,
	    const char *session, int duration, struct eksl_creds *out,
	    struct eksl_aws_error *e);

/*
 * STS GetCallerIdentity: the caller's ARN (and account) as new strings
 * (caller frees; account may be NULL).  Returns 0 or -1 with e filled.
 */
int	eksl_sts_caller(struct eksl_aws *a, char **arn, char **account,
	    struct eksl_aws_error *e);

/*
 * A copy of text (a body, a form, headers) with the value after each
 * secret name (SecretAccessKey, SessionToken, Authorization, Password,
 * PrivateKey, ...) replaced by "[redacted]"; a new string (caller frees)
 * or NULL when out of memory.
 */
char	*eksl_aws_redact(const char *text);

/* Map an outcome onto the exit table (EKSL_EXIT_*). */
int	eksl_aws_exit_code(const struct eksl_aws_error *e);

#endif
