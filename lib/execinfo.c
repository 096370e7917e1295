#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "execinfo.h"
#include "jsonmem.h"
#include "msg.h"

#define WHAT	"KUBERNETES_EXEC_INFO"

/*
 * Make err one line of printable ASCII: jansson's messages quote the
 * input ("invalid token near '...'") and an apiVersion is any text, so a
 * control character would otherwise reach the terminal.
 */
static void
printable(char *err)
{
	unsigned char *p;

	if (err == NULL)
		return;
	for (p = (unsigned char *)err; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

const char *
eksl_execinfo_api_version(const char *text, char *err, size_t errlen)
{
	const char *ret = NULL, *v;
	json_error_t jerr;
	json_t *doc = NULL, *api;
	size_t len;

	if (text == NULL || *text == '\0')
		return EKSL_EXEC_V1BETA1;
	if ((len = strlen(text)) > EKSL_EXECINFO_MAX) {
		eksl_seterr(err, errlen, WHAT ": longer than %d bytes",
		    EKSL_EXECINFO_MAX);
		return NULL;
	}
	eksl_json_mem_watch();
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc != NULL && eksl_json_mem_failed()) {
		/* jansson may have dropped a character of a key or value */
		eksl_seterr(err, errlen, WHAT ": %s", strerror(ENOMEM));
		goto out;
	}
	if (doc == NULL) {
		eksl_seterr(err, errlen, WHAT ": not JSON: %d:%d: %s",
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(doc)) {
		eksl_seterr(err, errlen, WHAT ": not a JSON object");
		goto out;
	}
	if ((api = json_object_get(doc, "apiVersion")) == NULL ||
	    json_is_null(api)) {
		ret = EKSL_EXEC_V1BETA1;
		goto out;
	}
	if ((v = json_string_value(api)) == NULL) {
		eksl_seterr(err, errlen, WHAT ": apiVersion is not a string");
		goto out;
	}
	if (strcmp(v, EKSL_EXEC_V1BETA1) == 0)
		ret = EKSL_EXEC_V1BETA1;
	else if (strcmp(v, EKSL_EXEC_V1) == 0)
		ret = EKSL_EXEC_V1;
	else
		eksl_seterr(err, errlen, WHAT ": apiVersion %.100s not "
		    "supported (use %s or %s)", v, EKSL_EXEC_V1BETA1,
		    EKSL_EXEC_V1);
out:
	if (ret == NULL)
		printable(err);
	json_decref(doc);
	return ret;
}
