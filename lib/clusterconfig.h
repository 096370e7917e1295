/*
 * An eksctl ClusterConfig (apiVersion eksctl.io/v1alpha5) for an EKS local
 * cluster on an Outpost: loaded with libyaml into a tree that keeps the
 * line:column of every key and value, checked against the sections local
 * clusters can use, and validated offline.  Every error reads
 * "FILE:LINE:COL: reason".
 */
#ifndef EKSL_CLUSTERCONFIG_H
#define EKSL_CLUSTERCONFIG_H

#include <stddef.h>
#include <jansson.h>

enum eksl_ynode_type {
	EKSL_Y_SCALAR,
	EKSL_Y_MAP,
	EKSL_Y_SEQ,
};

/* One YAML node; marks are 1-based. */
struct eksl_ynode {
	enum eksl_ynode_type type;
	char		*key;		/* map entry: the key; else NULL */
	int		 kline, kcol;	/* map entry: where the key is */
	char		*value;		/* scalar: its text */
	int		 plain;		/* scalar: unquoted (may be a bool) */
	int		 line, col;	/* where the value starts */
	struct eksl_ynode *child;	/* map entries or sequence items */
	struct eksl_ynode *next;	/* next sibling */
};

#define EKSL_CC_MAX_SUBNETS	16
#define EKSL_CC_MAX_SGS		5	/* EKS takes up to 5 security groups */
#define EKSL_CC_MAX_ROUTES	16
#define EKSL_CC_LOG_TYPES	5
#define EKSL_CC_DEFAULT_CIDR	"192.168.0.0/16"	/* eksctl's default */
#define EKSL_CC_TAG		"eksl:cluster"	/* on what eksl makes */

/*
 * The parts of a ClusterConfig that eksl uses.  Every pointer borrows a
 * node of root (NULL when the key is absent), so that any later error,
 * offline or online, can name its file:line:column.
 */
struct eksl_clusterconfig {
	char		*path;		/* as given, for messages */
	struct eksl_ynode *root;
	const struct eksl_ynode *name, *region, *version, *tags;
	const struct eksl_ynode *vpc, *vpc_id, *private_access,
			*public_access, *security_group;
	const struct eksl_ynode *subnets_at;	/* vpc.subnets.private */
	const struct eksl_ynode *subnet[EKSL_CC_MAX_SUBNETS]; /* .id nodes */
	size_t		 nsubnets;
	/*
	 * With neither vpc.id nor subnet ids, eksl makes the network:
	 * make_network is 1, vpc_cidr is vpc.cidr (NULL: the default) and
	 * new_subnet[] are the subnet entries (key = name) with a cidr;
	 * none means one subnet, the VPC's first /24.
	 */
	int		 make_network;
	const struct eksl_ynode *vpc_cidr;
	const struct eksl_ynode *new_subnet[EKSL_CC_MAX_SUBNETS];
	size_t		 nnew_subnets;
	const struct eksl_ynode *lgw_routes_at;	/* eksl.localGatewayRoutes */
	const struct eksl_ynode *lgw_route[EKSL_CC_MAX_ROUTES];
	size_t		 nlgw_routes;
	/* vpc.securityGroup, then vpc.extraClusterSecurityGroups */
	const struct eksl_ynode *extra_sgs_at;
	const struct eksl_ynode *sg[EKSL_CC_MAX_SGS];
	size_t		 nsgs;
	/* cloudWatch.clusterLogging.enableTypes */
	const struct eksl_ynode *log_types_at;
	const struct eksl_ynode *outpost, *outpost_arn, *instance_type,
			*placement_group, *cp_spread, *etcd_instance_type,
			*etcd_spread;
	const struct eksl_ynode *service_role;
	const struct eksl_ynode *bootstrap_admin, *auth_mode;
	/* Derived by eksl_cc_validate. */
	int		 instance_store;	/* etcdInstanceType given */
	const char	*authentication_mode;	/* effective value */
	int		 bootstrap_admin_permissions;
	const char	*log_types[EKSL_CC_LOG_TYPES];	/* "*" expanded */
	size_t		 nlog_types;
	/* Values eksl found or made (eksl_cc_set), freed with cc. */
	struct eksl_ynode *made;
};

