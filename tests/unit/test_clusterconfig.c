/*
 * ClusterConfig loader and offline validation: every fixture in
 * tests/fixtures/clusterconfig states the error it must give ("# want:
 * LINE:COL: text") or none (good-*), plus table-driven checks of the
 * helpers and of the CreateCluster request.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clusterconfig.h"
#include "msg.h"
#include "tap.h"

static void
fixture(const char *dir, const char *name)
{
	struct eksl_clusterconfig *cc;
	char path[1400], err[EKSL_ERRLEN], want[1024], line[1024], got[1500];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	want[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL) {
		tap_ok(0, "%s: cannot open", name);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "# want: ", 8) == 0) {
			snprintf(want, sizeof(want), "%s", line + 8);
			want[strcspn(want, "\n")] = '\0';
		}
	}
	fclose(fp);
	err[0] = '\0';
	rc = -1;
	if ((cc = eksl_cc_load(path, err, sizeof(err))) != NULL)
		rc = eksl_cc_validate(cc, err, sizeof(err));
	eksl_cc_free(cc);
	if (want[0] == '\0') {
		tap_ok(rc == 0, "%s validates", name);
		if (rc != 0)
			tap_diag("%s", err);
		return;
	}
	/* want is "L:C: text": the error is "PATH:L:C: ...text..." */
	snprintf(got, sizeof(got), "%s:", path);
	tap_ok(rc == -1 && strncmp(err, got, strlen(got)) == 0 &&
	    strncmp(err + strlen(got), want, strcspn(want, " ")) == 0 &&
	    strstr(err, strchr(want, ' ') + 1) != NULL, "%s: %s", name, want);
	if (rc != -1 || strstr(err, strchr(want, ' ') + 1) == NULL ||
	    strncmp(err + strlen(got), want, strcspn(want, " ")) != 0)
		tap_diag("got: %s", rc == 0 ? "(valid)" : err);
}

static const struct {
	const char	*arn;
	int		 ok;
	const char	*region, *opid;
} arns[] = {
	{ "arn:aws:outposts:us-west-2:111122223333:outpost/"
	    "op-0123456789abcdef0", 0, "us-west-2", "op-0123456789abcdef0" },
	{ "arn:aws-us-gov:outposts:us-gov-west-1:111122223333:outpost/"
	    "op-0123456789abcdef0", 0, "us-gov-west-1", "op-0123456789abcdef0" },
	{ "arn:aws:outposts:us-west-2:111122223333:outpost/op-uniqueid", -1,
	    NULL, NULL },
	{ "arn:aws:outposts:us-west-2:111122223333:outpost/"
	    "op-0123456789ABCDEF0", -1, NULL, NULL },
	{ "arn:aws:outposts:us-west-2:11112222333:outpost/"
	    "op-0123456789abcdef0", -1, NULL, NULL },
	{ "arn:aws:ec2:us-west-2:111122223333:outpost/"
	    "op-0123456789abcdef0", -1, NULL, NULL },
	{ "arn:aws:outposts:us-west-2:111122223333:site/"
	    "op-0123456789abcdef0", -1, NULL, NULL },
	{ "", -1, NULL, NULL },
};

static const struct {
	const char	*type;
	int		 ok;
} types[] = {
	{ "m5d.large", 1 }, { "m5.24xlarge", 1 }, { "r5d.4xlarge", 1 },
	{ "i3en.xlarge", 1 }, { "u-6tb1.metal", 1 }, { "m5d-large", 0 },
	{ "M5d.large", 0 }, { "m5d.", 0 }, { ".large", 0 }, { "", 0 },
	{ "m5d.large ", 0 },
};

static const char base[] =
    "apiVersion: eksctl.io/v1alpha5\n"
    "kind: ClusterConfig\n"
    "metadata: {name: c1, region: us-west-2, version: \"1.30\","
    " tags: {b: \"2\", a: \"1\"}}\n"
    "vpc:\n"
    "  clusterEndpoints: {privateAccess: true}\n"
    "  subnets: {private: {s1: {id: subnet-1}, s2: {id: subnet-2}}}\n"
    "outpost:\n"
    "  controlPlaneOutpostARN: arn:aws:outposts:us-west-2:111122223333:"
    "outpost/op-0123456789abcdef0\n"
    "  controlPlaneInstanceType: m5d.large\n"
    "  controlPlanePlacement: {groupName: pg1}\n";

static json_t *
request(const char *text, const char *role)
{
	struct eksl_clusterconfig *cc;
	char err[EKSL_ERRLEN];
	json_t *r = NULL;

	cc = eksl_cc_load_mem("mem.yaml", text, strlen(text), err,
	    sizeof(err));
	if (cc == NULL || eksl_cc_validate(cc, err, sizeof(err)) == -1)
		tap_diag("%s", err);
	else
		r = eksl_cc_create_request(cc, role);
	eksl_cc_free(cc);
	return r;
}

