/*
 * lib/awsconf: the credentials chain, region, endpoints and the shared
 * file parser, table-driven over temporary files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsconf.h"
#include "tap.h"

#define SECRET	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct tcase {
	const char	*name;
	const char	*creds;		/* credentials file, NULL: absent */
	const char	*config;	/* config file, NULL: absent */
	const char	*env;		/* "K=V\n..." set for the case */
	const char	*profile;	/* --profile */
	const char	*region;	/* --region */
	const char	*endpoint;	/* --endpoint-url */
	int		 load_rc;	/* eksl_awsconf_load */
	int		 cred_rc;	/* eksl_awsconf_credentials */
	const char	*err;		/* substring of the error, or NULL */
	const char	*ak;		/* expected access key */
	const char	*token;		/* expected session token */
	const char	*source;
	const char	*want_region;
	const char	*eks;		/* eksl_awsconf_endpoint(eks) */
	const char	*iam;
	const char	*ca;
};

static const char *envnames[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_EKS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
	"AWS_CA_BUNDLE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", NULL
};

static const struct tcase cases[] = {
	{ "env credentials win over the default profile",
	  "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = x\n",
	  NULL, "AWS_ACCESS_KEY_ID=AKENV\nAWS_SECRET_ACCESS_KEY=" SECRET
	  "\nAWS_SESSION_TOKEN=TOK\nAWS_REGION=us-west-2\n", NULL, NULL, NULL,
	  0, 0, NULL, "AKENV", "TOK", "env", "us-west-2",
	  "https://eks.us-west-2.amazonaws.com", "https://iam.amazonaws.com",
	  NULL },
	{ "env credentials win over AWS_PROFILE too (as the CLI)",
	  "[p1]\naws_access_key_id = AKP1\naws_secret_access_key = x\n",
	  NULL, "AWS_ACCESS_KEY_ID=AKENV\nAWS_SECRET_ACCESS_KEY=s\n"
	  "AWS_PROFILE=p1\n", NULL, NULL, NULL,
	  0, 0, NULL, "AKENV", NULL, "env", NULL, NULL,
	  "https://iam.amazonaws.com", NULL },
	{ "--profile skips the environment",
	  "[p1]\naws_access_key_id = AKP1\naws_secret_access_key = x\n"
	  "aws_session_token = T1\n",
	  NULL, "AWS_ACCESS_KEY_ID=AKENV\nAWS_SECRET_ACCESS_KEY=s\n", "p1",
	  "eu-central-1", NULL,
	  0, 0, NULL, "AKP1", "T1", "shared-credentials-file", "eu-central-1",
	  "https://eks.eu-central-1.amazonaws.com", NULL, NULL },
	{ "partial env credentials are an error",
	  NULL, NULL, "AWS_ACCESS_KEY_ID=AKENV\n", NULL, NULL, NULL,
	  0, -1, "AWS_ACCESS_KEY_ID set without AWS_SECRET_ACCESS_KEY",
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "config [profile x] and credentials [x]; credentials win",
	  "[x]\naws_access_key_id=AKCRED\naws_secret_access_key=s\n",
	  "[profile x]\nregion = ap-south-1\naws_access_key_id = AKCONF\n"
	  "aws_secret_access_key = s\n", "AWS_PROFILE=x\n", NULL, NULL, NULL,
	  0, 0, NULL, "AKCRED", NULL, "shared-credentials-file", "ap-south-1",
	  "https://eks.ap-south-1.amazonaws.com", NULL, NULL },
	{ "config keys when the credentials file has none",
	  NULL, "# comment\n; another\n[default]\n  \nregion=us-east-2\n"
	  "aws_access_key_id = AKCONF\naws_secret_access_key = s\n",
	  NULL, NULL, NULL, NULL,
	  0, 0, NULL, "AKCONF", NULL, "config-file", "us-east-2", NULL, NULL,
	  NULL },
	{ "[x] in config is not profile x",
	  NULL, "[x]\naws_access_key_id = AK\naws_secret_access_key = s\n",
	  NULL, "x", NULL, NULL,
	  -1, 0, "profile x: not found", NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL },
	{ "[profile default] is the default profile",
	  NULL, "[profile default]\nregion = us-west-1\n", NULL, NULL, NULL,
	  NULL, 0, 1, "no credentials: looked in the environment, ",
	  NULL, NULL, NULL, "us-west-1", NULL, NULL, NULL },
	{ "no credentials says where it looked",
	  NULL, NULL, NULL, NULL, NULL, NULL,
	  0, 1, "(profile default)", NULL, NULL, NULL, NULL, NULL,
	  "https://iam.amazonaws.com", NULL },
	{ "region order: flag over env over profile",
	  NULL, "[default]\nregion = us-east-1\n",
	  "AWS_REGION=us-west-2\nAWS_DEFAULT_REGION=eu-west-1\n", NULL,
	  "ca-central-1", NULL, 0, 1, NULL, NULL, NULL, NULL, "ca-central-1",
	  NULL, NULL, NULL },
	{ "region order: AWS_DEFAULT_REGION over profile",
	  NULL, "[default]\nregion = us-east-1\n",
	  "AWS_DEFAULT_REGION=eu-west-1\n", NULL, NULL, NULL, 0, 1, NULL,
	  NULL, NULL, NULL, "eu-west-1", NULL, NULL, NULL },
	{ "an invalid region is refused",
	  NULL, NULL, "AWS_REGION=evil.example.com/x\n", NULL, NULL, NULL,
	  -1, 0, "not a valid region name", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "endpoints: --endpoint-url over everything",
	  NULL, NULL, "AWS_REGION=us-west-2\nAWS_ENDPOINT_URL_EKS=http://a\n"
	  "AWS_ENDPOINT_URL=http://b\n", NULL, NULL, "http://c", 0, 1, NULL,
	  NULL, NULL, NULL, "us-west-2", "http://c", "http://c", NULL },
	{ "endpoints: AWS_ENDPOINT_URL_EKS for eks only",
	  NULL, NULL, "AWS_REGION=us-west-2\nAWS_ENDPOINT_URL_EKS=http://a\n"
	  "AWS_ENDPOINT_URL=http://b\n", NULL, NULL, NULL, 0, 1, NULL,
	  NULL, NULL, NULL, "us-west-2", "http://a", "http://b", NULL },
	{ "endpoints: services section, then profile endpoint_url",
	  NULL, "[default]\nregion = us-west-2\nservices = local\n"
	  "endpoint_url = http://prof\n"
	  "[services local]\neks =\n  endpoint_url = http://svc\n"
	  "s3 =\n\tmax_concurrent_requests = 4\n", NULL, NULL, NULL, NULL,
	  0, 1, NULL, NULL, NULL, NULL, "us-west-2", "http://svc",
	  "http://prof", NULL },
	{ "endpoints: ignore_configured_endpoint_urls",
	  NULL, NULL, "AWS_REGION=cn-north-1\nAWS_ENDPOINT_URL=http://b\n"
	  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true\n", NULL, NULL, NULL,
	  0, 1, NULL, NULL, NULL, NULL, "cn-north-1",
	  "https://eks.cn-north-1.amazonaws.com.cn",
	  "https://iam.cn-north-1.amazonaws.com.cn", NULL },
	{ "endpoints: GovCloud IAM", NULL, NULL, "AWS_REGION=us-gov-west-1\n",
	  NULL, NULL, NULL, 0, 1, NULL, NULL, NULL, NULL, "us-gov-west-1",
	  "https://eks.us-gov-west-1.amazonaws.com",
	  "https://iam.us-gov.amazonaws.com", NULL },
	{ "no region: no regional endpoint", NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
	  "https://iam.amazonaws.com", NULL },
	{ "CA bundle: env over profile",
	  NULL, "[default]\nca_bundle = /p/ca.pem\n",
	  "AWS_CA_BUNDLE=/e/ca.pem\n", NULL, NULL, NULL, 0, 1, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, "/e/ca.pem" },
	{ "CA bundle: profile",
	  NULL, "[default]\nca_bundle = /p/ca.pem\n", NULL, NULL, NULL, NULL,
	  0, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "/p/ca.pem" },
	{ "colon delimiter and value with '='",
	  "[default]\naws_access_key_id: AK=1\naws_secret_access_key = a:b\n",
	  NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, "AK=1", NULL,
	  "shared-credentials-file", NULL, NULL, NULL, NULL },
	{ "malformed line: path:line",
	  "[default]\naws_access_key_id = AK\nnot a setting\n", NULL, NULL,
	  NULL, NULL, NULL, -1, 0, "credentials:3: expected \"key = value\"",
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "malformed section header",
	  NULL, "[default\nregion = us-west-2\n", NULL, NULL, NULL, NULL, -1, 0,
	  "config:1: section header without \"]\"", NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL },
	{ "setting outside a section",
	  NULL, "region = us-west-2\n", NULL, NULL, NULL, NULL, -1, 0,
	  "config:1: setting outside a section", NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL },
	{ "partial file credentials",
	  "[default]\naws_access_key_id = AK\n", NULL, NULL, NULL, NULL, NULL,
	  0, -1, "partial credentials: aws_access_key_id without", NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL },
	{ "role_arn profiles are named in the error",
	  NULL, "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n"
	  "source_profile = default\n", NULL, "r", NULL, NULL, 0, 1,
	  "profile r uses role_arn", NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL },
	{ "credential_process from the profile",
	  NULL, "[default]\ncredential_process = printf \"%s\" "
	  "'{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", "
	  "\"SecretAccessKey\": \"s\", \"SessionToken\": \"PT\"}'\n",
	  NULL, NULL, NULL, NULL, 0, 0, NULL, "AKPROC",
	  "PT", "custom-process", NULL, NULL, NULL, NULL },
	{ "credential_process failing",
	  NULL, "[default]\ncredential_process = false\n", NULL, NULL, NULL,
	  NULL, 0, -1, "credential_process: false: exited with status 1",
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "credential_process not found",
	  NULL, "[default]\ncredential_process = /nonexistent/prog a b\n",
	  NULL, NULL, NULL, NULL, 0, -1, "cannot run: No such file", NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL },
	{ "credential_process unterminated quote",
	  NULL, "[default]\ncredential_process = prog 'a\n", NULL, NULL, NULL,
	  NULL, 0, -1, "unterminated quote", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL },
};

