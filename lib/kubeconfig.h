/*
 * A kubeconfig file, loaded with libyaml into a tree that keeps every
 * value it does not own (other clusters, users and contexts, preferences,
 * extensions, unknown fields, explicit tags, quoting that decides a
 * scalar's type), merged by entry name, and emitted again as YAML.
 * Comments and layout are not kept; values are.  Emitting is
 * deterministic: loading what was emitted and emitting it again gives the
 * same bytes.  Errors start with the file name and carry line:column.
 */
#ifndef EKSL_KUBECONFIG_H
#define EKSL_KUBECONFIG_H

#include <stddef.h>

#include <jansson.h>

#define EKSL_KC_MAX_SIZE	(16 * 1024 * 1024)	/* largest file we load */

struct eksl_kc;

/*
 * Parse text[0..len) (the contents of the file called name) into a new
 * kubeconfig (caller frees with eksl_kc_free).  Empty text (or only
 * comments) is an empty Config.  Returns NULL with err
 * "NAME:LINE:COL: reason" when the text is not valid YAML, holds more than
 * one document, or is not a kubeconfig (root not a mapping, kind not
 * Config, apiVersion not v1, clusters/users/contexts not lists of
 * mappings).
 */
struct eksl_kc *eksl_kc_load(const char *name, const char *text, size_t len,
	    char *err, size_t errlen);
/* Free a kubeconfig; NULL is allowed. */
void	eksl_kc_free(struct eksl_kc *kc);

#define EKSL_KC_REDACT	0x01	/* replace private keys, tokens, passwords */

/*
 * The kubeconfig as YAML: a new NUL-terminated string (caller frees),
 * *lenp its length.  With EKSL_KC_REDACT, the values of client-key-data,
 * token and password become "REDACTED" (for showing, never for writing).
 * Returns NULL with err set on failure.
 */
char	*eksl_kc_dump(const struct eksl_kc *kc, int flags, size_t *lenp,
	    char *err, size_t errlen);

/* 1 when kc has a cluster entry called name, else 0. */
int	eksl_kc_has_cluster(const struct eksl_kc *kc, const char *name);
/* The current-context, or NULL when unset or empty; borrowed. */
const char *eksl_kc_current(const struct eksl_kc *kc);

/*
 * Set the cluster entry called name (created at the end of clusters when
 * absent): server and certificate-authority-data.  Other fields of an
 * existing entry stay (tls-server-name, proxy-url, extensions), except
 * certificate-authority and insecure-skip-tls-verify, which would
 * contradict the CA.  Returns 0, or -1 when out of memory.
 */
int	eksl_kc_set_cluster(struct eksl_kc *kc, const char *name,
	    const char *server, const char *ca_data);

/* An exec credential plugin (client.authentication.k8s.io/v1beta1). */
struct eksl_kc_exec {
	const char		 *command;
	const char *const	 *args;
	size_t			  nargs;
	const char		 *env_name;	/* one env entry, or NULL */
	const char		 *env_value;
	const char		 *interactive;	/* Never, IfAvailable, Always */
};

/*
 * Make the user entry called name authenticate with the exec plugin ex:
 * its exec is replaced, and the other ways to authenticate (token,
 * tokenFile, auth-provider, username, password, client certificates)
 * are removed.  Other fields stay.  Returns 0, or -1 when out of memory.
 */
int	eksl_kc_set_user_exec(struct eksl_kc *kc, const char *name,
	    const struct eksl_kc_exec *ex);

/*
 * Make the user entry called name authenticate with an x.509 client
 * certificate: with embed 0, cert and key are file paths
 * (client-certificate, client-key); with embed 1, they are base64 data
 * (client-certificate-data, client-key-data).  The other ways to
 * authenticate are removed; other fields stay.  Returns 0 or -1 (memory).
 */
int	eksl_kc_set_user_cert(struct eksl_kc *kc, const char *name,
	    const char *cert, const char *key, int embed);

/*
 * Set the context called name to cluster and user (a namespace or other
 * fields of an existing context stay).  Returns 0 or -1 (memory).
 */
int	eksl_kc_set_context(struct eksl_kc *kc, const char *name,
	    const char *cluster, const char *user);
/* Set current-context.  Returns 0 or -1 (memory). */
int	eksl_kc_set_current(struct eksl_kc *kc, const char *name);

