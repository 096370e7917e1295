/*
 * Fuzz the judging of Kubernetes API answers: the first byte picks the
 * HTTP status, the rest is the body (a resource or a Status).  The
 * fields eksl reads from answers (SelfSubjectReview user, CSR status and
 * conditions) are then looked up the way lib/k8s.c does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "k8s.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long codes[] = {
	200, 201, 204, 400, 401, 403, 404, 409, 422, 500, 503, 302, 100, 0
};

static void
fields(json_t *j)
{
	json_t *conds, *c;
	const char *s;
	unsigned char *der;
	size_t i, n;

	(void)json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "status"), "userInfo"), "username"));
	conds = json_object_get(json_object_get(j, "status"), "conditions");
	json_array_foreach(conds, i, c) {
		(void)json_string_value(json_object_get(c, "type"));
		(void)json_string_value(json_object_get(c, "message"));
	}
	s = json_string_value(json_object_get(json_object_get(j, "status"),
	    "certificate"));
	if (s != NULL && (der = eksl_base64_decode(s, strlen(s), &n)) != NULL)
		free(der);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eksl_k8s_error e;
	char msg[700];
	json_t *j = NULL;
	long code;

	if (size < 1)
		return 0;
	code = codes[data[0] % (sizeof(codes) / sizeof(codes[0]))];
	if (eksl_k8s_parse_answer(code, (const char *)data + 1, size - 1, &j,
	    &e) == 0) {
		if (j == NULL || e.http_status != code)
			abort();
		fields(j);
		json_decref(j);
	} else if (j != NULL)
		abort();
	eksl_k8s_strerror(&e, msg, sizeof(msg));
	return 0;
}