static void
writefile(const char *path, const char *text)
{
	FILE *fp;

	if (text == NULL) {
		unlink(path);
		return;
	}
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static void
setenvs(const char *env)
{
	char buf[1024], *line, *next, *eq;
	size_t i;

	for (i = 0; envnames[i] != NULL; i++)
		unsetenv(envnames[i]);
	if (env == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
}

static int
has(const char *s, const char *sub)
{
	return s != NULL && sub != NULL && strstr(s, sub) != NULL;
}

static void
check_str(const char *name, const char *what, const char *got,
    const char *want)
{
	char label[256];

	if (want == NULL)
		return;
	snprintf(label, sizeof(label), "%s: %s", name, what);
	tap_streq(got, want, label);
}

static void
run_case(const struct tcase *t, const char *cpath, const char *fpath)
{
	struct eksl_awsopts o = { t->profile, t->region, t->endpoint };
	struct eksl_awsconf c;
	char err[512] = "", *eks = NULL, *iam = NULL;
	int rc;

	writefile(cpath, t->creds);
	writefile(fpath, t->config);
	setenvs(t->env);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cpath, 1);
	setenv("AWS_CONFIG_FILE", fpath, 1);
	rc = eksl_awsconf_load(&c, &o, err, sizeof(err));
	tap_ok(rc == t->load_rc, "%s: load returns %d", t->name, t->load_rc);
	if (rc != t->load_rc)
		tap_diag("got %d: %s", rc, err);
	if (rc == -1) {
		if (t->err != NULL) {
			tap_ok(has(err, t->err), "%s: error names the cause",
			    t->name);
			if (!has(err, t->err))
				tap_diag("err: %s", err);
		}
		return;
	}
	check_str(t->name, "region", c.region, t->want_region);
	check_str(t->name, "ca bundle", c.ca_bundle, t->ca);
	if (t->eks != NULL) {
		eks = eksl_awsconf_endpoint(&c, "eks");
		check_str(t->name, "eks endpoint", eks, t->eks);
	}
	if (t->iam != NULL) {
		iam = eksl_awsconf_endpoint(&c, "iam");
		check_str(t->name, "iam endpoint", iam, t->iam);
	}
	err[0] = '\0';
	rc = eksl_awsconf_credentials(&c, err, sizeof(err));
	tap_ok(rc == t->cred_rc, "%s: credentials return %d", t->name,
	    t->cred_rc);
	if (rc != t->cred_rc)
		tap_diag("got %d: %s", rc, err);
	if (t->err != NULL) {
		tap_ok(has(err, t->err), "%s: error names the cause", t->name);
		if (!has(err, t->err))
			tap_diag("err: %s", err);
	}
	tap_ok(!has(err, SECRET), "%s: no secret in the error", t->name);
	if (rc == 0) {
		check_str(t->name, "access key", c.creds.access_key, t->ak);
		check_str(t->name, "session token", c.creds.session_token,
		    t->token);
		check_str(t->name, "source", c.creds_source, t->source);
	}
	free(eks);
	free(iam);
	eksl_awsconf_clear(&c);
}

static void
test_region_valid(void)
{
	static const struct {
		const char *r;
		int ok;
	} t[] = {
		{ "us-west-2", 1 }, { "us-gov-west-1", 1 }, { "cn-north-1", 1 },
		{ "us-iso-east-1", 1 }, { "us-west", 0 }, { "US-west-2", 0 },
		{ "us--west-2", 0 }, { "us-west-2.", 0 }, { "", 0 },
		{ "us-west-2/x", 0 }, { "a-b-1", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_ok(eksl_aws_region_valid(t[i].r) == t[i].ok,
		    "region_valid(\"%s\") == %d", t[i].r, t[i].ok);
	tap_streq(eksl_aws_dns_suffix("cn-northwest-1"), "amazonaws.com.cn",
	    "dns suffix cn");
	tap_streq(eksl_aws_dns_suffix("us-east-1"), "amazonaws.com",
	    "dns suffix aws");
	tap_streq(eksl_aws_dns_suffix("us-isob-east-1"), "sc2s.sgov.gov",
	    "dns suffix isob");
}

/* run_process directly: JSON checks, expiry, caps and the time limit. */
static void
test_process(const char *dir)
{
	static const struct {
		const char *name, *out, *err;
		const char *ak;
		long expiration;
	} t[] = {
		{ "expiration parsed",
		  "{\"Version\":1,\"AccessKeyId\":\"A1\",\"SecretAccessKey\":\""
		  SECRET "\",\"Expiration\":\"2099-01-02T03:04:05Z\"}", NULL,
		  "A1", 4071006245L },
		{ "expiration with fraction and offset",
		  "{\"Version\":1,\"AccessKeyId\":\"A1\",\"SecretAccessKey\":\""
		  "s\",\"Expiration\":\"2099-01-02T05:04:05.123+02:00\"}", NULL,
		  "A1", 4071006245L },
		{ "expired", "{\"Version\":1,\"AccessKeyId\":\"A1\","
		  "\"SecretAccessKey\":\"s\",\"Expiration\":"
		  "\"2001-01-01T00:00:00Z\"}", "credentials expired at", NULL, 0 },
		{ "bad expiration", "{\"Version\":1,\"AccessKeyId\":\"A1\","
		  "\"SecretAccessKey\":\"s\",\"Expiration\":\"tomorrow\"}",
		  "not an RFC 3339 time", NULL, 0 },
		{ "version 2", "{\"Version\":2,\"AccessKeyId\":\"A1\","
		  "\"SecretAccessKey\":\"s\"}", "unsupported Version", NULL, 0 },
		{ "missing secret", "{\"Version\":1,\"AccessKeyId\":\"A1\"}",
		  "missing SecretAccessKey", NULL, 0 },
		{ "not JSON, secret not quoted",
		  "{\"Version\":1,\"SecretAccessKey\":\"" SECRET "\" oops",
		  "output is not JSON", NULL, 0 },
		{ "not an object", "[1]", "not a JSON object", NULL, 0 },
	};
	char path[512], err[512];
	char *argv[3];
	struct eksl_creds cr;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/out.json", dir);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cr, 0, sizeof(cr));
		writefile(path, t[i].out);
		argv[0] = "cat";
		argv[1] = path;
		argv[2] = NULL;
		err[0] = '\0';
		rc = eksl_awsconf_run_process(argv, &cr, err, sizeof(err));
		tap_ok(rc == (t[i].err == NULL ? 0 : -1), "process: %s",
		    t[i].name);
		if (t[i].err != NULL) {
			tap_ok(has(err, t[i].err), "process: %s: error",
			    t[i].name);
			if (!has(err, t[i].err))
				tap_diag("err: %s", err);
		}
		tap_ok(!has(err, SECRET), "process: %s: no secret in error",
		    t[i].name);
		if (rc == 0) {
			tap_streq(cr.access_key, t[i].ak, "process: access key");
			tap_ok(cr.expiration == t[i].expiration,
			    "process: %s: expiration %ld", t[i].name,
			    (long)cr.expiration);
		}
		eksl_creds_clear(&cr);
	}

	/* The time cap kills a process that hangs. */
	setenv("EKSL_PROCESS_TIMEOUT_MS", "200", 1);
	argv[0] = "sleep";
	argv[1] = "5";
	argv[2] = NULL;
	memset(&cr, 0, sizeof(cr));
	rc = eksl_awsconf_run_process(argv, &cr, err, sizeof(err));
	tap_ok(rc == -1 && has(err, "timed out after 200 ms"),
	    "process: timeout (%s)", err);
	unsetenv("EKSL_PROCESS_TIMEOUT_MS");

	/* The output cap. */
	argv[0] = "head";
	argv[1] = "-c1000000";
	argv[2] = NULL;
	{
		char *a[] = { "sh", "-c", "head -c 1000000 /dev/zero", NULL };

		rc = eksl_awsconf_run_process(a, &cr, err, sizeof(err));
	}
	tap_ok(rc == -1 && has(err, "output larger than"),
	    "process: output cap (%s)", err);
}

int
main(void)
{
	char dir[] = "/tmp/test_awsconf.XXXXXX", cpath[600], fpath[600];
	size_t i;

	(void)tap_skip;	/* tap.h helper this test has no use for */
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cpath, sizeof(cpath), "%s/credentials", dir);
	snprintf(fpath, sizeof(fpath), "%s/config", dir);
	setenv("HOME", dir, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], cpath, fpath);
	test_region_valid();
	test_process(dir);
	unlink(cpath);
	unlink(fpath);
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/out.json", dir);
		unlink(p);
	}
	rmdir(dir);
	return tap_done();
}
