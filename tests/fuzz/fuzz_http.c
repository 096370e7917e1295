/*
 * Fuzz lib/http's parsers of what a server or the environment sends: a
 * response head (and a field looked up in it), a chunked body fed in
 * pieces, no_proxy lists, proxy URLs and IMF-fixdates.  The first byte
 * picks the parser (and the chunked decoder's piece size); nothing
 * touches the network.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eksl_http_head h;
	struct eksl_http_chunked c;
	struct eksl_http_proxy p;
	struct eksl_buf out;
	char err[256], val[128], *text, *host;
	size_t n, off, used, step;
	time_t t;
	int rc;

	if (size < 1)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	n = size - 1;
	switch (data[0] % 6) {
	case 0:
		(void)eksl_http_parse_head(text, n, &h, err, sizeof(err));
		(void)eksl_http_header(text, n, "Date", val, sizeof(val));
		break;
	case 1:
		/* A 1 KiB cap, so that the cap's path is taken too. */
		eksl_buf_init(&out, 1024);
		memset(&c, 0, sizeof(c));
		step = (size_t)(data[0] / 6) + 1;
		for (off = 0; off < n; off += used) {
			rc = eksl_http_chunked_feed(&c, text + off,
			    n - off < step ? n - off : step, &used, &out,
			    err, sizeof(err));
			if (rc != 0)
				break;
		}
		eksl_buf_free(&out);
		break;
	case 2:
		if ((host = strchr(text, '\n')) != NULL) {
			*host++ = '\0';
			(void)eksl_http_no_proxy(text, host);
		}
		break;
	case 3:
		(void)eksl_http_proxy_parse(text, &p, err, sizeof(err));
		break;
	default:
		(void)eksl_http_date(text, &t);
		break;
	}
	free(text);
	return 0;
}
