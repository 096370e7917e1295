/*
 * eksl-token: the kubectl exec credential plugin for EKS.  It prints an
 * ExecCredential whose token is a presigned STS GetCallerIdentity URL.
 * Making the token is signing only: no network, no TLS, no CA bundle
 * (with --role-arn, eksl-provision assume-role does the network part in
 * a child process, so this program never links libcurl).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "awsconf.h"
#include "ekstoken.h"
#include "execinfo.h"
#include "exitcodes.h"
#include "msg.h"
#include "sigv4.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-token (--cluster-name NAME | --cluster-id ID) "
	    "[--region R]\n"
	    "                  [--role-arn ARN] [--profile P] [-v] [-q]\n"
	    "       eksl-token --help | --version\n");
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char msg[EKSL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eksl_err("%s", msg);
	usage(stderr);
	return EKSL_EXIT_USAGE;
}

/* 1 when arn looks like an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/X). */
static int
role_arn_valid(const char *arn)
{
	const char *p;
	int colons = 0;

	if (strncmp(arn, "arn:", 4) != 0)
		return 0;
	for (p = arn; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
		if (*p == ':')
			colons++;
	}
	return colons == 5 && strstr(arn, ":iam::") != NULL &&
	    strstr(arn, ":role/") != NULL;
}

/*
 * Assume role_arn through "eksl-provision assume-role", which prints
 * credential_process JSON on a pipe to us.  The sibling of this program is
 * preferred, as the eksl dispatcher does; else PATH.
 */
static int
assume_role(const char *role_arn, const char *profile, const char *region,
    time_t now, struct eksl_creds *out, char *err, size_t errlen)
{
	char self[PATH_MAX], prog[PATH_MAX], session[64], *slash;
	char *argv[12];
	ssize_t n;
	int i = 0;

	snprintf(prog, sizeof(prog), "eksl-provision");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(prog, sizeof(prog),
			    "%s/eksl-provision", self) >= sizeof(prog) ||
			    access(prog, X_OK) != 0)
				snprintf(prog, sizeof(prog), "eksl-provision");
		}
	}
	snprintf(session, sizeof(session), "eksl-token-%lld", (long long)now);
	argv[i++] = prog;
	argv[i++] = "assume-role";
	argv[i++] = "--role-arn";
	argv[i++] = (char *)role_arn;
	argv[i++] = "--session-name";
	argv[i++] = session;
	if (profile != NULL) {
		argv[i++] = "--profile";
		argv[i++] = (char *)profile;
	}
	if (region != NULL) {
		argv[i++] = "--region";
		argv[i++] = (char *)region;
	}
	argv[i] = NULL;
	eksl_info("assuming %s (session %s) with %s", role_arn, session, prog);
	return eksl_awsconf_run_process(argv, out, err, errlen);
}

/*
 * The exit status for a failed assume-role: the child's own when it is
 * one of bad input, refused, unreachable or I/O (so a script sees why),
 * else refused.
 */
