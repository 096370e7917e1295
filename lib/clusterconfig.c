/*
 * An eksctl ClusterConfig for a local cluster: libyaml events into a tree
 * that keeps every mark, a shape check against the sections eksl knows,
 * and the offline validation rules of the EKS user guide.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "atomicio.h"
#include "awsconf.h"
#include "clusterconfig.h"
#include "sigv4.h"

#define CC_MAX_FILE	(1024 * 1024)	/* a config is a few hundred bytes */
#define CC_MAX_DEPTH	32

/* What a key may hold. */
enum kind {
	K_STR,		/* a scalar */
	K_BOOL,		/* a plain true/false */
	K_MAP,		/* a mapping checked by a sub-table */
	K_STRMAP,	/* a mapping of scalars (tags) */
	K_NAMEDMAP,	/* a mapping of name -> mapping checked by sub */
	K_SEQ,		/* a sequence of scalars */
	K_FORBIDDEN,	/* a key local clusters cannot use */
};

struct keyspec {
	const char		*key;
	enum kind		 kind;
	const struct keyspec	*sub;
	const char		*why;	/* K_FORBIDDEN: the reason */
};

static const struct keyspec endpoints_keys[] = {
	{ "privateAccess", K_BOOL, NULL, NULL },
	{ "publicAccess", K_BOOL, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec subnet_keys[] = {
	{ "id", K_STR, NULL, NULL },
	{ "cidr", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec subnets_keys[] = {
	{ "private", K_NAMEDMAP, subnet_keys, NULL },
	{ "public", K_FORBIDDEN, NULL, "the control plane of a local cluster "
	    "runs in private subnets on the Outpost; use vpc.subnets.private" },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec vpc_keys[] = {
	{ "id", K_STR, NULL, NULL },
	{ "cidr", K_STR, NULL, NULL },
	{ "securityGroup", K_STR, NULL, NULL },
	{ "extraClusterSecurityGroups", K_SEQ, NULL, NULL },
	{ "clusterEndpoints", K_MAP, endpoints_keys, NULL },
	{ "subnets", K_MAP, subnets_keys, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec metadata_keys[] = {
	{ "name", K_STR, NULL, NULL },
	{ "region", K_STR, NULL, NULL },
	{ "version", K_STR, NULL, NULL },
	{ "tags", K_STRMAP, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec placement_keys[] = {
	{ "groupName", K_STR, NULL, NULL },
	{ "spreadLevel", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec etcd_placement_keys[] = {
	{ "spreadLevel", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec outpost_keys[] = {
	{ "controlPlaneOutpostARN", K_STR, NULL, NULL },
	{ "controlPlaneInstanceType", K_STR, NULL, NULL },
	{ "controlPlanePlacement", K_MAP, placement_keys, NULL },
	{ "etcdInstanceType", K_STR, NULL, NULL },
	{ "etcdPlacement", K_MAP, etcd_placement_keys, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec iam_keys[] = {
	{ "serviceRoleARN", K_STR, NULL, NULL },
	{ "withOIDC", K_FORBIDDEN, NULL, "local clusters do not support IAM "
	    "roles for service accounts (no OIDC provider)" },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec access_keys[] = {
	{ "bootstrapClusterCreatorAdminPermissions", K_BOOL, NULL, NULL },
	{ "authenticationMode", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec network_keys[] = {
	{ "ipFamily", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec logging_keys[] = {
	{ "enableTypes", K_SEQ, NULL, NULL },
	{ "logRetentionInDays", K_FORBIDDEN, NULL, "eksl does not set the "
	    "log group's retention; set it on /aws/eks/NAME/cluster" },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec cloudwatch_keys[] = {
	{ "clusterLogging", K_MAP, logging_keys, NULL },
	{ NULL, 0, NULL, NULL },
};
/* eksl's own section: eksctl would refuse the file with it. */
static const struct keyspec eksl_keys[] = {
	{ "localGatewayRoutes", K_SEQ, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};
static const struct keyspec top_keys[] = {
	{ "apiVersion", K_STR, NULL, NULL },
	{ "kind", K_STR, NULL, NULL },
	{ "metadata", K_MAP, metadata_keys, NULL },
	{ "vpc", K_MAP, vpc_keys, NULL },
	{ "outpost", K_MAP, outpost_keys, NULL },
	{ "iam", K_MAP, iam_keys, NULL },
	{ "accessConfig", K_MAP, access_keys, NULL },
	{ "kubernetesNetworkConfig", K_MAP, network_keys, NULL },
	{ "cloudWatch", K_MAP, cloudwatch_keys, NULL },
	{ "eksl", K_MAP, eksl_keys, NULL },
	{ "managedNodeGroups", K_FORBIDDEN, NULL, "local clusters do not "
	    "support managed node groups; use self-managed nodes" },
	{ "fargateProfiles", K_FORBIDDEN, NULL, "local clusters do not "
	    "support Fargate" },
	{ "addons", K_FORBIDDEN, NULL, "local clusters do not support "
	    "Amazon EKS add-ons" },
	{ "secretsEncryption", K_FORBIDDEN, NULL, "local clusters do not "
	    "support KMS envelope encryption of secrets" },
	{ "nodeGroups", K_FORBIDDEN, NULL, "eksl-provision creates the "
	    "control plane only; add nodes with eksctl once it is ACTIVE" },
	{ NULL, 0, NULL, NULL },
};

static void
ynode_free(struct eksl_ynode *n)
{
	struct eksl_ynode *next;

	while (n != NULL) {
		next = n->next;
		ynode_free(n->child);
		free(n->key);
		free(n->value);
		free(n);
		n = next;
	}
}

const char *
eksl_cc_str(const struct eksl_ynode *n)
{
	if (n == NULL || n->type != EKSL_Y_SCALAR)
		return NULL;
	return n->value;
}

static int
verror(const char *path, int line, int col, char *err, size_t errlen,
    const char *fmt, va_list ap)
{
	int n;

	n = snprintf(err, errlen, "%s:%d:%d: ", path, line, col);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	return -1;
}

static int __attribute__((format(printf, 6, 7)))
at_error(const char *path, int line, int col, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(path, line, col, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
eksl_cc_error(const struct eksl_clusterconfig *cc, const struct eksl_ynode *n,
    char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int line = 1, col = 1;

	if (n != NULL) {
		line = n->line;
		col = n->col;
	}
	va_start(ap, fmt);
	verror(cc->path, line, col, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The error for a missing key: at its section's key, else 1:1. */
static int __attribute__((format(printf, 5, 6)))
missing(const struct eksl_clusterconfig *cc, const struct eksl_ynode *sect,
    char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int line = 1, col = 1;

	if (sect != NULL && sect->key != NULL) {
		line = sect->kline;
		col = sect->kcol;
	}
	va_start(ap, fmt);
	verror(cc->path, line, col, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Build the tree from libyaml events.  Recursion is bounded by
 * CC_MAX_DEPTH; anchors and aliases are refused (a config has no use for
 * them, and they would let a small file expand without bound).
 */
static struct eksl_ynode *
build(yaml_parser_t *p, yaml_event_t *ev, const char *path, int depth,
    char *err, size_t errlen)
{
	struct eksl_ynode *n = NULL, *kid, **tail, *k;
	yaml_event_t e;
	int line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;

	if (depth > CC_MAX_DEPTH) {
		at_error(path, line, col, err, errlen, "nested too deeply");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		at_error(path, line, col, err, errlen, "%s", strerror(errno));
		return NULL;
	}
	n->line = line;
	n->col = col;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		at_error(path, line, col, err, errlen,
		    "aliases are not supported");
		goto fail;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL) {
			at_error(path, line, col, err, errlen,
			    "anchors are not supported");
			goto fail;
		}
		n->type = EKSL_Y_SCALAR;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (memchr(ev->data.scalar.value, '\0',
		    ev->data.scalar.length) != NULL) {
			at_error(path, line, col, err, errlen,
			    "NUL byte in a value");
			goto fail;
		}
		if ((n->value = strdup((char *)ev->data.scalar.value)) == NULL)
			goto nomem;
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor) != NULL) {
			at_error(path, line, col, err, errlen,
			    "anchors are not supported");
			goto fail;
		}
		n->type = ev->type == YAML_SEQUENCE_START_EVENT ? EKSL_Y_SEQ :
		    EKSL_Y_MAP;
		break;
	default:
		at_error(path, line, col, err, errlen, "unexpected YAML event");
		goto fail;
	}

	tail = &n->child;
	for (;;) {
		if (!yaml_parser_parse(p, &e))
			goto parse_error;
		if (e.type == YAML_SEQUENCE_END_EVENT ||
		    e.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&e);
			return n;
		}
		if (n->type == EKSL_Y_MAP) {
			/* The key: a scalar, unique in this mapping. */
			if (e.type != YAML_SCALAR_EVENT) {
				at_error(path, e.start_mark.line + 1,
				    e.start_mark.column + 1, err, errlen,
				    "a key must be a plain string");
				yaml_event_delete(&e);
				goto fail;
			}
			for (k = n->child; k != NULL; k = k->next) {
				if (strcmp(k->key,
				    (char *)e.data.scalar.value) == 0) {
					at_error(path, e.start_mark.line + 1,
					    e.start_mark.column + 1, err,
					    errlen, "%s: duplicate key "
					    "(first at line %d)", k->key,
					    k->kline);
					yaml_event_delete(&e);
					goto fail;
				}
			}
			yaml_event_t v;
			char *key;
			int kl = e.start_mark.line + 1;
			int kc = e.start_mark.column + 1;

			key = strdup((char *)e.data.scalar.value);
			yaml_event_delete(&e);
			if (key == NULL)
				goto nomem;
			if (!yaml_parser_parse(p, &v)) {
				free(key);
				goto parse_error;
			}
			kid = build(p, &v, path, depth + 1, err, errlen);
			yaml_event_delete(&v);
			if (kid == NULL) {
				free(key);
				goto fail;
			}
			kid->key = key;
			kid->kline = kl;
			kid->kcol = kc;
		} else {
			kid = build(p, &e, path, depth + 1, err, errlen);
			yaml_event_delete(&e);
			if (kid == NULL)
				goto fail;
		}
		*tail = kid;
		tail = &kid->next;
	}

parse_error:
	at_error(path, p->problem_mark.line + 1, p->problem_mark.column + 1,
	    err, errlen, "%s%s%s", p->problem != NULL ? p->problem :
	    "YAML syntax error", p->context != NULL ? " " : "",
	    p->context != NULL ? p->context : "");
	goto fail;
nomem:
	at_error(path, line, col, err, errlen, "out of memory");
fail:
	ynode_free(n);
	return NULL;
}

static struct eksl_ynode *
parse(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	yaml_parser_t p;
	yaml_event_t e;
	struct eksl_ynode *root = NULL;
	int done = 0;

	if (!yaml_parser_initialize(&p)) {
		at_error(path, 1, 1, err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			at_error(path, p.problem_mark.line + 1,
			    p.problem_mark.column + 1, err, errlen, "%s%s%s",
			    p.problem != NULL ? p.problem :
			    "YAML syntax error", p.context != NULL ? " " : "",
			    p.context != NULL ? p.context : "");
			goto fail;
		}
		switch (e.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			if (root != NULL) {
				at_error(path, e.start_mark.line + 1,
				    e.start_mark.column + 1, err, errlen,
				    "more than one YAML document");
				yaml_event_delete(&e);
				goto fail;
			}
			root = build(&p, &e, path, 0, err, errlen);
			if (root == NULL) {
				yaml_event_delete(&e);
				goto fail;
			}
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	if (root == NULL) {
		at_error(path, 1, 1, err, errlen, "empty file");
		return NULL;
	}
	if (root->type != EKSL_Y_MAP) {
		at_error(path, root->line, root->col, err, errlen,
		    "expected a mapping (a ClusterConfig)");
		ynode_free(root);
		return NULL;
	}
	return root;
fail:
	yaml_parser_delete(&p);
	ynode_free(root);
	return NULL;
}

static const struct eksl_ynode *
get(const struct eksl_ynode *map, const char *key)
{
	const struct eksl_ynode *k;

	if (map == NULL || map->type != EKSL_Y_MAP)
		return NULL;
	for (k = map->child; k != NULL; k = k->next)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

static const char *
typename(enum eksl_ynode_type t)
{
	return t == EKSL_Y_MAP ? "a mapping" : t == EKSL_Y_SEQ ?
	    "a list" : "a value";
}

/* 1 for a YAML boolean written plain, with *v set. */
static int
yaml_bool(const struct eksl_ynode *n, int *v)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };
	size_t i;

	if (n->type != EKSL_Y_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < 3; i++) {
		if (strcmp(n->value, t[i]) == 0) {
			*v = 1;
			return 1;
		}
		if (strcmp(n->value, f[i]) == 0) {
			*v = 0;
			return 1;
		}
	}
	return 0;
}

/* Check map against spec; where is the dotted path for messages. */
static int
check_shape(const struct eksl_clusterconfig *cc, const struct eksl_ynode *map,
    const struct keyspec *spec, const char *where, char *err, size_t errlen)
{
	const struct eksl_ynode *k, *v;
	const struct keyspec *s;
	char sub[256];
	int b;

	for (k = map->child; k != NULL; k = k->next) {
		snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "",
		    k->key);
		for (s = spec; s->key != NULL; s++)
			if (strcmp(s->key, k->key) == 0)
				break;
		if (s->key == NULL)
			return at_error(cc->path, k->kline, k->kcol, err,
			    errlen, "%s: unknown key", sub);
		switch (s->kind) {
		case K_FORBIDDEN:
			return at_error(cc->path, k->kline, k->kcol, err,
			    errlen, "%s: %s", sub, s->why);
		case K_STR:
			if (k->type != EKSL_Y_SCALAR) {
				if (strcmp(sub, "outpost.controlPlaneOutpost"
				    "ARN") == 0 && k->type == EKSL_Y_SEQ)
					return at_error(cc->path, k->line,
					    k->col, err, errlen, "%s: exactly "
					    "one Outpost (an ARN, not a list)",
					    sub);
				return at_error(cc->path, k->line, k->col,
				    err, errlen, "%s: expected a string, "
				    "not %s", sub, typename(k->type));
			}
			break;
		case K_SEQ:
			if (k->type == EKSL_Y_SCALAR && k->plain &&
			    (*k->value == '\0' || strcmp(k->value, "null") ==
			    0 || strcmp(k->value, "~") == 0))
				break;	/* an empty list */
			if (k->type != EKSL_Y_SEQ)
				return at_error(cc->path, k->line, k->col,
				    err, errlen, "%s: expected a list, not %s",
				    sub, typename(k->type));
			for (v = k->child; v != NULL; v = v->next)
				if (v->type != EKSL_Y_SCALAR)
					return at_error(cc->path, v->line,
					    v->col, err, errlen, "%s: each item "
					    "must be a string, not %s", sub,
					    typename(v->type));
			break;
		case K_BOOL:
			if (!yaml_bool(k, &b))
				return at_error(cc->path, k->line, k->col,
				    err, errlen, "%s: expected true or false",
				    sub);
			break;
		case K_MAP:
		case K_STRMAP:
		case K_NAMEDMAP:
			if (k->type == EKSL_Y_SCALAR && k->plain &&
			    (*k->value == '\0' || strcmp(k->value, "null") ==
			    0 || strcmp(k->value, "~") == 0))
				break;	/* an empty section */
			if (k->type != EKSL_Y_MAP)
				return at_error(cc->path, k->line, k->col,
				    err, errlen, "%s: expected a mapping, "
				    "not %s", sub, typename(k->type));
			if (s->kind == K_MAP) {
				if (check_shape(cc, k, s->sub, sub, err,
				    errlen) == -1)
					return -1;
				break;
			}
			for (v = k->child; v != NULL; v = v->next) {
				if (s->kind == K_STRMAP &&
				    v->type != EKSL_Y_SCALAR)
					return at_error(cc->path, v->line,
					    v->col, err, errlen, "%s.%s: "
					    "expected a string, not %s", sub,
					    v->key, typename(v->type));
				if (s->kind == K_NAMEDMAP) {
					char sub2[300];

					snprintf(sub2, sizeof(sub2), "%s.%s",
					    sub, v->key);
					if (v->type != EKSL_Y_MAP)
						return at_error(cc->path,
						    v->line, v->col, err,
						    errlen, "%s: expected a "
						    "mapping, not %s", sub2,
						    typename(v->type));
					if (check_shape(cc, v, s->sub, sub2,
					    err, errlen) == -1)
						return -1;
				}
			}
			break;
		}
	}
	return 0;
}

static struct eksl_clusterconfig *
load(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	struct eksl_clusterconfig *cc = NULL;
	const struct eksl_ynode *r, *s, *sn, *t;

	if ((cc = calloc(1, sizeof(*cc))) == NULL ||
	    (cc->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if ((cc->root = parse(path, data, len, err, errlen)) == NULL)
		goto fail;
	r = cc->root;

	/* apiVersion and kind first: otherwise it is not our kind of file. */
	if ((t = get(r, "apiVersion")) == NULL) {
		missing(cc, NULL, err, errlen, "apiVersion: missing "
		    "(want eksctl.io/v1alpha5)");
		goto fail;
	}
	if (eksl_cc_str(t) == NULL ||
	    strcmp(eksl_cc_str(t), "eksctl.io/v1alpha5") != 0) {
		eksl_cc_error(cc, t, err, errlen, "apiVersion: want "
		    "eksctl.io/v1alpha5");
		goto fail;
	}
	if ((t = get(r, "kind")) == NULL) {
		missing(cc, NULL, err, errlen, "kind: missing "
		    "(want ClusterConfig)");
		goto fail;
	}
	if (eksl_cc_str(t) == NULL ||
	    strcmp(eksl_cc_str(t), "ClusterConfig") != 0) {
		eksl_cc_error(cc, t, err, errlen, "kind: want ClusterConfig");
		goto fail;
	}
	if (check_shape(cc, r, top_keys, "", err, errlen) == -1)
		goto fail;

	s = get(r, "metadata");
	cc->name = get(s, "name");
	cc->region = get(s, "region");
	cc->version = get(s, "version");
	cc->tags = get(s, "tags");
	cc->vpc = get(r, "vpc");
	cc->vpc_id = get(cc->vpc, "id");
	cc->vpc_cidr = get(cc->vpc, "cidr");
	cc->security_group = get(cc->vpc, "securityGroup");
	if (cc->security_group != NULL)
		cc->sg[cc->nsgs++] = cc->security_group;
	cc->extra_sgs_at = get(cc->vpc, "extraClusterSecurityGroups");
	if (cc->extra_sgs_at != NULL && cc->extra_sgs_at->type == EKSL_Y_SEQ) {
		for (t = cc->extra_sgs_at->child; t != NULL; t = t->next) {
			if (cc->nsgs == EKSL_CC_MAX_SGS) {
				eksl_cc_error(cc, t, err, errlen, "vpc.extra"
				    "ClusterSecurityGroups: more than %d "
				    "security groups in all (EKS takes %d)",
				    EKSL_CC_MAX_SGS, EKSL_CC_MAX_SGS);
				goto fail;
			}
			cc->sg[cc->nsgs++] = t;
		}
	}
	s = get(cc->vpc, "clusterEndpoints");
	cc->private_access = get(s, "privateAccess");
	cc->public_access = get(s, "publicAccess");
	cc->subnets_at = get(get(cc->vpc, "subnets"), "private");
	if (cc->subnets_at != NULL && cc->subnets_at->type == EKSL_Y_MAP) {
		for (sn = cc->subnets_at->child; sn != NULL; sn = sn->next) {
			if (cc->nsubnets + cc->nnew_subnets ==
			    EKSL_CC_MAX_SUBNETS) {
				eksl_cc_error(cc, sn, err, errlen, "vpc.subnets."
				    "private: more than %d subnets",
				    EKSL_CC_MAX_SUBNETS);
				goto fail;
			}
			t = get(sn, "id");
			if (t != NULL && get(sn, "cidr") != NULL) {
				eksl_cc_error(cc, get(sn, "cidr"), err, errlen,
				    "vpc.subnets.private.%s: id or cidr, not "
				    "both (a cidr is for a subnet eksl makes)",
				    sn->key);
				goto fail;
			}
			if (t == NULL && get(sn, "cidr") == NULL) {
				missing(cc, sn, err, errlen, "vpc.subnets."
				    "private.%s.id: missing (an existing "
				    "subnet on the Outpost; or, without vpc.id, "
				    "a cidr for eksl to make it)", sn->key);
				goto fail;
			}
			if (t != NULL)
				cc->subnet[cc->nsubnets++] = t;
			else
				cc->new_subnet[cc->nnew_subnets++] = sn;
		}
	}
	cc->make_network = cc->vpc_id == NULL && cc->nsubnets == 0;
	cc->lgw_routes_at = get(get(r, "eksl"), "localGatewayRoutes");
	if (cc->lgw_routes_at != NULL &&
	    cc->lgw_routes_at->type == EKSL_Y_SEQ) {
		for (t = cc->lgw_routes_at->child; t != NULL; t = t->next) {
			if (cc->nlgw_routes == EKSL_CC_MAX_ROUTES) {
				eksl_cc_error(cc, t, err, errlen, "eksl.local"
				    "GatewayRoutes: more than %d routes",
				    EKSL_CC_MAX_ROUTES);
				goto fail;
			}
			cc->lgw_route[cc->nlgw_routes++] = t;
		}
	}
	cc->log_types_at = get(get(get(r, "cloudWatch"), "clusterLogging"),
	    "enableTypes");
	cc->outpost = get(r, "outpost");
	cc->outpost_arn = get(cc->outpost, "controlPlaneOutpostARN");
	cc->instance_type = get(cc->outpost, "controlPlaneInstanceType");
	s = get(cc->outpost, "controlPlanePlacement");
	cc->placement_group = get(s, "groupName");
	cc->cp_spread = get(s, "spreadLevel");
	cc->etcd_instance_type = get(cc->outpost, "etcdInstanceType");
	cc->etcd_spread = get(get(cc->outpost, "etcdPlacement"),
	    "spreadLevel");
	cc->service_role = get(get(r, "iam"), "serviceRoleARN");
	s = get(r, "accessConfig");
	cc->bootstrap_admin = get(s, "bootstrapClusterCreatorAdminPermissions");
	cc->auth_mode = get(s, "authenticationMode");
	t = get(get(r, "kubernetesNetworkConfig"), "ipFamily");
	if (t != NULL && strcasecmp(eksl_cc_str(t), "IPv4") != 0) {
		eksl_cc_error(cc, t, err, errlen, "kubernetesNetworkConfig."
		    "ipFamily: %s: local clusters support IPv4 only",
		    eksl_cc_str(t));
		goto fail;
	}
	return cc;
fail:
	eksl_cc_free(cc);
	return NULL;
}

struct eksl_clusterconfig *
eksl_cc_load_mem(const char *name, const char *data, size_t len, char *err,
    size_t errlen)
{
	if (len > CC_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    CC_MAX_FILE);
		return NULL;
	}
	return load(name, data, len, err, errlen);
}

struct eksl_clusterconfig *
eksl_cc_load(const char *path, char *err, size_t errlen)
{
	struct eksl_clusterconfig *cc = NULL;
	char *data = NULL;
	size_t len = 0;

	switch (eksl_file_read(path, CC_MAX_FILE, &data, &len, err, errlen)) {
	case -1:
		return NULL;
	case 1:
		snprintf(err, errlen, "%s: %s", path, strerror(ENOENT));
		return NULL;
	}
	cc = load(path, data != NULL ? data : "", len, err, errlen);
	free(data);
	return cc;
}

void
eksl_cc_free(struct eksl_clusterconfig *cc)
{
	if (cc == NULL)
		return;
	ynode_free(cc->root);
	ynode_free(cc->made);
	free(cc->path);
	free(cc);
}

const struct eksl_ynode *
eksl_cc_set(struct eksl_clusterconfig *cc, const char *value,
    const struct eksl_ynode *at)
{
	struct eksl_ynode *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->value = strdup(value)) == NULL) {
		free(n);
		return NULL;
	}
	n->type = EKSL_Y_SCALAR;
	n->line = at != NULL ? at->line : 1;
	n->col = at != NULL ? at->col : 1;
	n->next = cc->made;
	cc->made = n;
	return n;
}

/*
 * The patterns below are checked with plain loops over fixed character
 * sets, not regcomp(3): glibc's regcomp frees twice when an allocation
 * fails inside it, and none of these needs more than strspn.
 */
#define CH_LOWER	"abcdefghijklmnopqrstuvwxyz"
#define CH_UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define CH_DIGIT	"0123456789"
#define CH_ALNUM	CH_LOWER CH_UPPER CH_DIGIT

/* 1 when s is one or more characters of set, and nothing else. */
static int
only(const char *s, const char *set)
{
	size_t n = strspn(s, set);

	return n > 0 && s[n] == '\0';
}

/* s after exactly n characters of set (no more), or NULL. */
static const char *
exactly(const char *s, const char *set, size_t n)
{
	return strspn(s, set) == n ? s + n : NULL;
}

/* s after prefix, or NULL when s does not start with prefix. */
static const char *
skip(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "PREFIX-" then one or more of [A-Za-z0-9-]: vpc-, sg-, subnet- ids. */
static int
resource_id_valid(const char *s, const char *prefix)
{
	return (s = skip(s, prefix)) != NULL && only(s, CH_ALNUM "-");
}

/* ^arn:aws(-cn|-us-gov|-iso|-iso-b)?:outposts:[a-z0-9-]+:[0-9]{12}:
 * outpost/op-[0-9a-f]{17}$ */
static int
outpost_arn_valid(const char *s)
{
	static const char *const part[] = { ":", "-cn:", "-us-gov:",
	    "-iso:", "-iso-b:" };
	const char *p = NULL;
	size_t i, n;

	if ((s = skip(s, "arn:aws")) == NULL)
		return 0;
	for (i = 0; p == NULL && i < sizeof(part) / sizeof(part[0]); i++)
		p = skip(s, part[i]);
	if (p == NULL || (p = skip(p, "outposts:")) == NULL)
		return 0;
	if ((n = strspn(p, CH_LOWER CH_DIGIT "-")) == 0 || p[n] != ':')
		return 0;
	p += n + 1;
	if ((p = exactly(p, CH_DIGIT, 12)) == NULL ||
	    (p = skip(p, ":outpost/op-")) == NULL ||
	    (p = exactly(p, CH_DIGIT "abcdef", 17)) == NULL)
		return 0;
	return *p == '\0';
}

/* ^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$ */
static int
role_arn_valid(const char *s)
{
	if ((s = skip(s, "arn:aws")) == NULL)
		return 0;
	s += strspn(s, CH_LOWER "-");
	if ((s = skip(s, ":iam::")) == NULL ||
	    (s = exactly(s, CH_DIGIT, 12)) == NULL ||
	    (s = skip(s, ":role/")) == NULL)
		return 0;
	return *s != '\0';
}

/* ^1\.[0-9]{1,3}$ */
static int
k8s_version_valid(const char *s)
{
	size_t n;

	if ((s = skip(s, "1.")) == NULL)
		return 0;
	n = strspn(s, CH_DIGIT);
	return n >= 1 && n <= 3 && s[n] == '\0';
}

/* ^[A-Za-z0-9._-]{1,255}$ */
static int
placement_group_valid(const char *s)
{
	return strlen(s) <= 255 && only(s, CH_ALNUM "._-");
}

int
eksl_cidr_parse(const char *s, unsigned long *addr, int *prefix, char *why,
    size_t whylen)
{
	unsigned long a = 0, v, mask;
	const char *p = s;
	size_t n;
	int i;

	for (i = 0; i < 5; i++) {
		/* Decimal, no leading zero: "010" reads as octal elsewhere. */
		n = strspn(p, CH_DIGIT);
		if (n == 0 || n > 3 || (n > 1 && *p == '0'))
			goto bad;
		v = strtoul(p, NULL, 10);
		p += n;
		if (i == 4)
			break;
		if (v > 255 || *p++ != (i < 3 ? '.' : '/'))
			goto bad;
		a = a << 8 | v;
	}
	if (*p != '\0' || v > 32)
		goto bad;
	mask = v == 0 ? 0 : (0xffffffffUL << (32 - v)) & 0xffffffffUL;
	if ((a & ~mask) != 0) {
		a &= mask;
		snprintf(why, whylen, "host bits set: the network is "
		    "%lu.%lu.%lu.%lu/%lu", a >> 24, a >> 16 & 255,
		    a >> 8 & 255, a & 255, v);
		return -1;
	}
	*addr = a;
	*prefix = (int)v;
	return 0;
bad:
	snprintf(why, whylen, "not an IPv4 CIDR (a.b.c.d/n)");
	return -1;
}

/* 1 when a/ap and b/bp share an address. */
static int
cidr_overlap(unsigned long a, int ap, unsigned long b, int bp)
{
	int p = ap < bp ? ap : bp;
	unsigned long mask = p == 0 ? 0 : (0xffffffffUL << (32 - p)) &
	    0xffffffffUL;

	return (a & mask) == (b & mask);
}

/* The rules for a network eksl makes: CIDRs that fit, no names of it. */
static int
validate_new_network(struct eksl_clusterconfig *cc, char *err, size_t errlen)
{
	const struct eksl_ynode *n;
	unsigned long vaddr, addr[EKSL_CC_MAX_SUBNETS + EKSL_CC_MAX_ROUTES];
	int vprefix, prefix[EKSL_CC_MAX_SUBNETS + EKSL_CC_MAX_ROUTES];
	char why[128];
	const char *s;
	size_t i, j;

	if (cc->nsgs > 0)
		return eksl_cc_error(cc, cc->sg[0], err, errlen, "%s: eksl "
		    "makes the VPC (no vpc.id), so no security group of it "
		    "can be named here; EKS makes the cluster security group",
		    eksl_cc_str(cc->sg[0]));
	s = cc->vpc_cidr != NULL ? eksl_cc_str(cc->vpc_cidr) :
	    EKSL_CC_DEFAULT_CIDR;
	if (eksl_cidr_parse(s, &vaddr, &vprefix, why, sizeof(why)) == -1)
		return eksl_cc_error(cc, cc->vpc_cidr, err, errlen,
		    "vpc.cidr: %s: %s", s, why);
	if (vprefix < 16 || vprefix > 28)
		return eksl_cc_error(cc, cc->vpc_cidr, err, errlen, "vpc.cidr: "
		    "%s: a VPC is /16 to /28", s);
	for (i = 0; i < cc->nnew_subnets; i++) {
		n = get(cc->new_subnet[i], "cidr");
		s = eksl_cc_str(n);
		if (eksl_cidr_parse(s, &addr[i], &prefix[i], why,
		    sizeof(why)) == -1)
			return eksl_cc_error(cc, n, err, errlen, "vpc.subnets."
			    "private.%s.cidr: %s: %s", cc->new_subnet[i]->key,
			    s, why);
		if (prefix[i] < vprefix || prefix[i] > 28 ||
		    !cidr_overlap(addr[i], prefix[i], vaddr, vprefix))
			return eksl_cc_error(cc, n, err, errlen, "vpc.subnets."
			    "private.%s.cidr: %s: not a /%d to /28 inside the "
			    "VPC's %s", cc->new_subnet[i]->key, s, vprefix,
			    cc->vpc_cidr != NULL ? eksl_cc_str(cc->vpc_cidr) :
			    EKSL_CC_DEFAULT_CIDR);
		for (j = 0; j < i; j++)
			if (cidr_overlap(addr[i], prefix[i], addr[j],
			    prefix[j]))
				return eksl_cc_error(cc, n, err, errlen,
				    "vpc.subnets.private.%s.cidr: %s: overlaps "
				    "subnet %s", cc->new_subnet[i]->key, s,
				    cc->new_subnet[j]->key);
	}
	for (i = 0; i < cc->nlgw_routes; i++) {
		n = cc->lgw_route[i];
		s = eksl_cc_str(n);
		if (eksl_cidr_parse(s, &addr[i], &prefix[i], why,
		    sizeof(why)) == -1)
			return eksl_cc_error(cc, n, err, errlen, "eksl.local"
			    "GatewayRoutes: %s: %s", s, why);
		if (cidr_overlap(addr[i], prefix[i], vaddr, vprefix))
			return eksl_cc_error(cc, n, err, errlen, "eksl.local"
			    "GatewayRoutes: %s: overlaps the VPC's %s", s,
			    cc->vpc_cidr != NULL ? eksl_cc_str(cc->vpc_cidr) :
			    EKSL_CC_DEFAULT_CIDR);
		for (j = 0; j < i; j++)
			if (addr[i] == addr[j] && prefix[i] == prefix[j])
				return eksl_cc_error(cc, n, err, errlen,
				    "eksl.localGatewayRoutes: %s: named twice",
				    s);
	}
	return 0;
}

/* The rules for a network that exists: ids, and nothing to make. */
static int
validate_own_network(struct eksl_clusterconfig *cc, char *err,
    size_t errlen)
{
	const char *s;
	size_t i, j;

	if (cc->vpc_cidr != NULL)
		return eksl_cc_error(cc, cc->vpc_cidr, err, errlen, "vpc.cidr: "
		    "only when eksl makes the VPC (without vpc.id and subnet "
		    "ids)");
	if (cc->nnew_subnets > 0)
		return eksl_cc_error(cc, get(cc->new_subnet[0], "cidr"), err,
		    errlen, "vpc.subnets.private.%s.cidr: eksl makes subnets "
		    "only in a VPC it makes (without vpc.id and subnet ids)",
		    cc->new_subnet[0]->key);
	if (cc->lgw_routes_at != NULL)
		return eksl_cc_error(cc, cc->lgw_routes_at, err, errlen,
		    "eksl.localGatewayRoutes: only when eksl makes the network "
		    "(without vpc.id and subnet ids)");
	if (cc->nsubnets == 0)
		return missing(cc, cc->subnets_at != NULL ? cc->subnets_at :
		    cc->vpc, err, errlen, "vpc.subnets.private: at least one "
		    "subnet on the Outpost is needed with vpc.id (or leave "
		    "out both, and eksl makes the network)");
	for (i = 0; i < cc->nsubnets; i++) {
		s = eksl_cc_str(cc->subnet[i]);
		if (!resource_id_valid(s, "subnet-"))
			return eksl_cc_error(cc, cc->subnet[i], err, errlen,
			    "subnet id %s: not a subnet id (subnet-...)", s);
		for (j = 0; j < i; j++)
			if (strcmp(s, eksl_cc_str(cc->subnet[j])) == 0)
				return eksl_cc_error(cc, cc->subnet[i], err,
				    errlen, "subnet id %s: named twice", s);
	}
	return 0;
}

/* cloudWatch.clusterLogging.enableTypes into cc->log_types. */
static int
validate_logging(struct eksl_clusterconfig *cc, char *err, size_t errlen)
{
	static const char *const all[EKSL_CC_LOG_TYPES] = { "api", "audit",
	    "authenticator", "controllerManager", "scheduler" };
	const struct eksl_ynode *n;
	const char *s;
	size_t i, j;

	if (cc->log_types_at == NULL || cc->log_types_at->type != EKSL_Y_SEQ)
		return 0;
	for (n = cc->log_types_at->child; n != NULL; n = n->next) {
		s = eksl_cc_str(n);
		if (strcmp(s, "*") == 0 || strcmp(s, "all") == 0) {
			for (i = 0; i < EKSL_CC_LOG_TYPES; i++)
				cc->log_types[i] = all[i];
			cc->nlog_types = EKSL_CC_LOG_TYPES;
			return 0;
		}
		for (i = 0; i < EKSL_CC_LOG_TYPES; i++)
			if (strcmp(s, all[i]) == 0)
				break;
		if (i == EKSL_CC_LOG_TYPES)
			return eksl_cc_error(cc, n, err, errlen, "cloudWatch."
			    "clusterLogging.enableTypes: %s: want api, audit, "
			    "authenticator, controllerManager, scheduler or "
			    "\"*\"", s);
		for (j = 0; j < cc->nlog_types; j++)
			if (cc->log_types[j] == all[i])
				return eksl_cc_error(cc, n, err, errlen,
				    "cloudWatch.clusterLogging.enableTypes: "
				    "%s: named twice", s);
		cc->log_types[cc->nlog_types++] = all[i];
	}
	return 0;
}

int
eksl_outpost_arn_parse(const char *arn, char *region, size_t rlen,
    char *opid, size_t olen)
{
	const char *p, *q;

	if (!outpost_arn_valid(arn))
		return -1;
	p = strchr(arn + 4, ':') + 1;		/* outposts:... */
	p = strchr(p, ':') + 1;			/* region */
	q = strchr(p, ':');
	if (region != NULL)
		snprintf(region, rlen, "%.*s", (int)(q - p), p);
	if (opid != NULL)
		snprintf(opid, olen, "%s", strrchr(arn, '/') + 1);
	return 0;
}

int
eksl_cluster_name_valid(const char *name)
{
	return strlen(name) <= 100 && name[0] != '\0' &&
	    strchr(CH_LOWER CH_UPPER, name[0]) != NULL &&
	    only(name, CH_ALNUM "-");
}

int
eksl_instance_type_valid(const char *type)
{
	size_t n;

	if (strlen(type) > 64 || type[0] == '\0' ||
	    strchr(CH_LOWER, type[0]) == NULL)
		return 0;
	n = strspn(type, CH_LOWER CH_DIGIT "-");
	return type[n] == '.' && only(type + n + 1, CH_LOWER CH_DIGIT);
}

int
eksl_cc_validate(struct eksl_clusterconfig *cc, char *err, size_t errlen)
{
	const struct eksl_ynode *meta = get(cc->root, "metadata");
	const char *s;
	char arnregion[64];
	size_t i, j;
	int b;

	/* metadata */
	if ((s = eksl_cc_str(cc->name)) == NULL)
		return missing(cc, meta, err, errlen,
		    "metadata.name: missing");
	if (strlen(s) > 100)
		return eksl_cc_error(cc, cc->name, err, errlen,
		    "metadata.name: longer than 100 characters");
	if (!eksl_cluster_name_valid(s))
		return eksl_cc_error(cc, cc->name, err, errlen,
		    "metadata.name: %s: must start with a letter and hold "
		    "only letters, digits and '-'", s);
	if ((s = eksl_cc_str(cc->region)) == NULL)
		return missing(cc, meta, err, errlen,
		    "metadata.region: missing");
	if (!eksl_aws_region_valid(s))
		return eksl_cc_error(cc, cc->region, err, errlen,
		    "metadata.region: %s: not a region id (like us-west-2)",
		    s);
	if (cc->version != NULL &&
	    !k8s_version_valid(eksl_cc_str(cc->version)))
		return eksl_cc_error(cc, cc->version, err, errlen,
		    "metadata.version: %s: want a Kubernetes version like "
		    "\"1.30\"", eksl_cc_str(cc->version));

	/* the Outpost */
	if (cc->outpost == NULL)
		return missing(cc, NULL, err, errlen, "outpost: missing (a "
		    "local cluster needs outpost.controlPlaneOutpostARN)");
	if ((s = eksl_cc_str(cc->outpost_arn)) == NULL)
		return missing(cc, cc->outpost, err, errlen,
		    "outpost.controlPlaneOutpostARN: missing");
	if (eksl_outpost_arn_parse(s, arnregion, sizeof(arnregion), NULL,
	    0) == -1)
		return eksl_cc_error(cc, cc->outpost_arn, err, errlen,
		    "outpost.controlPlaneOutpostARN: %s: not an Outpost ARN "
		    "(arn:aws:outposts:REGION:ACCOUNT:outpost/op-17 hex "
		    "digits)", s);
	if (strcmp(arnregion, eksl_cc_str(cc->region)) != 0)
		return eksl_cc_error(cc, cc->outpost_arn, err, errlen,
		    "outpost.controlPlaneOutpostARN: region %s differs "
		    "from metadata.region %s", arnregion,
		    eksl_cc_str(cc->region));
	if ((s = eksl_cc_str(cc->instance_type)) == NULL)
		return missing(cc, cc->outpost, err, errlen,
		    "outpost.controlPlaneInstanceType: missing");
	if (!eksl_instance_type_valid(s))
		return eksl_cc_error(cc, cc->instance_type, err, errlen,
		    "outpost.controlPlaneInstanceType: %s: not an instance "
		    "type (like m5d.large)", s);
	cc->instance_store = cc->etcd_instance_type != NULL;
	if (cc->instance_store &&
	    !eksl_instance_type_valid(eksl_cc_str(cc->etcd_instance_type)))
		return eksl_cc_error(cc, cc->etcd_instance_type, err, errlen,
		    "outpost.etcdInstanceType: %s: not an instance type "
		    "(like m5d.large)", eksl_cc_str(cc->etcd_instance_type));

	/* endpoint access: private only */
	if (cc->private_access == NULL)
		return missing(cc, cc->vpc, err, errlen, "vpc.clusterEndpoints."
		    "privateAccess: missing (a local cluster needs "
		    "privateAccess: true)");
	if (yaml_bool(cc->private_access, &b) && !b)
		return eksl_cc_error(cc, cc->private_access, err, errlen,
		    "vpc.clusterEndpoints.privateAccess: must be true for a "
		    "local cluster");
	if (cc->public_access != NULL &&
	    yaml_bool(cc->public_access, &b) && b)
		return eksl_cc_error(cc, cc->public_access, err, errlen,
		    "vpc.clusterEndpoints.publicAccess: must be false for a "
		    "local cluster");

	/* access configuration and placement, per variant */
	cc->bootstrap_admin_permissions = 1;
	if (cc->bootstrap_admin != NULL)
		yaml_bool(cc->bootstrap_admin, &cc->bootstrap_admin_permissions);
	s = eksl_cc_str(cc->auth_mode);
	if (s != NULL && strcmp(s, "CONFIG_MAP") != 0 &&
	    strcmp(s, "API") != 0 && strcmp(s, "API_AND_CONFIG_MAP") != 0)
		return eksl_cc_error(cc, cc->auth_mode, err, errlen,
		    "accessConfig.authenticationMode: %s: want CONFIG_MAP, "
		    "API or API_AND_CONFIG_MAP", s);
	if (!cc->instance_store) {
		if (s != NULL && strcmp(s, "CONFIG_MAP") != 0)
			return eksl_cc_error(cc, cc->auth_mode, err, errlen,
			    "accessConfig.authenticationMode: %s: a local "
			    "cluster with EBS-backed etcd takes CONFIG_MAP "
			    "only", s);
		if (!cc->bootstrap_admin_permissions)
			return eksl_cc_error(cc, cc->bootstrap_admin, err,
			    errlen, "accessConfig.bootstrapClusterCreator"
			    "AdminPermissions: must be true for a local "
			    "cluster with EBS-backed etcd");
		if (cc->cp_spread != NULL)
			return eksl_cc_error(cc, cc->cp_spread, err, errlen,
			    "outpost.controlPlanePlacement.spreadLevel: only "
			    "with outpost.etcdInstanceType (instance-store "
			    "etcd); use groupName");
		if (get(cc->outpost, "etcdPlacement") != NULL)
			return eksl_cc_error(cc, get(cc->outpost,
			    "etcdPlacement"), err, errlen, "outpost."
			    "etcdPlacement: only with outpost."
			    "etcdInstanceType (instance-store etcd)");
		cc->authentication_mode = "CONFIG_MAP";
	} else {
		if (s != NULL && strcmp(s, "CONFIG_MAP") == 0)
			return eksl_cc_error(cc, cc->auth_mode, err, errlen,
			    "accessConfig.authenticationMode: CONFIG_MAP: "
			    "instance-store etcd needs API or "
			    "API_AND_CONFIG_MAP");
		if (cc->placement_group != NULL)
			return eksl_cc_error(cc, cc->placement_group, err,
			    errlen, "outpost.controlPlanePlacement.groupName: "
			    "not with instance-store etcd; use spreadLevel");
		if (cc->cp_spread != NULL &&
		    strcmp(eksl_cc_str(cc->cp_spread), "host") != 0 &&
		    strcmp(eksl_cc_str(cc->cp_spread), "rack") != 0)
			return eksl_cc_error(cc, cc->cp_spread, err, errlen,
			    "outpost.controlPlanePlacement.spreadLevel: %s: "
			    "want host or rack", eksl_cc_str(cc->cp_spread));
		if (cc->etcd_spread != NULL &&
		    strcmp(eksl_cc_str(cc->etcd_spread), "host") != 0 &&
		    strcmp(eksl_cc_str(cc->etcd_spread), "rack") != 0)
			return eksl_cc_error(cc, cc->etcd_spread, err, errlen,
			    "outpost.etcdPlacement.spreadLevel: %s: want "
			    "host or rack", eksl_cc_str(cc->etcd_spread));
		cc->authentication_mode = s != NULL ? s : "API_AND_CONFIG_MAP";
	}
	if ((s = eksl_cc_str(cc->placement_group)) != NULL &&
	    !placement_group_valid(s))
		return eksl_cc_error(cc, cc->placement_group, err, errlen,
		    "outpost.controlPlanePlacement.groupName: %s: not a "
		    "placement group name", s);

	/* IAM role, when given */
	if ((s = eksl_cc_str(cc->service_role)) != NULL &&
	    !role_arn_valid(s))
		return eksl_cc_error(cc, cc->service_role, err, errlen,
		    "iam.serviceRoleARN: %s: not an IAM role ARN", s);

	/* network */
	if (cc->vpc_id != NULL &&
	    !resource_id_valid(eksl_cc_str(cc->vpc_id), "vpc-"))
		return eksl_cc_error(cc, cc->vpc_id, err, errlen,
		    "vpc.id: %s: not a VPC id (vpc-...)",
		    eksl_cc_str(cc->vpc_id));
	for (i = 0; i < cc->nsgs; i++) {
		s = eksl_cc_str(cc->sg[i]);
		if (!resource_id_valid(s, "sg-"))
			return eksl_cc_error(cc, cc->sg[i], err, errlen,
			    "%s: %s: not a security group id (sg-...)",
			    cc->sg[i] == cc->security_group ?
			    "vpc.securityGroup" :
			    "vpc.extraClusterSecurityGroups", s);
		for (j = 0; j < i; j++)
			if (strcmp(s, eksl_cc_str(cc->sg[j])) == 0)
				return eksl_cc_error(cc, cc->sg[i], err,
				    errlen, "security group %s: named twice",
				    s);
	}
	if ((cc->make_network ? validate_new_network(cc, err, errlen) :
	    validate_own_network(cc, err, errlen)) == -1)
		return -1;
	return validate_logging(cc, err, errlen);
}

/* Lower-case hex of the SHA-256 of s, first n bytes. */
static void
hexdigest(const char *s, char *out, size_t n)
{
	unsigned char md[32];
	size_t i;

	eksl_sha256(s, strlen(s), md);
	for (i = 0; i < n && i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

json_t *
eksl_cc_create_request(const struct eksl_clusterconfig *cc, const char *role)
{
	json_t *req = NULL, *vpc, *op, *pl, *subnets, *sgs, *tags, *acc, *types;
	const struct eksl_ynode *t;
	char *dump = NULL, tok[2 * 16 + 1], token[64];
	size_t i;

	subnets = json_array();
	for (i = 0; i < cc->nsubnets; i++)
		json_array_append_new(subnets,
		    json_string(eksl_cc_str(cc->subnet[i])));
	sgs = json_array();
	for (i = 0; i < cc->nsgs; i++)
		json_array_append_new(sgs, json_string(eksl_cc_str(cc->sg[i])));
	/* The API defaults public access on: always send both. */
	vpc = json_pack("{s:o, s:o, s:b, s:b}", "subnetIds", subnets,
	    "securityGroupIds", sgs, "endpointPrivateAccess", 1,
	    "endpointPublicAccess", 0);
	op = json_pack("{s:[s], s:s}", "outpostArns",
	    eksl_cc_str(cc->outpost_arn), "controlPlaneInstanceType",
	    eksl_cc_str(cc->instance_type));
	if (vpc == NULL || op == NULL)
		goto fail;
	pl = NULL;
	if (cc->placement_group != NULL)
		pl = json_pack("{s:s}", "groupName",
		    eksl_cc_str(cc->placement_group));
	else if (cc->cp_spread != NULL)
		pl = json_pack("{s:s}", "spreadLevel",
		    eksl_cc_str(cc->cp_spread));
	if (pl != NULL)
		json_object_set_new(op, "controlPlanePlacement", pl);
	if (cc->instance_store) {
		json_object_set_new(op, "etcdInstanceType",
		    json_string(eksl_cc_str(cc->etcd_instance_type)));
		if (cc->etcd_spread != NULL)
			json_object_set_new(op, "etcdPlacement",
			    json_pack("{s:s}", "spreadLevel",
			    eksl_cc_str(cc->etcd_spread)));
	}
	acc = json_pack("{s:b, s:s}", "bootstrapClusterCreatorAdminPermissions",
	    cc->bootstrap_admin_permissions, "authenticationMode",
	    cc->authentication_mode != NULL ? cc->authentication_mode :
	    "CONFIG_MAP");
	req = json_pack("{s:s}", "name", eksl_cc_str(cc->name));
	if (req == NULL || acc == NULL) {
		json_decref(acc);
		goto fail;
	}
	if (cc->version != NULL)
		json_object_set_new(req, "version",
		    json_string(eksl_cc_str(cc->version)));
	json_object_set_new(req, "resourcesVpcConfig", vpc);
	vpc = NULL;
	json_object_set_new(req, "outpostConfig", op);
	op = NULL;
	json_object_set_new(req, "accessConfig", acc);
	if (cc->nlog_types > 0) {
		types = json_array();
		for (i = 0; i < cc->nlog_types; i++)
			json_array_append_new(types,
			    json_string(cc->log_types[i]));
		json_object_set_new(req, "logging", json_pack("{s:[{s:o, "
		    "s:b}]}", "clusterLogging", "types", types, "enabled", 1));
	}
	if (cc->tags != NULL && cc->tags->type == EKSL_Y_MAP) {
		tags = json_object();
		for (t = cc->tags->child; t != NULL; t = t->next)
			json_object_set_new(tags, t->key,
			    json_string(t->value));
		json_object_set_new(req, "tags", tags);
	}
	/*
	 * The token is a digest of the request itself (keys sorted): the
	 * same config gives the same token, so the service treats a retry
	 * or a second run as the same request; a changed config does not.
	 * The role is left out so that a dry run shows the same token.
	 */
	if ((dump = json_dumps(req, JSON_SORT_KEYS | JSON_COMPACT)) == NULL)
		goto fail;
	hexdigest(dump, tok, 16);
	snprintf(token, sizeof(token), "eksl-%s", tok);
	free(dump);
	json_object_set_new(req, "clientRequestToken", json_string(token));
	if (role != NULL)
		json_object_set_new(req, "roleArn", json_string(role));
	return req;
fail:
	json_decref(vpc);
	json_decref(op);
	json_decref(req);
	return NULL;
}
