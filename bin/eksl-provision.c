/*
 * eksl-provision: validate an eksctl ClusterConfig for an EKS local
 * cluster on an Outpost, create the cluster (IAM role, CreateCluster,
 * wait for ACTIVE), describe it as a cluster record, delete it; and hand
 * out assumed-role credentials in the credential_process format.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "awsconf.h"
#include "clusterconfig.h"
#include "duration.h"
#include "ec2net.h"
#include "eks.h"
#include "exitcodes.h"
#include "msg.h"
#include "record.h"

#define DEFAULT_TIMEOUT_MS	(40L * 60 * 1000)
#define DEFAULT_POLL_MS		5000L

enum { O_ONLINE = 256, O_NOWAIT, O_TIMEOUT, O_DRYRUN, O_NAME, O_REGION,
	O_PROFILE, O_ENDPOINT, O_ROLE, O_SESSION, O_DURATION, O_HELP,
	O_VERSION, O_WITHNET };

static const struct option longopts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "online", no_argument, NULL, O_ONLINE },
	{ "no-wait", no_argument, NULL, O_NOWAIT },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "name", required_argument, NULL, O_NAME },
	{ "region", required_argument, NULL, O_REGION },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "endpoint-url", required_argument, NULL, O_ENDPOINT },
	{ "role-arn", required_argument, NULL, O_ROLE },
	{ "session-name", required_argument, NULL, O_SESSION },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "with-network", no_argument, NULL, O_WITHNET },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char	*cmd, *file, *name, *role, *session;
	int		 online, nowait, dryrun, duration, withnet;
	long		 timeout_ms, poll_ms;
	struct eksl_awsopts aws;
};

/* What the progress callback remembers between polls. */
struct progress {
	char		 status[32];
	json_t		*seen;		/* issue lines shown, while they last */
	int		 tty, line_open;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: eksl-provision validate -f FILE [--online]\n"
	    "       eksl-provision create -f FILE [--no-wait] "
	    "[--timeout DURATION] [--dry-run]\n"
	    "       eksl-provision describe --name NAME\n"
	    "       eksl-provision delete --name NAME [--no-wait | "
	    "--with-network]\n"
	    "       eksl-provision assume-role --role-arn ARN "
	    "[--session-name NAME] [--duration SECONDS]\n"
	    "    common: [--region R] [--profile P] [--endpoint-url URL] "
	    "[-v] [-q]\n"
	    "       eksl-provision --help | --version\n");
}

/* "prog: reason", the usage, exit 2. */
#define usage_error(...)	eksl_usage_error(usage, __VA_ARGS__)

static int
api_error(const char *what, const struct eksl_aws_error *e)
{
	if (e->code[0] != '\0')
		eksl_err("%s: %s: %s", what, e->code, e->message);
	else
		eksl_err("%s: %s", what, e->message);
	return eksl_aws_exit_code(e);
}

