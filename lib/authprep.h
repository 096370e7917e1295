/*
 * eksl-authcheck prepare for one cluster record: obtain x.509 offline
 * credentials while the Region is reachable.  A key and a CSR (lib/x509),
 * an EKS token made in-process (lib/ekstoken), the Kubernetes
 * CertificateSigningRequest created, approved and fetched and a
 * ClusterRoleBinding made (lib/k8s), the new pair proved by a
 * SelfSubjectReview, the files written under DIR, the record's auth set.
 */
#ifndef EKSL_AUTHPREP_H
#define EKSL_AUTHPREP_H

#include <jansson.h>

#include "authrec.h"
#include "x509.h"

#define EKSL_AUTHPREP_SIGNER	"kubernetes.io/kube-apiserver-client"

struct eksl_authprep_opts {
	const char	*dir;		/* where NAME.key and NAME.crt go (exists) */
	const char	*user;		/* certificate CN, the bound User */
	const char	*group;		/* certificate O, or NULL */
	const char	*role;		/* the ClusterRole to bind */
	long long	 expiration;	/* expirationSeconds asked for */
	enum eksl_keytype keytype;
	long		 renew_days;	/* keep a certificate valid beyond this */
	/* Progress lines (level 1, as -v shows them), in order; may be NULL. */
	void		(*log)(int level, const char *line, void *arg);
	void		*logarg;
};

/*
 * Prepare rec with o: keep a valid pair, or create one (renew beside the
 * old pair and rename at the end; a key is never left without its
 * certificate).  Sets rec's auth on success.  Returns 0, or -1 with f
 * filled (the caller notes it in rec's errors[]).
 */
int	eksl_authprep(json_t *rec, const struct eksl_authprep_opts *o,
	    struct eksl_auth_fail *f);

#endif
