#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "atomicio.h"
#include "base64.h"
#include "buf.h"
#include "kubeconfig.h"
#include "record.h"

#define MAX_NODES	1000000	/* alias expansion cannot make more */
#define MAX_DEPTH	256

enum kc_type { KC_SCALAR, KC_SEQ, KC_MAP };

/*
 * One YAML node.  A mapping keeps its pairs in order as kids[2i] (key)
 * and kids[2i+1] (value).  A scalar keeps its style, because quoting is
 * what makes "true" a string rather than a boolean.
 */
struct kc_node {
	enum kc_type	  type;
	char		 *tag;		/* explicit tag, or NULL */
	char		 *value;	/* scalar: bytes, NUL-terminated */
	size_t		  len;
	int		  style;	/* yaml_scalar_style_t */
	struct kc_node	**kids;
	size_t		  nkids;
	size_t		  cap;
	unsigned long	  line;		/* 1-based, of the node's start */
	unsigned long	  col;
};

struct eksl_kc {
	struct kc_node	*root;
};

struct anchor {
	char		*name;
	struct kc_node	*node;
};

/* ---- nodes ---- */

static void
node_free(struct kc_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->tag);
	free(n->value);
	free(n);
}

static struct kc_node *
node_new(enum kc_type type)
{
	struct kc_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->style = YAML_ANY_SCALAR_STYLE;
	return n;
}

/* Append kid to n; on failure kid is freed. */
static int
node_add(struct kc_node *n, struct kc_node *kid)
{
	struct kc_node **nk;
	size_t ncap;

	if (kid == NULL)
		return -1;
	if (n->nkids == n->cap) {
		ncap = n->cap == 0 ? 8 : n->cap * 2;
		if ((nk = reallocarray(n->kids, ncap, sizeof(*nk))) == NULL) {
			node_free(kid);
			return -1;
		}
		n->kids = nk;
		n->cap = ncap;
	}
	n->kids[n->nkids++] = kid;
	return 0;
}

/*
 * 1 when s, written plain, would be read back as something other than a
 * string (YAML 1.1 booleans and nulls as go-yaml v2 reads them, numbers,
 * dates, merge and value keys): such a value of ours is double-quoted.
 */
static int
needs_quotes(const char *s)
{
	static const char *const words[] = {
		"y", "yes", "n", "no", "true", "false", "on", "off", "null",
		"~", "=", "<<", ".inf", "-.inf", "+.inf", ".nan",
	};
	size_t i;

	if (*s == '\0')
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	if (isdigit((unsigned char)s[0]))
		return 1;
	if ((s[0] == '+' || s[0] == '-' || s[0] == '.') &&
	    (isdigit((unsigned char)s[1]) || s[1] == '.'))
		return 1;
	return 0;
}

/* A new scalar holding our string s. */
static struct kc_node *
scalar_new(const char *s)
{
	struct kc_node *n;

	if ((n = node_new(KC_SCALAR)) == NULL)
		return NULL;
	if ((n->value = strdup(s)) == NULL) {
		free(n);
		return NULL;
	}
	n->len = strlen(s);
	n->style = needs_quotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
	    YAML_PLAIN_SCALAR_STYLE;
	return n;
}

static int
scalar_is(const struct kc_node *n, const char *s)
{
	return n != NULL && n->type == KC_SCALAR && n->tag == NULL &&
	    strlen(s) == n->len && memcmp(n->value, s, n->len) == 0;
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static int
scalar_is_null(const struct kc_node *n)
{
	return n->type == KC_SCALAR && n->tag == NULL &&
	    n->style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->len == 0 || strcmp(n->value, "~") == 0 ||
	    strcasecmp(n->value, "null") == 0);
}

/* A deep copy of n placed at depth; NULL past MAX_NODES or MAX_DEPTH. */
static struct kc_node *
node_copy(const struct kc_node *n, size_t *count, size_t depth)
{
	struct kc_node *c;
	size_t i;

	if (++*count > MAX_NODES || depth > MAX_DEPTH ||
	    (c = node_new(n->type)) == NULL)
		return NULL;
	c->style = n->style;
	c->line = n->line;
	c->col = n->col;
	c->len = n->len;
	if ((n->tag != NULL && (c->tag = strdup(n->tag)) == NULL) ||
	    (n->value != NULL && (c->value = malloc(n->len + 1)) == NULL)) {
		node_free(c);
		return NULL;
	}
	if (n->value != NULL)
		memcpy(c->value, n->value, n->len + 1);
	for (i = 0; i < n->nkids; i++)
		if (node_add(c, node_copy(n->kids[i], count,
		    depth + 1)) == -1) {
			node_free(c);
			return NULL;
		}
	return c;
}

/* The index of the value for key in mapping m, or -1. */
static long
map_find(const struct kc_node *m, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < m->nkids; i += 2)
		if (scalar_is(m->kids[i], key))
			return (long)i + 1;
	return -1;
}