/*
 * Parse path and check its shape: apiVersion and kind, no unknown key in
 * the sections eksl reads, no section local clusters cannot use, scalars
 * where scalars belong.  Returns a new config (free with eksl_cc_free)
 * or NULL with err "FILE:LINE:COL: reason".
 */
struct eksl_clusterconfig *eksl_cc_load(const char *path, char *err,
	    size_t errlen);

/*
 * The same from a buffer; name stands for the file in messages.
 */
struct eksl_clusterconfig *eksl_cc_load_mem(const char *name,
	    const char *data, size_t len, char *err, size_t errlen);

/*
 * Offline validation (name, region, Outpost ARN, instance type, endpoint
 * access, access configuration for the variant, placement, subnets).
 * Returns 0, or -1 with err "FILE:LINE:COL: reason" for the first
 * problem found, in file order of the rules.
 */
int	eksl_cc_validate(struct eksl_clusterconfig *cc, char *err,
	    size_t errlen);

void	eksl_cc_free(struct eksl_clusterconfig *cc);

/*
 * A scalar node holding value, owned by cc (freed with it), marked where
 * at is (1:1 when NULL), for a value eksl found or made rather than read:
 * the newest Kubernetes version, the subnets of the network it made.
 * The caller stores it (cc->version, cc->subnet[i]).  NULL when out of
 * memory.
 */
const struct eksl_ynode *eksl_cc_set(struct eksl_clusterconfig *cc,
	    const char *value, const struct eksl_ynode *at);

/*
 * Parse an IPv4 CIDR "a.b.c.d/n" (no host bits set) into *addr (host
 * order) and *prefix.  Returns 0, or -1 with why ("not a.b.c.d/n", "host
 * bits set: the network is 10.1.0.0/16") filled.
 */
int	eksl_cidr_parse(const char *s, unsigned long *addr, int *prefix,
	    char *why, size_t whylen);

/* The scalar text of n, or NULL when n is NULL or not a scalar; borrowed. */
const char *eksl_cc_str(const struct eksl_ynode *n);

/*
 * Format "FILE:LINE:COL: " + fmt for node n (its value's mark; the
 * section's when n is NULL and at is given) into err.  Always returns -1,
 * so that callers can "return eksl_cc_error(...)".
 */
int	eksl_cc_error(const struct eksl_clusterconfig *cc,
	    const struct eksl_ynode *n, char *err, size_t errlen,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The parts of an Outpost ARN "arn:aws:outposts:REGION:ACCOUNT:outpost/
 * op-ID".  Returns 0 and copies region and the Outpost id (op-...) into
 * the buffers (either may be NULL), or -1 when arn does not parse.
 */
int	eksl_outpost_arn_parse(const char *arn, char *region, size_t rlen,
	    char *opid, size_t olen);

/* 1 when name is a valid cluster name (^[A-Za-z][A-Za-z0-9-]*$, <= 100). */
int	eksl_cluster_name_valid(const char *name);

/* 1 when type looks like an EC2 instance type ("m5d.large"), else 0. */
int	eksl_instance_type_valid(const char *type);

/*
 * The CreateCluster request body for cc (validated), with roleArn role
 * (may be NULL in a dry run) and a clientRequestToken derived from
 * everything else in the body, so that a retry or a second run of the
 * same config is the same request.  New reference, or NULL (no memory).
 */
json_t	*eksl_cc_create_request(const struct eksl_clusterconfig *cc,
	    const char *role);

/* The role eksl creates when iam.serviceRoleARN is absent. */
#define EKSL_CC_ROLE_FMT	"eksl-%s-cluster-role"
#define EKSL_CC_POLICY_EBS	\
	"arn:aws:iam::aws:policy/AmazonEKSLocalOutpostClusterPolicy"
#define EKSL_CC_POLICY_IS	"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"

#endif
