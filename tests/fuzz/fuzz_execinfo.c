/*
 * Fuzz the KUBERNETES_EXEC_INFO parser of eksl-token: the input is the
 * variable's value (an environment variable holds no NUL, so the text
 * ends at the first one).  Beyond not crashing, the answer must be one
 * of the two apiVersions, or an error that is one printable line naming
 * the variable, and the same on a second call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execinfo.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PREFIX	"KUBERNETES_EXEC_INFO: "

static void
check_err(const char *err)
{
	const unsigned char *p;

	if (strncmp(err, PREFIX, strlen(PREFIX)) != 0 ||
	    err[strlen(PREFIX)] == '\0')
		abort();
	for (p = (const unsigned char *)err; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EKSL_ERRLEN], err2[EKSL_ERRLEN], small[24], *text;
	const char *api, *api2;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	api = eksl_execinfo_api_version(text, err, sizeof(err));
	if (api == NULL)
		check_err(err);
	else if (strcmp(api, EKSL_EXEC_V1BETA1) != 0 &&
	    strcmp(api, EKSL_EXEC_V1) != 0)
		abort();
	err2[0] = '\0';
	api2 = eksl_execinfo_api_version(text, err2, sizeof(err2));
	if ((api == NULL) != (api2 == NULL) ||
	    (api != NULL && strcmp(api, api2) != 0) ||
	    (api == NULL && strcmp(err, err2) != 0))
		abort();
	/* A short error buffer truncates, never overflows. */
	(void)eksl_execinfo_api_version(text, small, sizeof(small));
	free(text);
	return 0;
}
