/*
 * awscall: a test driver for lib/awsconf and lib/aws (not installed).
 *
 *   awscall [-v] [-q] [--profile P] [--region R] [--endpoint-url U]
 *       [--connect-timeout MS] [--timeout MS] ACTION
 *
 * ACTION is one of
 *   --service S --method M --path P [--qs QUERY] [--body JSON]
 *   --query SERVICE ACTION VERSION [KEY=VALUE ...]
 *   --caller			STS GetCallerIdentity: the ARN
 *   --assume-role ARN		STS AssumeRole: the new access key id
 *   --show-config		profile, region, credentials source, endpoints
 *
 * It prints the answer (JSON or XML) on stdout, or "awscall: CODE:
 * message" on stderr and exits with eksl_aws_exit_code().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "awsconf.h"
#include "exitcodes.h"
#include "msg.h"
#include "xml.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: awscall [-vq] [--profile P] [--region R] "
	    "[--endpoint-url U]\n"
	    "\t[--connect-timeout MS] [--timeout MS]\n"
	    "\t(--service S --method M --path P [--qs Q] [--body JSON] |\n"
	    "\t --query SERVICE ACTION VERSION [KEY=VALUE ...] |\n"
	    "\t --caller | --assume-role ARN | --show-config)\n");
}

/* Text with the characters markup uses escaped. */
static void
put_text(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			fputs("&amp;", stdout);
		else if (*s == '<')
			fputs("&lt;", stdout);
		else if (*s == '>')
			fputs("&gt;", stdout);
		else
			putchar(*s);
	}
}

/* The elements under n, indented; a leaf with its text. */
static int
dump(const struct eksl_xml_node *n, int depth)
{
	const struct eksl_xml_node *c;
	char *t;

	printf("%*s<%s>", depth * 2, "", eksl_xml_name(n));
	if ((c = eksl_xml_child(n, NULL)) == NULL) {
		if ((t = eksl_xml_content(n)) == NULL)
			return -1;
		put_text(t);
		free(t);
	} else {
		putchar('\n');
		for (; c != NULL; c = eksl_xml_next(c, NULL))
			if (dump(c, depth + 1) == -1)
				return -1;
		printf("%*s", depth * 2, "");
	}
	printf("</%s>\n", eksl_xml_name(n));
	return 0;
}

static void
show_config(struct eksl_awsconf *c, int have_creds)
{
	static const char *svcs[] = { "eks", "ec2", "iam", "sts", "outposts",
	    NULL };
	char *u;
	int i;

	printf("profile %s\n", c->profile != NULL ? c->profile : "default");
	printf("region %s\n", c->region != NULL ? c->region : "-");
	printf("ca_bundle %s\n", c->ca_bundle != NULL ? c->ca_bundle : "-");
	if (have_creds) {
		printf("source %s\n", c->creds_source);
		printf("access_key %s\n", c->creds.access_key);
		printf("session_token %s\n",
		    c->creds.session_token != NULL ? "set" : "none");
		printf("expiration %lld\n", (long long)c->creds.expiration);
	}
	for (i = 0; svcs[i] != NULL; i++) {
		u = eksl_awsconf_endpoint(c, svcs[i]);
		printf("endpoint %s %s\n", svcs[i], u != NULL ? u : "-");
		free(u);
	}
}

