/*
 * Fuzz the AWS shared files (credentials and config, INI as the AWS CLI
 * reads it) and the credential_process output (JSON).  The first byte
 * picks what the rest is: 0 the credentials file, 1 the config file,
 * 2 both (split at the first NUL), 3 credential_process output.  Only
 * in-memory entry points: no file is read, no process is run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awsconf.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const services[] = {
	"eks", "ec2", "iam", "sts", "outposts", NULL
};

static void
load(const char *creds, size_t credslen, const char *config,
    size_t configlen)
{
	struct eksl_awsopts o = { NULL, NULL, NULL };
	struct eksl_awsconf c;
	char err[EKSL_ERRLEN], *url;
	size_t i;
	int pass;

	/* Once with the default profile, once with a named one. */
	for (pass = 0; pass < 2; pass++) {
		o.profile = pass == 0 ? NULL : "dev";
		if (eksl_awsconf_load_mem(&c, &o, creds, credslen, config,
		    configlen, err, sizeof(err)) == -1)
			continue;
		for (i = 0; services[i] != NULL; i++) {
			url = eksl_awsconf_endpoint(&c, services[i]);
			free(url);
		}
		if (c.region != NULL)
			(void)eksl_aws_dns_suffix(c.region);
		eksl_awsconf_clear(&c);
	}
}

/* The results must not depend on the caller's AWS_* environment. */
static void
clear_aws_env(void)
{
	extern char **environ;
	char name[256];
	size_t i, n;

	for (i = 0; environ[i] != NULL; ) {
		n = strcspn(environ[i], "=");
		if (strncmp(environ[i], "AWS_", 4) == 0 && n < sizeof(name)) {
			memcpy(name, environ[i], n);
			name[n] = '\0';
			unsetenv(name);
			continue;
		}
		i++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	char err[EKSL_ERRLEN], *text;
	struct eksl_creds cr;
	const char *p = (const char *)data + 1, *nul;
	size_t n;

	if (!once) {
		clear_aws_env();
		once = 1;
	}
	if (size < 1)
		return 0;
	n = size - 1;
	switch (data[0] % 4) {
	case 0:
		load(p, n, NULL, 0);
		break;
	case 1:
		load(NULL, 0, p, n);
		break;
	case 2:
		if ((nul = memchr(p, '\0', n)) == NULL)
			load(p, n, p, n);
		else
			load(p, (size_t)(nul - p), nul + 1,
			    n - (size_t)(nul - p) - 1);
		break;
	default:
		if ((text = malloc(n + 1)) == NULL)
			return 0;
		memcpy(text, p, n);
		text[n] = '\0';
		memset(&cr, 0, sizeof(cr));
		(void)eksl_awsconf_process_json(text, "fuzz", &cr, err,
		    sizeof(err));
		eksl_creds_clear(&cr);
		free(text);
		break;
	}
	return 0;
}
