/*
 * The offline-path check (see k8scheck.h): one thread per address, each
 * with its own client (one TLS connection for all its steps), and one
 * for the resolver, which may outlive the check when it hangs.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "k8s.h"
#include "k8scheck.h"

#define SVC_PATH	"/api/v1/namespaces/default/services/kubernetes"
#define TAINT		"node-role.eks-local.amazonaws.com/control-plane"

struct job {
	const struct eksl_check_in *in;
	struct eksl_check_addr *a;
};

/* Shared with a resolver thread that may outlive the check. */
struct dnsjob {
	pthread_mutex_t	 mu;
	int		 refs;
	char		*host;
	struct eksl_check_dns r;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static long
left(const struct eksl_check_in *in, const struct timespec *t0)
{
	long l = in->timeout_ms - ms_since(t0);

	return l > 0 ? l : 1;
}

/* --deep: the local cluster's own resources. */
static void
deep_checks(struct eksl_k8s *k, const struct eksl_check_in *in,
    struct eksl_check_addr *a, const struct timespec *t0)
{
	static const char *const paths[] = {
		"/api/v1/namespaces/kube-system/services/kube-dns",
		"/apis/apps/v1/namespaces/kube-system/deployments/coredns",
		"/api/v1/nodes",
	};
	struct eksl_k8s_error e;
	json_t *ans = NULL, *items, *taints;
	char buf[256];
	const char *key;
	size_t i, j, tainted = 0;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		eksl_k8s_set_timeout(k, left(in, t0));
		json_decref(ans);
		ans = NULL;
		if (eksl_k8s_request(k, "GET", paths[i], NULL, &ans, &e) ==
		    -1) {
			eksl_k8s_strerror(&e, buf, sizeof(buf));
			snprintf(a->deep, sizeof(a->deep), "GET %s: %s",
			    paths[i], buf);
			goto out;
		}
	}
	items = json_object_get(ans, "items");
	for (i = 0; i < json_array_size(items); i++) {
		taints = json_object_get(json_object_get(json_array_get(items,
		    i), "spec"), "taints");
		for (j = 0; j < json_array_size(taints); j++) {
			key = json_string_value(json_object_get(
			    json_array_get(taints, j), "key"));
			if (key != NULL && strcmp(key, TAINT) == 0) {
				tainted++;
				break;
			}
		}
	}
	if (tainted == 0)
		snprintf(a->deep, sizeof(a->deep), "no node has the taint %s",
		    TAINT);
out:
	json_decref(ans);
}

static void *
probe(void *arg)
{
	struct job *j = arg;
	const struct eksl_check_in *in = j->in;
	struct eksl_check_addr *a = j->a;
	struct eksl_k8s_target kt;
	struct eksl_k8s_error e;
	struct eksl_k8s *k;
	struct timespec t0;
	char buf[256];
	const char *step = "GET /version";

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&kt, 0, sizeof(kt));
	memset(&e, 0, sizeof(e));
	kt.host = in->host;
	kt.port = in->port;
	kt.ips = a->ip;
	kt.ca_pem = in->ca_pem;
	kt.ca_len = in->ca_len;
	kt.cert_file = in->cert_file;
	kt.key_file = in->key_file;
	kt.no_proxy = 1;
	if ((k = eksl_k8s_new(&kt, buf, sizeof(buf))) == NULL) {
		snprintf(a->error, sizeof(a->error), "%s", buf);
		return NULL;
	}
	eksl_k8s_set_timeout(k, in->timeout_ms);
	if (eksl_k8s_request(k, "GET", "/version", NULL, NULL, &e) == -1)
		goto fail;
	step = "SelfSubjectReview";
	eksl_k8s_set_timeout(k, left(in, &t0));
	if (eksl_k8s_whoami(k, &a->user, &e) == -1)
		goto fail;
	if (strcmp(a->user, in->user) != 0) {
		a->refused = 1;
		snprintf(a->error, sizeof(a->error), "authenticated as %s, "
		    "not %s", a->user, in->user);
		goto out;
	}
	step = "GET " SVC_PATH;
	eksl_k8s_set_timeout(k, left(in, &t0));
	if (eksl_k8s_request(k, "GET", SVC_PATH, NULL, NULL, &e) == -1)
		goto fail;
	a->ok = 1;
	if (in->deep)
		deep_checks(k, in, a, &t0);
	goto out;
