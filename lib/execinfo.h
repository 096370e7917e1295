/*
 * KUBERNETES_EXEC_INFO: the JSON ExecCredential that kubectl (client-go)
 * puts in an exec credential plugin's environment, saying which
 * apiVersion it wants back.  The text comes from kubectl's environment,
 * so it is parsed as untrusted input.
 */
#ifndef EKSL_EXECINFO_H
#define EKSL_EXECINFO_H

#include <stddef.h>

#define EKSL_EXEC_V1BETA1	"client.authentication.k8s.io/v1beta1"
#define EKSL_EXEC_V1		"client.authentication.k8s.io/v1"
/* Longer text is refused: kubectl's is a few hundred bytes (a few KiB
 * with provideClusterInfo and a CA bundle). */
#define EKSL_EXECINFO_MAX	(1024 * 1024)

/*
 * The apiVersion the plugin must answer with, from text (the value of
 * KUBERNETES_EXEC_INFO; NULL or "" when kubectl gave none): a static
 * string, EKSL_EXEC_V1BETA1 or EKSL_EXEC_V1 (v1beta1 when text names no
 * apiVersion), or NULL with err set to one printable ASCII line starting
 * "KUBERNETES_EXEC_INFO: ".  Reads nothing but text: no environment.
 */
const char *eksl_execinfo_api_version(const char *text, char *err,
	    size_t errlen);

#endif