static struct kc_node *
map_get(const struct kc_node *m, const char *key)
{
	long i = map_find(m, key);

	return i == -1 ? NULL : m->kids[i];
}

/* Set key to val in m (in place when present, else at the end); val is taken. */
static int
map_set(struct kc_node *m, const char *key, struct kc_node *val)
{
	long i;

	if (val == NULL)
		return -1;
	if ((i = map_find(m, key)) != -1) {
		node_free(m->kids[i]);
		m->kids[i] = val;
		return 0;
	}
	if (node_add(m, scalar_new(key)) == -1) {
		node_free(val);
		return -1;
	}
	if (node_add(m, val) == -1) {
		node_free(m->kids[--m->nkids]);
		return -1;
	}
	return 0;
}

static int
map_set_str(struct kc_node *m, const char *key, const char *s)
{
	struct kc_node *old = map_get(m, key);

	/* An equal value stays as it was written (its quoting too). */
	if (old != NULL && scalar_is(old, s))
		return 0;
	return map_set(m, key, scalar_new(s));
}

static void
map_del(struct kc_node *m, const char *key)
{
	long i;

	if ((i = map_find(m, key)) == -1)
		return;
	node_free(m->kids[i - 1]);
	node_free(m->kids[i]);
	memmove(&m->kids[i - 1], &m->kids[i + 1],
	    (m->nkids - (size_t)i - 1) * sizeof(m->kids[0]));
	m->nkids -= 2;
}

/* The mapping under key in m, made (or replacing a non-mapping) when needed. */
static struct kc_node *
map_ensure_map(struct kc_node *m, const char *key)
{
	struct kc_node *v = map_get(m, key);

	if (v != NULL && v->type == KC_MAP)
		return v;
	if (map_set(m, key, node_new(KC_MAP)) == -1)
		return NULL;
	return map_get(m, key);
}

/*
 * The inner mapping (inner: "cluster", "user", "context") of the entry
 * called name in the root list key, made when absent.  Keys of a new entry
 * are in kubectl's (alphabetical) order.
 */
static struct kc_node *
list_entry(struct eksl_kc *kc, const char *key, const char *inner,
    const char *name)
{
	struct kc_node *list, *e = NULL;
	size_t i;

	list = map_get(kc->root, key);
	if (list == NULL || list->type != KC_SEQ) {
		if (map_set(kc->root, key, node_new(KC_SEQ)) == -1)
			return NULL;
		list = map_get(kc->root, key);
	}
	for (i = 0; i < list->nkids; i++)
		if (list->kids[i]->type == KC_MAP &&
		    scalar_is(map_get(list->kids[i], "name"), name))
			return map_ensure_map(list->kids[i], inner);
	if ((e = node_new(KC_MAP)) == NULL)
		return NULL;
	if (strcmp(inner, "name") < 0) {
		if (map_set(e, inner, node_new(KC_MAP)) == -1 ||
		    map_set_str(e, "name", name) == -1)
			goto fail;
	} else if (map_set_str(e, "name", name) == -1 ||
	    map_set(e, inner, node_new(KC_MAP)) == -1)
		goto fail;
	if (node_add(list, e) == -1)
		return NULL;
	return map_get(e, inner);
fail:
	node_free(e);
	return NULL;
}

/* ---- loading ---- */

/* Line and column (1-based) of byte offset off in text. */
static void
offset_pos(const char *text, size_t len, size_t off, unsigned long *line,
    unsigned long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
parser_error(const yaml_parser_t *p, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	unsigned long line, col;

	if (p->error == YAML_MEMORY_ERROR) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return;
	}
	if (p->error == YAML_READER_ERROR)
		offset_pos(text, len, p->problem_offset, &line, &col);
	else {
		line = (unsigned long)p->problem_mark.line + 1;
		col = (unsigned long)p->problem_mark.column + 1;
	}
	if (p->context != NULL)
		snprintf(err, errlen, "%s:%lu:%lu: %s %s", name, line, col,
		    p->problem != NULL ? p->problem : "invalid YAML",
		    p->context);
	else
		snprintf(err, errlen, "%s:%lu:%lu: %s", name, line, col,
		    p->problem != NULL ? p->problem : "invalid YAML");
}

/* A node made from an event that starts one: scalar, sequence, mapping. */
static struct kc_node *
event_node(const yaml_event_t *ev)
{
	struct kc_node *n;
	const yaml_char_t *tag = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if ((n = node_new(KC_SCALAR)) == NULL)
			return NULL;
		tag = ev->data.scalar.tag;
		n->style = ev->data.scalar.style;
		n->len = ev->data.scalar.length;
		if ((n->value = malloc(n->len + 1)) == NULL) {
			free(n);
			return NULL;
		}
		memcpy(n->value, ev->data.scalar.value, n->len);
		n->value[n->len] = '\0';
		break;
	case YAML_SEQUENCE_START_EVENT:
		if ((n = node_new(KC_SEQ)) == NULL)
			return NULL;
		tag = ev->data.sequence_start.tag;
		break;
	default:
		if ((n = node_new(KC_MAP)) == NULL)
			return NULL;
		tag = ev->data.mapping_start.tag;
		break;
	}
	if (tag != NULL && (n->tag = strdup((const char *)tag)) == NULL) {
		node_free(n);
		return NULL;
	}
	n->line = (unsigned long)ev->start_mark.line + 1;
	n->col = (unsigned long)ev->start_mark.column + 1;
	return n;
}