/* Configuration, credentials and a client; an exit status on failure. */
static int
aws_open(const struct opts *o, struct eksl_awsconf *c, struct eksl_aws **a)
{
	char err[EKSL_ERRLEN];
	int rc;

	*a = NULL;
	if (eksl_awsconf_load(c, &o->aws, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		return EKSL_EXIT_INPUT;
	}
	if (c->region == NULL) {
		eksl_err("no region: use --region or AWS_REGION");
		return EKSL_EXIT_USAGE;
	}
	if ((rc = eksl_awsconf_credentials(c, err, sizeof(err))) != 0) {
		eksl_err("%s", err);
		return EKSL_EXIT_INPUT;
	}
	/* a server may echo them into an error message */
	eksl_msg_redact(c->creds.secret_key);
	eksl_msg_redact(c->creds.session_token);
	if ((*a = eksl_aws_new(c, eksl_log_sink, NULL, err,
	    sizeof(err))) == NULL) {
		eksl_err("%s", err);
		return EKSL_EXIT_IO;
	}
	return EKSL_EXIT_OK;
}

static void
end_line(struct progress *p)
{
	if (p->line_open) {
		fputs("\r\033[K", stderr);
		p->line_open = 0;
	}
}

/* After every DescribeCluster: status, elapsed time, new health issues. */
static void
show(const json_t *cluster, long elapsed_ms, void *arg)
{
	struct progress *p = arg;
	const char *name = eksl_json_str(cluster, "name");
	const char *status = eksl_json_str(cluster, "status");
	json_t *issue, *s;
	char line[1024];
	size_t i, j;
	int seen;

	if (eksl_verbosity < 0)
		return;
	if (status == NULL)
		status = "UNKNOWN";
	json_array_foreach(json_object_get(json_object_get(cluster, "health"),
	    "issues"), i, issue) {
		snprintf(line, sizeof(line), "%s: health issue %s: %s",
		    name != NULL ? name : "cluster",
		    eksl_json_str(issue, "code") != NULL ?
		    eksl_json_str(issue, "code") : "-",
		    eksl_json_str(issue, "message") != NULL ?
		    eksl_json_str(issue, "message") : "");
		seen = 0;
		json_array_foreach(p->seen, j, s)
			if (strcmp(json_string_value(s), line) == 0)
				seen = 1;
		if (seen)
			continue;
		json_array_append_new(p->seen, json_string(line));
		end_line(p);
		eksl_warn("%s", line);
	}
	if (i == 0 && json_array_size(p->seen) > 0) {
		/* They cleared: say so, and show them again if they recur. */
		json_array_clear(p->seen);
		end_line(p);
		eksl_warn("%s: health issues cleared",
		    name != NULL ? name : "cluster");
	}
	if (p->tty) {
		fprintf(stderr, "\r\033[K%s: %s: %s %ldm%02lds",
		    eksl_progname(), name != NULL ? name : "cluster", status,
		    elapsed_ms / 60000, elapsed_ms / 1000 % 60);
		fflush(stderr);
		p->line_open = 1;
	} else if (strcmp(p->status, status) != 0)
		eksl_warn("%s: %s after %lds", name != NULL ? name : "cluster",
		    status, elapsed_ms / 1000);
	snprintf(p->status, sizeof(p->status), "%s", status);
}

/* Wait for ACTIVE (or gone), with progress; an exit status. */
static int
wait_for(const struct opts *o, struct eksl_aws *a, const char *name,
    int gone, json_t **cluster)
{
	struct progress p;
	struct eksl_aws_error e;
	int rc;

	memset(&p, 0, sizeof(p));
	p.tty = isatty(STDERR_FILENO);
	p.seen = json_array();
	rc = eksl_eks_wait(a, name, gone, o->timeout_ms, o->poll_ms, show, &p,
	    cluster, &e);
	end_line(&p);
	json_decref(p.seen);
	if (rc == 1) {
		eksl_err("%s: still %s after %lds (--timeout); the cluster "
		    "goes on %s", name, e.message, o->timeout_ms / 1000,
		    gone ? "being deleted" : "being created");
		return EKSL_EXIT_UNREACHABLE;
	}
	if (rc == -1)
		return api_error(name, &e);
	return EKSL_EXIT_OK;
}

/*
 * Print the record rec of cluster (taken); when ok is 0, EKS answered but
 * EC2 did not (e): write what is known.  An exit status.
 */
static int
write_record(const json_t *cluster, json_t *rec, int ok,
    const struct eksl_aws_error *e, json_t *net)
{
	char err[EKSL_ERRLEN];
	int rc = EKSL_EXIT_OK;

	if (!ok) {
		rc = api_error(eksl_json_str(cluster, "name"), e);
		json_decref(rec);
		rec = eksl_record_new();
		json_object_set(rec, "name", json_object_get(cluster, "name"));
		eksl_record_add_error(rec, "eksl-provision", "api", "%s: %s",
		    e->code, e->message);
	}
	if (net != NULL)
		json_object_set(rec, "network", net);
	if (eksl_record_write(stdout, rec, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		rc = EKSL_EXIT_IO;
	}
	json_decref(rec);
	return rc;
}

/* Build and print the record of cluster; an exit status. */
static int
print_record(struct eksl_aws *a, const json_t *cluster, const char *region,
    const char *creator, json_t *net)
{
	struct eksl_aws_error e;
	json_t *rec = NULL;
	int ok;

	ok = eksl_eks_record(a, cluster, region, creator, &rec, &e) == 0;
	return write_record(cluster, rec, ok, &e, net);
}

static struct eksl_clusterconfig *
config(const struct opts *o, int *rc)
{
	struct eksl_clusterconfig *cc;
	char err[EKSL_ERRLEN];
	const char *note;

	*rc = EKSL_EXIT_INPUT;
	if ((cc = eksl_cc_load(o->file, err, sizeof(err))) == NULL ||
	    eksl_cc_validate(cc, err, sizeof(err)) == -1) {
		eksl_err("%s", err);
		eksl_cc_free(cc);
		return NULL;
	}
	if (o->aws.region != NULL &&
	    strcmp(o->aws.region, eksl_cc_str(cc->region)) != 0) {
		eksl_err("--region %s differs from metadata.region %s in %s",
		    o->aws.region, eksl_cc_str(cc->region), o->file);
		eksl_cc_free(cc);
		*rc = EKSL_EXIT_USAGE;
		return NULL;
	}
	if ((note = eksl_eks_capacity_note(eksl_cc_str(cc->instance_type))))
		eksl_info("%s: the user guide sizes this control-plane "
		    "instance type for %s", eksl_cc_str(cc->instance_type),
		    note);
	*rc = EKSL_EXIT_OK;
	return cc;
}

static int
online(struct eksl_aws *a, const struct eksl_clusterconfig *cc,
    struct eksl_net *net)
{
	struct eksl_aws_error e;
	char err[EKSL_ERRLEN];
	int rc;

	/* The Outpost first: without one, no other check makes sense. */
	rc = cc->make_network ? eksl_net_check(a, cc, net, err, sizeof(err),
	    &e) : 0;
	if (rc == 0)
		rc = eksl_eks_validate_online(a, cc, err, sizeof(err), &e);
	switch (rc) {
	case 0:
		return EKSL_EXIT_OK;
	case 1:
		eksl_err("%s", err);
		return EKSL_EXIT_INPUT;
	default:
		return api_error(cc->path, &e);
	}
}

static int
cmd_validate(struct opts *o)
{
	struct eksl_clusterconfig *cc;
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_net net;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&net, 0, sizeof(net));
	if ((cc = config(o, &rc)) == NULL)
		return rc;
	if (o->online) {
		o->aws.region = eksl_cc_str(cc->region);
		if ((rc = aws_open(o, &c, &a)) == EKSL_EXIT_OK)
			rc = online(a, cc, &net);
	}
	eksl_net_clear(&net);
	if (rc == EKSL_EXIT_OK)
		eksl_info("%s: valid%s", o->file, o->online ?
		    " (offline and online)" : " (offline)");
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	eksl_cc_free(cc);
	return rc;
}

static void
netlog(const char *line, void *arg)
{
	(void)arg;
	eksl_info("%s", line);
}

/* create --dry-run: the requests, network first, as JSON lines. */
static int
dry_run(struct eksl_clusterconfig *cc)
{
	json_t *req = NULL, *plan, *p = NULL;
	char placeholder[256], err[EKSL_ERRLEN];
	size_t i;
	int rc = EKSL_EXIT_OK;

	snprintf(placeholder, sizeof(placeholder), "arn:aws:iam::ACCOUNT:"
	    "role/" EKSL_CC_ROLE_FMT, eksl_cc_str(cc->name));
	if ((plan = json_array()) == NULL ||
	    (cc->make_network && eksl_net_plan(cc, plan) == -1) ||
	    (req = eksl_cc_create_request(cc, cc->service_role != NULL ?
	    eksl_cc_str(cc->service_role) : placeholder)) == NULL ||
	    (p = eksl_eks_plan(cc, req)) == NULL ||
	    json_array_extend(plan, p) == -1) {
		eksl_err("%s: out of memory", eksl_cc_str(cc->name));
		rc = EKSL_EXIT_IO;
	}
	json_decref(p);
	json_array_foreach(rc == EKSL_EXIT_OK ? plan : NULL, i, p)
		if (eksl_record_write(stdout, p, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_IO;
			break;
		}
	json_decref(plan);
	json_decref(req);
	return rc;
}

/* The network eksl makes: what exists goes on stdout when a step fails. */
static int
network(struct eksl_aws *a, struct eksl_clusterconfig *cc,
    struct eksl_net *net, const char *region)
{
	struct eksl_aws_error e;
	json_t *rec;
	char err[EKSL_ERRLEN];
	int rc;

	if (eksl_net_ensure(a, cc, net, netlog, NULL, &e) == 0) {
		if (eksl_net_use(cc, net) == 0)
			return EKSL_EXIT_OK;
		eksl_err("%s: out of memory", eksl_cc_str(cc->name));
		return EKSL_EXIT_IO;
	}
	rc = api_error(eksl_cc_str(cc->name), &e);
	rec = eksl_net_failed_record(cc, region, net, &e);
	if (rec != NULL && eksl_record_write(stdout, rec, err,
	    sizeof(err)) == -1)
		eksl_err("%s", err);
	json_decref(rec);
	return rc;
}

/* The version, and notes that cannot wait until after creation. */
static int
before_create(struct eksl_aws *a, struct eksl_clusterconfig *cc)
{
	struct eksl_aws_error e;
	char ver[32], note[256], sgs[256];
	const char *name = eksl_cc_str(cc->name);
	size_t i, n = 0;

	if (eksl_net_version(a, cc, ver, sizeof(ver), note, sizeof(note),
	    &e) == -1)
		return api_error(name, &e);
	if (note[0] != '\0')
		eksl_warn("%s: %s", name, note);
	if (cc->version == NULL &&
	    (cc->version = eksl_cc_set(cc, ver, NULL)) == NULL) {
		eksl_err("%s: out of memory", name);
		return EKSL_EXIT_IO;
	}
	sgs[0] = '\0';
	for (i = 0; i < cc->nsgs && n < sizeof(sgs); i++)
		n += snprintf(sgs + n, sizeof(sgs) - n, "%s%s", i ? ", " : "",
		    eksl_cc_str(cc->sg[i]));
	if (cc->nsgs > 0)
		eksl_warn("%s: security group%s %s cannot be changed once the "
		    "cluster exists", name, cc->nsgs > 1 ? "s" : "", sgs);
	return EKSL_EXIT_OK;
}

static int
cmd_create(struct opts *o)
{
	struct eksl_clusterconfig *cc;
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_aws_error e;
	struct eksl_net net;
	json_t *req = NULL, *cluster = NULL, *netj = NULL, *lines = NULL, *l;
	char *role = NULL, *creator = NULL, diff[512];
	const char *name;
	size_t i;
	int rc, created;

	memset(&c, 0, sizeof(c));
	memset(&net, 0, sizeof(net));
	if ((cc = config(o, &rc)) == NULL)
		return rc;
	name = eksl_cc_str(cc->name);
	if (o->dryrun) {
		rc = dry_run(cc);
		goto out;
	}
	o->aws.region = eksl_cc_str(cc->region);
	if ((rc = aws_open(o, &c, &a)) != EKSL_EXIT_OK ||
	    (rc = online(a, cc, &net)) != EKSL_EXIT_OK ||
	    (rc = before_create(a, cc)) != EKSL_EXIT_OK)
		goto out;
	if (eksl_sts_caller(a, &creator, NULL, &e) == -1) {
		rc = api_error("GetCallerIdentity", &e);
		goto out;
	}
	if (eksl_eks_ensure_role(a, cc, &role, &created, &e) == -1) {
		rc = api_error("IAM role", &e);
		goto out;
	}
	if (created)
		eksl_info("%s: created, policy attached", role);
	if (cc->make_network) {
		if ((rc = network(a, cc, &net, c.region)) != EKSL_EXIT_OK)
			goto out;
		netj = eksl_net_json(&net);
	}
	if ((req = eksl_cc_create_request(cc, role)) == NULL) {
		eksl_err("%s: out of memory", name);
		rc = EKSL_EXIT_IO;
		goto out;
	}
	if (eksl_eks_create(a, req, &cluster, &e) == -1) {
		if (strcmp(e.code, "ResourceInUseException") != 0) {
			rc = api_error(name, &e);
			goto out;
		}
		if (eksl_eks_describe(a, name, &cluster, &e) == -1) {
			rc = api_error(name, &e);
			goto out;
		}
		if (eksl_eks_compare(cluster, req, diff, sizeof(diff))) {
			eksl_err("%s: exists but differs: %s", name, diff);
			rc = EKSL_EXIT_REFUSED;
			goto out;
		}
		eksl_info("%s: exists with the same Outpost and instance "
		    "type; carrying on", name);
	} else
		eksl_info("%s: CreateCluster accepted", name);
	if (!o->nowait) {
		json_decref(cluster);
		cluster = NULL;
		if ((rc = wait_for(o, a, name, 0, &cluster)) != EKSL_EXIT_OK)
			goto out;
	}
	rc = print_record(a, cluster, c.region, creator, netj);
	if (rc != EKSL_EXIT_OK || eksl_verbosity < 0)
		goto out;
	eksl_warn("%s: creator %s stays cluster admin; do not delete it",
	    name, creator);
	/* What the operator needs next; the cluster is there regardless. */
	if (eksl_net_advice(a, cc, cluster, c.region, &lines, &e) == -1)
		eksl_warn("%s: no advice on access: %s", name, e.message);
	json_array_foreach(lines, i, l)
		eksl_warn("%s", json_string_value(l));
out:
	json_decref(lines);
	json_decref(netj);
	json_decref(req);
	json_decref(cluster);
	free(role);
	free(creator);
	eksl_net_clear(&net);
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	eksl_cc_free(cc);
	return rc;
}

static int
cmd_describe(struct opts *o)
{
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_aws_error e;
	json_t *cluster = NULL, *rec = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = aws_open(o, &c, &a)) != EKSL_EXIT_OK)
		goto out;
	/* describe runs from cron: give up within about 30 s in all. */
	eksl_aws_set_timeouts(a, 3000, 6000);
	/* DescribeCluster and the record's EC2 calls go at once. */
	if ((rc = eksl_eks_describe_record(a, o->name, c.region, NULL,
	    &cluster, &rec, &e)) == -1) {
		rc = api_error(o->name, &e);
		goto out;
	}
	/* 1: EKS answered, EC2 did not. */
	rc = write_record(cluster, rec, rc == 0, &e, NULL);
	rec = NULL;
out:
	json_decref(rec);
	json_decref(cluster);
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	return rc;
}

