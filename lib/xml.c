/*
 * The XML of the AWS Query answers, parsed here rather than by libxml2:
 * Debian's libxml2 brings ICU (libicuuc, libicudata, libstdc++) and
 * liblzma with it, and loading those was most of eksl-provision's
 * start-up.  The answers use a small fixed subset of XML (see xml.h).
 *
 * The input is copied once; element names and text stay in that copy,
 * names NUL-terminated in place and text decoded in place (a reference
 * is never shorter than what it stands for, and a CR LF pair becomes one
 * LF, so the decoded text never overtakes the text still to be read).
 * Nodes come from a few chunks.  No recursion while parsing: the open
 * elements are on a fixed stack of EKSL_XML_MAXDEPTH.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

#define CHUNK_MIN	64		/* nodes in the first chunk */
#define CHUNK_MAX	65536		/* ... and in the largest */
#define MAXATTR		64		/* attributes of one element */
#define SHOWN		64		/* bytes of a name in a message */

/* 32 bytes: a large answer has a few hundred thousand of them. */
struct eksl_xml_node {
	const char		*s;	/* element: local name; text: bytes */
	struct eksl_xml_node	*child;	/* first child (elements) */
	struct eksl_xml_node	*next;	/* next sibling */
	uint32_t		 len;	/* text: bytes at s; element: 0 */
	uint32_t		 elem;
};

struct chunk {
	struct chunk		*next;
	size_t			 used, size;
	struct eksl_xml_node	 nodes[];
};

struct eksl_xml {
	struct eksl_xml_node	*root;
	struct chunk		*chunks;
	size_t			 len;	/* bytes in buf */
	char			 buf[];	/* the copy of the input */
};

/* An element whose end tag is still to come. */
struct open {
	struct eksl_xml_node	*node;
	struct eksl_xml_node	*last;	/* its last child so far */
	const char		*qname;	/* the name as written, for the end tag */
	size_t			 qlen;
};

struct parser {
	const char	*in;		/* the caller's input: line, column */
	char		*b;		/* the copy (doc->buf) */
	char		*end;
	struct eksl_xml	*doc;
	size_t		 nodes;		/* made so far */
	size_t		 csize;		/* size of the next chunk */
	const char	*errpos;	/* in the copy */
	char		 why[160];
	int		 oom;
	size_t		 depth;
	struct open	 stack[EKSL_XML_MAXDEPTH];
};

