/* Fuzz the JSON Lines record reader and writer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "msg.h"
#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EKSL_ERRLEN];
	struct eksl_reader *r;
	json_t *rec;
	FILE *in, *out;
	int rc;

	if ((in = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if ((out = fopen("/dev/null", "w")) == NULL) {
		fclose(in);
		return 0;
	}
	if ((r = eksl_reader_new(in, "fuzz")) == NULL)
		goto done;
	while ((rc = eksl_reader_next(r, &rec, err, sizeof(err))) != 0) {
		if (rc == -1) {
			if (eksl_reader_failed(r))
				break;
			continue;
		}
		(void)eksl_record_host(rec);
		(void)eksl_hostname_valid(eksl_json_str(rec, "host"));
		(void)eksl_record_add_error(rec, "fuzz", "input", "%s", "x");
		(void)eksl_record_write(out, rec, err, sizeof(err));
		json_decref(rec);
	}
	eksl_reader_free(r);
done:
	fclose(in);
	fclose(out);
	return 0;
}
