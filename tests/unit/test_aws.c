/*
 * lib/aws: redaction, XML text lookup and the exit mapping (the transport
 * itself is tested against the moto wrapper in tests/aws.bats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "aws.h"
#include "exitcodes.h"
#include "tap.h"

static void
test_redact(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "<SecretAccessKey>abc/def+g</SecretAccessKey>",
		  "<SecretAccessKey>[redacted]</SecretAccessKey>" },
		{ "<a><SessionToken>FQo==</SessionToken><NextToken>n1"
		  "</NextToken></a>",
		  "<a><SessionToken>[redacted]</SessionToken><NextToken>n1"
		  "</NextToken></a>" },
		{ "{\"SecretAccessKey\":\"s1\",\"AccessKeyId\":\"AK\"}",
		  "{\"SecretAccessKey\":\"[redacted]\",\"AccessKeyId\":\"AK\"}" },
		{ "{\"sessionToken\": \"t1\"}",
		  "{\"sessionToken\": \"[redacted]\"}" },
		{ "Action=X&SessionToken=abc%2F&Version=1",
		  "Action=X&SessionToken=[redacted]&Version=1" },
		{ "Authorization: AWS4-HMAC-SHA256 Credential=AK/x, Sig=1\r\n"
		  "X-Amz-Security-Token: tok\r\nHost: h\r\n",
		  "Authorization: [redacted]\r\nX-Amz-Security-Token: "
		  "[redacted]\r\nHost: h\r\n" },
		{ "PasswordLastUsed=2020 password=hunter2",
		  "PasswordLastUsed=2020 password=[redacted]" },
		{ "{\"PrivateKey\":\"-----BEGIN\"}",
		  "{\"PrivateKey\":\"[redacted]\"}" },
		{ "no secrets here", "no secrets here" },
		{ "SessionToken", "SessionToken" },
		{ "<SessionToken></SessionToken>", "<SessionToken></SessionToken>" },
		{ "", "" },
	};
	char *r, name[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = eksl_aws_redact(t[i].in);
		snprintf(name, sizeof(name), "redact case %zu", i + 1);
		tap_streq(r, t[i].want, name);
		free(r);
	}
}

static void
test_xml_text(void)
{
	static const char doc[] =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/"
	    "doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::1:"
	    "user/u</Arn><Account>1</Account></GetCallerIdentityResult>"
	    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
	    "</GetCallerIdentityResponse>";
	static const char err[] =
	    "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
	    "<Message>Request limit exceeded.</Message></Error></Errors>"
	    "<RequestID>x</RequestID></Response>";
	xmlDocPtr d;
	xmlNodePtr root;
	char *s;

	d = xmlReadMemory(doc, (int)strlen(doc), NULL, NULL, XML_PARSE_NONET);
	root = xmlDocGetRootElement(d);
	s = eksl_xml_text(root, "Arn");
	tap_streq(s, "arn:aws:iam::1:user/u", "xml_text: nested, namespaced");
	free(s);
	s = eksl_xml_text(root, "Account");
	tap_streq(s, "1", "xml_text: sibling");
	free(s);
	s = eksl_xml_text(root, "GetCallerIdentityResponse");
	tap_ok(s != NULL && strstr(s, "arn:aws") != NULL,
	    "xml_text: the node itself");
	free(s);
	s = eksl_xml_text(root, "Missing");
	tap_ok(s == NULL, "xml_text: missing is NULL");
	tap_ok(eksl_xml_text(NULL, "Arn") == NULL, "xml_text: NULL node");
	xmlFreeDoc(d);

	d = xmlReadMemory(err, (int)strlen(err), NULL, NULL, XML_PARSE_NONET);
	root = xmlDocGetRootElement(d);
	s = eksl_xml_text(root, "Code");
	tap_streq(s, "RequestLimitExceeded", "xml_text: EC2 error code");
	free(s);
	xmlFreeDoc(d);
}

static void
test_exit_code(void)
{
	static const struct {
		enum eksl_aws_status st;
		const char *code;
		int want;
	} t[] = {
		{ EKSL_AWS_OK, "", EKSL_EXIT_OK },
		{ EKSL_AWS_REFUSED, "ThrottlingException", EKSL_EXIT_REFUSED },
		{ EKSL_AWS_UNREACHABLE, "ConnectFailed", EKSL_EXIT_UNREACHABLE },
		{ EKSL_AWS_LOCAL, "NoRegion", EKSL_EXIT_INPUT },
		{ EKSL_AWS_LOCAL, "BadEndpoint", EKSL_EXIT_INPUT },
		{ EKSL_AWS_LOCAL, "OutOfMemory", EKSL_EXIT_IO },
	};
	struct eksl_aws_error e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.status = t[i].st;
		snprintf(e.code, sizeof(e.code), "%s", t[i].code);
		tap_ok(eksl_aws_exit_code(&e) == t[i].want,
		    "exit code for %d/%s is %d", (int)t[i].st, t[i].code,
		    t[i].want);
	}
}

int
main(void)
{
	(void)tap_skip;	/* tap.h helper this test has no use for */
	test_redact();
	test_xml_text();
	test_exit_code();
	return tap_done();
}
