/*
 * Fuzz the readers of an existing eksl-zone file (zone and rpz through
 * ldns, unbound, dnsmasq and hosts text): the first byte picks the format,
 * the rest is the file.  Hosts that come without addresses make the
 * readers look at every line; the result is rendered and checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "msg.h"
#include "zone.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eksl_zone_opts o = { 0, "example.test", 60, NULL, NULL };
	static const char *ip[] = { "127.0.0.11" };
	struct eksl_zone_set *s;
	struct eksl_zone_result res;
	char err[EKSL_ERRLEN];
	uint32_t serial;
	int has_soa;

	if (size < 1)
		return 0;
	o.format = data[0] % 5;
	if (o.format == EKSL_ZONE_FMT_RPZ)
		o.origin = NULL;
	if ((s = eksl_zone_set_new(&o, err, sizeof(err))) == NULL)
		return 0;
	if (eksl_zone_add(s, "a.example.test", NULL, 0, err, sizeof(err)) ==
	    0 && eksl_zone_add(s, "b.example.test", ip, 1, err,
	    sizeof(err)) == 0 && eksl_zone_add(s, "example.test", NULL, 0,
	    err, sizeof(err)) == 0 && eksl_zone_set_finish(s, err,
	    sizeof(err)) == 0 && eksl_zone_read_existing(s, 0, "fuzz",
	    (const char *)data + 1, size - 1, &serial, &has_soa, err,
	    sizeof(err)) == 0 && eksl_zone_update(s, 0, NULL,
	    2026112800u, &res, err, sizeof(err)) == 0)
		eksl_buf_free(&res.data);
	eksl_zone_set_free(s);
	return 0;
}
