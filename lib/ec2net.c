/*
 * The network eksl makes for a local cluster when the config names none,
 * found again by its tag, removed in reverse order; the version default
 * and the advice after creation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "clusterconfig.h"
#include "duration.h"
#include "ec2net.h"
#include "record.h"

#define EC2_VERSION	"2016-11-15"
#define MAXP		24	/* key/value pairs in one request */

/* A Query request's parameters; formatted keys live in the struct. */
struct params {
	const char	*p[2 * MAXP + 1];
	char		 key[MAXP][64];
	size_t		 n;
};

static void
padd(struct params *q, const char *k, const char *v)
{
	if (q->n >= MAXP)
		return;
	snprintf(q->key[q->n], sizeof(q->key[q->n]), "%s", k);
	q->p[2 * q->n] = q->key[q->n];
	q->p[2 * q->n + 1] = v;
	q->n++;
	q->p[2 * q->n] = NULL;
}

/* Filter.N.Name=name, Filter.N.Value.1=value. */
static void
pfilter(struct params *q, int n, const char *name, const char *value)
{
	char k[64];

	snprintf(k, sizeof(k), "Filter.%d.Name", n);
	padd(q, k, name);
	snprintf(k, sizeof(k), "Filter.%d.Value.1", n);
	padd(q, k, value);
}

/* The tags of what eksl makes: eksl:cluster=NAME and Name=label. */
static void
ptags(struct params *q, const char *rtype, const char *name,
    const char *label)
{
	padd(q, "TagSpecification.1.ResourceType", rtype);
	padd(q, "TagSpecification.1.Tag.1.Key", EKSL_CC_TAG);
	padd(q, "TagSpecification.1.Tag.1.Value", name);
	padd(q, "TagSpecification.1.Tag.2.Key", "Name");
	padd(q, "TagSpecification.1.Tag.2.Value", label);
}