static const yaml_char_t *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/*
 * Build the tree from the parser's events.  An alias becomes a copy of
 * the node it names (the value is what must survive, not the sharing).
 */
static struct kc_node *
load_tree(yaml_parser_t *p, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct kc_node *stack[MAX_DEPTH], *root = NULL, *n;
	struct anchor *anchors = NULL, *na;
	size_t depth = 0, nanchors = 0, count = 0, i;
	const yaml_char_t *aname;
	yaml_event_t ev;
	int docs = 0, done = 0, ok = 0;
	long a;

	while (!done) {
		if (!yaml_parser_parse(p, &ev)) {
			parser_error(p, name, text, len, err, errlen);
			goto out;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (docs++ > 0) {
				snprintf(err, errlen, "%s:%lu:%lu: more than "
				    "one YAML document", name,
				    (unsigned long)ev.start_mark.line + 1,
				    (unsigned long)ev.start_mark.column + 1);
				goto fail_ev;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			for (a = (long)nanchors - 1; a >= 0; a--)
				if (strcmp(anchors[a].name,
				    (const char *)ev.data.alias.anchor) == 0)
					break;
			if (a < 0) {
				snprintf(err, errlen, "%s:%lu:%lu: unknown "
				    "alias *%s", name,
				    (unsigned long)ev.start_mark.line + 1,
				    (unsigned long)ev.start_mark.column + 1,
				    (const char *)ev.data.alias.anchor);
				goto fail_ev;
			}
			if ((n = node_copy(anchors[a].node, &count,
			    depth)) == NULL) {
				snprintf(err, errlen, "%s:%lu:%lu: aliases "
				    "expand to more than %d nodes or %d "
				    "levels", name,
				    (unsigned long)ev.start_mark.line + 1,
				    (unsigned long)ev.start_mark.column + 1,
				    MAX_NODES, MAX_DEPTH);
				goto fail_ev;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++count > MAX_NODES || (depth == MAX_DEPTH &&
			    ev.type != YAML_SCALAR_EVENT)) {
				snprintf(err, errlen, "%s:%lu:%lu: too deeply "
				    "nested or too large", name,
				    (unsigned long)ev.start_mark.line + 1,
				    (unsigned long)ev.start_mark.column + 1);
				goto fail_ev;
			}
			if ((n = event_node(&ev)) == NULL)
				goto nomem;
			if ((aname = event_anchor(&ev)) != NULL) {
				na = reallocarray(anchors, nanchors + 1,
				    sizeof(*anchors));
				if (na == NULL) {
					node_free(n);
					goto nomem;
				}
				anchors = na;
				anchors[nanchors].node = n;
				if ((anchors[nanchors].name =
				    strdup((const char *)aname)) == NULL) {
					node_free(n);
					goto nomem;
				}
				nanchors++;
			}
			break;
		default:
			break;
		}
		if (n != NULL) {
			if (depth == 0)
				root = n;
			else if (node_add(stack[depth - 1], n) == -1)
				goto nomem;
			if (ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	ok = 1;
	goto out;
nomem:
	snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
fail_ev:
	yaml_event_delete(&ev);
out:
	for (i = 0; i < nanchors; i++)
		free(anchors[i].name);
	free(anchors);
	if (!ok) {
		node_free(root);
		return NULL;
	}
	if (root == NULL && (root = node_new(KC_MAP)) == NULL)
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
	return root;
}

static int
check_list(struct kc_node *root, const char *key, const char *name,
    char *err, size_t errlen)
{
	struct kc_node *l = map_get(root, key);
	size_t i;

	if (l == NULL)
		return 0;
	if (scalar_is_null(l))
		return map_set(root, key, node_new(KC_SEQ)) == -1 ? -1 : 0;
	if (l->type != KC_SEQ) {
		snprintf(err, errlen, "%s:%lu:%lu: %s: not a list", name,
		    l->line, l->col, key);
		return -1;
	}
	for (i = 0; i < l->nkids; i++)
		if (l->kids[i]->type != KC_MAP) {
			snprintf(err, errlen, "%s:%lu:%lu: %s[%zu]: not a "
			    "mapping", name, l->kids[i]->line, l->kids[i]->col,
			    key, i);
			return -1;
		}
	return 0;
}

/* Make an empty root the Config kubectl itself would write. */
static int
init_root(struct kc_node *root)
{
	if (map_set_str(root, "apiVersion", "v1") == -1 ||
	    map_set(root, "clusters", node_new(KC_SEQ)) == -1 ||
	    map_set(root, "contexts", node_new(KC_SEQ)) == -1 ||
	    map_set_str(root, "current-context", "") == -1 ||
	    map_set_str(root, "kind", "Config") == -1 ||
	    map_set(root, "preferences", node_new(KC_MAP)) == -1 ||
	    map_set(root, "users", node_new(KC_SEQ)) == -1)
		return -1;
	return 0;
}

struct eksl_kc *
eksl_kc_load(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	static const char *const lists[] = { "clusters", "users", "contexts" };
	struct eksl_kc *kc = NULL;
	struct kc_node *root = NULL, *v;
	yaml_parser_t p;
	size_t i;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	root = load_tree(&p, name, text, len, err, errlen);
	yaml_parser_delete(&p);
	if (root == NULL)
		return NULL;
	if (scalar_is_null(root)) {
		node_free(root);
		if ((root = node_new(KC_MAP)) == NULL)
			goto nomem;
	}
	if (root->type != KC_MAP) {
		snprintf(err, errlen, "%s:%lu:%lu: not a kubeconfig: not a "
		    "mapping", name, root->line, root->col);
		goto fail;
	}
	if (root->nkids == 0 && init_root(root) == -1)
		goto nomem;
	if ((v = map_get(root, "kind")) != NULL && !scalar_is(v, "Config")) {
		snprintf(err, errlen, "%s:%lu:%lu: not a kubeconfig: kind is "
		    "%.64s, not Config", name, v->line, v->col,
		    v->type == KC_SCALAR ? v->value : "not a string");
		goto fail;
	}
	if ((v = map_get(root, "apiVersion")) != NULL && !scalar_is(v, "v1")) {
		snprintf(err, errlen, "%s:%lu:%lu: not a kubeconfig: "
		    "apiVersion is not v1", name, v->line, v->col);
		goto fail;
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (check_list(root, lists[i], name, err, errlen) == -1)
			goto fail;
	if (map_get(root, "apiVersion") == NULL &&
	    map_set_str(root, "apiVersion", "v1") == -1)
		goto nomem;
	if (map_get(root, "kind") == NULL &&
	    map_set_str(root, "kind", "Config") == -1)
		goto nomem;
	if ((kc = calloc(1, sizeof(*kc))) == NULL)
		goto nomem;
	kc->root = root;
	return kc;
nomem:
	snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
fail:
	node_free(root);
	return NULL;
}

void
eksl_kc_free(struct eksl_kc *kc)
{
	if (kc == NULL)
		return;
	node_free(kc->root);
	free(kc);
}

/* ---- emitting ---- */

static int
emit_write(void *arg, unsigned char *buf, size_t size)
{
	return eksl_buf_add(arg, buf, size) == 0;
}

static int
emit_scalar(yaml_emitter_t *e, const struct kc_node *n, const char *value,
    size_t len)
{
	yaml_event_t ev;
	int implicit = n->tag == NULL;

	if (!yaml_scalar_event_initialize(&ev, NULL,
	    (yaml_char_t *)n->tag, (yaml_char_t *)value, (int)len,
	    implicit, implicit, (yaml_scalar_style_t)n->style))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int
redacted_key(const struct kc_node *k)
{
	return scalar_is(k, "client-key-data") || scalar_is(k, "token") ||
	    scalar_is(k, "password");
}

static int
emit_node(yaml_emitter_t *e, const struct kc_node *n, int flags)
{
	yaml_event_t ev;
	size_t i;
	int implicit = n->tag == NULL;

	if (n->type == KC_SCALAR)
		return emit_scalar(e, n, n->value, n->len);
	if (n->type == KC_SEQ) {
		if (!yaml_sequence_start_event_initialize(&ev, NULL,
		    (yaml_char_t *)n->tag, implicit, YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -1;
		for (i = 0; i < n->nkids; i++)
			if (emit_node(e, n->kids[i], flags) == -1)
				return -1;
		if (!yaml_sequence_end_event_initialize(&ev) ||
		    !yaml_emitter_emit(e, &ev))
			return -1;
		return 0;
	}
	if (!yaml_mapping_start_event_initialize(&ev, NULL,
	    (yaml_char_t *)n->tag, implicit, YAML_BLOCK_MAPPING_STYLE) ||
	    !yaml_emitter_emit(e, &ev))
		return -1;
	for (i = 0; i + 1 < n->nkids; i += 2) {
		if (emit_node(e, n->kids[i], flags) == -1)
			return -1;
		if ((flags & EKSL_KC_REDACT) && redacted_key(n->kids[i]) &&
		    n->kids[i + 1]->type == KC_SCALAR &&
		    !scalar_is_null(n->kids[i + 1])) {
			if (emit_scalar(e, n->kids[i + 1], "REDACTED", 8) == -1)
				return -1;
		} else if (emit_node(e, n->kids[i + 1], flags) == -1)
			return -1;
	}
	if (!yaml_mapping_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(e, &ev))
		return -1;
	return 0;
}

char *
eksl_kc_dump(const struct eksl_kc *kc, int flags, size_t *lenp, char *err,
    size_t errlen)
{
	struct eksl_buf b;
	yaml_emitter_t e;
	yaml_event_t ev;
	int ok = 0;

	*lenp = 0;
	eksl_buf_init(&b, 0);
	if (!yaml_emitter_initialize(&e)) {
		snprintf(err, errlen, "kubeconfig: %s", strerror(ENOMEM));
		return NULL;
	}
	yaml_emitter_set_output(&e, emit_write, &b);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_indent(&e, 2);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_break(&e, YAML_LN_BREAK);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    emit_node(&e, kc->root, flags) == -1 ||
	    !yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    !yaml_stream_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(&e, &ev) || !yaml_emitter_flush(&e))
		snprintf(err, errlen, "kubeconfig: cannot emit YAML: %s",
		    e.problem != NULL ? e.problem : strerror(ENOMEM));
	else
		ok = 1;
	yaml_emitter_delete(&e);
	if (!ok) {
		eksl_buf_free(&b);
		return NULL;
	}
	*lenp = b.len;
	return eksl_buf_steal(&b);
}

/* ---- queries and changes ---- */

int
eksl_kc_has_cluster(const struct eksl_kc *kc, const char *name)
{
	const struct kc_node *l = map_get(kc->root, "clusters");
	size_t i;

	if (l == NULL || l->type != KC_SEQ)
		return 0;
	for (i = 0; i < l->nkids; i++)
		if (l->kids[i]->type == KC_MAP &&
		    scalar_is(map_get(l->kids[i], "name"), name))
			return 1;
	return 0;
}

const char *
eksl_kc_current(const struct eksl_kc *kc)
{
	const struct kc_node *v = map_get(kc->root, "current-context");

	if (v == NULL || v->type != KC_SCALAR || v->len == 0 ||
	    scalar_is_null(v))
		return NULL;
	return v->value;
}

int
eksl_kc_set_cluster(struct eksl_kc *kc, const char *name, const char *server,
    const char *ca_data)
{
	struct kc_node *c;

	if ((c = list_entry(kc, "clusters", "cluster", name)) == NULL)
		return -1;
	map_del(c, "certificate-authority");
	map_del(c, "insecure-skip-tls-verify");
	if (map_set_str(c, "certificate-authority-data", ca_data) == -1 ||
	    map_set_str(c, "server", server) == -1)
		return -1;
	return 0;
}

static void
drop_auth(struct kc_node *u)
{
	static const char *const keys[] = {
		"exec", "token", "tokenFile", "auth-provider", "username",
		"password", "client-certificate", "client-certificate-data",
		"client-key", "client-key-data",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		map_del(u, keys[i]);
}

int
eksl_kc_set_user_exec(struct eksl_kc *kc, const char *name,
    const struct eksl_kc_exec *ex)
{
	struct kc_node *u, *x = NULL, *args = NULL, *env = NULL, *ent = NULL;
	size_t i;

	if ((u = list_entry(kc, "users", "user", name)) == NULL)
		return -1;
	if ((x = node_new(KC_MAP)) == NULL || (args = node_new(KC_SEQ)) == NULL)
		goto fail;
	for (i = 0; i < ex->nargs; i++)
		if (node_add(args, scalar_new(ex->args[i])) == -1)
			goto fail;
	if (map_set_str(x, "apiVersion",
	    "client.authentication.k8s.io/v1beta1") == -1)
		goto fail;
	if (map_set(x, "args", args) == -1) {
		args = NULL;
		goto fail;
	}
	args = NULL;
	if (map_set_str(x, "command", ex->command) == -1)
		goto fail;
	if (ex->env_name != NULL) {
		if ((env = node_new(KC_SEQ)) == NULL ||
		    (ent = node_new(KC_MAP)) == NULL ||
		    map_set_str(ent, "name", ex->env_name) == -1 ||
		    map_set_str(ent, "value", ex->env_value) == -1)
			goto fail;
		if (node_add(env, ent) == -1) {
			ent = NULL;
			goto fail;
		}
		ent = NULL;
		if (map_set(x, "env", env) == -1) {
			env = NULL;
			goto fail;
		}
		env = NULL;
	}
	if (map_set_str(x, "interactiveMode", ex->interactive) == -1)
		goto fail;
	if (map_set(x, "provideClusterInfo", scalar_new("false")) == -1)
		goto fail;
	/* Our "false" is the boolean: written plain. */
	map_get(x, "provideClusterInfo")->style = YAML_PLAIN_SCALAR_STYLE;
	drop_auth(u);
	return map_set(u, "exec", x);
fail:
	node_free(ent);
	node_free(env);
	node_free(args);
	node_free(x);
	return -1;
}

int
eksl_kc_set_user_cert(struct eksl_kc *kc, const char *name, const char *cert,
    const char *key, int embed)
{
	struct kc_node *u;

	if ((u = list_entry(kc, "users", "user", name)) == NULL)
		return -1;
	drop_auth(u);
	if (embed)
		return map_set_str(u, "client-certificate-data", cert) == -1 ||
		    map_set_str(u, "client-key-data", key) == -1 ? -1 : 0;
	return map_set_str(u, "client-certificate", cert) == -1 ||
	    map_set_str(u, "client-key", key) == -1 ? -1 : 0;
}

int
eksl_kc_set_context(struct eksl_kc *kc, const char *name, const char *cluster,
    const char *user)
{
	struct kc_node *c;

	if ((c = list_entry(kc, "contexts", "context", name)) == NULL)
		return -1;
	if (map_set_str(c, "cluster", cluster) == -1 ||
	    map_set_str(c, "user", user) == -1)
		return -1;
	return 0;
}

int
eksl_kc_set_current(struct eksl_kc *kc, const char *name)
{
	return map_set_str(kc->root, "current-context", name);
}

/* ---- files ---- */

char *
eksl_kc_file_base64(const char *path, size_t max, char *err, size_t errlen)
{
	char *buf = NULL, *out = NULL;
	size_t len;
	int rc;

	rc = eksl_file_read(path, max, &buf, &len, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "%s: %s", path, strerror(ENOENT));
	if (rc != 0)
		return NULL;
	if (len == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		goto out;
	}
	if ((out = eksl_base64_encode(buf, len, EKSL_B64_STD)) == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
out:
	explicit_bzero(buf, len);
	free(buf);
	return out;
}

int
eksl_kc_lock(const char *path, int timeout_ms, char *lockpath,
    size_t lockpathlen, char *err, size_t errlen)
{
	struct timespec start, now, nap;
	long waited, step = 5;
	int fd;

	if ((size_t)snprintf(lockpath, lockpathlen, "%s.lock", path) >=
	    lockpathlen) {
		snprintf(err, errlen, "%s: cannot lock: %s", path,
		    strerror(ENAMETOOLONG));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		fd = open(lockpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot lock: %s: %s", path,
			    lockpath, strerror(errno));
			lockpath[0] = '\0';
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms) {
			if (timeout_ms % 1000 == 0)
				snprintf(err, errlen, "%s: cannot lock: %s "
				    "exists (held by another process, or left "
				    "by one that died): timed out after %ds",
				    path, lockpath, timeout_ms / 1000);
			else
				snprintf(err, errlen, "%s: cannot lock: %s "
				    "exists (held by another process, or left "
				    "by one that died): timed out after %dms",
				    path, lockpath, timeout_ms);
			lockpath[0] = '\0';
			errno = ETIMEDOUT;
			return -1;
		}
		if (step > timeout_ms - waited)
			step = timeout_ms - waited;
		nap.tv_sec = step / 1000;
		nap.tv_nsec = (step % 1000) * 1000000;
		nanosleep(&nap, NULL);
		if (step < 50)
			step *= 2;
	}
}

void
eksl_kc_unlock(const char *lockpath)
{
	if (lockpath != NULL && lockpath[0] != '\0')
		unlink(lockpath);
}

/* ---- cluster records ---- */

/* What names rec in messages: its name, else its ARN. */
static const char *
rec_label(const json_t *rec)
{
	const char *s;

	if ((s = eksl_json_str(rec, "name")) != NULL && *s != '\0')
		return s;
	if ((s = eksl_json_str(rec, "arn")) != NULL && *s != '\0')
		return s;
	return "record";
}

/* rec's region, else the ARN's (arn:PARTITION:eks:REGION:...); in buf. */
static const char *
rec_region(const json_t *rec, char *buf, size_t buflen)
{
	const char *s, *p, *q;
	size_t i;

	if ((s = eksl_json_str(rec, "region")) != NULL && *s != '\0')
		return s;
	if ((s = eksl_json_str(rec, "arn")) == NULL)
		return NULL;
	for (p = s, i = 0; i < 3 && p != NULL; i++)
		if ((p = strchr(p, ':')) != NULL)
			p++;
	if (p == NULL || (q = strchr(p, ':')) == NULL || q == p ||
	    (size_t)(q - p) >= buflen)
		return NULL;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return buf;
}

/* rec's name, else the ARN's ("...:cluster/NAME"); in buf. */
static const char *
rec_name(const json_t *rec, char *buf, size_t buflen)
{
	const char *s, *p;

	if ((s = eksl_json_str(rec, "name")) != NULL && *s != '\0')
		return s;
	if ((s = eksl_json_str(rec, "arn")) == NULL ||
	    (p = strstr(s, ":cluster/")) == NULL || p[9] == '\0' ||
	    (size_t)snprintf(buf, buflen, "%s", p + 9) >= buflen)
		return NULL;
	return buf;
}

static int
nonempty(const json_t *rec, const char *key)
{
	const char *s = eksl_json_str(rec, key);

	return s != NULL && *s != '\0';
}

int
eksl_kc_record_check(const json_t *rec, char *err, size_t errlen)
{
	static const char *const need[] = { "arn", "endpoint", "ca" };
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!nonempty(rec, need[i])) {
			snprintf(err, errlen, "%s: no %s in the record",
			    rec_label(rec), need[i]);
			return -1;
		}
	if (rec_region(rec, buf, sizeof(buf)) == NULL) {
		snprintf(err, errlen, "%s: no region in the record or its "
		    "ARN", rec_label(rec));
		return -1;
	}
	if (!eksl_kc_uses_id(rec) && rec_name(rec, buf, sizeof(buf)) == NULL) {
		snprintf(err, errlen, "%s: no cluster name in the record or "
		    "its ARN", rec_label(rec));
		return -1;
	}
	return 0;
}

int
eksl_kc_uses_id(const json_t *rec)
{
	const json_t *op = json_object_get(rec, "outpost"), *etcd;

	if (!json_is_object(op) || !nonempty(rec, "id"))
		return 0;
	etcd = json_object_get(op, "etcdInstanceType");
	return etcd == NULL || json_is_null(etcd);
}

size_t
eksl_kc_exec_args(const json_t *rec, const struct eksl_kc_opts *o,
    const char **args, size_t max, char *buf, size_t buflen)
{
	const char *v[16];
	size_t n = 0, half = buflen / 2, i;

	v[n++] = "--region";
	v[n++] = rec_region(rec, buf, half);
	if (o->exec_aws) {
		v[n++] = "eks";
		v[n++] = "get-token";
	}
	if (eksl_kc_uses_id(rec)) {
		v[n++] = "--cluster-id";
		v[n++] = eksl_json_str(rec, "id");
	} else {
		v[n++] = "--cluster-name";
		v[n++] = rec_name(rec, buf + half, buflen - half);
	}
	if (o->exec_aws) {
		v[n++] = "--output";
		v[n++] = "json";
	}
	if (o->role_arn != NULL) {
		v[n++] = "--role-arn";
		v[n++] = o->role_arn;
	}
	for (i = 0; i < n && i < max; i++)
		args[i] = v[i] != NULL ? v[i] : "";
	return i;
}

/* path, made absolute against the working directory; new string. */
static char *
abs_path(const char *path)
{
	char cwd[4096], *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + strlen(path) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/%s", cwd, path);
	return out;
}

static int
add_offline(struct eksl_kc *kc, const json_t *rec, const struct eksl_kc_opts *o,
    const char *ctx, const char *user, char *offctx, size_t offctxlen,
    char *err, size_t errlen)
{
	const json_t *auth = json_object_get(rec, "auth");
	const char *cert, *key, *arn = eksl_json_str(rec, "arn");
	char *cpath = NULL, *kpath = NULL, *cdata = NULL, *kdata = NULL;
	char offuser[1024];
	int rc = 1;

	cert = eksl_json_str(auth, "cert");
	key = eksl_json_str(auth, "key");
	if (cert == NULL || *cert == '\0' || key == NULL || *key == '\0') {
		snprintf(err, errlen, "%s: no auth.%s in the record (made by "
		    "eksl-authcheck prepare)", rec_label(rec),
		    cert == NULL || *cert == '\0' ? "cert" : "key");
		return 1;
	}
	if ((cpath = abs_path(cert)) == NULL || (kpath = abs_path(key)) == NULL) {
		snprintf(err, errlen, "%s: %s", cert, strerror(errno));
		goto out;
	}
	if (access(cpath, R_OK) == -1) {
		snprintf(err, errlen, "%s: %s", cpath, strerror(errno));
		goto out;
	}
	if (access(kpath, R_OK) == -1) {
		snprintf(err, errlen, "%s: %s", kpath, strerror(errno));
		goto out;
	}
	if (o->embed &&
	    ((cdata = eksl_kc_file_base64(cpath, 1024 * 1024, err,
	    errlen)) == NULL ||
	    (kdata = eksl_kc_file_base64(kpath, 1024 * 1024, err,
	    errlen)) == NULL))
		goto out;
	if ((size_t)snprintf(offuser, sizeof(offuser), "%s-offline", user) >=
	    sizeof(offuser) || (size_t)snprintf(offctx, offctxlen,
	    "%s-offline", ctx) >= offctxlen) {
		offctx[0] = '\0';
		snprintf(err, errlen, "%s: name too long", rec_label(rec));
		goto out;
	}
	rc = -1;
	if (eksl_kc_set_user_cert(kc, offuser, o->embed ? cdata : cpath,
	    o->embed ? kdata : kpath, o->embed) == -1 ||
	    eksl_kc_set_context(kc, offctx, arn, offuser) == -1) {
		offctx[0] = '\0';
		snprintf(err, errlen, "kubeconfig: %s", strerror(ENOMEM));
		goto out;
	}
	rc = 0;
out:
	if (kdata != NULL)
		explicit_bzero(kdata, strlen(kdata));
	free(kdata);
	free(cdata);
	free(kpath);
	free(cpath);
	return rc;
}

int
eksl_kc_add_record(struct eksl_kc *kc, const json_t *rec,
    const struct eksl_kc_opts *o, char *ctx, size_t ctxlen, char *offctx,
    size_t offctxlen, char *err, size_t errlen)
{
	struct eksl_kc_exec ex;
	const char *args[16], *arn, *user, *name;
	char buf[512], *server = NULL;
	size_t n;
	int rc = -1;

	ctx[0] = '\0';
	offctx[0] = '\0';
	if (eksl_kc_record_check(rec, err, errlen) == -1)
		return -1;
	arn = eksl_json_str(rec, "arn");
	user = o->user_alias != NULL ? o->user_alias : arn;
	name = o->alias != NULL ? o->alias : arn;
	if ((server = strdup(eksl_json_str(rec, "endpoint"))) == NULL)
		goto nomem;
	/* kubectl joins paths to server: a trailing slash would double. */
	for (n = strlen(server); n > 0 && server[n - 1] == '/'; n--)
		server[n - 1] = '\0';
	memset(&ex, 0, sizeof(ex));
	ex.command = o->exec_aws ? "aws" : "eksl-token";
	ex.args = args;
	ex.nargs = eksl_kc_exec_args(rec, o, args, 16, buf, sizeof(buf));
	if (o->profile != NULL && *o->profile != '\0') {
		ex.env_name = "AWS_PROFILE";
		ex.env_value = o->profile;
	}
	/* eksl-token never prompts; aws may (MFA, SSO). */
	ex.interactive = o->exec_aws ? "IfAvailable" : "Never";
	if (eksl_kc_set_cluster(kc, arn, server,
	    eksl_json_str(rec, "ca")) == -1 ||
	    eksl_kc_set_user_exec(kc, user, &ex) == -1 ||
	    eksl_kc_set_context(kc, name, arn, user) == -1 ||
	    eksl_kc_set_current(kc, name) == -1)
		goto nomem;
	if ((size_t)snprintf(ctx, ctxlen, "%s", name) >= ctxlen) {
		snprintf(err, errlen, "%s: name too long", rec_label(rec));
		goto out;
	}
	rc = 0;
	if (o->offline)
		rc = add_offline(kc, rec, o, name, user, offctx, offctxlen, err,
		    errlen);
	goto out;
nomem:
	snprintf(err, errlen, "kubeconfig: %s", strerror(ENOMEM));
out:
	free(server);
	return rc;
}

/* ---- which file ---- */

/* The kubeconfig at path, loaded, or NULL when absent or unreadable. */
static struct eksl_kc *
load_path(const char *path)
{
	char err[256], *buf = NULL;
	struct eksl_kc *kc = NULL;
	size_t len;

	if (eksl_file_read(path, EKSL_KC_MAX_SIZE, &buf, &len, err,
	    sizeof(err)) != 0)
		return NULL;
	kc = eksl_kc_load(path, buf, len, err, sizeof(err));
	free(buf);
	return kc;
}

char *
eksl_kc_choose_file(const char *flag, const char *list, const char *home,
    const char *arn)
{
	char *l = NULL, *p, *e, *out = NULL;
	const char *first = NULL, *exists = NULL;
	struct eksl_kc *kc;
	size_t n;

	if (flag != NULL)
		return abs_path(flag);
	if (list != NULL && (l = strdup(list)) == NULL)
		return NULL;
	for (p = l; p != NULL && out == NULL; p = e) {
		if ((e = strchr(p, ':')) != NULL)
			*e++ = '\0';
		if (*p == '\0')
			continue;
		if (first == NULL)
			first = p;
		if (access(p, F_OK) == -1)
			continue;
		if (exists == NULL)
			exists = p;
		if ((kc = load_path(p)) != NULL) {
			if (eksl_kc_has_cluster(kc, arn) &&
			    (out = abs_path(p)) == NULL) {
				eksl_kc_free(kc);
				free(l);
				return NULL;
			}
			eksl_kc_free(kc);
		}
	}
	if (out == NULL && (exists != NULL || first != NULL))
		out = abs_path(exists != NULL ? exists : first);
	else if (out == NULL) {
		n = strlen(home) + sizeof("/.kube/config");
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s/.kube/config", home);
	}
	free(l);
	return out;
}

char *
eksl_kc_earlier_current(const char *list, const char *path, char **cur)
{
	char *l, *p, *e, *abs, *out = NULL;
	struct eksl_kc *kc;
	const char *c;
	int done = 0;

	*cur = NULL;
	if (list == NULL || (l = strdup(list)) == NULL)
		return NULL;
	for (p = l; p != NULL && !done; p = e) {
		if ((e = strchr(p, ':')) != NULL)
			*e++ = '\0';
		if (*p == '\0' || (abs = abs_path(p)) == NULL)
			continue;
		done = strcmp(abs, path) == 0;
		free(abs);
		if (done || (kc = load_path(p)) == NULL)
			continue;
		if ((c = eksl_kc_current(kc)) != NULL) {
			if ((*cur = strdup(c)) != NULL &&
			    (out = strdup(p)) == NULL) {
				free(*cur);
				*cur = NULL;
			}
			done = 1;
		}
		eksl_kc_free(kc);
	}
	free(l);
	return out;
}
