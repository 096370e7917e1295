/*
 * Fuzz the parsing of AWS answers: error answers (JSON or XML, with an
 * x-amzn-ErrorType header), Query answers (XML, read as eksl_aws_query
 * and eksl_sts_assume_role read them) and the redaction of logged text.
 * The first byte picks the HTTP status and whether the rest starts with
 * an error-type header line; nothing touches the network.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = {
	200, 400, 403, 404, 429, 500, 502, 503, 504, 418, 301, 0
};

static void
query_answer(const char *text)
{
	static const char *const names[] = {
		"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
		"Arn", "Account", "Code", "Message", NULL
	};
	const struct eksl_xml_node *root;
	struct eksl_xml *doc;
	char *v, err[128];
	size_t i;
	time_t t;

	/* As the transport does: the body up to its first NUL. */
	if ((doc = eksl_xml_parse(text, strlen(text), err,
	    sizeof(err))) == NULL) {
		if (strncmp(err, "line ", 5) != 0 &&
		    strcmp(err, "out of memory") != 0)
			abort();
		return;
	}
	if ((root = eksl_xml_root(doc)) == NULL)
		abort();
	for (i = 0; names[i] != NULL; i++) {
		if ((v = eksl_xml_text(root, names[i])) == NULL)
			continue;
		if (i == 3)
			(void)eksl_time_parse_rfc3339(v, &t);
		free(v);
	}
	eksl_xml_free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eksl_aws_error e;
	char *text, *errtype = NULL, *body, *nl, *r;

	if (size < 1)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	/* The transport hands on the body as a C string. */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	body = text;
	if ((data[0] & 0x80) != 0 && (nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		errtype = text;
		body = nl + 1;
	}
	memset(&e, 0, sizeof(e));
	e.status = EKSL_AWS_REFUSED;
	e.http_status = statuses[(data[0] & 0x7f) %
	    (sizeof(statuses) / sizeof(statuses[0]))];
	eksl_aws_parse_error(e.http_status, errtype, body, &e);
	if (e.code[0] == '\0' || strlen(e.code) >= sizeof(e.code) ||
	    strlen(e.message) >= sizeof(e.message))
		abort();
	(void)eksl_aws_exit_code(&e);
	query_answer(body);
	if ((r = eksl_aws_redact(body)) != NULL)
		free(r);
	free(text);
	return 0;
}