fail:
	eksl_k8s_strerror(&e, buf, sizeof(buf));
	a->refused = e.status == EKSL_K8S_REFUSED;
	if (strcmp(e.reason, "tls") == 0)
		snprintf(a->error, sizeof(a->error), "TLS to %s: %s", in->host,
		    buf);
	else
		snprintf(a->error, sizeof(a->error), "%s: %s", step, buf);
out:
	a->tcp = e.tcp || a->ok;
	a->tls = e.tls || a->ok;
	a->ms = (double)ms_since(&t0);
	eksl_k8s_free(k);
	return NULL;
}

static void
dnsjob_unref(struct dnsjob *d)
{
	int last;

	pthread_mutex_lock(&d->mu);
	last = --d->refs == 0;
	pthread_mutex_unlock(&d->mu);
	if (last) {
		pthread_mutex_destroy(&d->mu);
		free(d->host);
		free(d);
	}
}

static void *
resolve(void *arg)
{
	struct dnsjob *d = arg;
	struct addrinfo hints, *res = NULL, *ai;
	char ip[46];
	size_t i;
	int rc;

	/* No AI_ADDRCONFIG: what the resolver maps, not what routes. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(d->host, NULL, &hints, &res);
	pthread_mutex_lock(&d->mu);
	for (ai = res; rc == 0 && ai != NULL &&
	    d->r.n < EKSL_CHECK_MAX_ADDRS; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip),
		    NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		for (i = 0; i < d->r.n && strcmp(d->r.ips[i], ip) != 0; i++)
			;
		if (i == d->r.n)
			snprintf(d->r.ips[d->r.n++], sizeof(d->r.ips[0]), "%s",
			    ip);
	}
	d->r.rc = rc;
	d->r.done = 1;
	pthread_mutex_unlock(&d->mu);
	if (res != NULL)
		freeaddrinfo(res);
	dnsjob_unref(d);
	return NULL;
}

int
eksl_check_run(const struct eksl_check_in *in, struct eksl_check_addr *a,
    size_t n, struct eksl_check_dns *dns, char *err, size_t errlen)
{
	struct job jobs[EKSL_CHECK_MAX_ADDRS];
	pthread_t th[EKSL_CHECK_MAX_ADDRS], rth;
	int started[EKSL_CHECK_MAX_ADDRS];
	struct dnsjob *d;
	struct timespec t0;
	size_t i;
	int done;

	memset(dns, 0, sizeof(*dns));
	if (n > EKSL_CHECK_MAX_ADDRS) {
		snprintf(err, errlen, "%s: more than %d addresses", in->host,
		    EKSL_CHECK_MAX_ADDRS);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->host = strdup(in->host)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&d->mu, NULL);
	d->refs = 2;
	if (pthread_create(&rth, NULL, resolve, d) != 0)
		resolve(d);	/* no thread: ask inline */
	else
		pthread_detach(rth);
	for (i = 0; i < n; i++) {
		jobs[i].in = in;
		jobs[i].a = &a[i];
		started[i] = pthread_create(&th[i], NULL, probe, &jobs[i]) == 0;
		if (!started[i])
			probe(&jobs[i]);
	}
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (;;) {
		pthread_mutex_lock(&d->mu);
		done = d->r.done;
		if (done)
			*dns = d->r;
		pthread_mutex_unlock(&d->mu);
		if (done || ms_since(&t0) >= in->timeout_ms)
			break;
		usleep(2000);
	}
	dnsjob_unref(d);
	return 0;
}

void
eksl_check_clear(struct eksl_check_addr *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].user);
		a[i].user = NULL;
	}
}
