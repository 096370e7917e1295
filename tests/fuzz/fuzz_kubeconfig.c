/*
 * Fuzz the kubeconfig loader and emitter.  Besides not crashing, what is
 * emitted must load again and emit the same bytes (the determinism that
 * lets an unchanged kubeconfig stay unwritten).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kubeconfig.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
cycle(const char *text, size_t len, size_t *outlen)
{
	char err[EKSL_ERRLEN], *out;
	struct eksl_kc *kc;

	if ((kc = eksl_kc_load("fuzz", text, len, err, sizeof(err))) == NULL)
		return NULL;
	(void)eksl_kc_has_cluster(kc, "c");
	(void)eksl_kc_current(kc);
	out = eksl_kc_dump(kc, 0, outlen, err, sizeof(err));
	eksl_kc_free(kc);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EKSL_ERRLEN], *a, *b, *c;
	struct eksl_kc *kc;
	size_t alen, blen, clen;

	if ((a = cycle((const char *)data, size, &alen)) == NULL)
		return 0;
	if ((b = cycle(a, alen, &blen)) == NULL ||
	    blen != alen || memcmp(a, b, alen) != 0)
		abort();
	/* Merging into whatever loaded must also emit. */
	if ((kc = eksl_kc_load("fuzz", a, alen, err, sizeof(err))) == NULL)
		abort();
	if (eksl_kc_set_cluster(kc, "c", "https://h", "Q0E=") == 0 &&
	    eksl_kc_set_context(kc, "c", "c", "u") == 0 &&
	    eksl_kc_set_user_cert(kc, "u", "/c", "/k", 0) == 0 &&
	    eksl_kc_set_current(kc, "c") == 0) {
		if ((c = eksl_kc_dump(kc, EKSL_KC_REDACT, &clen, err,
		    sizeof(err))) == NULL)
			abort();
		free(c);
	}
	eksl_kc_free(kc);
	free(a);
	free(b);
	return 0;
}
