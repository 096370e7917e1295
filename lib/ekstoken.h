/*
 * The EKS bearer token that aws-iam-authenticator accepts: "k8s-aws-v1."
 * followed by the unpadded base64url encoding of a presigned STS
 * GetCallerIdentity URL.
 */
#ifndef EKSL_EKSTOKEN_H
#define EKSL_EKSTOKEN_H

#include <time.h>

#include "sigv4.h"

#define EKSL_TOKEN_PREFIX	"k8s-aws-v1."
#define EKSL_TOKEN_LIFETIME	(14 * 60)	/* what kubectl is told */

/*
 * Make a token for cluster (a local cluster's id, else its name) in region,
 * signed at time when: the URL is always the real regional STS host
 * (https://sts.REGION.<partition suffix>/), Action=GetCallerIdentity,
 * Version=2011-06-15, X-Amz-Expires=60, with the header x-k8s-aws-id =
 * cluster signed.  Returns a new string (a secret: the caller wipes and
 * frees it) or NULL with err set.
 */
char	*eksl_eks_token(struct eksl_sigv4 *s, const struct eksl_creds *c,
	    const char *region, const char *cluster, time_t when, char *err,
	    size_t errlen);

#endif
