/*
 * The EKS bearer token: a presigned STS GetCallerIdentity URL, signed
 * with the header x-k8s-aws-id naming the cluster, in base64url.  Only
 * signing happens here: no network, no TLS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "awsconf.h"
#include "base64.h"
#include "buf.h"
#include "ekstoken.h"

#define TOKEN_EXPIRES	60	/* what aws-iam-authenticator expects */
#define CLUSTER_MAX	255

char *
eksl_eks_token(struct eksl_sigv4 *s, const struct eksl_creds *c,
    const char *region, const char *cluster, time_t when, char *err,
    size_t errlen)
{
	struct eksl_sigv4_request req;
	struct eksl_sigv4_params p;
	struct eksl_sigv4_result res;
	struct eksl_header h[2];
	struct eksl_buf url;
	char host[128], *enc = NULL, *tok = NULL;
	const char *suffix, *q;
	size_t n;

	memset(&res, 0, sizeof(res));
	eksl_buf_init(&url, 64 * 1024);
	if (region == NULL || !eksl_aws_region_valid(region)) {
		snprintf(err, errlen, "%s: not a valid region",
		    region != NULL ? region : "(none)");
		goto out;
	}
	if (cluster == NULL || *cluster == '\0' ||
	    strlen(cluster) > CLUSTER_MAX) {
		snprintf(err, errlen, "cluster name or id must be 1 to %d "
		    "characters", CLUSTER_MAX);
		goto out;
	}
	for (q = cluster; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			snprintf(err, errlen, "cluster name or id holds a "
			    "control character");
			goto out;
		}
	/* The real regional host, whatever endpoint overrides say. */
	suffix = eksl_aws_dns_suffix(region);
	while (suffix != NULL && *suffix == '.')
		suffix++;
	if (suffix == NULL || *suffix == '\0' ||
	    (n = (size_t)snprintf(host, sizeof(host), "sts.%s.%s", region,
	    suffix)) >= sizeof(host)) {
		snprintf(err, errlen, "%s: no STS host for this region",
		    region);
		goto out;
	}
	h[0].name = "Host";
	h[0].value = host;
	h[1].name = "x-k8s-aws-id";
	h[1].value = cluster;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/";
	req.query = "Action=GetCallerIdentity&Version=2011-06-15";
	req.headers = h;
	req.nheaders = 2;
	memset(&p, 0, sizeof(p));
	p.creds = c;
	p.region = region;
	p.service = "sts";
	p.when = when;
	p.normalize_path = 1;
	p.expires = TOKEN_EXPIRES;
	if (eksl_sigv4_presign(s, &req, &p, &res, err, errlen) == -1)
		goto out;
	if (eksl_buf_printf(&url, "https://%s/?%s", host, res.query) == -1 ||
	    (enc = eksl_base64_encode(url.data, url.len, EKSL_B64_URL)) ==
	    NULL) {
		snprintf(err, errlen, "token: %s", strerror(errno != 0 ?
		    errno : ENOMEM));
		goto out;
	}
	n = strlen(enc);
	if ((tok = malloc(sizeof(EKSL_TOKEN_PREFIX) + n)) == NULL) {
		snprintf(err, errlen, "token: %s", strerror(ENOMEM));
		goto out;
	}
	memcpy(tok, EKSL_TOKEN_PREFIX, sizeof(EKSL_TOKEN_PREFIX) - 1);
	memcpy(tok + sizeof(EKSL_TOKEN_PREFIX) - 1, enc, n + 1);
out:
	if (enc != NULL) {
		OPENSSL_cleanse(enc, strlen(enc));
		free(enc);
	}
	if (url.data != NULL)
		OPENSSL_cleanse(url.data, url.len);
	eksl_buf_free(&url);
	eksl_sigv4_result_clear(&res);
	return tok;
}
