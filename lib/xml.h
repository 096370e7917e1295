/*
 * A small XML parser for the answers of the AWS Query APIs (EC2, IAM, STS,
 * Outposts): a whole buffer into a tree of elements and their text.  It
 * takes in the subset those answers use: an optional BOM and XML
 * declaration (UTF-8), elements with attributes, text, CDATA sections,
 * comments and processing instructions (both skipped), the five
 * predefined entities and character references.  It refuses any DOCTYPE
 * (so no DTD, no external or user entities, no entity expansion), every
 * other entity, bytes that are not UTF-8 or not XML characters (NUL,
 * most controls), and nesting deeper than EKSL_XML_MAXDEPTH.  Element
 * names are matched by local name: a namespace prefix is stripped and
 * namespace declarations are not checked.  Attributes are checked, then
 * dropped: no caller needs one.  Line ends are normalised to "\n".
 */
#ifndef EKSL_XML_H
#define EKSL_XML_H

#include <stddef.h>

#define EKSL_XML_MAXLEN		(1024u << 20)	/* bytes of a document */
#define EKSL_XML_MAXDEPTH	256		/* nested elements */
#define EKSL_XML_MAXNODES	(2u << 20)	/* elements and texts */

struct eksl_xml;		/* a parsed document */
struct eksl_xml_node;		/* one element of it */

/*
 * Parse len bytes at buf (no NUL needed, none allowed) into a new
 * document (caller frees with eksl_xml_free; buf is not kept).  Returns
 * NULL with err set to "line L, column C: reason" (column in bytes) and
 * errno EINVAL, or to "out of memory" and errno ENOMEM.
 */
struct eksl_xml *eksl_xml_parse(const char *buf, size_t len, char *err,
	    size_t errlen);
/* Free a document (NULL is fine); its text is wiped first (secrets). */
void	eksl_xml_free(struct eksl_xml *doc);

/* The root element of doc (borrowed, lives as long as doc); NULL for NULL. */
const struct eksl_xml_node *eksl_xml_root(const struct eksl_xml *doc);
/* The local name of an element (borrowed). */
const char *eksl_xml_name(const struct eksl_xml_node *n);
/*
 * The first child element of n with local name name (any when name is
 * NULL), or NULL (also when n is NULL).  Borrowed.
 */
const struct eksl_xml_node *eksl_xml_child(const struct eksl_xml_node *n,
	    const char *name);
/*
 * The next sibling element of n with local name name (any when name is
 * NULL), or NULL (also when n is NULL): walks <item> lists.  Borrowed.
 */
const struct eksl_xml_node *eksl_xml_next(const struct eksl_xml_node *n,
	    const char *name);
/*
 * n itself when its local name is name, else the first element so named
 * under n in document order (any depth), or NULL.  Borrowed.
 */
const struct eksl_xml_node *eksl_xml_find(const struct eksl_xml_node *n,
	    const char *name);
/*
 * All the text under n (its own and its descendants', in document order,
 * CDATA included) as a new string (caller frees); "" for none; NULL when
 * out of memory (errno ENOMEM) or when n is NULL.
 */
char	*eksl_xml_content(const struct eksl_xml_node *n);
/*
 * The text (as eksl_xml_content) of eksl_xml_find(node, name): a new
 * string (caller frees), or NULL when there is no such element (or out
 * of memory, errno ENOMEM).
 */
char	*eksl_xml_text(const struct eksl_xml_node *node, const char *name);

#endif
