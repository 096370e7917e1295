/*
 * lib/aws: redaction, XML text lookup and the exit mapping (the transport
 * itself is tested against the moto wrapper in tests/aws.bats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct eksl_xml *d;
	const struct eksl_xml_node *root;
	char *s, why[128];

	d = eksl_xml_parse(doc, strlen(doc), why, sizeof(why));
	tap_ok(d != NULL, "xml_text: the answer parses");
	root = eksl_xml_root(d);
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
	eksl_xml_free(d);

	d = eksl_xml_parse(err, strlen(err), why, sizeof(why));
	root = eksl_xml_root(d);
	s = eksl_xml_text(root, "Code");
	tap_streq(s, "RequestLimitExceeded", "xml_text: EC2 error code");
	free(s);
	eksl_xml_free(d);
}

/* Error answers: the code kept as an identifier, the message made safe. */
static void
test_parse_error(void)
{
	static const struct {
		long status;
		const char *errtype, *body, *code, *message;
	} t[] = {
		{ 400, "ThrottlingException:http://internal.amazon.com/",
		  "{\"message\":\"Rate exceeded\"}",
		  "ThrottlingException", "Rate exceeded" },
		{ 404, NULL, "{\"__type\":\"com.amazon#ResourceNotFoundException\","
		  "\"message\":\"No cluster found for name: x.\"}",
		  "ResourceNotFoundException", "No cluster found for name: x." },
		{ 400, NULL, "<Response><Errors><Error><Code>InvalidSubnetID."
		  "NotFound</Code><Message>The subnet ID 'subnet-1' does not "
		  "exist</Message></Error></Errors></Response>",
		  "InvalidSubnetID.NotFound",
		  "The subnet ID 'subnet-1' does not exist" },
		/* control characters, and blanks made one space */
		{ 403, NULL, "{\"__type\":\"AccessDenied\",\"message\":"
		  "\"line one\\r\\n\\tline\\u0007two\\u001b[31m  red \"}",
		  "AccessDenied", "line one line two [31m red" },
		/* a code is an identifier: no blanks, quotes, escapes */
		{ 400, "Bad Code\x1b[2J\"<x>", "{}", "BadCode2Jx",
		  "HTTP status 400" },
		{ 400, NULL, "{\"code\":\"\\u001b\\u0007\"}", "BadRequest",
		  "HTTP status 400" },
		/* secrets after their names are masked as in messages */
		{ 403, NULL, "<ErrorResponse><Error><Code>AccessDenied</Code>"
		  "<Message>denied: X-Amz-Security-Token: FQoGZXIvYXdzEXAMPLE\n"
		  "Host: h</Message></Error></ErrorResponse>",
		  "AccessDenied", "denied: X-Amz-Security-Token: <redacted> "
		  "Host: h" },
		{ 400, NULL, "{\"message\":\"bad form SecretAccessKey=abc/def&"
		  "Action=X\"}", "BadRequest",
		  "bad form SecretAccessKey=<redacted>&Action=X" },
		{ 500, NULL, "not an answer", "InternalError",
		  "HTTP status 500" },
		{ 418, NULL, "", "HTTPError", "HTTP status 418" },
	};
	struct eksl_aws_error e;
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		eksl_aws_parse_error(t[i].status, t[i].errtype, t[i].body, &e);
		snprintf(name, sizeof(name), "parse_error case %zu: code",
		    i + 1);
		tap_streq(e.code, t[i].code, name);
		snprintf(name, sizeof(name), "parse_error case %zu: message",
		    i + 1);
		tap_streq(e.message, t[i].message, name);
	}
}

/* A long message is cut to EKSL_AWS_MSGMAX bytes, never inside UTF-8. */
static void
test_parse_error_long(void)
{
	struct eksl_aws_error e;
	char body[4096], *p;
	size_t i, n;
	int ok;

	/* 1000 x 'a' */
	p = body + snprintf(body, sizeof(body), "{\"message\":\"");
	for (i = 0; i < 1000; i++)
		*p++ = 'a';
	snprintf(p, sizeof(body) - (size_t)(p - body), "\"}");
	eksl_aws_parse_error(400, NULL, body, &e);
	n = strlen(e.message);
	tap_ok(n == EKSL_AWS_MSGMAX + 3 &&
	    strcmp(e.message + n - 3, "...") == 0,
	    "parse_error: a long message is cut to %d bytes and \"...\" "
	    "(got %zu)", EKSL_AWS_MSGMAX, n);
	/* 1000 x U+00E9 (2 bytes each), shifted by one ASCII byte */
	p = body + snprintf(body, sizeof(body), "{\"message\":\"x");
	for (i = 0; i < 1000; i++) {
		*p++ = (char)0xc3;
		*p++ = (char)0xa9;
	}
	snprintf(p, sizeof(body) - (size_t)(p - body), "\"}");
	eksl_aws_parse_error(400, NULL, body, &e);
	n = strlen(e.message);
	ok = n >= 4 && n <= EKSL_AWS_MSGMAX + 3 &&
	    strcmp(e.message + n - 3, "...") == 0 &&
	    (unsigned char)e.message[n - 4] == 0xa9 &&
	    (unsigned char)e.message[n - 5] == 0xc3;
	tap_ok(ok, "parse_error: the cut keeps whole UTF-8 characters");
	/* a long code is bounded too */
	p = body;
	for (i = 0; i < 300; i++)
		*p++ = 'C';
	*p = '\0';
	eksl_aws_parse_error(400, body, "{}", &e);
	tap_ok(strlen(e.code) == 64, "parse_error: a code keeps 64 bytes "
	    "at most (got %zu)", strlen(e.code));
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
	test_parse_error();
	test_parse_error_long();
	test_exit_code();
	return tap_done();
}
