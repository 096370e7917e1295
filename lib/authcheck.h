/*
 * eksl-authcheck check for one cluster record: is the offline path
 * ready?  The record's x.509 credentials tried at every address
 * (lib/k8scheck), the system resolver asked whether the name is pinned,
 * the outcome written to the record's auth.check and judged: ready,
 * degraded (and why), or not ready.
 */
#ifndef EKSL_AUTHCHECK_H
#define EKSL_AUTHCHECK_H

#include <stddef.h>

#include <jansson.h>

#include "authrec.h"
#include "k8scheck.h"

struct eksl_authcheck_opts {
	long		 warn_days;	/* degraded when the certificate expires sooner */
	long		 timeout_ms;	/* for all steps at one address */
	int		 deep;		/* the local cluster's own resources too */
};

/* What one check found, for the program to report. */
struct eksl_authcheck_report {
	const char	*name;		/* record name, or the host; borrowed */
	const char	*host;		/* endpoint host; borrowed */
	const char	*user;		/* auth.user; borrowed */
	const char	*cert;		/* auth.cert; borrowed */
	struct eksl_check_addr a[EKSL_CHECK_MAX_ADDRS];	/* per address */
	size_t		 n;		/* addresses checked */
	struct eksl_check_dns dns;	/* what the resolver said */
	char		 resolved[EKSL_CHECK_MAX_ADDRS * 48];	/* "ip ip" */
	char		 not_after[32];	/* RFC 3339 */
	long		 days;		/* whole days left; -1 when expired */

	/* The verdict (eksl_authcheck_verdict). */
	size_t		 nok;		/* addresses where every step passed */
	int		 pinned;	/* the resolver answers only pinned addresses */
	int		 addr_fails;	/* some (not all) addresses fail */
	int		 expires_soon;	/* days < warn_days */
	int		 deep_fails;	/* a --deep check fails at a working address */
	int		 status;	/* EKSL_EXIT_OK ready, _DEGRADED, or not ready */
};

/*
 * Check rec's offline path with o.  Returns -1 with f filled when the
 * check could not run (no auth, no addresses, an unreadable certificate
 * or key...): r holds nothing to report.  Returns 0 when it ran: r
 * filled, rec's auth.check set, r->status the verdict; when that is
 * neither EKSL_EXIT_OK nor EKSL_EXIT_DEGRADED, f holds the "not ready"
 * failure.  Free r with eksl_authcheck_report_clear either way.
 */
int	eksl_authcheck(json_t *rec, const struct eksl_authcheck_opts *o,
	    struct eksl_authcheck_report *r, struct eksl_auth_fail *f);

/*
 * Judge r from r->a[0..n), r->dns, r->days, r->name, r->cert and
 * r->not_after, against the pinned addresses ips[0..nips): fill
 * r->resolved, the verdict fields and r->status, and f when not ready
 * (an expired certificate: "auth", EKSL_EXIT_REFUSED; no address works:
 * "api" and EKSL_EXIT_REFUSED when one was refused, else "network" and
 * EKSL_EXIT_UNREACHABLE).  Pure: no I/O.
 */
void	eksl_authcheck_verdict(struct eksl_authcheck_report *r,
	    const char *const *ips, size_t nips, long warn_days,
	    struct eksl_auth_fail *f);

/* Free what eksl_authcheck allocated in r. */
void	eksl_authcheck_report_clear(struct eksl_authcheck_report *r);

#endif
