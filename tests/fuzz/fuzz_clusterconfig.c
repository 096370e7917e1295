/*
 * Fuzz the ClusterConfig loader and the offline validation, and the
 * CreateCluster request built from a config that validates.
 */
#include <stdint.h>
#include <stdlib.h>

#include "clusterconfig.h"
#include "eks.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EKSL_ERRLEN], region[64], opid[64];
	struct eksl_clusterconfig *cc;
	json_t *req, *plan;

	if ((cc = eksl_cc_load_mem("fuzz.yaml", (const char *)data, size, err,
	    sizeof(err))) == NULL)
		return 0;
	(void)eksl_cc_str(cc->name);
	if (eksl_cc_validate(cc, err, sizeof(err)) == 0) {
		if (eksl_cc_str(cc->outpost_arn) != NULL)
			(void)eksl_outpost_arn_parse(eksl_cc_str(cc->outpost_arn),
			    region, sizeof(region), opid, sizeof(opid));
		if ((req = eksl_cc_create_request(cc, NULL)) == NULL)
			abort();
		if ((plan = eksl_eks_plan(cc, req)) != NULL)
			json_decref(plan);
		json_decref(req);
	}
	eksl_cc_free(cc);
	return 0;
}