int
main(int argc, char *argv[])
{
	enum { O_PROFILE = 256, O_REGION, O_ENDPOINT, O_CTIMEOUT, O_TIMEOUT,
	    O_SERVICE, O_METHOD, O_PATH, O_QS, O_BODY, O_QUERY, O_CALLER,
	    O_ASSUME, O_SHOW };
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "region", required_argument, NULL, O_REGION },
		{ "endpoint-url", required_argument, NULL, O_ENDPOINT },
		{ "connect-timeout", required_argument, NULL, O_CTIMEOUT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "service", required_argument, NULL, O_SERVICE },
		{ "method", required_argument, NULL, O_METHOD },
		{ "path", required_argument, NULL, O_PATH },
		{ "qs", required_argument, NULL, O_QS },
		{ "body", required_argument, NULL, O_BODY },
		{ "query", no_argument, NULL, O_QUERY },
		{ "caller", no_argument, NULL, O_CALLER },
		{ "assume-role", required_argument, NULL, O_ASSUME },
		{ "show-config", no_argument, NULL, O_SHOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct eksl_awsopts o = { NULL, NULL, NULL };
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_aws_error e;
	char err[EKSL_ERRLEN];
	const char *service = NULL, *method = "GET", *path = NULL, *qs = NULL;
	const char *bodytext = NULL, *assume = NULL;
	const char **params = NULL;
	json_t *body = NULL, *out = NULL;
	struct eksl_xml *doc = NULL;
	long ctimeout = 0, timeout = 0;
	int ch, query = 0, caller = 0, show = 0, rc = EKSL_EXIT_OK, i, n;

	eksl_msg_init(argv[0]);
	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	while ((ch = getopt_long(argc, argv, "+hqv", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PROFILE: o.profile = optarg; break;
		case O_REGION: o.region = optarg; break;
		case O_ENDPOINT: o.endpoint_url = optarg; break;
		case O_CTIMEOUT: ctimeout = strtol(optarg, NULL, 10); break;
		case O_TIMEOUT: timeout = strtol(optarg, NULL, 10); break;
		case O_SERVICE: service = optarg; break;
		case O_METHOD: method = optarg; break;
		case O_PATH: path = optarg; break;
		case O_QS: qs = optarg; break;
		case O_BODY: bodytext = optarg; break;
		case O_QUERY: query = 1; break;
		case O_CALLER: caller = 1; break;
		case O_ASSUME: assume = optarg; break;
		case O_SHOW: show = 1; break;
		case 'q': eksl_verbosity = -1; break;
		case 'v': eksl_verbosity++; break;
		case 'h': usage(stdout); return EKSL_EXIT_OK;
		default: usage(stderr); return EKSL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (query && argc < 3) {
		eksl_err("--query needs SERVICE ACTION VERSION");
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (!query && !caller && !show && assume == NULL &&
	    (service == NULL || path == NULL)) {
		eksl_err("nothing to do");
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	if (bodytext != NULL && (body = json_loads(bodytext, 0, NULL)) ==
	    NULL) {
		eksl_err("--body: not JSON");
		return EKSL_EXIT_USAGE;
	}
	if (eksl_awsconf_load(&c, &o, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		rc = EKSL_EXIT_INPUT;
		goto out;
	}
	if ((n = eksl_awsconf_credentials(&c, err, sizeof(err))) != 0) {
		if (show && n == 1) {
			show_config(&c, 0);
			goto out;
		}
		eksl_err("%s", err);
		rc = EKSL_EXIT_INPUT;
		goto out;
	}
	if (show) {
		show_config(&c, 1);
		goto out;
	}
	if ((a = eksl_aws_new(&c, eksl_log_sink, NULL, err,
	    sizeof(err))) == NULL) {
		eksl_err("%s", err);
		rc = EKSL_EXIT_IO;
		goto out;
	}
	eksl_aws_set_timeouts(a, ctimeout, timeout);
	if (query) {
		if ((params = calloc((size_t)(argc - 3) * 2 + 1,
		    sizeof(*params))) == NULL) {
			eksl_err("out of memory");
			rc = EKSL_EXIT_IO;
			goto out;
		}
		for (i = 3, n = 0; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (eq == NULL) {
				eksl_err("%s: want KEY=VALUE", argv[i]);
				rc = EKSL_EXIT_USAGE;
				goto out;
			}
			*eq = '\0';
			params[n++] = argv[i];
			params[n++] = eq + 1;
		}
		params[n] = NULL;
		if (eksl_aws_query(a, argv[0], argv[1], argv[2], params, &doc,
		    &e) == 0) {
			if (dump(eksl_xml_root(doc), 0) == -1) {
				eksl_err("out of memory");
				rc = EKSL_EXIT_IO;
			}
			eksl_xml_free(doc);
		}
	} else if (caller) {
		char *arn = NULL, *acct = NULL;

		if (eksl_sts_caller(a, &arn, &acct, &e) == 0)
			printf("%s %s\n", arn, acct != NULL ? acct : "-");
		free(arn);
		free(acct);
	} else if (assume != NULL) {
		struct eksl_creds tmp = { NULL, NULL, NULL, 0 };

		if (eksl_sts_assume_role(a, assume, "awscall", 0, &tmp,
		    &e) == 0)
			printf("%s %s %lld\n", tmp.access_key,
			    tmp.session_token != NULL ? "token" : "-",
			    (long long)tmp.expiration);
		eksl_creds_clear(&tmp);
	} else if (eksl_aws_json(a, service, method, path, qs, body, &out,
	    &e) == 0) {
		json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(out);
	}
	if (e.status != EKSL_AWS_OK) {
		if (e.http_status != 0)
			eksl_err("%s: %s (HTTP %ld, %d attempt%s)", e.code,
			    e.message, e.http_status, e.attempts,
			    e.attempts == 1 ? "" : "s");
		else
			eksl_err("%s: %s (%d attempt%s)", e.code, e.message,
			    e.attempts, e.attempts == 1 ? "" : "s");
		rc = eksl_aws_exit_code(&e);
	}
out:
	free(params);
	json_decref(body);
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	return rc;
}
