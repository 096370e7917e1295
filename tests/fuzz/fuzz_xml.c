/*
 * Fuzz lib/xml: the whole input is parsed as it is (not NUL-terminated,
 * so a read past it shows).  A refusal must say where ("line L, column
 * C: ...") or "out of memory"; a document is walked the way lib/eks.c
 * and lib/ec2net.c walk answers, and every text taken from it must be
 * UTF-8 without NUL, of the length its parts add up to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s is well-formed UTF-8 (no NUL: it is a C string). */
static int
utf8ok(const unsigned char *s)
{
	size_t n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 1;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		s += n + 1;
	}
	return 1;
}

/* Walk every element; returns the length of all the text under n. */
static size_t
walk(const struct eksl_xml_node *n, int depth)
{
	const struct eksl_xml_node *c;
	size_t len, sum = 0;
	char *t;

	if (depth > EKSL_XML_MAXDEPTH || eksl_xml_name(n)[0] == '\0' ||
	    strchr(eksl_xml_name(n), ':') != NULL)
		abort();
	if ((t = eksl_xml_content(n)) == NULL)
		return 0;
	len = strlen(t);
	if (!utf8ok((const unsigned char *)t))
		abort();
	free(t);
	for (c = eksl_xml_child(n, NULL); c != NULL; c = eksl_xml_next(c,
	    NULL)) {
		if (eksl_xml_find(n, eksl_xml_name(c)) == NULL)
			abort();
		sum += walk(c, depth + 1);
	}
	/* The children's text is part of n's. */
	if (sum > len)
		abort();
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "item", "Code", "Message",
	    "instanceId", "privateIpAddress", "nextToken", "a", NULL };
	const struct eksl_xml_node *root, *it;
	struct eksl_xml *doc;
	char err[256], *s;
	size_t i;

	if ((doc = eksl_xml_parse((const char *)data, size, err,
	    sizeof(err))) == NULL) {
		if (strncmp(err, "line ", 5) != 0 &&
		    strcmp(err, "out of memory") != 0)
			abort();
		if (strlen(err) >= sizeof(err) - 1)
			abort();
		return 0;
	}
	if ((root = eksl_xml_root(doc)) == NULL)
		abort();
	(void)walk(root, 1);
	for (i = 0; names[i] != NULL; i++) {
		if ((s = eksl_xml_text(root, names[i])) != NULL)
			free(s);
		it = eksl_xml_child(eksl_xml_child(root, names[i]), "item");
		for (; it != NULL; it = eksl_xml_next(it, "item"))
			free(eksl_xml_text(it, names[i]));
	}
	eksl_xml_free(doc);
	return 0;
}