/* How a cluster record becomes kubeconfig entries (eksl-kubeconfig's flags). */
struct eksl_kc_opts {
	const char	*alias;		/* context name, else the ARN */
	const char	*user_alias;	/* user name, else the ARN */
	const char	*role_arn;	/* passed to the token command */
	const char	*profile;	/* AWS_PROFILE for the token command */
	int		 exec_aws;	/* aws eks get-token, not eksl-token */
	int		 offline;	/* also the x.509 context */
	int		 embed;		/* embed the x.509 files' contents */
};

/*
 * Check that rec can become entries: a string arn, endpoint and ca, a
 * region (rec's, else the ARN's), and a name or id.  Returns 0, or -1 with
 * err "NAME: no endpoint" (NAME is the record's name, else its ARN).
 */
int	eksl_kc_record_check(const json_t *rec, char *err, size_t errlen);

/*
 * 1 when the token for rec is made from the cluster id: a local cluster
 * on Outposts (rec has outpost and id) that is not the instance-store
 * variant (outpost.etcdInstanceType set), as `aws eks update-kubeconfig`
 * decides from outpostConfig; 0 for the cluster name.
 */
int	eksl_kc_uses_id(const json_t *rec);

/*
 * The exec plugin's arguments for rec: written to args (at most max;
 * strings borrowed from rec and o, the region from buf), the count
 * returned.  eksl-token: --region R (--cluster-id ID | --cluster-name N)
 * [--role-arn A]; aws: --region R eks get-token (...) --output json
 * [--role-arn A].
 */
size_t	eksl_kc_exec_args(const json_t *rec, const struct eksl_kc_opts *o,
	    const char **args, size_t max, char *buf, size_t buflen);

/*
 * Merge rec (checked by eksl_kc_record_check) into kc: cluster, user and
 * context entries and current-context; with o->offline also the user
 * "<user>-offline" and context "<context>-offline" with rec's auth.cert
 * and auth.key (made absolute; with o->embed their contents).  The
 * context names are written to ctx and offctx ("" when not made).
 * Returns 0; 1 when the online context was made but the offline one was
 * not (err says why: "NAME: no auth.cert in the record"); -1 when rec
 * fails eksl_kc_record_check or memory runs out (err set).
 */
int	eksl_kc_add_record(struct eksl_kc *kc, const json_t *rec,
	    const struct eksl_kc_opts *o, char *ctx, size_t ctxlen,
	    char *offctx, size_t offctxlen, char *err, size_t errlen);

/*
 * The kubeconfig file for the cluster arn, as a new absolute path (caller
 * frees; NULL when out of memory): flag when not NULL; else, when list
 * (KUBECONFIG: paths separated by ':') names a file, the listed file that
 * holds a cluster entry called arn, else the first listed file that
 * exists, else the first listed; else home/.kube/config.
 */
char	*eksl_kc_choose_file(const char *flag, const char *list,
	    const char *home, const char *arn);

/*
 * kubectl takes current-context from the first file of a KUBECONFIG list
 * that sets one.  When a file listed before path (absolute) sets one,
 * return that file's name (a new string) with its current-context in
 * *cur (a new string); else NULL.  The caller frees both.
 */
char	*eksl_kc_earlier_current(const char *list, const char *path,
	    char **cur);

/*
 * The whole of path, base64-encoded, as a new string (caller frees; it
 * may hold a private key, so the caller wipes it).  Returns NULL with err
 * "PATH: reason".  At most max bytes are read.
 */
char	*eksl_kc_file_base64(const char *path, size_t max, char *err,
	    size_t errlen);

/*
 * The lock kubectl (client-go) takes on a kubeconfig: "<path>.lock",
 * created with O_CREAT|O_EXCL, removed when done.  eksl_kc_lock waits up to
 * timeout_ms for a lock held by someone else.  Returns 0, or -1 with err
 * "PATH.lock: cannot lock: held by another process, timed out after 10s".
 * The name of the lock file is written to lockpath (for a signal handler
 * that removes it).
 */
int	eksl_kc_lock(const char *path, int timeout_ms, char *lockpath,
	    size_t lockpathlen, char *err, size_t errlen);
/* Remove the lock taken by eksl_kc_lock. */
void	eksl_kc_unlock(const char *lockpath);

#endif