static int	fail(struct parser *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *P, const char *pos, const char *fmt, ...)
{
	va_list ap;

	P->errpos = pos;
	va_start(ap, fmt);
	vsnprintf(P->why, sizeof(P->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct parser *P)
{
	P->oom = 1;
	return -1;
}

static int
isws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
skipws(const char *p, const char *end)
{
	while (p < end && isws((unsigned char)*p))
		p++;
	return p;
}

/* 1 when the n bytes of s start at p (before end). */
static int
at(const char *p, const char *end, const char *s, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* An XML 1.0 Char (production 2). */
static int
xmlchar(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * The length of the well-formed UTF-8 sequence of one XML character at
 * p (a lead byte >= 0x80), 0 when there is none: overlong forms,
 * surrogates, values above U+10FFFF, U+FFFE and U+FFFF are refused.
 */
static size_t
utf8len(const unsigned char *p, const unsigned char *end)
{
	unsigned long c;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    !xmlchar(c))
		return 0;
	return n;
}

/* Report the byte at p, which is no XML character here. */
static int
badchar(struct parser *P, const char *p)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\0')
		return fail(P, p, "a NUL byte");
	if (c < 0x20 || c == 0x7f)
		/* DEL is an XML character: only here for the message. */
		return fail(P, p, "control character 0x%02x", c);
	return fail(P, p, "bytes that are not UTF-8 (or no XML character)");
}

/*
 * The length of the character at p, which must be one (markup and text
 * alike), or 0 after fail().
 */
static size_t
charlen(struct parser *P, const char *p)
{
	unsigned char c = (unsigned char)*p;
	size_t n;

	if (c >= 0x20 && c < 0x80)
		return 1;
	if (c == '\t' || c == '\n' || c == '\r')
		return 1;
	if (c >= 0x80 && (n = utf8len((const unsigned char *)p,
	    (const unsigned char *)P->end)) != 0)
		return n;
	badchar(P, p);
	return 0;
}

static size_t
utf8put(char *w, unsigned long c)
{
	if (c < 0x80) {
		w[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		w[0] = (char)(0xc0 | c >> 6);
		w[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		w[0] = (char)(0xe0 | c >> 12);
		w[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		w[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | c >> 18);
	w[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	w[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	w[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * The reference at *pp ('&'): a predefined entity or a character
 * reference.  Its value goes to w (when not NULL; at most as many bytes
 * as the reference) and *pp past the ';'.  Returns the bytes written, or
 * -1 after fail().
 */
static int
ref(struct parser *P, const char **pp, char *w)
{
	static const struct {
		const char *name;
		size_t len;
		char c;
	} ents[] = {
		{ "lt", 2, '<' }, { "gt", 2, '>' }, { "amp", 3, '&' },
		{ "apos", 4, '\'' }, { "quot", 4, '"' },
	};
	const char *p = *pp, *q = p + 1, *end = P->end, *name;
	unsigned long c = 0;
	size_t i, digits = 0;
	int hex;

	if (q < end && *q == '#') {
		q++;
		hex = q < end && *q == 'x';
		if (hex)
			q++;
		for (; q < end; q++) {
			int d;

			if (*q >= '0' && *q <= '9')
				d = *q - '0';
			else if (hex && *q >= 'a' && *q <= 'f')
				d = *q - 'a' + 10;
			else if (hex && *q >= 'A' && *q <= 'F')
				d = *q - 'A' + 10;
			else
				break;
			/* Past U+10FFFF it is refused: stop growing. */
			if (c <= 0x10ffff)
				c = c * (hex ? 16 : 10) + (unsigned long)d;
			digits++;
		}
		if (digits == 0 || q >= end || *q != ';')
			return fail(P, p, "a malformed character reference");
		if (!xmlchar(c))
			return fail(P, p, "character reference %.*s is no XML "
			    "character", (int)(q - p + 1 > SHOWN ? SHOWN :
			    q - p + 1), p);
		*pp = q + 1;
		return w != NULL ? (int)utf8put(w, c) : 0;
	}
	name = q;
	while (q < end && q - name <= SHOWN &&
	    ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
	    (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '.' ||
	    *q == ':'))
		q++;
	if (q == name || q >= end || *q != ';')
		return fail(P, p, "a '&' that starts no reference (write "
		    "&amp;)");
	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if ((size_t)(q - name) == ents[i].len &&
		    memcmp(name, ents[i].name, ents[i].len) == 0) {
			*pp = q + 1;
			if (w != NULL)
				*w = ents[i].c;
			return w != NULL ? 1 : 0;
		}
	return fail(P, p, "unknown entity &%.*s; (only the five predefined "
	    "ones are)", (int)(q - name), name);
}

/* 1 for a byte that may start a name; bytes >= 0x80 are checked apart. */
static int
namestart(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || c >= 0x80;
}

static int
namechar(unsigned char c)
{
	return namestart(c) || (c >= '0' && c <= '9') || c == '-' ||
	    c == '.';
}

/*
 * The qualified name at *pp into *name, *len and its local part (after
 * a prefix) into *local; *pp past it.  Returns 0, or -1 after fail().
 */
static int
qname(struct parser *P, const char **pp, const char *what,
    const char **name, size_t *len, const char **local)
{
	const char *p = *pp, *start = p, *colon = NULL;
	size_t n;

	if (p >= P->end || !namestart((unsigned char)*p))
		return fail(P, p, "expected %s", what);
	while (p < P->end && namechar((unsigned char)*p)) {
		if ((unsigned char)*p >= 0x80) {
			if ((n = utf8len((const unsigned char *)p,
			    (const unsigned char *)P->end)) == 0)
				return badchar(P, p);
			p += n;
			continue;
		}
		if (*p == ':') {
			if (colon != NULL)
				return fail(P, p, "a name with two ':'");
			colon = p;
		}
		p++;
	}
	if (colon == start || colon == p - 1)
		return fail(P, colon, "a name with an empty prefix or local "
		    "part");
	*name = start;
	*len = (size_t)(p - start);
	*local = colon != NULL ? colon + 1 : start;
	*pp = p;
	return 0;
}

/*
 * One attribute at *pp (name = 'value' or "value"), checked: the value
 * holds no '<' and only well-formed references and characters.  Its name
 * and value go to the out parameters; *pp past the closing quote.
 */
static int
attribute(struct parser *P, const char **pp, const char **name, size_t *nlen,
    const char **val, size_t *vlen)
{
	const char *p = *pp, *local, *end = P->end;
	size_t n;
	char quote;

	if (qname(P, &p, "an attribute name", name, nlen, &local) == -1)
		return -1;
	p = skipws(p, end);
	if (p >= end || *p != '=')
		return fail(P, p, "expected '=' after the attribute name");
	p = skipws(p + 1, end);
	if (p >= end || (*p != '"' && *p != '\''))
		return fail(P, p, "expected a quoted attribute value");
	quote = *p++;
	*val = p;
	while (p < end && *p != quote) {
		if (*p == '<')
			return fail(P, p, "'<' in an attribute value");
		if (*p == '&') {
			if (ref(P, &p, NULL) == -1)
				return -1;
			continue;
		}
		if ((n = charlen(P, p)) == 0)
			return -1;
		p += n;
	}
	if (p >= end)
		return fail(P, *val - 1, "an attribute value that is not "
		    "closed");
	*vlen = (size_t)(p - *val);
	*pp = p + 1;
	return 0;
}

static struct eksl_xml_node *
newnode(struct parser *P, const char *pos)
{
	struct chunk *c = P->doc->chunks;

	if (P->nodes >= EKSL_XML_MAXNODES) {
		fail(P, pos, "more than %u elements and texts",
		    EKSL_XML_MAXNODES);
		return NULL;
	}
	if (c == NULL || c->used == c->size) {
		if ((c = malloc(sizeof(*c) + P->csize *
		    sizeof(struct eksl_xml_node))) == NULL) {
			nomem(P);
			return NULL;
		}
		c->next = P->doc->chunks;
		c->used = 0;
		c->size = P->csize;
		P->doc->chunks = c;
		if (P->csize < CHUNK_MAX)
			P->csize *= 2;
	}
	P->nodes++;
	return &c->nodes[c->used++];
}

/* Add a node (from pos in the input) under the innermost open element. */
static struct eksl_xml_node *
append(struct parser *P, const char *pos, int elem, const char *s,
    size_t len)
{
	struct eksl_xml_node *n;
	struct open *o;

	if ((n = newnode(P, pos)) == NULL)
		return NULL;
	n->s = s;
	n->len = (uint32_t)len;		/* the input is < 4 GiB */
	n->elem = (uint32_t)elem;
	n->child = n->next = NULL;
	if (P->depth == 0) {
		P->doc->root = n;
		return n;
	}
	o = &P->stack[P->depth - 1];
	if (o->last == NULL)
		o->node->child = n;
	else
		o->last->next = n;
	o->last = n;
	return n;
}

/* Text up to the next '<', decoded in place, as a node. */
static int
text(struct parser *P, const char **pp)
{
	const char *p = *pp, *end = P->end;
	char *start = P->b + (p - P->b), *w = start;
	unsigned char c;
	size_t n;
	int k;

	while (p < end && (c = (unsigned char)*p) != '<') {
		if (c >= 0x20 && c < 0x80 && c != '&' && c != ']' ) {
			*w++ = *p++;
		} else if (c == '&') {
			if ((k = ref(P, &p, w)) == -1)
				return -1;
			w += k;
		} else if (c == ']') {
			if (at(p, end, "]]>", 3))
				return fail(P, p, "']]>' in text");
			*w++ = *p++;
		} else if (c == '\r') {
			*w++ = '\n';
			if (++p < end && *p == '\n')
				p++;
		} else {
			if ((n = charlen(P, p)) == 0)
				return -1;
			while (n-- > 0)
				*w++ = *p++;
		}
	}
	n = (size_t)(w - start);
	if (append(P, *pp, 0, start, n) == NULL)
		return -1;
	*pp = p;
	return 0;
}

/* A CDATA section at *pp ("<![CDATA["): its text as a node. */
static int
cdata(struct parser *P, const char **pp)
{
	const char *p = *pp + 9, *end = P->end;
	char *start = P->b + (p - P->b), *w = start;
	size_t n;

	for (;;) {
		if (p >= end)
			return fail(P, *pp, "a CDATA section that is not "
			    "closed");
		if (*p == ']' && at(p, end, "]]>", 3))
			break;
		if (*p == '\r') {
			*w++ = '\n';
			if (++p < end && *p == '\n')
				p++;
			continue;
		}
		if ((n = charlen(P, p)) == 0)
			return -1;
		while (n-- > 0)
			*w++ = *p++;
	}
	if (w != start && append(P, *pp, 0, start, (size_t)(w - start)) ==
	    NULL)
		return -1;
	*pp = p + 3;
	return 0;
}

/* A comment at *pp ("<!--"), checked and skipped. */
static int
comment(struct parser *P, const char **pp)
{
	const char *p = *pp + 4, *end = P->end;
	size_t n;

	for (;;) {
		if (p >= end)
			return fail(P, *pp, "a comment that is not closed");
		if (*p == '-' && at(p, end, "--", 2)) {
			if (!at(p, end, "-->", 3))
				return fail(P, p, "'--' inside a comment");
			*pp = p + 3;
			return 0;
		}
		if ((n = charlen(P, p)) == 0)
			return -1;
		p += n;
	}
}

/* A processing instruction at *pp ("<?"), checked and skipped. */
static int
pi(struct parser *P, const char **pp)
{
	const char *p = *pp + 2, *end = P->end, *name, *local;
	size_t len, n;

	if (qname(P, &p, "a processing instruction target", &name, &len,
	    &local) == -1)
		return -1;
	if (len == 3 && (name[0] | 0x20) == 'x' && (name[1] | 0x20) == 'm' &&
	    (name[2] | 0x20) == 'l')
		return fail(P, *pp, "an XML declaration that is not at the "
		    "start");
	if (p < end && !isws((unsigned char)*p) && !at(p, end, "?>", 2))
		return fail(P, p, "expected whitespace or '?>' after the "
		    "processing instruction target");
	for (;;) {
		if (p >= end)
			return fail(P, *pp, "a processing instruction that is "
			    "not closed");
		if (*p == '?' && at(p, end, "?>", 2)) {
			*pp = p + 2;
			return 0;
		}
		if ((n = charlen(P, p)) == 0)
			return -1;
		p += n;
	}
}

/* 1 when the len bytes at v are s, ASCII letters in any case. */
static int
valueis(const char *v, size_t len, const char *s)
{
	size_t i;
	char a, b;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++) {
		a = v[i] >= 'A' && v[i] <= 'Z' ? (char)(v[i] + 32) : v[i];
		b = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		if (a != b)
			return 0;
	}
	return 1;
}

/* The XML declaration at *pp ("<?xml" and a blank). */
static int
xmldecl(struct parser *P, const char **pp)
{
	static const char *const names[] = { "version", "encoding",
	    "standalone" };
	const char *p = *pp + 5, *end = P->end, *name, *val, *q;
	size_t nlen, vlen, i, next = 0;

	for (;;) {
		q = p;
		p = skipws(p, end);
		if (at(p, end, "?>", 2))
			break;
		if (p == q)
			return fail(P, p, "expected whitespace or '?>' in the "
			    "XML declaration");
		q = p;
		if (attribute(P, &p, &name, &nlen, &val, &vlen) == -1)
			return -1;
		for (i = next; i < 3; i++)
			if (nlen == strlen(names[i]) &&
			    memcmp(name, names[i], nlen) == 0)
				break;
		if (i == 3 || (next == 0 && i != 0))
			return fail(P, q, "the XML declaration has version, "
			    "then encoding and standalone");
		next = i + 1;
		if (i == 0 && (vlen < 3 || memcmp(val, "1.", 2) != 0 ||
		    strspn(val + 2, "0123456789") < vlen - 2))
			return fail(P, val, "XML version %.*s is not 1.x",
			    (int)(vlen > SHOWN ? SHOWN : vlen), val);
		if (i == 1 && !valueis(val, vlen, "UTF-8"))
			return fail(P, val, "encoding %.*s is not supported "
			    "(only UTF-8)", (int)(vlen > SHOWN ? SHOWN : vlen),
			    val);
		if (i == 2 && !(vlen == 3 && memcmp(val, "yes", 3) == 0) &&
		    !(vlen == 2 && memcmp(val, "no", 2) == 0))
			return fail(P, val, "standalone is yes or no");
	}
	if (next == 0)
		return fail(P, p, "the XML declaration has no version");
	*pp = p + 2;
	return 0;
}

/* A start tag at *pp ('<' and a name start): a new element. */
static int
start_tag(struct parser *P, const char **pp)
{
	const char *p = *pp + 1, *end = P->end, *name, *local, *q;
	const char *an[MAXATTR], *val;
	size_t alen[MAXATTR], len, vlen, na = 0, i;
	struct eksl_xml_node *n;
	char *nameend;
	int empty = 0, blank;

	if (qname(P, &p, "an element name", &name, &len, &local) == -1)
		return -1;
	nameend = P->b + (p - P->b);
	for (;;) {
		q = p;
		p = skipws(p, end);
		blank = p != q;
		if (p >= end)
			return fail(P, *pp, "a start tag that is not closed");
		if (*p == '>') {
			p++;
			break;
		}
		if (*p == '/') {
			if (!at(p, end, "/>", 2))
				return fail(P, p, "expected '>' after '/'");
			p += 2;
			empty = 1;
			break;
		}
		if (!blank)
			return fail(P, p, "expected whitespace, '>' or '/>' "
			    "in a start tag");
		q = p;
		if (attribute(P, &p, &an[na], &alen[na], &val, &vlen) == -1)
			return -1;
		for (i = 0; i < na; i++)
			if (alen[i] == alen[na] &&
			    memcmp(an[i], an[na], alen[i]) == 0)
				return fail(P, q, "attribute %.*s given twice",
				    (int)(alen[i] > SHOWN ? SHOWN : alen[i]),
				    an[i]);
		if (++na == MAXATTR)
			return fail(P, q, "more than %d attributes",
			    MAXATTR - 1);
	}
	if (P->depth == 0 && P->doc->root != NULL)
		return fail(P, *pp, "a second root element");
	if (!empty && P->depth == EKSL_XML_MAXDEPTH)
		return fail(P, *pp, "elements nested deeper than %d",
		    EKSL_XML_MAXDEPTH);
	if ((n = append(P, *pp, 1, local, 0)) == NULL)
		return -1;
	if (!empty) {
		P->stack[P->depth].node = n;
		P->stack[P->depth].last = NULL;
		P->stack[P->depth].qname = name;
		P->stack[P->depth].qlen = len;
		P->depth++;
	}
	/* The byte after the name (blank, '/' or '>') is read: end it. */
	*nameend = '\0';
	*pp = p;
	return 0;
}

/* An end tag at *pp ("</"): it must close the innermost element. */
static int
end_tag(struct parser *P, const char **pp)
{
	const char *p = *pp + 2, *end = P->end, *name, *local;
	struct open *o;
	size_t len;

	if (P->depth == 0)
		return fail(P, *pp, "an end tag without its start tag");
	if (qname(P, &p, "an element name", &name, &len, &local) == -1)
		return -1;
	o = &P->stack[P->depth - 1];
	if (len != o->qlen || memcmp(name, o->qname, len) != 0)
		return fail(P, *pp, "</%.*s> does not close <%.*s>",
		    (int)(len > SHOWN ? SHOWN : len), name,
		    (int)(o->qlen > SHOWN ? SHOWN : o->qlen), o->qname);
	p = skipws(p, end);
	if (p >= end || *p != '>')
		return fail(P, p, "expected '>' to end the end tag");
	P->depth--;
	*pp = p + 1;
	return 0;
}

static int
parse(struct parser *P)
{
	const char *p = P->b, *end = P->end;

	if (at(p, end, "\xef\xbb\xbf", 3))
		p += 3;
	if (at(p, end, "<?xml", 5) && end - p > 5 &&
	    (isws((unsigned char)p[5]) || p[5] == '?') &&
	    xmldecl(P, &p) == -1)
		return -1;
	for (;;) {
		if (P->depth == 0) {
			p = skipws(p, end);
			if (p >= end)
				break;
			if (*p != '<') {
				if (charlen(P, p) == 0)
					return -1;
				return fail(P, p, "text %s the root element",
				    P->doc->root == NULL ? "before" : "after");
			}
		} else if (p >= end) {
			break;
		} else if (*p != '<') {
			if (text(P, &p) == -1)
				return -1;
			continue;
		}
		/* *p is '<' */
		if (at(p, end, "<!--", 4)) {
			if (comment(P, &p) == -1)
				return -1;
		} else if (at(p, end, "<?", 2)) {
			if (pi(P, &p) == -1)
				return -1;
		} else if (at(p, end, "<![CDATA[", 9) && P->depth > 0) {
			if (cdata(P, &p) == -1)
				return -1;
		} else if (at(p, end, "<!DOCTYPE", 9)) {
			return fail(P, p, "a DOCTYPE (no DTD or entity is "
			    "allowed)");
		} else if (at(p, end, "<!", 2)) {
			return fail(P, p, "markup that is not allowed here");
		} else if (at(p, end, "</", 2)) {
			if (end_tag(P, &p) == -1)
				return -1;
		} else if (start_tag(P, &p) == -1)
			return -1;
	}
	if (P->depth > 0)
		return fail(P, end, "<%.*s> is not closed",
		    (int)(P->stack[P->depth - 1].qlen > SHOWN ? SHOWN :
		    P->stack[P->depth - 1].qlen), P->stack[P->depth - 1].qname);
	if (P->doc->root == NULL)
		return fail(P, end, "no root element");
	return 0;
}

/*
 * Where off bytes into in (len bytes) is, as a line (LF, CR LF and CR
 * end one) and a byte column, both from 1.
 */
static void
position(const char *in, size_t len, size_t off, unsigned long *line,
    unsigned long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (in[i] == '\n' || (in[i] == '\r' &&
		    (i + 1 >= len || in[i + 1] != '\n'))) {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

struct eksl_xml *
eksl_xml_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct parser *P;
	struct eksl_xml *doc;
	unsigned long line, col;
	int oom;

	if (len > EKSL_XML_MAXLEN) {
		snprintf(err, errlen, "line 1, column 1: larger than %u MiB",
		    EKSL_XML_MAXLEN >> 20);
		errno = EINVAL;
		return NULL;
	}
	if ((P = malloc(sizeof(*P))) == NULL) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if ((doc = malloc(sizeof(*doc) + len + 1)) == NULL) {
		free(P);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	doc->root = NULL;
	doc->chunks = NULL;
	doc->len = len;
	memcpy(doc->buf, buf, len);
	doc->buf[len] = '\0';
	P->in = buf;
	P->b = doc->buf;
	P->end = doc->buf + len;
	P->doc = doc;
	P->nodes = 0;
	P->csize = CHUNK_MIN;
	P->errpos = P->end;
	P->why[0] = '\0';
	P->oom = 0;
	P->depth = 0;
	if (parse(P) == 0) {
		free(P);
		return doc;
	}
	oom = P->oom;
	if (oom)
		snprintf(err, errlen, "out of memory");
	else {
		position(buf, len, (size_t)(P->errpos - P->b), &line, &col);
		snprintf(err, errlen, "line %lu, column %lu: %s", line, col,
		    P->why);
	}
	free(P);
	eksl_xml_free(doc);
	errno = oom ? ENOMEM : EINVAL;
	return NULL;
}

void
eksl_xml_free(struct eksl_xml *doc)
{
	struct chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	/* AssumeRole answers hold a secret key and a session token. */
	explicit_bzero(doc->buf, doc->len);
	free(doc);
}

const struct eksl_xml_node *
eksl_xml_root(const struct eksl_xml *doc)
{
	return doc != NULL ? doc->root : NULL;
}

const char *
eksl_xml_name(const struct eksl_xml_node *n)
{
	return n->s;
}

static int
named(const struct eksl_xml_node *n, const char *name)
{
	return n->elem && (name == NULL || strcmp(n->s, name) == 0);
}

const struct eksl_xml_node *
eksl_xml_child(const struct eksl_xml_node *n, const char *name)
{
	const struct eksl_xml_node *c;

	if (n == NULL)
		return NULL;
	for (c = n->child; c != NULL; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

const struct eksl_xml_node *
eksl_xml_next(const struct eksl_xml_node *n, const char *name)
{
	if (n == NULL)
		return NULL;
	for (n = n->next; n != NULL; n = n->next)
		if (named(n, name))
			return n;
	return NULL;
}

const struct eksl_xml_node *
eksl_xml_find(const struct eksl_xml_node *n, const char *name)
{
	const struct eksl_xml_node *c, *f;

	if (n == NULL || !n->elem)
		return NULL;
	if (named(n, name))
		return n;
	/* Recursion is bounded by EKSL_XML_MAXDEPTH. */
	for (c = n->child; c != NULL; c = c->next)
		if ((f = eksl_xml_find(c, name)) != NULL)
			return f;
	return NULL;
}

/* The bytes of text under n; copied to w when w is not NULL. */
static size_t
gather(const struct eksl_xml_node *n, char *w)
{
	const struct eksl_xml_node *c;
	size_t len = 0;

	for (c = n->child; c != NULL; c = c->next) {
		if (c->elem)
			len += gather(c, w != NULL ? w + len : NULL);
		else {
			if (w != NULL)
				memcpy(w + len, c->s, c->len);
			len += c->len;
		}
	}
	return len;
}

char *
eksl_xml_content(const struct eksl_xml_node *n)
{
	size_t len;
	char *s;

	if (n == NULL)
		return NULL;
	if (!n->elem)
		len = n->len;
	else
		len = gather(n, NULL);
	if ((s = malloc(len + 1)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!n->elem)
		memcpy(s, n->s, len);
	else
		gather(n, s);
	s[len] = '\0';
	return s;
}

char *
eksl_xml_text(const struct eksl_xml_node *node, const char *name)
{
	return eksl_xml_content(eksl_xml_find(node, name));
}
