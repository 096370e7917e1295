/*
 * The network of a local cluster when the ClusterConfig names none: a VPC
 * with DNS support and host names, private subnets on the Outpost (in its
 * availability zone), a route table, and the VPC's association with the
 * Outpost's local gateway route table plus routes to the on-prem CIDRs of
 * eksl.localGatewayRoutes.  Everything is tagged eksl:cluster=NAME, each
 * step finds what an earlier run made before making it, and delete
 * removes only what carries the tag, in reverse order.  Also: the online
 * checks of such a config, the Kubernetes version default, and the advice
 * an operator needs after creation.
 */
#ifndef EKSL_EC2NET_H
#define EKSL_EC2NET_H

#include <jansson.h>

#include "aws.h"
#include "clusterconfig.h"

/* The Kubernetes version eksl picks when DescribeClusterVersions is not
 * available and metadata.version is absent. */
#define EKSL_NET_DEFAULT_VERSION	"1.31"

/* What exists of a cluster's network; strings are owned (eksl_net_clear). */
struct eksl_net {
	char	*az;			/* the Outpost's availability zone */
	char	*vpc;
	char	*cidr;
	char	*subnet[EKSL_CC_MAX_SUBNETS];
	size_t	 nsubnets;
	char	*route_table;
	char	*lgw;			/* NULL: the Outpost has no local gateway */
	char	*lgw_route_table;
	char	*lgw_assoc;
	size_t	 nroutes;		/* routes to eksl.localGatewayRoutes */
};

/* A note for -v about a step ("created vpc-1 (192.168.0.0/16)"). */
typedef void eksl_net_log(const char *line, void *arg);

/*
 * The online checks of a config for which eksl makes the network: the
 * Outpost exists (Outposts GetOutpost, its zone into net->az) and, when
 * eksl.localGatewayRoutes is given, has a local gateway.  Returns 0; 1
 * with err "FILE:LINE:COL: reason"; -1 with e filled.
 */
int	eksl_net_check(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
	    struct eksl_net *net, char *err, size_t errlen,
	    struct eksl_aws_error *e);

/*
 * Make sure the network of cc (make_network set, checked) exists, in
 * order, each step finding what an earlier run made: the VPC, its DNS
 * attributes, the subnets, the route table and its subnet associations,
 * the local gateway association and the routes.  net holds what exists
 * whether it succeeds or not.  Returns 0 or -1 with e filled (e->message
 * names the step).
 */
int	eksl_net_ensure(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
	    struct eksl_net *net, eksl_net_log *log, void *arg,
	    struct eksl_aws_error *e);

/*
 * Remove every resource tagged eksl:cluster=name, in reverse order: the
 * local gateway routes of its route tables, the local gateway association
 * (waiting until it is gone, up to timeout_ms), the route tables, the
 * subnets, the VPC.  *removed counts the resources removed.  Returns 0
 * or -1 with e filled.
 */
int	eksl_net_delete(struct eksl_aws *a, const char *name, long timeout_ms,
	    long poll_ms, eksl_net_log *log, void *arg, size_t *removed,
	    struct eksl_aws_error *e);

/*
 * Append to plan (a JSON array) the requests eksl_net_ensure would send
 * for a network made from scratch, with placeholders for what only the
 * service can say ("vpc-(new)", the Outpost's zone), and point cc's
 * subnets at the placeholders ("subnet-(new)-1") for the CreateCluster
 * request that follows.  Returns 0 or -1 (no memory).
 */
int	eksl_net_plan(struct eksl_clusterconfig *cc, json_t *plan);

/* The network as the record's "network" object; new reference or NULL. */
json_t	*eksl_net_json(const struct eksl_net *net);

/*
 * Point cc's subnets (cc->subnet, nsubnets) at net's, after
 * eksl_net_ensure, so that the CreateCluster request names them.
 * Returns 0 or -1 (no memory).
 */
int	eksl_net_use(struct eksl_clusterconfig *cc, const struct eksl_net *net);

/*
 * The record of a create that stopped while making the network: schema,
 * name, region, the network as it exists and the error e in errors[].
 * New reference or NULL.
 */
json_t	*eksl_net_failed_record(const struct eksl_clusterconfig *cc,
	    const char *region, const struct eksl_net *net,
	    const struct eksl_aws_error *e);

/* Free the strings of net and zero it. */
void	eksl_net_clear(struct eksl_net *net);

/*
 * The Kubernetes version for cc: metadata.version, else the newest
 * version EKS DescribeClusterVersions lists, else EKSL_NET_DEFAULT_VERSION
 * when the call is refused (an older service, a stand-in).  version gets
 * the choice; note gets a line for the operator ("" for none): a
 * configured version older than the newest offered, or the default.
 * Returns 0, or -1 with e filled when the service cannot be reached.
 */
int	eksl_net_version(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
	    char *version, size_t vlen, char *note, size_t notelen,
	    struct eksl_aws_error *e);

/*
 * What an operator needs after creation, as lines to print (a new array
 * of strings): the cluster security group and the inbound rule on-prem
 * hosts need for the endpoint (to the CIDRs of eksl.localGatewayRoutes
 * when given); when the VPC has no internet gateway, the VPC endpoints
 * the user guide lists that it lacks.  cluster is a DescribeCluster
 * object (borrowed).  Returns 0 or -1 with e filled.
 */
int	eksl_net_advice(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
	    const json_t *cluster, const char *region, json_t **lines,
	    struct eksl_aws_error *e);

#endif
