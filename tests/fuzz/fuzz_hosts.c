/*
 * Fuzz the hosts-file block parser and renderer.  Whatever parses must
 * render to exactly its own bytes (nothing changed yet), parse again to
 * the same blocks, and survive a pin, an unpin, a check and a diff whose
 * result parses again with the pin in place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hostsfile.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_blocks(const struct eksl_hosts *a, const struct eksl_hosts *b)
{
	const char *ha, *hb, *ca, *cb;
	char *const *aa, *const *ab;
	size_t i, j, na, nb;

	if (eksl_hosts_nblocks(a) != eksl_hosts_nblocks(b))
		abort();
	for (i = 0; i < eksl_hosts_nblocks(a); i++) {
		if (eksl_hosts_block(a, i, &ha, &ca, &aa, &na) == -1 ||
		    eksl_hosts_block(b, i, &hb, &cb, &ab, &nb) == -1)
			abort();
		if (strcmp(ha, hb) != 0 || na != nb ||
		    (ca == NULL) != (cb == NULL) ||
		    (ca != NULL && strcmp(ca, cb) != 0))
			abort();
		for (j = 0; j < na; j++)
			if (strcmp(aa[j], ab[j]) != 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a1[] = "127.0.0.11", a2[] = "::1";
	char *const addrs[] = { a1, a2 };
	char err[EKSL_ERRLEN];
	struct eksl_hosts *h = NULL, *h2 = NULL, *h3 = NULL;
	struct eksl_buf r1, r2, d;
	size_t lines[8];

	eksl_buf_init(&r1, 0);
	eksl_buf_init(&r2, 0);
	eksl_buf_init(&d, 0);
	if ((h = eksl_hosts_parse("fuzz", (const char *)data, size, err,
	    sizeof(err))) == NULL)
		goto out;
	/* parse -> render is the identity while nothing changed. */
	if (eksl_hosts_render(h, &r1) == -1)
		goto out;
	if (r1.len != size || (size > 0 && memcmp(r1.data, data, size) != 0))
		abort();
	if ((h2 = eksl_hosts_parse("fuzz", r1.data, r1.len, err,
	    sizeof(err))) == NULL)
		abort();
	same_blocks(h, h2);
	(void)eksl_hosts_unmanaged(h, "api.example.test", lines, 8);
	(void)eksl_hosts_check(h, "api.example.test", addrs, 2, &d);
	/* Edits: the result must parse again and say what was pinned. */
	if (eksl_hosts_pin(h, "api.example.test", "c1", addrs, 2, err,
	    sizeof(err)) == -1)
		goto out;
	if (eksl_hosts_diff(h, &d) == -1 || eksl_hosts_render(h, &r2) == -1)
		goto out;
	if ((h3 = eksl_hosts_parse("fuzz", r2.data, r2.len, err,
	    sizeof(err))) == NULL)
		abort();
	eksl_buf_reset(&d);
	if (eksl_hosts_check(h3, "api.example.test", addrs, 2, &d) == -1)
		goto out;
	if (eksl_hosts_nblocks(h3) != eksl_hosts_nblocks(h))
		abort();
	eksl_hosts_free(h3);
	h3 = NULL;
	/* Unpinning the first block must also give a file that parses. */
	{
		const char *host, *cl;
		char *const *aa;
		size_t na;

		if (eksl_hosts_block(h, 0, &host, &cl, &aa, &na) == -1)
			abort();
		if (eksl_hosts_unpin(h, host) != 1)
			abort();
	}
	eksl_buf_reset(&r2);
	eksl_buf_reset(&d);
	if (eksl_hosts_diff(h, &d) == -1 || eksl_hosts_render(h, &r2) == -1)
		goto out;
	if ((h3 = eksl_hosts_parse("fuzz", r2.data, r2.len, err,
	    sizeof(err))) == NULL)
		abort();
out:
	eksl_hosts_free(h);
	eksl_hosts_free(h2);
	eksl_hosts_free(h3);
	eksl_buf_free(&r1);
	eksl_buf_free(&r2);
	eksl_buf_free(&d);
	return 0;
}