static void __attribute__((format(printf, 3, 4)))
seterr(struct eksl_aws_error *e, enum eksl_aws_status st, const char *fmt,
    ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->status = st;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Prefix e's message with the step, so that the error says where. */
static int
step_failed(struct eksl_aws_error *e, const char *step)
{
	size_t n = strlen(step) + 2, len = strlen(e->message);

	if (n >= sizeof(e->message) / 2)
		return -1;
	if (n + len + 1 > sizeof(e->message))
		len = sizeof(e->message) - n - 1;
	memmove(e->message + n, e->message, len);
	e->message[n + len] = '\0';
	memcpy(e->message, step, n - 2);
	memcpy(e->message + n - 2, ": ", 2);
	return -1;
}

static const struct eksl_xml_node *
child(const struct eksl_xml_node *n, const char *name)
{
	return eksl_xml_child(n, name);
}

static const struct eksl_xml_node *
next_item(const struct eksl_xml_node *n)
{
	return eksl_xml_next(n, "item");
}

/* The first item of the set named set in the answer. */
static const struct eksl_xml_node *
items(struct eksl_xml *doc, const char *set)
{
	return child(child(eksl_xml_root(doc), set), "item");
}

/* The text of n's child name, new string or NULL. */
static char *
ctext(const struct eksl_xml_node *n, const char *name)
{
	return eksl_xml_content(child(n, name));
}

/* 1 when n's child name has text v. */
static int
ctext_is(const struct eksl_xml_node *n, const char *name, const char *v)
{
	char *s = ctext(n, name);
	int eq = s != NULL && v != NULL && strcmp(s, v) == 0;

	free(s);
	return eq;
}

static int
ec2(struct eksl_aws *a, const char *action, const struct params *q,
    struct eksl_xml **doc, struct eksl_aws_error *e)
{
	*doc = NULL;
	if (eksl_aws_query(a, "ec2", action, EC2_VERSION, q->p, doc, e) == -1)
		return step_failed(e, action);
	return 0;
}

static void
note(eksl_net_log *log, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(eksl_net_log *log, void *arg, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(line, arg);
}

/* The cidr of a vpc.subnets.private entry. */
static const char *
entry_cidr(const struct eksl_ynode *entry)
{
	const struct eksl_ynode *k;

	for (k = entry->child; k != NULL; k = k->next)
		if (strcmp(k->key, "cidr") == 0)
			return eksl_cc_str(k);
	return NULL;
}

static const char *
vpc_cidr(const struct eksl_clusterconfig *cc)
{
	return cc->vpc_cidr != NULL ? eksl_cc_str(cc->vpc_cidr) :
	    EKSL_CC_DEFAULT_CIDR;
}

static size_t
nwanted(const struct eksl_clusterconfig *cc)
{
	return cc->nnew_subnets > 0 ? cc->nnew_subnets : 1;
}

/* Subnet i to make: its CIDR (given, else the VPC's first /24), label. */
static void
wanted(const struct eksl_clusterconfig *cc, size_t i, char *cidr,
    size_t clen, char *label, size_t llen)
{
	unsigned long addr = 0;
	int prefix = 24;
	char why[128];

	if (cc->nnew_subnets > 0) {
		snprintf(cidr, clen, "%s", entry_cidr(cc->new_subnet[i]));
		snprintf(label, llen, "%s-%s", eksl_cc_str(cc->name),
		    cc->new_subnet[i]->key);
		return;
	}
	if (eksl_cidr_parse(vpc_cidr(cc), &addr, &prefix, why,
	    sizeof(why)) == -1)
		prefix = 24;
	snprintf(cidr, clen, "%lu.%lu.%lu.%lu/%d", addr >> 24,
	    addr >> 16 & 255, addr >> 8 & 255, addr & 255,
	    prefix > 24 ? prefix : 24);
	snprintf(label, llen, "%s-outpost-subnet-1", eksl_cc_str(cc->name));
}

/* The Outpost's zone, from Outposts GetOutpost. */
static int
outpost_zone(struct eksl_aws *a, const char *arn, char **az,
    struct eksl_aws_error *e)
{
	json_t *ans = NULL;
	char opid[64], path[128];
	const char *z;

	eksl_outpost_arn_parse(arn, NULL, 0, opid, sizeof(opid));
	snprintf(path, sizeof(path), "/outposts/%s", opid);
	if (eksl_aws_json(a, "outposts", "GET", path, NULL, NULL, &ans,
	    e) == -1)
		return step_failed(e, "GetOutpost");
	z = eksl_json_str(json_object_get(ans, "Outpost"),
	    "AvailabilityZone");
	free(*az);
	*az = z != NULL ? strdup(z) : NULL;
	json_decref(ans);
	if (*az == NULL) {
		seterr(e, EKSL_AWS_REFUSED, "GetOutpost: %s: no "
		    "AvailabilityZone in the answer", opid);
		return -1;
	}
	return 0;
}

/* The Outpost's local gateway route table: 0, with NULLs when none. */
static int
outpost_lgw(struct eksl_aws *a, const char *arn, char **lgw, char **rtb,
    struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	struct eksl_xml *doc;
	const struct eksl_xml_node *it;

	pfilter(&q, 1, "outpost-arn", arn);
	if (ec2(a, "DescribeLocalGatewayRouteTables", &q, &doc, e) == -1)
		return -1;
	it = items(doc, "localGatewayRouteTableSet");
	free(*lgw);
	free(*rtb);
	*lgw = it != NULL ? ctext(it, "localGatewayId") : NULL;
	*rtb = it != NULL ? ctext(it, "localGatewayRouteTableId") : NULL;
	eksl_xml_free(doc);
	return 0;
}

int
eksl_net_check(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, char *err, size_t errlen, struct eksl_aws_error *e)
{
	if (outpost_zone(a, eksl_cc_str(cc->outpost_arn), &net->az, e) == -1) {
		if (strcmp(e->code, "NotFoundException") == 0) {
			eksl_cc_error(cc, cc->outpost_arn, err, errlen, "%s: "
			    "no such Outpost", eksl_cc_str(cc->outpost_arn));
			memset(e, 0, sizeof(*e));
			return 1;
		}
		return -1;
	}
	if (outpost_lgw(a, eksl_cc_str(cc->outpost_arn), &net->lgw,
	    &net->lgw_route_table, e) == -1)
		return -1;
	if (net->lgw == NULL && cc->nlgw_routes > 0) {
		eksl_cc_error(cc, cc->lgw_routes_at, err, errlen, "eksl.local"
		    "GatewayRoutes: the Outpost has no local gateway");
		return 1;
	}
	return 0;
}

/* The id (idtag) of the first tagged item of action in set; 0, NULL when
 * none. */
static int
find_tagged(struct eksl_aws *a, const char *action, const char *set,
    const char *idtag, const char *name, const char *vpc, char **id,
    struct eksl_xml **keep, struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	char tag[64];
	struct eksl_xml *doc;
	const struct eksl_xml_node *it;

	snprintf(tag, sizeof(tag), "tag:%s", EKSL_CC_TAG);
	pfilter(&q, 1, tag, name);
	if (vpc != NULL)
		pfilter(&q, 2, "vpc-id", vpc);
	if (ec2(a, action, &q, &doc, e) == -1)
		return -1;
	it = items(doc, set);
	*id = it != NULL ? ctext(it, idtag) : NULL;
	if (keep != NULL)
		*keep = doc;
	else
		eksl_xml_free(doc);
	return 0;
}

static int
ensure_vpc(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, eksl_net_log *log, void *arg,
    struct eksl_aws_error *e)
{
	const char *name = eksl_cc_str(cc->name), *attrs[] = {
	    "enableDnsSupport", "EnableDnsSupport.Value", "enableDnsHostnames",
	    "EnableDnsHostnames.Value" };
	struct params q = { .n = 0 };
	char label[160];
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *it;
	size_t i;
	int made = 0, on;

	if (find_tagged(a, "DescribeVpcs", "vpcSet", "vpcId", name, NULL,
	    &net->vpc, &doc, e) == -1)
		return -1;
	if (net->vpc != NULL) {
		free(net->cidr);
		net->cidr = ctext(items(doc, "vpcSet"), "cidrBlock");
		eksl_xml_free(doc);
		if (net->cidr != NULL && strcmp(net->cidr, vpc_cidr(cc)) != 0) {
			seterr(e, EKSL_AWS_REFUSED, "%s: tagged %s=%s with "
			    "CIDR %s, but the config says %s", net->vpc,
			    EKSL_CC_TAG, name, net->cidr, vpc_cidr(cc));
			return -1;
		}
		note(log, arg, "%s: found %s (%s)", name, net->vpc,
		    vpc_cidr(cc));
	} else {
		eksl_xml_free(doc);
		snprintf(label, sizeof(label), "eksl-%s", name);
		padd(&q, "CidrBlock", vpc_cidr(cc));
		ptags(&q, "vpc", name, label);
		if (ec2(a, "CreateVpc", &q, &doc, e) == -1)
			return -1;
		net->vpc = ctext(child(eksl_xml_root(doc), "vpc"),
		    "vpcId");
		eksl_xml_free(doc);
		if (net->vpc == NULL) {
			seterr(e, EKSL_AWS_REFUSED, "CreateVpc: no vpcId in "
			    "the answer");
			return -1;
		}
		made = 1;
		note(log, arg, "%s: created %s (%s)", name, net->vpc,
		    vpc_cidr(cc));
	}
	free(net->cidr);
	net->cidr = strdup(vpc_cidr(cc));
	/* EKS needs both on; ModifyVpcAttribute takes one at a time. */
	for (i = 0; i < 4; i += 2) {
		on = 0;
		if (!made) {
			memset(&q, 0, sizeof(q));
			padd(&q, "VpcId", net->vpc);
			padd(&q, "Attribute", attrs[i]);
			if (ec2(a, "DescribeVpcAttribute", &q, &doc, e) == -1)
				return -1;
			it = child(eksl_xml_root(doc), attrs[i]);
			on = ctext_is(it, "value", "true");
			eksl_xml_free(doc);
		}
		if (on)
			continue;
		memset(&q, 0, sizeof(q));
		padd(&q, "VpcId", net->vpc);
		padd(&q, attrs[i + 1], "true");
		if (ec2(a, "ModifyVpcAttribute", &q, &doc, e) == -1)
			return -1;
		eksl_xml_free(doc);
		note(log, arg, "%s: %s: %s on", name, net->vpc, attrs[i]);
	}
	return 0;
}

static int
ensure_subnets(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, eksl_net_log *log, void *arg,
    struct eksl_aws_error *e)
{
	const char *name = eksl_cc_str(cc->name);
	struct params q;
	char cidr[64], label[256], tag[64];
	struct eksl_xml *have = NULL, *doc;
	const struct eksl_xml_node *it;
	size_t i;
	char *id;

	memset(&q, 0, sizeof(q));
	snprintf(tag, sizeof(tag), "tag:%s", EKSL_CC_TAG);
	pfilter(&q, 1, tag, name);
	pfilter(&q, 2, "vpc-id", net->vpc);
	if (ec2(a, "DescribeSubnets", &q, &have, e) == -1)
		return -1;
	for (i = 0; i < nwanted(cc); i++) {
		wanted(cc, i, cidr, sizeof(cidr), label, sizeof(label));
		id = NULL;
		for (it = items(have, "subnetSet"); it != NULL && id == NULL;
		    it = next_item(it))
			if (ctext_is(it, "cidrBlock", cidr))
				id = ctext(it, "subnetId");
		if (id != NULL) {
			note(log, arg, "%s: found %s (%s)", name, id, cidr);
		} else {
			memset(&q, 0, sizeof(q));
			padd(&q, "VpcId", net->vpc);
			padd(&q, "CidrBlock", cidr);
			padd(&q, "AvailabilityZone", net->az);
			padd(&q, "OutpostArn", eksl_cc_str(cc->outpost_arn));
			ptags(&q, "subnet", name, label);
			if (ec2(a, "CreateSubnet", &q, &doc, e) == -1) {
				eksl_xml_free(have);
				return -1;
			}
			id = ctext(child(eksl_xml_root(doc), "subnet"),
			    "subnetId");
			eksl_xml_free(doc);
			if (id == NULL) {
				eksl_xml_free(have);
				seterr(e, EKSL_AWS_REFUSED, "CreateSubnet: no "
				    "subnetId in the answer");
				return -1;
			}
			note(log, arg, "%s: created %s (%s) on the Outpost in "
			    "%s", name, id, cidr, net->az);
		}
		net->subnet[net->nsubnets++] = id;
	}
	eksl_xml_free(have);
	return 0;
}

/* The route table, its subnets, and (doc kept) its routes. */
static int
ensure_route_table(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, eksl_net_log *log, void *arg, struct eksl_xml **table,
    struct eksl_aws_error *e)
{
	const char *name = eksl_cc_str(cc->name);
	struct params q = { .n = 0 };
	char label[160];
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *it, *as;
	size_t i;
	int linked;

	*table = NULL;
	if (find_tagged(a, "DescribeRouteTables", "routeTableSet",
	    "routeTableId", name, net->vpc, &net->route_table, &doc,
	    e) == -1)
		return -1;
	if (net->route_table == NULL) {
		eksl_xml_free(doc);
		snprintf(label, sizeof(label), "eksl-%s", name);
		padd(&q, "VpcId", net->vpc);
		ptags(&q, "route-table", name, label);
		if (ec2(a, "CreateRouteTable", &q, &doc, e) == -1)
			return -1;
		it = child(eksl_xml_root(doc), "routeTable");
		net->route_table = ctext(it, "routeTableId");
		if (net->route_table == NULL) {
			eksl_xml_free(doc);
			seterr(e, EKSL_AWS_REFUSED, "CreateRouteTable: no "
			    "routeTableId in the answer");
			return -1;
		}
		note(log, arg, "%s: created %s", name, net->route_table);
	} else {
		it = items(doc, "routeTableSet");
		note(log, arg, "%s: found %s", name, net->route_table);
	}
	for (i = 0; i < net->nsubnets; i++) {
		linked = 0;
		for (as = child(child(it, "associationSet"), "item");
		    as != NULL; as = next_item(as))
			if (ctext_is(as, "subnetId", net->subnet[i]))
				linked = 1;
		if (linked)
			continue;
		memset(&q, 0, sizeof(q));
		padd(&q, "RouteTableId", net->route_table);
		padd(&q, "SubnetId", net->subnet[i]);
		if (ec2(a, "AssociateRouteTable", &q, table, e) == -1) {
			eksl_xml_free(doc);
			return -1;
		}
		eksl_xml_free(*table);
		*table = NULL;
		note(log, arg, "%s: %s routes %s", name, net->route_table,
		    net->subnet[i]);
	}
	*table = doc;
	return 0;
}

static int
ensure_lgw(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, eksl_net_log *log, void *arg, struct eksl_xml *table,
    struct eksl_aws_error *e)
{
	const char *name = eksl_cc_str(cc->name), *cidr;
	struct params q = { .n = 0 };
	char label[160];
	struct eksl_xml *doc;
	const struct eksl_xml_node *it, *r;
	size_t i;
	int have;

	if (net->lgw == NULL && outpost_lgw(a, eksl_cc_str(cc->outpost_arn),
	    &net->lgw, &net->lgw_route_table, e) == -1)
		return -1;
	if (net->lgw == NULL) {
		note(log, arg, "%s: the Outpost has no local gateway", name);
		return 0;
	}
	pfilter(&q, 1, "vpc-id", net->vpc);
	pfilter(&q, 2, "local-gateway-route-table-id", net->lgw_route_table);
	if (ec2(a, "DescribeLocalGatewayRouteTableVpcAssociations", &q, &doc,
	    e) == -1)
		return -1;
	for (it = items(doc, "localGatewayRouteTableVpcAssociationSet");
	    it != NULL && net->lgw_assoc == NULL; it = next_item(it))
		if (ctext_is(it, "state", "associated") ||
		    ctext_is(it, "state", "associating"))
			net->lgw_assoc = ctext(it,
			    "localGatewayRouteTableVpcAssociationId");
	eksl_xml_free(doc);
	if (net->lgw_assoc != NULL)
		note(log, arg, "%s: found %s", name, net->lgw_assoc);
	else {
		memset(&q, 0, sizeof(q));
		snprintf(label, sizeof(label), "eksl-%s", name);
		padd(&q, "LocalGatewayRouteTableId", net->lgw_route_table);
		padd(&q, "VpcId", net->vpc);
		ptags(&q, "local-gateway-route-table-vpc-association", name,
		    label);
		if (ec2(a, "CreateLocalGatewayRouteTableVpcAssociation", &q,
		    &doc, e) == -1)
			return -1;
		net->lgw_assoc = ctext(child(eksl_xml_root(doc),
		    "localGatewayRouteTableVpcAssociation"),
		    "localGatewayRouteTableVpcAssociationId");
		eksl_xml_free(doc);
		if (net->lgw_assoc == NULL) {
			seterr(e, EKSL_AWS_REFUSED, "CreateLocalGatewayRoute"
			    "TableVpcAssociation: no id in the answer");
			return -1;
		}
		note(log, arg, "%s: created %s (%s with %s)", name,
		    net->lgw_assoc, net->vpc, net->lgw_route_table);
	}
	for (i = 0; i < cc->nlgw_routes; i++) {
		cidr = eksl_cc_str(cc->lgw_route[i]);
		have = 0;
		it = table != NULL ? items(table, "routeTableSet") : NULL;
		for (r = child(child(it, "routeSet"), "item"); r != NULL;
		    r = next_item(r))
			if (ctext_is(r, "destinationCidrBlock", cidr))
				have = 1;
		if (!have) {
			memset(&q, 0, sizeof(q));
			padd(&q, "RouteTableId", net->route_table);
			padd(&q, "DestinationCidrBlock", cidr);
			padd(&q, "LocalGatewayId", net->lgw);
			if (ec2(a, "CreateRoute", &q, &doc, e) == -1)
				return -1;
			eksl_xml_free(doc);
			note(log, arg, "%s: %s: route to %s through %s", name,
			    net->route_table, cidr, net->lgw);
		}
		net->nroutes++;
	}
	return 0;
}

int
eksl_net_ensure(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net, eksl_net_log *log, void *arg,
    struct eksl_aws_error *e)
{
	struct eksl_xml *table = NULL;
	int rc;

	if (net->az == NULL && outpost_zone(a, eksl_cc_str(cc->outpost_arn),
	    &net->az, e) == -1)
		return -1;
	if (ensure_vpc(a, cc, net, log, arg, e) == -1 ||
	    ensure_subnets(a, cc, net, log, arg, e) == -1 ||
	    ensure_route_table(a, cc, net, log, arg, &table, e) == -1)
		return -1;
	rc = ensure_lgw(a, cc, net, log, arg, table, e);
	eksl_xml_free(table);
	return rc;
}

/* Run one delete call; note it; count it. */
static int
del(struct eksl_aws *a, const char *action, const char *key, const char *id,
    const char *name, eksl_net_log *log, void *arg, size_t *removed,
    struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	struct eksl_xml *doc;

	padd(&q, key, id);
	if (ec2(a, action, &q, &doc, e) == -1)
		return -1;
	eksl_xml_free(doc);
	note(log, arg, "%s: %s %s", name, action, id);
	(*removed)++;
	return 0;
}

/* Remove the tagged network of one VPC. */
static int
delete_vpc(struct eksl_aws *a, const char *name, const char *vpc,
    long timeout_ms, long poll_ms, eksl_net_log *log, void *arg,
    size_t *removed, struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	char tag[64], *id = NULL, *cidr = NULL;
	struct eksl_xml *tables = NULL, *doc = NULL;
	const struct eksl_xml_node *t, *r;
	long waited;
	int rc = -1, busy;

	snprintf(tag, sizeof(tag), "tag:%s", EKSL_CC_TAG);
	pfilter(&q, 1, tag, name);
	pfilter(&q, 2, "vpc-id", vpc);
	if (ec2(a, "DescribeRouteTables", &q, &tables, e) == -1)
		goto out;
	/* 1. the routes through the local gateway */
	for (t = items(tables, "routeTableSet"); t != NULL; t = next_item(t)) {
		id = ctext(t, "routeTableId");
		for (r = child(child(t, "routeSet"), "item"); r != NULL;
		    r = next_item(r)) {
			if (child(r, "localGatewayId") == NULL)
				continue;
			cidr = ctext(r, "destinationCidrBlock");
			memset(&q, 0, sizeof(q));
			padd(&q, "RouteTableId", id);
			padd(&q, "DestinationCidrBlock", cidr);
			if (ec2(a, "DeleteRoute", &q, &doc, e) == -1)
				goto out;
			eksl_xml_free(doc);
			doc = NULL;
			note(log, arg, "%s: DeleteRoute %s %s", name, id, cidr);
			(*removed)++;
			free(cidr);
			cidr = NULL;
		}
		free(id);
		id = NULL;
	}
	/* 2. the local gateway association, until it is gone */
	memset(&q, 0, sizeof(q));
	pfilter(&q, 1, tag, name);
	pfilter(&q, 2, "vpc-id", vpc);
	if (ec2(a, "DescribeLocalGatewayRouteTableVpcAssociations", &q, &doc,
	    e) == -1)
		goto out;
	for (t = items(doc, "localGatewayRouteTableVpcAssociationSet");
	    t != NULL; t = next_item(t)) {
		if (!ctext_is(t, "state", "associated") &&
		    !ctext_is(t, "state", "associating"))
			continue;
		id = ctext(t, "localGatewayRouteTableVpcAssociationId");
		if (del(a, "DeleteLocalGatewayRouteTableVpcAssociation",
		    "LocalGatewayRouteTableVpcAssociationId", id, name, log,
		    arg, removed, e) == -1)
			goto out;
		free(id);
		id = NULL;
	}
	for (waited = 0;; waited += poll_ms) {
		eksl_xml_free(doc);
		doc = NULL;
		if (ec2(a, "DescribeLocalGatewayRouteTableVpcAssociations", &q,
		    &doc, e) == -1)
			goto out;
		busy = 0;
		for (t = items(doc, "localGatewayRouteTableVpcAssociationSet");
		    t != NULL; t = next_item(t))
			if (!ctext_is(t, "state", "disassociated"))
				busy = 1;
		if (!busy)
			break;
		if (waited >= timeout_ms) {
			seterr(e, EKSL_AWS_UNREACHABLE, "%s: the local gateway "
			    "association is still there after %lds", vpc,
			    timeout_ms / 1000);
			goto out;
		}
		eksl_sleep_ms(poll_ms);
	}
	eksl_xml_free(doc);
	doc = NULL;
	/* 3. the route tables: their subnet associations, then them */
	for (t = items(tables, "routeTableSet"); t != NULL; t = next_item(t)) {
		for (r = child(child(t, "associationSet"), "item"); r != NULL;
		    r = next_item(r)) {
			if (ctext_is(r, "main", "true"))
				continue;
			id = ctext(r, "routeTableAssociationId");
			if (id != NULL && del(a, "DisassociateRouteTable",
			    "AssociationId", id, name, log, arg, removed,
			    e) == -1)
				goto out;
			(*removed)--;	/* a link, not a resource */
			free(id);
			id = NULL;
		}
		id = ctext(t, "routeTableId");
		if (del(a, "DeleteRouteTable", "RouteTableId", id, name, log,
		    arg, removed, e) == -1)
			goto out;
		free(id);
		id = NULL;
	}
	/* 4. the subnets */
	memset(&q, 0, sizeof(q));
	pfilter(&q, 1, tag, name);
	pfilter(&q, 2, "vpc-id", vpc);
	if (ec2(a, "DescribeSubnets", &q, &doc, e) == -1)
		goto out;
	for (t = items(doc, "subnetSet"); t != NULL; t = next_item(t)) {
		id = ctext(t, "subnetId");
		if (del(a, "DeleteSubnet", "SubnetId", id, name, log, arg,
		    removed, e) == -1)
			goto out;
		free(id);
		id = NULL;
	}
	/* 5. the VPC */
	rc = del(a, "DeleteVpc", "VpcId", vpc, name, log, arg, removed, e);
out:
	free(id);
	free(cidr);
	eksl_xml_free(doc);
	eksl_xml_free(tables);
	return rc;
}

int
eksl_net_delete(struct eksl_aws *a, const char *name, long timeout_ms,
    long poll_ms, eksl_net_log *log, void *arg, size_t *removed,
    struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	char tag[64], *vpc;
	struct eksl_xml *doc;
	const struct eksl_xml_node *it;
	int rc = 0;

	*removed = 0;
	snprintf(tag, sizeof(tag), "tag:%s", EKSL_CC_TAG);
	pfilter(&q, 1, tag, name);
	if (ec2(a, "DescribeVpcs", &q, &doc, e) == -1)
		return -1;
	for (it = items(doc, "vpcSet"); it != NULL && rc == 0;
	    it = next_item(it)) {
		if ((vpc = ctext(it, "vpcId")) == NULL)
			continue;
		rc = delete_vpc(a, name, vpc, timeout_ms, poll_ms, log, arg,
		    removed, e);
		free(vpc);
	}
	eksl_xml_free(doc);
	return rc;
}

/* One plan entry from a Query request. */
static int
plan_add(json_t *plan, const char *action, const struct params *q)
{
	json_t *p = json_object();
	size_t i;

	if (p == NULL)
		return -1;
	for (i = 0; i < q->n; i++)
		json_object_set_new(p, q->p[2 * i],
		    json_string(q->p[2 * i + 1]));
	return json_array_append_new(plan, json_pack("{s:s, s:s, s:o}",
	    "service", "ec2", "action", action, "params", p));
}

int
eksl_net_plan(struct eksl_clusterconfig *cc, json_t *plan)
{
	const char *name = eksl_cc_str(cc->name);
	static const char *const sub[] = { "subnet-(new)-1", "subnet-(new)-2",
	    "subnet-(new)-3", "subnet-(new)-4", "subnet-(new)-5",
	    "subnet-(new)-6", "subnet-(new)-7", "subnet-(new)-8",
	    "subnet-(new)-9", "subnet-(new)-10", "subnet-(new)-11",
	    "subnet-(new)-12", "subnet-(new)-13", "subnet-(new)-14",
	    "subnet-(new)-15", "subnet-(new)-16" };
	struct params q;
	char label[256], cidr[64];
	size_t i;
	int rc = 0;

	memset(&q, 0, sizeof(q));
	snprintf(label, sizeof(label), "eksl-%s", name);
	padd(&q, "CidrBlock", vpc_cidr(cc));
	ptags(&q, "vpc", name, label);
	rc |= plan_add(plan, "CreateVpc", &q);
	memset(&q, 0, sizeof(q));
	padd(&q, "VpcId", "vpc-(new)");
	padd(&q, "EnableDnsSupport.Value", "true");
	rc |= plan_add(plan, "ModifyVpcAttribute", &q);
	memset(&q, 0, sizeof(q));
	padd(&q, "VpcId", "vpc-(new)");
	padd(&q, "EnableDnsHostnames.Value", "true");
	rc |= plan_add(plan, "ModifyVpcAttribute", &q);
	for (i = 0; i < nwanted(cc); i++) {
		wanted(cc, i, cidr, sizeof(cidr), label, sizeof(label));
		memset(&q, 0, sizeof(q));
		padd(&q, "VpcId", "vpc-(new)");
		padd(&q, "CidrBlock", cidr);
		padd(&q, "AvailabilityZone", "(the Outpost's)");
		padd(&q, "OutpostArn", eksl_cc_str(cc->outpost_arn));
		ptags(&q, "subnet", name, label);
		rc |= plan_add(plan, "CreateSubnet", &q);
	}
	memset(&q, 0, sizeof(q));
	snprintf(label, sizeof(label), "eksl-%s", name);
	padd(&q, "VpcId", "vpc-(new)");
	ptags(&q, "route-table", name, label);
	rc |= plan_add(plan, "CreateRouteTable", &q);
	for (i = 0; i < nwanted(cc); i++) {
		memset(&q, 0, sizeof(q));
		padd(&q, "RouteTableId", "rtb-(new)");
		padd(&q, "SubnetId", sub[i]);
		rc |= plan_add(plan, "AssociateRouteTable", &q);
	}
	memset(&q, 0, sizeof(q));
	padd(&q, "LocalGatewayRouteTableId", "(the Outpost's, if any)");
	padd(&q, "VpcId", "vpc-(new)");
	ptags(&q, "local-gateway-route-table-vpc-association", name, label);
	rc |= plan_add(plan, "CreateLocalGatewayRouteTableVpcAssociation", &q);
	for (i = 0; i < cc->nlgw_routes; i++) {
		memset(&q, 0, sizeof(q));
		padd(&q, "RouteTableId", "rtb-(new)");
		padd(&q, "DestinationCidrBlock", eksl_cc_str(cc->lgw_route[i]));
		padd(&q, "LocalGatewayId", "(the Outpost's)");
		rc |= plan_add(plan, "CreateRoute", &q);
	}
	for (i = 0; i < nwanted(cc) && rc == 0; i++)
		if ((cc->subnet[i] = eksl_cc_set(cc, sub[i], NULL)) == NULL)
			rc = -1;
	if (rc == 0)
		cc->nsubnets = nwanted(cc);
	return rc == 0 ? 0 : -1;
}

int
eksl_net_use(struct eksl_clusterconfig *cc, const struct eksl_net *net)
{
	size_t i;

	for (i = 0; i < net->nsubnets; i++)
		if ((cc->subnet[i] = eksl_cc_set(cc, net->subnet[i],
		    cc->subnets_at)) == NULL)
			return -1;
	cc->nsubnets = net->nsubnets;
	return 0;
}

json_t *
eksl_net_failed_record(const struct eksl_clusterconfig *cc,
    const char *region, const struct eksl_net *net,
    const struct eksl_aws_error *e)
{
	json_t *rec;

	rec = json_pack("{s:s, s:s, s:s, s:o}", "schema", "eksl.cluster.v1",
	    "name", eksl_cc_str(cc->name), "region", region, "network",
	    eksl_net_json(net));
	if (rec != NULL && eksl_record_add_error(rec, "eksl-provision", "api",
	    "%s%s%s", e->code, e->code[0] != '\0' ? ": " : "",
	    e->message) == -1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* The record's "network" object. */
json_t *
eksl_net_json(const struct eksl_net *net)
{
	json_t *o, *subnets = json_array();
	size_t i;

	for (i = 0; i < net->nsubnets; i++)
		json_array_append_new(subnets, json_string(net->subnet[i]));
	o = json_pack("{s:s?, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:I}",
	    "vpc", net->vpc, "cidr", net->cidr, "availabilityZone", net->az,
	    "subnets", subnets, "routeTable", net->route_table,
	    "localGateway", net->lgw, "localGatewayRouteTable",
	    net->lgw_route_table, "localGatewayAssociation", net->lgw_assoc,
	    "routes", (json_int_t)net->nroutes);
	return o;
}

void
eksl_net_clear(struct eksl_net *net)
{
	size_t i;

	free(net->az);
	free(net->vpc);
	free(net->cidr);
	for (i = 0; i < net->nsubnets; i++)
		free(net->subnet[i]);
	free(net->route_table);
	free(net->lgw);
	free(net->lgw_route_table);
	free(net->lgw_assoc);
	memset(net, 0, sizeof(*net));
}

/* Compare "1.31" and "1.9" as versions. */
static int
vercmp(const char *x, const char *y)
{
	long a, b;
	char *end;

	while (*x != '\0' || *y != '\0') {
		a = strtol(x, &end, 10);
		x = *end == '.' ? end + 1 : end;
		b = strtol(y, &end, 10);
		y = *end == '.' ? end + 1 : end;
		if (a != b)
			return a < b ? -1 : 1;
		if (*x == '\0' && *y == '\0')
			break;
	}
	return 0;
}

int
eksl_net_version(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    char *version, size_t vlen, char *note_, size_t notelen,
    struct eksl_aws_error *e)
{
	json_t *ans = NULL, *v;
	const char *s, *st, *newest = NULL, *want = eksl_cc_str(cc->version);
	size_t i;

	*note_ = '\0';
	if (eksl_aws_json(a, "eks", "GET", "/cluster-versions", NULL, NULL,
	    &ans, e) == -1) {
		if (e->status != EKSL_AWS_REFUSED)
			return step_failed(e, "DescribeClusterVersions");
		snprintf(version, vlen, "%s", want != NULL ? want :
		    EKSL_NET_DEFAULT_VERSION);
		if (want == NULL)
			snprintf(note_, notelen, "metadata.version not set and "
			    "DescribeClusterVersions not available (%s): using "
			    "eksl's default %s", e->code[0] != '\0' ? e->code :
			    "refused", EKSL_NET_DEFAULT_VERSION);
		memset(e, 0, sizeof(*e));
		return 0;
	}
	json_array_foreach(json_object_get(ans, "clusterVersions"), i, v) {
		s = eksl_json_str(v, "clusterVersion");
		st = eksl_json_str(v, "versionStatus");
		if (s == NULL || (st != NULL &&
		    strcmp(st, "STANDARD_SUPPORT") != 0))
			continue;
		if (newest == NULL || vercmp(s, newest) > 0)
			newest = s;
	}
	if (want != NULL) {
		snprintf(version, vlen, "%s", want);
		if (newest != NULL && vercmp(want, newest) < 0)
			snprintf(note_, notelen, "metadata.version %s is older "
			    "than %s, the newest the service offers", want,
			    newest);
	} else if (newest != NULL) {
		snprintf(version, vlen, "%s", newest);
		snprintf(note_, notelen, "metadata.version not set: using %s, "
		    "the newest the service offers", newest);
	} else {
		snprintf(version, vlen, "%s", EKSL_NET_DEFAULT_VERSION);
		snprintf(note_, notelen, "metadata.version not set and the "
		    "service lists no version: using eksl's default %s",
		    EKSL_NET_DEFAULT_VERSION);
	}
	json_decref(ans);
	return 0;
}

/* The VPC endpoints the user guide lists for clusters without internet. */
static const char *const endpoints[] = { "ssm", "ssmmessages",
    "ec2messages", "ec2", "secretsmanager", "logs", "sts", "ecr.api",
    "ecr.dkr", "s3" };

static int advise_endpoints(struct eksl_aws *, const char *, const char *,
    const char *, json_t *, struct eksl_aws_error *);

int
eksl_net_advice(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    const json_t *cluster, const char *region, json_t **lines,
    struct eksl_aws_error *e)
{
	const json_t *vc = json_object_get(cluster, "resourcesVpcConfig");
	const char *name = eksl_json_str(cluster, "name");
	const char *sg = eksl_json_str(vc, "clusterSecurityGroupId");
	const char *vpc = eksl_json_str(vc, "vpcId"), *sub;
	struct params q = { .n = 0 };
	char line[1024], *vpcid = NULL;
	struct eksl_xml *doc = NULL;
	size_t i, n;
	int rc;

	if ((*lines = json_array()) == NULL) {
		seterr(e, EKSL_AWS_LOCAL, "out of memory");
		return -1;
	}
	if (name == NULL)
		name = "cluster";
	if (sg != NULL) {
		n = cc != NULL && cc->nlgw_routes > 0 ? cc->nlgw_routes : 1;
		for (i = 0; i < n; i++) {
			snprintf(line, sizeof(line), "%s: on-prem hosts reach "
			    "the endpoint on TCP 443 through cluster security "
			    "group %s: aws ec2 authorize-security-group-ingress "
			    "--group-id %s --protocol tcp --port 443 --cidr %s",
			    name, sg, sg, cc != NULL && cc->nlgw_routes > 0 ?
			    eksl_cc_str(cc->lgw_route[i]) : "ON-PREM-CIDR");
			json_array_append_new(*lines, json_string(line));
		}
	}
	/* Not every answer names the VPC: the first subnet's, then. */
	sub = json_string_value(json_array_get(json_object_get(vc,
	    "subnetIds"), 0));
	if (vpc == NULL && sub != NULL) {
		padd(&q, "SubnetId.1", sub);
		if (ec2(a, "DescribeSubnets", &q, &doc, e) == -1)
			return -1;
		vpcid = ctext(items(doc, "subnetSet"), "vpcId");
		eksl_xml_free(doc);
		vpc = vpcid;
		memset(&q, 0, sizeof(q));
	}
	if (vpc == NULL)
		return 0;
	rc = advise_endpoints(a, name, vpc, region, *lines, e);
	free(vpcid);
	return rc;
}

/* The VPC endpoints a VPC without an internet gateway lacks. */
static int
advise_endpoints(struct eksl_aws *a, const char *name, const char *vpc,
    const char *region, json_t *lines, struct eksl_aws_error *e)
{
	struct params q = { .n = 0 };
	char line[1024], svc[128], *have;
	struct eksl_xml *doc = NULL;
	const struct eksl_xml_node *it;
	size_t i, n, j;
	int found;

	pfilter(&q, 1, "attachment.vpc-id", vpc);
	if (ec2(a, "DescribeInternetGateways", &q, &doc, e) == -1)
		return -1;
	found = items(doc, "internetGatewaySet") != NULL;
	eksl_xml_free(doc);
	if (found)
		return 0;
	memset(&q, 0, sizeof(q));
	pfilter(&q, 1, "vpc-id", vpc);
	if (ec2(a, "DescribeVpcEndpoints", &q, &doc, e) == -1)
		return -1;
	n = snprintf(line, sizeof(line), "%s: %s has no internet gateway; "
	    "nodes need these VPC endpoints, missing:", name, vpc);
	j = 0;
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		snprintf(svc, sizeof(svc), "com.amazonaws.%s.%s", region,
		    endpoints[i]);
		found = 0;
		for (it = items(doc, "vpcEndpointSet"); it != NULL;
		    it = next_item(it)) {
			have = ctext(it, "serviceName");
			if (have != NULL && strcmp(have, svc) == 0)
				found = 1;
			free(have);
		}
		if (found || n >= sizeof(line))
			continue;
		n += snprintf(line + n, sizeof(line) - n, " %s%s", svc,
		    strcmp(endpoints[i], "s3") == 0 ? " (gateway)" : "");
		j++;
	}
	eksl_xml_free(doc);
	if (j > 0)
		json_array_append_new(lines, json_string(line));
	return 0;
}