static int
child_status(const char *err)
{
	const char *p;
	long st;

	if ((p = strstr(err, "exited with status ")) == NULL)
		return EKSL_EXIT_REFUSED;
	st = strtol(p + strlen("exited with status "), NULL, 10);
	if (st >= EKSL_EXIT_INPUT && st <= EKSL_EXIT_IO)
		return (int)st;
	return EKSL_EXIT_REFUSED;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "cluster-name", required_argument, NULL, 'n' },
		{ "cluster-id", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "role-arn", required_argument, NULL, 'a' },
		{ "profile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct eksl_awsopts ao;
	struct eksl_awsconf conf;
	struct eksl_creds rolecreds;
	const struct eksl_creds *creds;
	struct eksl_sigv4 *sv = NULL;
	const char *name = NULL, *id = NULL, *role = NULL, *api;
	char err[EKSL_ERRLEN], expires[32], *token = NULL;
	struct tm tm;
	time_t now;
	int ch, rc = EKSL_EXIT_INPUT;

	eksl_msg_init(argv[0]);
	memset(&ao, 0, sizeof(ao));
	memset(&conf, 0, sizeof(conf));
	memset(&rolecreds, 0, sizeof(rolecreds));
	while ((ch = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'r':
			ao.region = optarg;
			break;
		case 'a':
			role = optarg;
			break;
		case 'p':
			ao.profile = optarg;
			break;
		case 'v':
			if (eksl_verbosity < 2)
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
	if (optind < argc)
		return usage_error("%s: unexpected argument", argv[optind]);
	if ((name == NULL) == (id == NULL))
		return usage_error("give exactly one of --cluster-name and "
		    "--cluster-id");
	if (*(name != NULL ? name : id) == '\0')
		return usage_error("the cluster %s is empty",
		    name != NULL ? "name" : "id");
	if (ao.region != NULL && !eksl_aws_region_valid(ao.region))
		return usage_error("%s: not a valid region", ao.region);
	if (role != NULL && !role_arn_valid(role))
		return usage_error("%s: not an IAM role ARN", role);
	if ((api = eksl_execinfo_api_version(getenv("KUBERNETES_EXEC_INFO"),
	    err, sizeof(err))) == NULL) {
		eksl_err("%s", err);
		return EKSL_EXIT_INPUT;
	}

	if (eksl_awsconf_load(&conf, &ao, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		goto out;
	}
	if (conf.region == NULL) {
		eksl_err("no region: use --region, AWS_REGION, "
		    "AWS_DEFAULT_REGION or the profile's region");
		goto out;
	}
	if (!eksl_aws_region_valid(conf.region)) {
		eksl_err("%s: not a valid region", conf.region);
		goto out;
	}
	now = time(NULL);
	if (role != NULL) {
		if (assume_role(role, ao.profile, conf.region, now, &rolecreds,
		    err, sizeof(err)) == -1) {
			eksl_err("--role-arn %s: %s", role, err);
			rc = child_status(err);
			goto out;
		}
		creds = &rolecreds;
		eksl_info("credentials: assumed role %s", role);
	} else {
		if (eksl_awsconf_credentials(&conf, err, sizeof(err)) != 0) {
			eksl_err("%s", err);
			goto out;
		}
		creds = &conf.creds;
		eksl_msg_redact(creds->secret_key);
		eksl_msg_redact(creds->session_token);
		eksl_info("credentials: %s, profile %s",
		    conf.creds_source != NULL ? conf.creds_source : "?",
		    conf.profile != NULL ? conf.profile : "default");
	}

	if ((sv = eksl_sigv4_new()) == NULL) {
		eksl_err("cannot set up HMAC-SHA256 in OpenSSL");
		rc = EKSL_EXIT_IO;
		goto out;
	}
	if ((token = eksl_eks_token(sv, creds, conf.region, name != NULL ?
	    name : id, now, err, sizeof(err))) == NULL) {
		eksl_err("%s", err);
		goto out;
	}
	now += EKSL_TOKEN_LIFETIME;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm) ==
	    0) {
		eksl_err("cannot format the expiration time");
		goto out;
	}
	eksl_info("token for cluster %s %s in %s, %s, expires %s",
	    name != NULL ? "name" : "id", name != NULL ? name : id,
	    conf.region, api, expires);
	/* The token is base64url and api one of two constants: no escaping. */
	if (printf("{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\","
	    "\"spec\":{},\"status\":{\"expirationTimestamp\":\"%s\","
	    "\"token\":\"%s\"}}\n", api, expires, token) < 0 ||
	    fflush(stdout) == EOF) {
		eksl_err("stdout: %s", strerror(errno));
		rc = EKSL_EXIT_IO;
		goto out;
	}
	rc = EKSL_EXIT_OK;
out:
	if (token != NULL) {
		OPENSSL_cleanse(token, strlen(token));
		free(token);
	}
	eksl_sigv4_free(sv);
	eksl_creds_clear(&rolecreds);
	eksl_awsconf_clear(&conf);
	return rc;
}