static int
cmd_delete(struct opts *o)
{
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_aws_error e;
	size_t n;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = aws_open(o, &c, &a)) != EKSL_EXIT_OK)
		goto out;
	if (eksl_eks_delete(a, o->name, &e) == -1) {
		if (strcmp(e.code, "ResourceNotFoundException") != 0) {
			rc = api_error(o->name, &e);
			goto out;
		}
		eksl_info("%s: no such cluster; nothing to delete", o->name);
	} else {
		eksl_info("%s: DeleteCluster accepted", o->name);
		if (!o->nowait && (rc = wait_for(o, a, o->name, 1, NULL)) ==
		    EKSL_EXIT_OK)
			eksl_info("%s: deleted", o->name);
	}
	/* The network only once the cluster's interfaces are gone. */
	if (rc == EKSL_EXIT_OK && o->withnet) {
		if (eksl_net_delete(a, o->name, o->timeout_ms, o->poll_ms,
		    netlog, NULL, &n, &e) == -1)
			rc = api_error(o->name, &e);
		else
			eksl_info("%s: removed %zu network resource%s tagged "
			    EKSL_CC_TAG "=%s", o->name, n, n == 1 ? "" : "s",
			    o->name);
	}
out:
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	return rc;
}

static int
cmd_assume_role(struct opts *o)
{
	struct eksl_awsconf c;
	struct eksl_aws *a = NULL;
	struct eksl_aws_error e;
	struct eksl_creds cr;
	json_t *out = NULL;
	char exp[32], err[EKSL_ERRLEN];
	struct tm tm;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&cr, 0, sizeof(cr));
	if (isatty(STDOUT_FILENO)) {
		eksl_err("refusing to print credentials to a terminal");
		return EKSL_EXIT_USAGE;
	}
	if ((rc = aws_open(o, &c, &a)) != EKSL_EXIT_OK)
		goto out;
	if (eksl_sts_assume_role(a, o->role, o->session, o->duration, &cr,
	    &e) == -1) {
		rc = api_error(o->role, &e);
		goto out;
	}
	gmtime_r(&cr.expiration, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out = json_pack("{s:i, s:s, s:s, s:s?, s:s}", "Version", 1,
	    "AccessKeyId", cr.access_key, "SecretAccessKey", cr.secret_key,
	    "SessionToken", cr.session_token, "Expiration", exp);
	if (out == NULL || eksl_record_write(stdout, out, err,
	    sizeof(err)) == -1) {
		eksl_err("%s", out == NULL ? "out of memory" : err);
		rc = EKSL_EXIT_IO;
	}
out:
	/* The secret went into jansson's copy too: free both. */
	json_decref(out);
	eksl_creds_clear(&cr);
	eksl_aws_free(a);
	eksl_awsconf_clear(&c);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	const char *env;
	char *end;
	long long secs;
	long l;
	int ch, nfile = 0;

	eksl_msg_init(argv[0]);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = DEFAULT_TIMEOUT_MS;
	o.poll_ms = DEFAULT_POLL_MS;
	o.session = "eksl";
	/* A testing aid: shrink the poll interval (milliseconds). */
	if ((env = getenv("EKSL_POLL_MS")) != NULL) {
		l = strtol(env, &end, 10);
		if (*env != '\0' && *end == '\0' && l > 0 && l <= 600000)
			o.poll_ms = l;
	}
	if (argc > 1 && argv[1][0] != '-') {
		o.cmd = argv[1];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "f:vq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.file = optarg; nfile++; break;
		case O_ONLINE: o.online = 1; break;
		case O_NOWAIT: o.nowait = 1; break;
		case O_TIMEOUT:
			if (eksl_duration_parse(optarg, &secs) == -1)
				return usage_error("--timeout %s: want a "
				    "duration like 90s, 10m or 1h", optarg);
			o.timeout_ms = (long)secs * 1000;
			break;
		case O_DRYRUN: o.dryrun = 1; break;
		case O_WITHNET: o.withnet = 1; break;
		case O_NAME: o.name = optarg; break;
		case O_REGION: o.aws.region = optarg; break;
		case O_PROFILE: o.aws.profile = optarg; break;
		case O_ENDPOINT: o.aws.endpoint_url = optarg; break;
		case O_ROLE: o.role = optarg; break;
		case O_SESSION: o.session = optarg; break;
		case O_DURATION:
			l = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || l < 900 ||
			    l > 43200)
				return usage_error("--duration %s: want "
				    "seconds from 900 to 43200", optarg);
			o.duration = (int)l;
			break;
		case 'v': eksl_verbosity++; break;
		case 'q': eksl_verbosity = -1; break;
		case O_HELP: usage(stdout); return EKSL_EXIT_OK;
		case O_VERSION: eksl_print_version(); return EKSL_EXIT_OK;
		default: usage(stderr); return EKSL_EXIT_USAGE;
		}
	}
	/* The command may also come after the options ("-v create"). */
	if (o.cmd == NULL && optind < argc)
		o.cmd = argv[optind++];
	if (optind < argc)
		return usage_error("%s: unexpected argument", argv[optind]);
	if (o.cmd == NULL)
		return usage_error("%s", "a command is needed");
	/* Each flag belongs to some commands only. */
	if (strcmp(o.cmd, "validate") == 0 || strcmp(o.cmd, "create") == 0) {
		if (o.file == NULL || nfile > 1)
			return usage_error("%s: exactly one -f FILE", o.cmd);
		if (o.name != NULL || o.role != NULL || o.withnet)
			return usage_error("%s: --name, --role-arn and "
			    "--with-network do not apply", o.cmd);
		if (strcmp(o.cmd, "validate") == 0 &&
		    (o.nowait || o.dryrun || o.timeout_ms !=
		    DEFAULT_TIMEOUT_MS))
			return usage_error("%s: --no-wait, --dry-run and "
			    "--timeout are for create", o.cmd);
		if (strcmp(o.cmd, "create") == 0 && o.online)
			return usage_error("%s: --online is for validate "
			    "(create always checks online)", o.cmd);
	} else if (strcmp(o.cmd, "describe") == 0 ||
	    strcmp(o.cmd, "delete") == 0) {
		if (o.name == NULL)
			return usage_error("%s: --name NAME is needed", o.cmd);
		if (!eksl_cluster_name_valid(o.name))
			return usage_error("--name %s: not a cluster name",
			    o.name);
		if (o.file != NULL || o.online || o.dryrun || o.role != NULL)
			return usage_error("%s: -f, --online, --dry-run and "
			    "--role-arn do not apply", o.cmd);
		if (strcmp(o.cmd, "describe") == 0 && (o.nowait || o.withnet))
			return usage_error("%s: --no-wait is for create and "
			    "delete, --with-network for delete", o.cmd);
		if (o.nowait && o.withnet)
			return usage_error("%s: --with-network waits for the "
			    "cluster to be gone; not with --no-wait", o.cmd);
	} else if (strcmp(o.cmd, "assume-role") == 0) {
		if (o.role == NULL)
			return usage_error("%s: --role-arn ARN is needed",
			    o.cmd);
		if (strlen(o.session) < 2 || strlen(o.session) > 64 ||
		    strspn(o.session, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
		    "mnopqrstuvwxyz0123456789_+=,.@-") != strlen(o.session))
			return usage_error("--session-name %s: want 2 to 64 "
			    "of letters, digits and _+=,.@-", o.session);
		if (o.file != NULL || o.name != NULL || o.online ||
		    o.dryrun || o.nowait || o.withnet)
			return usage_error("%s: only --role-arn, "
			    "--session-name, --duration and the common "
			    "options apply", o.cmd);
	} else
		return usage_error("%s: not a command", o.cmd);

	if (strcmp(o.cmd, "validate") == 0)
		return cmd_validate(&o);
	if (strcmp(o.cmd, "create") == 0)
		return cmd_create(&o);
	if (strcmp(o.cmd, "describe") == 0)
		return cmd_describe(&o);
	if (strcmp(o.cmd, "delete") == 0)
		return cmd_delete(&o);
	return cmd_assume_role(&o);
}