static void
test_request(void)
{
	json_t *a, *b, *c;
	char *mod;
	const char *ta, *tb, *tc;

	a = request(base, "arn:aws:iam::111122223333:role/r1");
	b = request(base, NULL);
	if ((mod = strdup(base)) != NULL)
		*strstr(mod, "m5d.large") = 'r';	/* r5d.large */
	c = request(mod, "arn:aws:iam::111122223333:role/r1");
	free(mod);
	if (a == NULL || b == NULL || c == NULL) {
		tap_ok(0, "request built");
		goto out;
	}
	tap_streq(json_string_value(json_object_get(json_object_get(a,
	    "outpostConfig"), "controlPlaneInstanceType")), "m5d.large",
	    "request: outpostConfig.controlPlaneInstanceType");
	tap_streq(json_string_value(json_array_get(json_object_get(
	    json_object_get(a, "outpostConfig"), "outpostArns"), 0)),
	    "arn:aws:outposts:us-west-2:111122223333:outpost/"
	    "op-0123456789abcdef0", "request: outpostConfig.outpostArns[0]");
	tap_streq(json_string_value(json_object_get(json_object_get(
	    json_object_get(a, "outpostConfig"), "controlPlanePlacement"),
	    "groupName")), "pg1", "request: placement group");
	tap_ok(json_is_true(json_object_get(json_object_get(a,
	    "resourcesVpcConfig"), "endpointPrivateAccess")) &&
	    json_is_false(json_object_get(json_object_get(a,
	    "resourcesVpcConfig"), "endpointPublicAccess")),
	    "request: private access on, public access off (both sent)");
	tap_ok(json_array_size(json_object_get(json_object_get(a,
	    "resourcesVpcConfig"), "subnetIds")) == 2, "request: 2 subnets");
	tap_streq(json_string_value(json_object_get(json_object_get(a,
	    "accessConfig"), "authenticationMode")), "CONFIG_MAP",
	    "request: authenticationMode CONFIG_MAP");
	tap_ok(json_is_true(json_object_get(json_object_get(a, "accessConfig"),
	    "bootstrapClusterCreatorAdminPermissions")),
	    "request: bootstrapClusterCreatorAdminPermissions true");
	tap_streq(json_string_value(json_object_get(json_object_get(a,
	    "tags"), "a")), "1", "request: tags");
	tap_streq(json_string_value(json_object_get(a, "version")), "1.30",
	    "request: version");
	tap_streq(json_string_value(json_object_get(a, "roleArn")),
	    "arn:aws:iam::111122223333:role/r1", "request: roleArn");
	tap_ok(json_object_get(b, "roleArn") == NULL,
	    "request: no roleArn without a role");
	ta = json_string_value(json_object_get(a, "clientRequestToken"));
	tb = json_string_value(json_object_get(b, "clientRequestToken"));
	tc = json_string_value(json_object_get(c, "clientRequestToken"));
	tap_ok(ta != NULL && strlen(ta) == 37 && strncmp(ta, "eksl-", 5) == 0,
	    "request: token eksl- and 32 hex digits");
	tap_streq(tb, ta, "request: same config, same token (role aside)");
	tap_ok(ta != NULL && tc != NULL && strcmp(ta, tc) != 0,
	    "request: changed config, changed token");
out:
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

int
main(void)
{
	const char *top = getenv("EKSL_TOP");
	char dir[1024], region[64], opid[64];
	struct dirent **ents = NULL;
	int i, n;
	size_t k;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/clusterconfig",
	    top != NULL ? top : ".");
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		tap_skip("no fixtures (set EKSL_TOP)");
	for (i = 0; i < n; i++) {
		if (strstr(ents[i]->d_name, ".yaml") != NULL)
			fixture(dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);

	for (k = 0; k < sizeof(arns) / sizeof(arns[0]); k++) {
		region[0] = opid[0] = '\0';
		i = eksl_outpost_arn_parse(arns[k].arn, region, sizeof(region),
		    opid, sizeof(opid));
		tap_ok(i == arns[k].ok && (i == -1 ||
		    (strcmp(region, arns[k].region) == 0 &&
		    strcmp(opid, arns[k].opid) == 0)), "arn %s", arns[k].arn);
	}
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		tap_ok(eksl_instance_type_valid(types[k].type) == types[k].ok,
		    "instance type \"%s\" %s", types[k].type,
		    types[k].ok ? "valid" : "invalid");
	test_request();
	return tap_done();
}
