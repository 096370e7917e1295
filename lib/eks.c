/*
 * EKS local clusters: IAM role, create/describe/delete/wait, the online
 * checks of a ClusterConfig and the cluster record from EKS and EC2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "clusterconfig.h"
#include "duration.h"
#include "eks.h"
#include "record.h"

#define EC2_VERSION	"2016-11-15"
#define IAM_VERSION	"2010-05-08"
#define MIN_FREE_IPS	3
#define MAX_PAGES	20

/* The trust policies of the two variants (who runs the control plane). */
static const char trust_ec2[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
    "\"Action\":\"sts:AssumeRole\"}]}";
static const char trust_eks[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"eks.amazonaws.com\"},"
    "\"Action\":\"sts:AssumeRole\"}]}";

static void
set_error(struct eksl_aws_error *e, enum eksl_aws_status st,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_error(struct eksl_aws_error *e, enum eksl_aws_status st,
    const char *code, const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->status = st;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* The first child element of n with local name name, or NULL. */
static const struct eksl_xml_node *
xchild(const struct eksl_xml_node *n, const char *name)
{
	return eksl_xml_child(n, name);
}

/* The text of n's child element name; new string or NULL. */
static char *
xtext(const struct eksl_xml_node *n, const char *name)
{
	return eksl_xml_content(eksl_xml_child(n, name));
}

/* The next sibling element of n named name (for <item> lists). */
static const struct eksl_xml_node *
xnext(const struct eksl_xml_node *n, const char *name)
{
	return eksl_xml_next(n, name);
}

int
eksl_eks_ensure_role(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    char **arn, int *created, struct eksl_aws_error *e)
{
	struct eksl_xml *doc = NULL;
	char name[160];
	const char *policy;
	int rc = -1;

	*arn = NULL;
	*created = 0;
	if (cc->service_role != NULL) {
		if ((*arn = strdup(eksl_cc_str(cc->service_role))) == NULL) {
			set_error(e, EKSL_AWS_LOCAL, "", "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(name, sizeof(name), EKSL_CC_ROLE_FMT, eksl_cc_str(cc->name));
	policy = cc->instance_store ? EKSL_CC_POLICY_IS : EKSL_CC_POLICY_EBS;
	{
		const char *p[] = { "RoleName", name, NULL };

		if (eksl_aws_query(a, "iam", "GetRole", IAM_VERSION, p, &doc,
		    e) == -1) {
			if (strcmp(e->code, "NoSuchEntity") != 0)
				goto out;
			doc = NULL;
		}
	}
	if (doc == NULL) {
		const char *p[] = { "RoleName", name,
		    "AssumeRolePolicyDocument",
		    cc->instance_store ? trust_eks : trust_ec2,
		    "Description", "EKS local cluster role made by "
		    "eksl-provision", NULL };

		if (eksl_aws_query(a, "iam", "CreateRole", IAM_VERSION, p,
		    &doc, e) == -1) {
			const char *g[] = { "RoleName", name, NULL };

			/* Another run made it meanwhile: use that one. */
			if (strcmp(e->code, "EntityAlreadyExists") != 0 ||
			    eksl_aws_query(a, "iam", "GetRole", IAM_VERSION, g,
			    &doc, e) == -1)
				goto out;
		} else
			*created = 1;
	}
	*arn = xtext(xchild(xchild(eksl_xml_root(doc), *created ?
	    "CreateRoleResult" : "GetRoleResult"), "Role"), "Arn");
	if (*arn == NULL) {
		set_error(e, EKSL_AWS_REFUSED, "BadAnswer", "%s: the IAM "
		    "answer has no role ARN", name);
		goto out;
	}
	{
		/* AttachRolePolicy is idempotent: call it every time. */
		const char *p[] = { "RoleName", name, "PolicyArn", policy,
		    NULL };
		struct eksl_xml *d2 = NULL;

		if (eksl_aws_query(a, "iam", "AttachRolePolicy", IAM_VERSION,
		    p, &d2, e) == -1)
			goto out;
		eksl_xml_free(d2);
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*arn);
		*arn = NULL;
	}
	eksl_xml_free(doc);
	return rc;
}

/* Take the "cluster" member of an answer; new reference or NULL. */
static json_t *
take_cluster(json_t *ans, struct eksl_aws_error *e)
{
	json_t *c;

	c = json_object_get(ans, "cluster");
	if (!json_is_object(c)) {
		set_error(e, EKSL_AWS_REFUSED, "BadAnswer",
		    "the EKS answer has no cluster object");
		return NULL;
	}
	return json_incref(c);
}

int
eksl_eks_create(struct eksl_aws *a, json_t *req, json_t **cluster,
    struct eksl_aws_error *e)
{
	json_t *ans = NULL;

	*cluster = NULL;
	if (eksl_aws_json(a, "eks", "POST", "/clusters", NULL, req, &ans,
	    e) == -1)
		return -1;
	*cluster = take_cluster(ans, e);
	json_decref(ans);
	return *cluster == NULL ? -1 : 0;
}

/* "/clusters/NAME"; the name is validated, so it needs no escaping. */
static void
cluster_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/clusters/%s", name);
}

int
eksl_eks_describe(struct eksl_aws *a, const char *name, json_t **cluster,
    struct eksl_aws_error *e)
{
	json_t *ans = NULL;
	char path[256];

	*cluster = NULL;
	cluster_path(path, sizeof(path), name);
	if (eksl_aws_json(a, "eks", "GET", path, NULL, NULL, &ans, e) == -1)
		return -1;
	*cluster = take_cluster(ans, e);
	json_decref(ans);
	return *cluster == NULL ? -1 : 0;
}

int
eksl_eks_delete(struct eksl_aws *a, const char *name,
    struct eksl_aws_error *e)
{
	json_t *ans = NULL;
	char path[256];
	int rc;

	/* No body: the transport sends neither one nor a Content-Type. */
	cluster_path(path, sizeof(path), name);
	rc = eksl_aws_json(a, "eks", "DELETE", path, NULL, NULL, &ans, e);
	json_decref(ans);
	return rc == -1 ? -1 : 0;
}

static const char *
outpost_of(const json_t *obj, const char *what)
{
	const json_t *oc = json_object_get(obj, "outpostConfig");

	if (strcmp(what, "arn") == 0)
		return json_string_value(json_array_get(json_object_get(oc,
		    "outpostArns"), 0));
	return json_string_value(json_object_get(oc, what));
}

int
eksl_eks_compare(const json_t *cluster, const json_t *req, char *diff,
    size_t difflen)
{
	const char *have, *want;
	size_t n = 0;
	int differs = 0;

	diff[0] = '\0';
	have = outpost_of(cluster, "arn");
	want = outpost_of(req, "arn");
	if (have == NULL || want == NULL || strcmp(have, want) != 0) {
		n += snprintf(diff + n, n < difflen ? difflen - n : 0,
		    "Outpost %s, config %s", have != NULL ? have : "(none)",
		    want != NULL ? want : "(none)");
		differs = 1;
	}
	have = outpost_of(cluster, "controlPlaneInstanceType");
	want = outpost_of(req, "controlPlaneInstanceType");
	if (have == NULL || want == NULL || strcmp(have, want) != 0) {
		snprintf(diff + n, n < difflen ? difflen - n : 0,
		    "%scontrol-plane instance type %s, config %s",
		    differs ? "; " : "", have != NULL ? have : "(none)",
		    want != NULL ? want : "(none)");
		differs = 1;
	}
	return differs;
}

long
eksl_eks_poll_ms(int n, long base_ms)
{
	long ms = base_ms;

	while (n-- > 0 && ms < 6 * base_ms)
		ms = ms * 3 / 2;
	return ms < 6 * base_ms ? ms : 6 * base_ms;
}


int
eksl_eks_wait(struct eksl_aws *a, const char *name, int gone,
    long timeout_ms, long base_ms, eksl_eks_progress *progress, void *arg,
    json_t **cluster, struct eksl_aws_error *e)
{
	json_t *c = NULL;
	const char *status;
	long start = eksl_now_ms(), elapsed, wait;
	int n;

	if (cluster != NULL)
		*cluster = NULL;
	for (n = 0;; n++) {
		json_decref(c);
		c = NULL;
		if (eksl_eks_describe(a, name, &c, e) == -1) {
			if (gone && strcmp(e->code,
			    "ResourceNotFoundException") == 0)
				return 0;
			return -1;
		}
		elapsed = eksl_now_ms() - start;
		if (progress != NULL)
			progress(c, elapsed, arg);
		status = json_string_value(json_object_get(c, "status"));
		if (status == NULL)
			status = "UNKNOWN";
		if (!gone && strcmp(status, "ACTIVE") == 0)
			break;
		if (!gone && (strcmp(status, "FAILED") == 0 ||
		    strcmp(status, "DELETING") == 0)) {
			set_error(e, EKSL_AWS_REFUSED, "ClusterFailed",
			    "%s: status %s", name, status);
			json_decref(c);
			return -1;
		}
		if (elapsed >= timeout_ms) {
			set_error(e, EKSL_AWS_UNREACHABLE, "Timeout", "%s",
			    status);
			json_decref(c);
			return 1;
		}
		wait = eksl_eks_poll_ms(n, base_ms);
		if (wait > timeout_ms - elapsed)
			wait = timeout_ms - elapsed;
		eksl_sleep_ms(wait);
	}
	if (cluster != NULL)
		*cluster = c;
	else
		json_decref(c);
	return 0;
}

const char *
eksl_eks_capacity_note(const char *type)
{
	static const struct {
		const char *size, *note;
	} t[] = {
		{ ".large", "up to 20 worker nodes" },
		{ ".xlarge", "up to 100 worker nodes" },
		{ ".2xlarge", "up to 250 worker nodes" },
		{ ".4xlarge", "up to 500 worker nodes" },
	};
	const char *dot = strchr(type, '.');
	size_t i;

	if (dot == NULL)
		return NULL;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(dot, t[i].size) == 0)
			return t[i].note;
	return NULL;
}

/* An EC2 attribute answer's <ATTR><value>true</value></ATTR>. */
static int
vpc_attribute(struct eksl_aws *a, const char *vpc, const char *attr,
    int *on, struct eksl_aws_error *e)
{
	const char *p[] = { "VpcId", vpc, "Attribute", attr, NULL };
	struct eksl_xml *doc = NULL;
	char *v;

	if (eksl_aws_query(a, "ec2", "DescribeVpcAttribute", EC2_VERSION, p,
	    &doc, e) == -1)
		return -1;
	v = xtext(xchild(eksl_xml_root(doc), attr), "value");
	*on = v != NULL && strcmp(v, "true") == 0;
	free(v);
	eksl_xml_free(doc);
	return 0;
}

/* The instance types the Outpost offers contain type: 1 yes, 0 no. */
static int
outpost_offers(struct eksl_aws *a, const char *opid, const char *type,
    int *offered, struct eksl_aws_error *e)
{
	json_t *ans = NULL, *it;
	char path[128], query[1200];
	const char *next = NULL;
	char *tok = NULL;
	size_t i;
	int page;

	*offered = 0;
	snprintf(path, sizeof(path), "/outposts/%s/instanceTypes", opid);
	for (page = 0; page < MAX_PAGES; page++) {
		query[0] = '\0';
		if (tok != NULL)
			snprintf(query, sizeof(query), "NextToken=%s", tok);
		if (eksl_aws_json(a, "outposts", "GET", path,
		    query[0] ? query : NULL, NULL, &ans, e) == -1) {
			free(tok);
			return -1;
		}
		json_array_foreach(json_object_get(ans, "InstanceTypes"), i,
		    it) {
			const char *t = eksl_json_str(it, "InstanceType");

			if (t != NULL && strcmp(t, type) == 0)
				*offered = 1;
		}
		free(tok);
		tok = NULL;
		next = eksl_json_str(ans, "NextToken");
		/* A token is opaque: pass it on only when it is URL-safe. */
		if (next != NULL && strspn(next, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_.~") ==
		    strlen(next) && strlen(next) < 1000)
			tok = strdup(next);
		json_decref(ans);
		ans = NULL;
		if (*offered || tok == NULL)
			break;
	}
	free(tok);
	return 0;
}

int
eksl_eks_validate_online(struct eksl_aws *a,
    const struct eksl_clusterconfig *cc, char *err, size_t errlen,
    struct eksl_aws_error *e)
{
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *item;
	char *vpc = NULL, *sv = NULL, *oa = NULL, *cnt = NULL;
	char opid[64];
	const char *id, *want = eksl_cc_str(cc->outpost_arn);
	const struct eksl_ynode *vpcnode;
	long free_ips = 0;
	size_t i;
	int on, rc = -1, n;

	eksl_outpost_arn_parse(want, NULL, 0, opid, sizeof(opid));
	for (i = 0; i < cc->nsubnets; i++) {
		const char *p[] = { "SubnetId.1", NULL, NULL };

		id = eksl_cc_str(cc->subnet[i]);
		p[1] = id;
		if (eksl_aws_query(a, "ec2", "DescribeSubnets", EC2_VERSION, p,
		    &doc, e) == -1) {
			if (strcmp(e->code, "InvalidSubnetID.NotFound") == 0) {
				rc = 1;
				eksl_cc_error(cc, cc->subnet[i], err, errlen,
				    "%s: no such subnet", id);
			}
			goto out;
		}
		item = xchild(xchild(eksl_xml_root(doc), "subnetSet"),
		    "item");
		if (item == NULL) {
			rc = 1;
			eksl_cc_error(cc, cc->subnet[i], err, errlen,
			    "%s: no such subnet", id);
			goto out;
		}
		sv = xtext(item, "vpcId");
		oa = xtext(item, "outpostArn");
		cnt = xtext(item, "availableIpAddressCount");
		if (sv == NULL)
			sv = strdup("");
		if (vpc == NULL && sv != NULL)
			vpc = strdup(sv);
		if (vpc == NULL || sv == NULL) {
			set_error(e, EKSL_AWS_LOCAL, "", "out of memory");
			goto out;
		}
		if (strcmp(vpc, sv) != 0) {
			rc = 1;
			eksl_cc_error(cc, cc->subnet[i], err, errlen, "%s: in "
			    "%s, but the first subnet is in %s", id, sv, vpc);
			goto out;
		}
		if (cc->vpc_id != NULL &&
		    strcmp(eksl_cc_str(cc->vpc_id), sv) != 0) {
			rc = 1;
			eksl_cc_error(cc, cc->subnet[i], err, errlen, "%s: in "
			    "%s, not in vpc.id %s", id, sv,
			    eksl_cc_str(cc->vpc_id));
			goto out;
		}
		if (oa == NULL || strcmp(oa, want) != 0) {
			rc = 1;
			eksl_cc_error(cc, cc->subnet[i], err, errlen, "%s: %s%s, "
			    "not on the configured Outpost", id,
			    oa == NULL ? "a subnet in the Region" : "on ",
			    oa == NULL ? "" : oa);
			goto out;
		}
		if (cnt != NULL)
			free_ips += strtol(cnt, NULL, 10);
		free(sv);
		free(oa);
		free(cnt);
		sv = oa = cnt = NULL;
		eksl_xml_free(doc);
		doc = NULL;
	}
	vpcnode = cc->vpc_id != NULL ? cc->vpc_id : cc->subnet[0];
	if (vpc != NULL) {
		if (vpc_attribute(a, vpc, "enableDnsSupport", &on, e) == -1)
			goto out;
		if (!on) {
			rc = 1;
			eksl_cc_error(cc, vpcnode, err, errlen, "%s: DNS "
			    "support is off (enableDnsSupport)", vpc);
			goto out;
		}
		if (vpc_attribute(a, vpc, "enableDnsHostnames", &on, e) == -1)
			goto out;
		if (!on) {
			rc = 1;
			eksl_cc_error(cc, vpcnode, err, errlen, "%s: DNS "
			    "host names are off (enableDnsHostnames)", vpc);
			goto out;
		}
	}
	if (outpost_offers(a, opid, eksl_cc_str(cc->instance_type), &on,
	    e) == -1)
		goto out;
	if (!on) {
		rc = 1;
		eksl_cc_error(cc, cc->instance_type, err, errlen, "%s: not "
		    "offered on %s", eksl_cc_str(cc->instance_type), opid);
		goto out;
	}
	if (cc->placement_group != NULL) {
		const char *p[] = { "Filter.1.Name", "group-name",
		    "Filter.1.Value.1", eksl_cc_str(cc->placement_group),
		    NULL };

		if (eksl_aws_query(a, "ec2", "DescribePlacementGroups",
		    EC2_VERSION, p, &doc, e) == -1)
			goto out;
		n = 0;
		item = xchild(xchild(eksl_xml_root(doc),
		    "placementGroupSet"), "item");
		for (; item != NULL; item = xnext(item, "item"))
			n++;
		if (n != 1) {
			rc = 1;
			eksl_cc_error(cc, cc->placement_group, err, errlen,
			    "%s: %s", eksl_cc_str(cc->placement_group),
			    n == 0 ? "no such placement group" :
			    "more than one placement group of that name");
			goto out;
		}
	}
	/* No subnets: eksl makes them (lib/ec2net.c) once this passes. */
	if (cc->nsubnets > 0 && free_ips < MIN_FREE_IPS) {
		rc = 1;
		eksl_cc_error(cc, cc->subnets_at, err, errlen, "%ld free "
		    "address%s in the subnets; the control plane needs %d",
		    free_ips, free_ips == 1 ? "" : "es", MIN_FREE_IPS);
		goto out;
	}
	rc = 0;
out:
	if (rc == 1)
		memset(e, 0, sizeof(*e));
	eksl_xml_free(doc);
	free(vpc);
	free(sv);
	free(oa);
	free(cnt);
	return rc;
}

static int
by_name(const void *x, const void *y)
{
	const char *a = eksl_json_str(*(json_t *const *)x, "name");
	const char *b = eksl_json_str(*(json_t *const *)y, "name");

	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Append ip to addrs unless it is there already. */
static void
add_address(json_t *addrs, const char *ip)
{
	json_t *v;
	size_t i;

	if (ip == NULL || *ip == '\0')
		return;
	json_array_foreach(addrs, i, v)
		if (strcmp(eksl_json_str(v, "ip"), ip) == 0)
			return;
	json_array_append_new(addrs, json_pack("{s:s, s:s}", "ip", ip,
	    "source", "ec2"));
}

/* The parameters of DescribeInstances for a cluster's control plane. */
struct cp_query {
	char		 pattern[160];
	const char	*p[11];
};

static void
cp_query_init(struct cp_query *q, const char *name, const char *token)
{
	size_t n = 0;

	snprintf(q->pattern, sizeof(q->pattern), "%s-control-plane-*", name);
	q->p[n++] = "Filter.1.Name";
	q->p[n++] = "tag:Name";
	q->p[n++] = "Filter.1.Value.1";
	q->p[n++] = q->pattern;
	q->p[n++] = "Filter.2.Name";
	q->p[n++] = "instance-state-name";
	q->p[n++] = "Filter.2.Value.1";
	q->p[n++] = "running";
	if (token != NULL) {
		q->p[n++] = "NextToken";
		q->p[n++] = token;
	}
	q->p[n] = NULL;
}

/*
 * The instances of one DescribeInstances answer into cp; the page's
 * next token (new string) or NULL.
 */
static char *
cp_page(struct eksl_xml *doc, json_t *cp)
{
	const struct eksl_xml_node *r, *in, *tag;
	char *iid, *ip, *state, *k, *v, *tname, *token;

	r = xchild(xchild(eksl_xml_root(doc), "reservationSet"),
	    "item");
	for (; r != NULL; r = xnext(r, "item")) {
		in = xchild(xchild(r, "instancesSet"), "item");
		for (; in != NULL; in = xnext(in, "item")) {
			iid = xtext(in, "instanceId");
			ip = xtext(in, "privateIpAddress");
			state = xtext(xchild(in, "instanceState"), "name");
			tname = NULL;
			tag = xchild(xchild(in, "tagSet"), "item");
			for (; tag != NULL; tag = xnext(tag, "item")) {
				k = xtext(tag, "key");
				v = xtext(tag, "value");
				if (k != NULL && strcmp(k, "Name") == 0 &&
				    tname == NULL) {
					tname = v;
					v = NULL;
				}
				free(k);
				free(v);
			}
			json_array_append_new(cp, json_pack(
			    "{s:s?, s:s?, s:s?, s:s?}", "instanceId", iid,
			    "name", tname, "privateIp", ip, "state", state));
			free(iid);
			free(ip);
			free(state);
			free(tname);
		}
	}
	token = xtext(eksl_xml_root(doc), "nextToken");
	if (token != NULL && *token == '\0') {
		free(token);
		token = NULL;
	}
	return token;
}

/*
 * controlPlane[] from the first DescribeInstances page (doc) and the
 * pages after it, sorted by name so that the record keeps its order.
 */
static int
control_plane(struct eksl_aws *a, const char *name, struct eksl_xml *first,
    json_t *cp, struct eksl_aws_error *e)
{
	struct cp_query q;
	struct eksl_xml *doc = NULL;
	json_t **sorted = NULL;
	char *token;
	size_t i, n;
	int page;

	token = cp_page(first, cp);
	for (page = 1; token != NULL && page < MAX_PAGES; page++) {
		cp_query_init(&q, name, token);
		if (eksl_aws_query(a, "ec2", "DescribeInstances", EC2_VERSION,
		    q.p, &doc, e) == -1) {
			free(token);
			return -1;
		}
		free(token);
		token = cp_page(doc, cp);
		eksl_xml_free(doc);
		doc = NULL;
	}
	free(token);
	n = json_array_size(cp);
	if (n > 1 && (sorted = calloc(n, sizeof(*sorted))) != NULL) {
		for (i = 0; i < n; i++)
			sorted[i] = json_incref(json_array_get(cp, i));
		qsort(sorted, n, sizeof(*sorted), by_name);
		json_array_clear(cp);
		for (i = 0; i < n; i++)
			json_array_append_new(cp, sorted[i]);
		free(sorted);
	}
	return 0;
}

/* addresses[] from a DescribeNetworkInterfaces answer. */
static void
eni_addresses(struct eksl_xml *doc, json_t *addrs)
{
	const struct eksl_xml_node *it;
	char *ip;

	it = xchild(xchild(eksl_xml_root(doc), "networkInterfaceSet"),
	    "item");
	for (; it != NULL; it = xnext(it, "item")) {
		ip = xtext(it, "privateIpAddress");
		add_address(addrs, ip);
		free(ip);
	}
}

/* The EKS part of the record: every field but controlPlane, addresses. */
static json_t *
record_base(const json_t *cluster, const char *name, const char *region,
    const char *creator)
{
	json_t *r, *v;
	const json_t *oc;
	size_t i;
	static const char *const copy[] = { "arn", "id", "status",
	    "version", "endpoint" };

	if ((r = eksl_record_new()) == NULL)
		return NULL;
	json_object_set_new(r, "name", json_string(name));
	if (region != NULL)
		json_object_set_new(r, "region", json_string(region));
	for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		if ((v = json_object_get(cluster, copy[i])) != NULL &&
		    json_is_string(v))
			json_object_set(r, copy[i], v);
	eksl_record_host(r);
	v = json_object_get(json_object_get(cluster, "certificateAuthority"),
	    "data");
	if (json_is_string(v))
		json_object_set(r, "ca", v);
	oc = json_object_get(cluster, "outpostConfig");
	if (oc != NULL)
		json_object_set_new(r, "outpost", json_pack("{s:s?, s:s?, s:s?}",
		    "arn", outpost_of(cluster, "arn"),
		    "controlPlaneInstanceType",
		    outpost_of(cluster, "controlPlaneInstanceType"),
		    "placementGroup", json_string_value(json_object_get(
		    json_object_get(oc, "controlPlanePlacement"),
		    "groupName"))));
	/* The instance-store variant: eksl-kubeconfig then identifies the
	 * cluster by name, not id. */
	if (oc != NULL && outpost_of(cluster, "etcdInstanceType") != NULL)
		json_object_set_new(json_object_get(r, "outpost"),
		    "etcdInstanceType",
		    json_string(outpost_of(cluster, "etcdInstanceType")));
	if (creator != NULL)
		json_object_set_new(r, "creator", json_pack("{s:s}", "arn",
		    creator));
	return r;
}

/* The two EC2 calls of a record, for eksl_aws_run. */
struct ec2_calls {
	struct cp_query		 q;
	char			 desc[160];
	const char		*p[5];
};

static void
ec2_calls_init(struct ec2_calls *ec, const char *name,
    struct eksl_aws_call *inst, struct eksl_aws_call *eni)
{
	cp_query_init(&ec->q, name, NULL);
	snprintf(ec->desc, sizeof(ec->desc), "Amazon EKS %s", name);
	ec->p[0] = "Filter.1.Name";
	ec->p[1] = "description";
	ec->p[2] = "Filter.1.Value.1";
	ec->p[3] = ec->desc;
	ec->p[4] = NULL;
	memset(inst, 0, sizeof(*inst));
	inst->service = "ec2";
	inst->action = "DescribeInstances";
	inst->version = EC2_VERSION;
	inst->params = ec->q.p;
	memset(eni, 0, sizeof(*eni));
	eni->service = "ec2";
	eni->action = "DescribeNetworkInterfaces";
	eni->version = EC2_VERSION;
	eni->params = ec->p;
}

/*
 * Complete the record r (borrowed) from the answers of the two EC2 calls
 * (and further DescribeInstances pages).  Returns 0 or -1 with e filled.
 */
static int
record_ec2(struct eksl_aws *a, const char *name, json_t *r,
    const struct eksl_aws_call *inst, const struct eksl_aws_call *eni,
    struct eksl_aws_error *e)
{
	json_t *cp = NULL, *addrs = NULL, *v;
	size_t i;

	/* DescribeInstances' error first, as when they ran in turn. */
	if (inst->xml == NULL || eni->xml == NULL) {
		*e = inst->xml == NULL ? inst->e : eni->e;
		return -1;
	}
	if ((cp = json_array()) == NULL || (addrs = json_array()) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, "", "out of memory");
		goto fail;
	}
	if (control_plane(a, name, inst->xml, cp, e) == -1)
		goto fail;
	json_array_foreach(cp, i, v)
		add_address(addrs, eksl_json_str(v, "privateIp"));
	eni_addresses(eni->xml, addrs);
	json_object_set_new(r, "controlPlane", cp);
	json_object_set_new(r, "addresses", addrs);
	return 0;
fail:
	json_decref(cp);
	json_decref(addrs);
	return -1;
}

int
eksl_eks_record(struct eksl_aws *a, const json_t *cluster,
    const char *region, const char *creator, json_t **rec,
    struct eksl_aws_error *e)
{
	struct ec2_calls ec;
	struct eksl_aws_call calls[2];
	json_t *r = NULL;
	const char *name;
	int rc = -1;

	*rec = NULL;
	name = eksl_json_str(cluster, "name");
	if (name == NULL) {
		set_error(e, EKSL_AWS_REFUSED, "BadAnswer",
		    "the cluster has no name");
		return -1;
	}
	if ((r = record_base(cluster, name, region, creator)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, "", "out of memory");
		return -1;
	}
	/* The instances and the ENIs do not depend on each other: at once. */
	ec2_calls_init(&ec, name, &calls[0], &calls[1]);
	eksl_aws_run(a, calls, 2);
	if (record_ec2(a, name, r, &calls[0], &calls[1], e) == -1)
		goto out;
	*rec = r;
	r = NULL;
	rc = 0;
out:
	eksl_xml_free(calls[0].xml);
	eksl_xml_free(calls[1].xml);
	json_decref(r);
	return rc;
}

int
eksl_eks_describe_record(struct eksl_aws *a, const char *name,
    const char *region, const char *creator, json_t **cluster,
    json_t **rec, struct eksl_aws_error *e)
{
	struct ec2_calls ec;
	struct eksl_aws_call calls[3];
	json_t *r = NULL;
	char path[256];
	int rc = -1;

	*cluster = *rec = NULL;
	/*
	 * The EC2 calls need only the name: all three go at once, and the
	 * EC2 answers wait until DescribeCluster has said the cluster is.
	 */
	memset(&calls[0], 0, sizeof(calls[0]));
	cluster_path(path, sizeof(path), name);
	calls[0].service = "eks";
	calls[0].method = "GET";
	calls[0].path = path;
	ec2_calls_init(&ec, name, &calls[1], &calls[2]);
	eksl_aws_run(a, calls, 3);
	if (calls[0].json == NULL) {
		*e = calls[0].e;
		goto out;
	}
	if ((*cluster = take_cluster(calls[0].json, e)) == NULL)
		goto out;
	rc = 1;
	if (eksl_json_str(*cluster, "name") != NULL)
		name = eksl_json_str(*cluster, "name");
	if ((r = record_base(*cluster, name, region, creator)) == NULL) {
		set_error(e, EKSL_AWS_LOCAL, "", "out of memory");
		goto out;
	}
	if (record_ec2(a, name, r, &calls[1], &calls[2], e) == -1)
		goto out;
	*rec = r;
	r = NULL;
	rc = 0;
out:
	json_decref(calls[0].json);
	eksl_xml_free(calls[1].xml);
	eksl_xml_free(calls[2].xml);
	json_decref(r);
	return rc;
}

json_t *
eksl_eks_plan(const struct eksl_clusterconfig *cc, json_t *req)
{
	json_t *plan;
	char name[160];

	if ((plan = json_array()) == NULL)
		return NULL;
	if (cc->service_role == NULL) {
		snprintf(name, sizeof(name), EKSL_CC_ROLE_FMT,
		    eksl_cc_str(cc->name));
		json_array_append_new(plan, json_pack("{s:s, s:s, s:{s:s, "
		    "s:s}}", "service", "iam", "action", "CreateRole",
		    "params", "RoleName", name, "AssumeRolePolicyDocument",
		    cc->instance_store ? trust_eks : trust_ec2));
		json_array_append_new(plan, json_pack("{s:s, s:s, s:{s:s, "
		    "s:s}}", "service", "iam", "action", "AttachRolePolicy",
		    "params", "RoleName", name, "PolicyArn",
		    cc->instance_store ? EKSL_CC_POLICY_IS :
		    EKSL_CC_POLICY_EBS));
	}
	json_array_append_new(plan, json_pack("{s:s, s:s, s:s, s:s, s:O}",
	    "service", "eks", "action", "CreateCluster", "method", "POST",
	    "path", "/clusters", "body", req));
	return plan;
}
