/*
 * lib/eks helpers that need no network: poll intervals, the comparison
 * of an existing cluster with a request, the capacity advice, the plan.
 */
#include <stdio.h>
#include <string.h>

#include "eks.h"
#include "msg.h"
#include "tap.h"

static const struct {
	int	 n;
	long	 base, want;
} polls[] = {
	{ 0, 5000, 5000 }, { 1, 5000, 7500 }, { 2, 5000, 11250 },
	{ 4, 5000, 25312 }, { 5, 5000, 30000 }, { 50, 5000, 30000 },
	{ 0, 20, 20 }, { 9, 20, 120 },
};

static const struct {
	const char	*type, *want;
} notes[] = {
	{ "m5d.large", "up to 20 worker nodes" },
	{ "m5.xlarge", "up to 100 worker nodes" },
	{ "r5.2xlarge", "up to 250 worker nodes" },
	{ "m5d.4xlarge", "up to 500 worker nodes" },
	{ "m5.8xlarge", NULL },
	{ "nodot", NULL },
};

#define ARN1 "arn:aws:outposts:us-west-2:111122223333:outpost/" \
	"op-0123456789abcdef0"
#define ARN2 "arn:aws:outposts:us-west-2:111122223333:outpost/" \
	"op-0123456789abcdef1"

static void
compare(const char *arn, const char *type, int want, const char *wdiff)
{
	json_t *c, *r;
	char diff[512];
	int got;

	c = json_pack("{s:{s:[s], s:s}}", "outpostConfig", "outpostArns",
	    ARN1, "controlPlaneInstanceType", "m5d.large");
	r = json_pack("{s:{s:[s], s:s}}", "outpostConfig", "outpostArns",
	    arn, "controlPlaneInstanceType", type);
	got = eksl_eks_compare(c, r, diff, sizeof(diff));
	tap_ok(got == want, "compare %s %s: %d", arn, type, want);
	if (wdiff != NULL)
		tap_streq(diff, wdiff, "compare: what differs");
	json_decref(c);
	json_decref(r);
}

int
main(void)
{
	const char *n;
	size_t i;

	(void)tap_skip;		/* nothing here is ever skipped */
	for (i = 0; i < sizeof(polls) / sizeof(polls[0]); i++)
		tap_ok(eksl_eks_poll_ms(polls[i].n, polls[i].base) ==
		    polls[i].want, "poll %d (base %ld) = %ld", polls[i].n,
		    polls[i].base, polls[i].want);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		n = eksl_eks_capacity_note(notes[i].type);
		if (notes[i].want == NULL)
			tap_ok(n == NULL, "no capacity note for %s",
			    notes[i].type);
		else
			tap_streq(n, notes[i].want, notes[i].type);
	}
	compare(ARN1, "m5d.large", 0, NULL);
	compare(ARN1, "m5.xlarge", 1, "control-plane instance type "
	    "m5d.large, config m5.xlarge");
	compare(ARN2, "m5d.large", 1, "Outpost " ARN1 ", config " ARN2);
	compare(ARN2, "m5.xlarge", 1, "Outpost " ARN1 ", config " ARN2
	    "; control-plane instance type m5d.large, config m5.xlarge");
	return tap_done();
}
