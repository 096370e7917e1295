/*
 * A compact JSON encoder for records, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT) writes, without its per-call allocations
 * (a result string, and a table of the containers it is inside): a run
 * that writes a thousand records spends less on encoding them.
 */
#ifndef EKSL_JSONOUT_H
#define EKSL_JSONOUT_H

#include <jansson.h>

#include "buf.h"

/*
 * Append v, compact, to b.  Returns 0; 1 when v holds a real number,
 * which is left to jansson's own formatting (b is then as it was); -1
 * when b cannot grow (errno E2BIG or ENOMEM; b as it was).  Containers
 * deeper than 2048 levels are refused with E2BIG, as jansson refuses to
 * parse them.
 */
int	eksl_json_encode(struct eksl_buf *b, const json_t *v);

#endif
