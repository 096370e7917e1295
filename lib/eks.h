/*
 * EKS local clusters through the AWS transport: the IAM role, CreateCluster,
 * DescribeCluster, DeleteCluster, waiting, the online checks of a
 * ClusterConfig (EC2, Outposts) and the cluster record built from
 * DescribeCluster and EC2.
 */
#ifndef EKSL_EKS_H
#define EKSL_EKS_H

#include <jansson.h>

#include "aws.h"
#include "clusterconfig.h"

/*
 * Make sure the cluster's IAM role exists with its policy attached (the
 * role named by iam.serviceRoleARN is used as is).  *arn receives a new
 * string (caller frees); *created is 1 when the role was made now.
 * Idempotent.  Returns 0 or -1 with e filled.
 */
int	eksl_eks_ensure_role(struct eksl_aws *a,
	    const struct eksl_clusterconfig *cc, char **arn, int *created,
	    struct eksl_aws_error *e);

/*
 * POST /clusters with req (borrowed).  Returns 0 with the "cluster"
 * object (new reference) in *cluster, or -1 with e filled (code
 * "ResourceInUseException" when a cluster of that name exists).
 */
int	eksl_eks_create(struct eksl_aws *a, json_t *req, json_t **cluster,
	    struct eksl_aws_error *e);

/*
 * GET /clusters/NAME.  Returns 0 with the "cluster" object (new
 * reference) in *cluster, or -1 with e filled (code
 * "ResourceNotFoundException" when there is none).
 */
int	eksl_eks_describe(struct eksl_aws *a, const char *name,
	    json_t **cluster, struct eksl_aws_error *e);

/* DELETE /clusters/NAME.  Returns 0 or -1 with e filled. */
int	eksl_eks_delete(struct eksl_aws *a, const char *name,
	    struct eksl_aws_error *e);

/*
 * Compare an existing cluster with a CreateCluster request on what
 * cannot change: the Outpost and the control-plane instance type.
 * Returns 0 when they agree, 1 with diff ("outpost: X, config: Y; ...")
 * when they do not.
 */
int	eksl_eks_compare(const json_t *cluster, const json_t *req, char *diff,
	    size_t difflen);

/*
 * The n-th poll interval in ms (n from 0): base, then 1.5 times longer
 * each time, at most 6 * base.
 */
long	eksl_eks_poll_ms(int n, long base_ms);

/* What eksl_eks_wait reports after each DescribeCluster. */
typedef void eksl_eks_progress(const json_t *cluster, long elapsed_ms,
	    void *arg);

/*
 * Poll DescribeCluster until the cluster is ACTIVE (gone = 0) or no
 * longer exists (gone = 1), calling progress (may be NULL) after every
 * answer.  timeout_ms bounds the whole wait.  Returns 0 (the last
 * cluster, new reference, in *cluster when not NULL; NULL when gone),
 * 1 on timeout (status in e->message), or -1 with e filled (a cluster
 * that went FAILED is code "ClusterFailed", EKSL_AWS_REFUSED).
 */
int	eksl_eks_wait(struct eksl_aws *a, const char *name, int gone,
	    long timeout_ms, long base_ms, eksl_eks_progress *progress,
	    void *arg, json_t **cluster, struct eksl_aws_error *e);

/*
 * The online checks: subnets exist, share one VPC (vpc.id when given)
 * and sit on the configured Outpost; the VPC has DNS support and DNS
 * hostnames; the instance type is offered on the Outpost; a named
 * placement group exists exactly once; at least 3 free addresses in all.
 * Returns 0; 1 with err "FILE:LINE:COL: reason" when the config does not
 * fit the account; -1 with e filled when a call failed.
 */
int	eksl_eks_validate_online(struct eksl_aws *a,
	    const struct eksl_clusterconfig *cc, char *err, size_t errlen,
	    struct eksl_aws_error *e);

/*
 * The user guide's capacity advice for a control-plane instance type
 * ("m5d.large: up to 20 worker nodes"), or NULL for a size it does not
 * list; static string.
 */
const char *eksl_eks_capacity_note(const char *type);

/*
 * The cluster record (DESIGN.md) for cluster (a DescribeCluster object):
 * EKS fields, then controlPlane[] from EC2 DescribeInstances (tag Name
 * NAME-control-plane-*, running) and addresses[] (source "ec2") from
 * those instances and the ENIs described "Amazon EKS NAME".  region goes
 * in as given; creator (may be NULL) becomes creator.arn.  Returns 0
 * with a new reference in *rec, or -1 with e filled (an EC2 call failed).
 */
int	eksl_eks_record(struct eksl_aws *a, const json_t *cluster,
	    const char *region, const char *creator, json_t **rec,
	    struct eksl_aws_error *e);

/*
 * DescribeCluster of name and the cluster record of eksl_eks_record in
 * one round trip: the EC2 calls go at the same time as DescribeCluster.
 * Returns 0 with new references in *cluster and *rec; 1 when EKS
 * answered but EC2 did not (*cluster set, *rec NULL, e filled); -1 when
 * DescribeCluster failed (both NULL, e filled, code
 * "ResourceNotFoundException" when there is no such cluster).
 */
int	eksl_eks_describe_record(struct eksl_aws *a, const char *name,
	    const char *region, const char *creator, json_t **cluster,
	    json_t **rec, struct eksl_aws_error *e);

/*
 * The requests create would send that change something, for --dry-run:
 * a new array of {service, action, params | method, path, body}; req is
 * the CreateCluster body (borrowed).  NULL when out of memory.
 */
json_t	*eksl_eks_plan(const struct eksl_clusterconfig *cc, json_t *req);

#endif
