/*
 * lib/xml: real EC2, IAM and STS answers, the XML they may use (entities,
 * character references, CDATA, comments, PIs, prefixes, blanks), what is
 * refused (DOCTYPE, unknown entities, bad tags, bad bytes, too deep),
 * the error positions, every truncation of an answer, and every failing
 * allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"
#include "tap.h"

/*
 * Allocation failures: this program's malloc fails the fail_at-th call
 * counted while counting is on.  Not under ASan, which has its own.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FAILMALLOC	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAILMALLOC	0
#endif
#endif
#ifndef FAILMALLOC
#define FAILMALLOC	1
#endif

#if FAILMALLOC
extern void *__libc_malloc(size_t);

static int		counting;
static unsigned long	nallocs, fail_at;

void *
malloc(size_t n)
{
	if (counting && ++nallocs == fail_at) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}
#endif

/* DescribeInstances as EC2 writes it: indented, nested sets, tags. */
static const char instances[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/"
    "2016-11-15/\">\n"
    "    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n"
    "    <reservationSet>\n"
    "        <item>\n"
    "            <reservationId>r-1234567890abcdef0</reservationId>\n"
    "            <ownerId>123456789012</ownerId>\n"
    "            <groupSet/>\n"
    "            <instancesSet>\n"
    "                <item>\n"
    "                    <instanceId>i-1234567890abcdef0</instanceId>\n"
    "                    <imageId>ami-bff32ccc</imageId>\n"
    "                    <instanceState>\n"
    "                        <code>16</code>\n"
    "                        <name>running</name>\n"
    "                    </instanceState>\n"
    "                    <privateIpAddress>10.0.0.11</privateIpAddress>\n"
    "                    <networkInterfaceSet>\n"
    "                        <item>\n"
    "                            <privateIpAddress>10.0.0.11"
    "</privateIpAddress>\n"
    "                            <groupSet>\n"
    "                                <item><groupId>sg-1</groupId>"
    "<groupName>default</groupName></item>\n"
    "                            </groupSet>\n"
    "                        </item>\n"
    "                    </networkInterfaceSet>\n"
    "                    <tagSet>\n"
    "                        <item>\n"
    "                            <key>Name</key>\n"
    "                            <value>lc-control-plane-1</value>\n"
    "                        </item>\n"
    "                        <item>\n"
    "                            <key>eksl:cluster</key>\n"
    "                            <value>lc &lt;&amp;&gt; \"q\"</value>\n"
    "                        </item>\n"
    "                    </tagSet>\n"
    "                </item>\n"
    "                <item>\n"
    "                    <instanceId>i-0598c7d356eba48d7</instanceId>\n"
    "                    <instanceState><code>80</code><name>stopped"
    "</name></instanceState>\n"
    "                    <privateIpAddress>10.0.0.12</privateIpAddress>\n"
    "                    <tagSet/>\n"
    "                </item>\n"
    "            </instancesSet>\n"
    "        </item>\n"
    "        <item>\n"
    "            <reservationId>r-0fedcba0987654321</reservationId>\n"
    "            <instancesSet>\n"
    "                <item>\n"
    "                    <instanceId>i-0abc</instanceId>\n"
    "                    <instanceState><name>pending</name>"
    "</instanceState>\n"
    "                    <privateIpAddress>10.0.0.13</privateIpAddress>\n"
    "                </item>\n"
    "            </instancesSet>\n"
    "        </item>\n"
    "    </reservationSet>\n"
    "    <nextToken>eyJ2IjoiMiJ9</nextToken>\n"
    "</DescribeInstancesResponse>\n";

/* A walk as lib/eks.c does it: "id ip state [key=value...];" each. */
static char *
walk_instances(const struct eksl_xml *doc)
{
	const struct eksl_xml_node *r, *in, *tag;
	static char out[1024];
	char *id, *ip, *st, *k, *v;
	size_t n = 0;

	out[0] = '\0';
	r = eksl_xml_child(eksl_xml_child(eksl_xml_root(doc),
	    "reservationSet"), "item");
	for (; r != NULL; r = eksl_xml_next(r, "item")) {
		in = eksl_xml_child(eksl_xml_child(r, "instancesSet"), "item");
		for (; in != NULL; in = eksl_xml_next(in, "item")) {
			id = eksl_xml_content(eksl_xml_child(in, "instanceId"));
			ip = eksl_xml_content(eksl_xml_child(in,
			    "privateIpAddress"));
			st = eksl_xml_content(eksl_xml_child(eksl_xml_child(in,
			    "instanceState"), "name"));
			n += (size_t)snprintf(out + n, sizeof(out) - n,
			    "%s %s %s", id, ip, st);
			free(id);
			free(ip);
			free(st);
			tag = eksl_xml_child(eksl_xml_child(in, "tagSet"),
			    "item");
			for (; tag != NULL; tag = eksl_xml_next(tag, "item")) {
				k = eksl_xml_content(eksl_xml_child(tag, "key"));
				v = eksl_xml_content(eksl_xml_child(tag,
				    "value"));
				n += (size_t)snprintf(out + n, sizeof(out) - n,
				    " %s=%s", k, v);
				free(k);
				free(v);
			}
			n += (size_t)snprintf(out + n, sizeof(out) - n, ";");
		}
	}
	return out;
}

static void
test_answers(void)
{
	static const char caller[] =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/"
	    "doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>"
	    "arn:aws:iam::123456789012:user/Alice</Arn>\n    <UserId>"
	    "AKIAI44QH8DHBEXAMPLE</UserId>\n    <Account>123456789012"
	    "</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>"
	    "\n    <RequestId>01234567-89ab-cdef-0123-456789abcdef"
	    "</RequestId>\n  </ResponseMetadata>\n"
	    "</GetCallerIdentityResponse>\n";
	static const char ec2err[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Response xmlns="
	    "\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error><Code>"
	    "InvalidSubnetID.NotFound</Code><Message>The subnet ID "
	    "'subnet-0123456789abcdef0' does not exist</Message></Error>"
	    "</Errors><RequestID>request-id</RequestID></Response>";
	static const char iamerr[] =
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/"
	    "\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>NoSuchEntity"
	    "</Code>\n    <Message>The role with name nosuchrole cannot be "
	    "found.</Message>\n  </Error>\n  <RequestId>4a93ceee-9966-11e1-"
	    "b624-b1aEXAMPLE7c</RequestId>\n</ErrorResponse>";
	static const char assume[] =
	    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"
	    "2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIA"
	    "</AccessKeyId><SecretAccessKey>wJalr/K7MDENG+bPxRfiCY"
	    "</SecretAccessKey><SessionToken>FQoGZXIvYXdzEBYaDW9=</SessionToken>"
	    "<Expiration>2026-11-28T21:14:19.084041Z</Expiration></Credentials>"
	    "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s"
	    "</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";
	struct eksl_xml *d;
	const struct eksl_xml_node *root, *c;
	char err[160], *s;

	d = eksl_xml_parse(instances, strlen(instances), err, sizeof(err));
	tap_ok(d != NULL, "DescribeInstances parses (%s)",
	    d == NULL ? err : "ok");
	tap_streq(walk_instances(d),
	    "i-1234567890abcdef0 10.0.0.11 running Name=lc-control-plane-1 "
	    "eksl:cluster=lc <&> \"q\";i-0598c7d356eba48d7 10.0.0.12 "
	    "stopped;i-0abc 10.0.0.13 pending;",
	    "DescribeInstances: reservations, instances, states, tags");
	s = eksl_xml_content(eksl_xml_child(eksl_xml_root(d), "nextToken"));
	tap_streq(s, "eyJ2IjoiMiJ9", "DescribeInstances: nextToken");
	free(s);
	tap_streq(eksl_xml_name(eksl_xml_root(d)), "DescribeInstancesResponse",
	    "the root's name");
	eksl_xml_free(d);

	d = eksl_xml_parse(caller, strlen(caller), err, sizeof(err));
	root = eksl_xml_root(d);
	s = eksl_xml_text(root, "Arn");
	tap_streq(s, "arn:aws:iam::123456789012:user/Alice",
	    "GetCallerIdentity (xmlns): Arn found at any depth");
	free(s);
	s = eksl_xml_text(root, "Account");
	tap_streq(s, "123456789012", "GetCallerIdentity: Account");
	free(s);
	s = eksl_xml_text(root, "GetCallerIdentityResponse");
	tap_ok(s != NULL && strstr(s, "arn:aws:iam") != NULL &&
	    strstr(s, "01234567-89ab") != NULL,
	    "xml_text of the node itself: all its text");
	free(s);
	tap_ok(eksl_xml_text(root, "Missing") == NULL,
	    "xml_text: a missing element is NULL");
	tap_ok(eksl_xml_text(NULL, "Arn") == NULL, "xml_text: NULL node");
	tap_ok(eksl_xml_child(NULL, "x") == NULL &&
	    eksl_xml_next(NULL, "x") == NULL && eksl_xml_root(NULL) == NULL &&
	    eksl_xml_content(NULL) == NULL, "NULL in, NULL out");
	eksl_xml_free(d);
	eksl_xml_free(NULL);

	d = eksl_xml_parse(ec2err, strlen(ec2err), err, sizeof(err));
	s = eksl_xml_text(eksl_xml_root(d), "Code");
	tap_streq(s, "InvalidSubnetID.NotFound",
	    "EC2 <Response><Errors><Error>: Code");
	free(s);
	s = eksl_xml_text(eksl_xml_root(d), "Message");
	tap_streq(s, "The subnet ID 'subnet-0123456789abcdef0' does not exist",
	    "EC2 error: Message");
	free(s);
	eksl_xml_free(d);

	d = eksl_xml_parse(iamerr, strlen(iamerr), err, sizeof(err));
	s = eksl_xml_text(eksl_xml_root(d), "Code");
	tap_streq(s, "NoSuchEntity", "IAM <ErrorResponse>: Code");
	free(s);
	eksl_xml_free(d);

	d = eksl_xml_parse(assume, strlen(assume), err, sizeof(err));
	c = eksl_xml_find(eksl_xml_root(d), "Credentials");
	s = eksl_xml_text(c, "SecretAccessKey");
	tap_streq(s, "wJalr/K7MDENG+bPxRfiCY", "AssumeRole: the secret key");
	free(s);
	s = eksl_xml_text(c, "Expiration");
	tap_streq(s, "2026-11-28T21:14:19.084041Z", "AssumeRole: Expiration");
	free(s);
	eksl_xml_free(d);
}

/* Documents that parse: the text of the first element named find. */
static void
test_accepted(void)
{
	static const struct {
		const char *name, *in, *find, *want;
	} t[] = {
		{ "predefined entities", "<a>&lt;&gt;&amp;&apos;&quot;</a>",
		  "a", "<>&'\"" },
		{ "character references",
		  "<a>&#65;&#x42;&#xe9;&#x20AC;&#x1F600;&#0067;&#x10FFFF;</a>",
		  "a", "AB\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "C"
		  "\xf4\x8f\xbf\xbf" },
		{ "a reference to a tab, LF, CR is kept",
		  "<a>&#9;&#10;&#xD;</a>", "a", "\t\n\r" },
		{ "CDATA is text, markup in it is not markup",
		  "<a><![CDATA[<b>&amp;</b>]]></a>", "a", "<b>&amp;</b>" },
		{ "text, CDATA and text join",
		  "<a>x<![CDATA[y]]>z<![CDATA[]]></a>", "a", "xyz" },
		{ "comments and PIs are skipped",
		  "<?xml version=\"1.0\"?><!-- c --><?pi x?>\n<a><!-- in -->t"
		  "<?p?>u<?q  data ?></a><!-- after -->\n<?end?>\n", "a", "tu" },
		{ "namespace prefixes are stripped",
		  "<s:Envelope xmlns:s=\"urn:s\"><s:Body><e:Code xmlns:e='urn:e'"
		  ">C</e:Code></s:Body></s:Envelope>", "Code", "C" },
		{ "an element's text is all the text under it",
		  "<a> <b>x</b> <c>y<d>z</d></c>\n</a>", "a", " x yz\n" },
		{ "whitespace-only text is kept", "<r><a>  \t</a></r>", "a",
		  "  \t" },
		{ "an empty element has empty text", "<r><a/><b></b></r>", "a",
		  "" },
		{ "CR LF and CR become LF", "<a>x\r\ny\rz\r</a>", "a",
		  "x\ny\nz\n" },
		{ "UTF-8 passes through", "<a>\xc3\xa9\xe2\x82\xac\xf0\x9f\x98"
		  "\x80</a>", "a", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "a BOM and a declaration",
		  "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\" "
		  "standalone='yes' ?>\n<a>x</a>", "a", "x" },
		{ "attributes in both quotes, blanks around =",
		  "<a x='1' y = \"2&amp;&#65;'\" z=\"\">t</a>", "a", "t" },
		{ "blanks before > in tags", "<a \n>x</a\t>", "a", "x" },
		{ "> and ]] in text", "<a>a>b]]c]</a>", "a", "a>b]]c]" },
		{ "names with - . _ digits and UTF-8",
		  "<_a-b.c1><\xc3\xa9l>x</\xc3\xa9l></_a-b.c1>",
		  "\xc3\xa9l", "x" },
		{ "the first of several", "<r><k>1</k><k>2</k></r>", "k", "1" },
		{ "depth first, document order",
		  "<r><a><k>deep</k></a><k>shallow</k></r>", "k", "deep" },
	};
	struct eksl_xml *d;
	char err[160], name[128], *s;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = eksl_xml_parse(t[i].in, strlen(t[i].in), err, sizeof(err));
		snprintf(name, sizeof(name), "accepted: %s", t[i].name);
		if (d == NULL) {
			tap_ok(0, "%s: %s", name, err);
			continue;
		}
		s = eksl_xml_text(eksl_xml_root(d), t[i].find);
		tap_streq(s, t[i].want, name);
		free(s);
		eksl_xml_free(d);
	}
}

/* Documents refused, with the exact error. */
static void
test_refused(void)
{
	static const struct {
		const char *name, *in;
		size_t len;	/* 0: strlen */
		const char *err;
	} t[] = {
		{ "a DOCTYPE", "<!DOCTYPE a><a/>", 0,
		  "line 1, column 1: a DOCTYPE (no DTD or entity is allowed)" },
		{ "billion laughs",
		  "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		  " <!ENTITY lol \"lol\">\n"
		  " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		  " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		  "]>\n<lolz>&lol2;</lolz>", 0,
		  "line 2, column 1: a DOCTYPE (no DTD or entity is allowed)" },
		{ "an external entity", "<a>&xxe;</a>", 0,
		  "line 1, column 4: unknown entity &xxe; (only the five "
		  "predefined ones are)" },
		{ "a bare &", "<a>a & b</a>", 0,
		  "line 1, column 6: a '&' that starts no reference (write "
		  "&amp;)" },
		{ "&amp without ;", "<a>&amp</a>", 0,
		  "line 1, column 4: a '&' that starts no reference (write "
		  "&amp;)" },
		{ "&#0;", "<a>&#0;</a>", 0,
		  "line 1, column 4: character reference &#0; is no XML "
		  "character" },
		{ "a surrogate", "<a>&#xD800;</a>", 0,
		  "line 1, column 4: character reference &#xD800; is no XML "
		  "character" },
		{ "above U+10FFFF", "<a>&#x110000;</a>", 0,
		  "line 1, column 4: character reference &#x110000; is no XML "
		  "character" },
		{ "a huge reference", "<a>&#99999999999999999999999;</a>", 0,
		  "line 1, column 4: character reference "
		  "&#99999999999999999999999; is no XML character" },
		{ "a control character by reference", "<a>&#1;</a>", 0,
		  "line 1, column 4: character reference &#1; is no XML "
		  "character" },
		{ "U+FFFE by reference", "<a>&#xFFFE;</a>", 0,
		  "line 1, column 4: character reference &#xFFFE; is no XML "
		  "character" },
		{ "&#; and &#x;", "<a>&#x;</a>", 0,
		  "line 1, column 4: a malformed character reference" },
		{ "&#X41; (capital X)", "<a>&#X41;</a>", 0,
		  "line 1, column 4: a malformed character reference" },
		{ "a mismatched end tag", "<a><b></a></b>", 0,
		  "line 1, column 7: </a> does not close <b>" },
		{ "an unclosed element", "<a><b>x</b>", 0,
		  "line 1, column 12: <a> is not closed" },
		{ "a stray end tag", "</a>", 0,
		  "line 1, column 1: an end tag without its start tag" },
		{ "text after the root", "<a/>x", 0,
		  "line 1, column 5: text after the root element" },
		{ "a second root", "<a/>\n<b/>", 0,
		  "line 2, column 1: a second root element" },
		{ "text before the root", "hello", 0,
		  "line 1, column 1: text before the root element" },
		{ "nothing", "", 0, "line 1, column 1: no root element" },
		{ "blanks only", " \n ", 0, "line 2, column 2: no root element" },
		{ "a NUL inside", "<a>x\0y</a>", 10,
		  "line 1, column 5: a NUL byte" },
		{ "a NUL after the root", "<a/>\0", 5,
		  "line 1, column 5: a NUL byte" },
		{ "a control character", "<a>\x01</a>", 0,
		  "line 1, column 4: control character 0x01" },
		{ "invalid UTF-8", "<a>\xff</a>", 0,
		  "line 1, column 4: bytes that are not UTF-8 (or no XML "
		  "character)" },
		{ "overlong UTF-8", "<a>\xc0\xaf</a>", 0,
		  "line 1, column 4: bytes that are not UTF-8 (or no XML "
		  "character)" },
		{ "a UTF-8 surrogate", "<a>\xed\xa0\x80</a>", 0,
		  "line 1, column 4: bytes that are not UTF-8 (or no XML "
		  "character)" },
		{ "cut UTF-8", "<a>\xe2\x82</a>", 0,
		  "line 1, column 4: bytes that are not UTF-8 (or no XML "
		  "character)" },
		{ "]]> in text", "<a>x]]>y</a>", 0,
		  "line 1, column 5: ']]>' in text" },
		{ "-- in a comment", "<a><!-- a -- b --></a>", 0,
		  "line 1, column 11: '--' inside a comment" },
		{ "an unclosed comment", "<a><!-- x</a>", 0,
		  "line 1, column 4: a comment that is not closed" },
		{ "an unclosed CDATA", "<a><![CDATA[x</a>", 0,
		  "line 1, column 4: a CDATA section that is not closed" },
		{ "CDATA before the root", "<![CDATA[x]]><a/>", 0,
		  "line 1, column 1: markup that is not allowed here" },
		{ "a declaration not at the start", " <?xml version=\"1.0\"?><a/>",
		  0, "line 1, column 2: an XML declaration that is not at the "
		  "start" },
		{ "another encoding",
		  "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", 0,
		  "line 1, column 31: encoding ISO-8859-1 is not supported "
		  "(only UTF-8)" },
		{ "an encoding only like UTF-8",
		  "<?xml version=\"1.0\" encoding=\"UTF\r8\"?><a/>", 0,
		  "line 1, column 31: encoding UTF\r8 is not supported "
		  "(only UTF-8)" },
		{ "XML 2.0", "<?xml version=\"2.0\"?><a/>", 0,
		  "line 1, column 16: XML version 2.0 is not 1.x" },
		{ "a declaration without version",
		  "<?xml encoding=\"UTF-8\"?><a/>", 0,
		  "line 1, column 7: the XML declaration has version, then "
		  "encoding and standalone" },
		{ "an unquoted attribute", "<a x=1/>", 0,
		  "line 1, column 6: expected a quoted attribute value" },
		{ "a repeated attribute", "<a x='1' x=\"2\"/>", 0,
		  "line 1, column 10: attribute x given twice" },
		{ "< in an attribute", "<a x='<'/>", 0,
		  "line 1, column 7: '<' in an attribute value" },
		{ "an entity in an attribute", "<a x='&e;'/>", 0,
		  "line 1, column 7: unknown entity &e; (only the five "
		  "predefined ones are)" },
		{ "attributes without a blank", "<a x='1'y='2'/>", 0,
		  "line 1, column 9: expected whitespace, '>' or '/>' in a "
		  "start tag" },
		{ "a name with two colons", "<a:b:c/>", 0,
		  "line 1, column 5: a name with two ':'" },
		{ "an empty prefix", "<:a/>", 0,
		  "line 1, column 2: a name with an empty prefix or local "
		  "part" },
		{ "a name starting with a digit", "<1a/>", 0,
		  "line 1, column 2: expected an element name" },
		{ "an unclosed start tag", "<a x='1'", 0,
		  "line 1, column 1: a start tag that is not closed" },
		{ "< and a blank", "<a>< b/></a>", 0,
		  "line 1, column 5: expected an element name" },
		{ "the position counts lines (LF, CR LF, CR)",
		  "<a>\n<b>\r\n\r</c>", 0,
		  "line 4, column 1: </c> does not close <b>" },
		{ "the column counts bytes", "<a>\xc3\xa9&zz;</a>", 0,
		  "line 1, column 6: unknown entity &zz; (only the five "
		  "predefined ones are)" },
	};
	struct eksl_xml *d;
	char err[160], name[128];
	size_t i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len != 0 ? t[i].len : strlen(t[i].in);
		err[0] = '\0';
		errno = 0;
		d = eksl_xml_parse(t[i].in, len, err, sizeof(err));
		snprintf(name, sizeof(name), "refused: %s", t[i].name);
		if (d != NULL) {
			tap_ok(0, "%s: parsed", name);
			eksl_xml_free(d);
			continue;
		}
		tap_streq(err, t[i].err, name);
		if (errno != EINVAL)
			tap_diag("errno %d", errno);
	}
}

/* The element lists the callers walk; child and next skip text. */
static void
test_lists(void)
{
	static const char in[] = "<r> <item>1</item>x<other/><!--c--><item>2"
	    "</item> <p:item xmlns:p='u'>3</p:item></r>";
	const struct eksl_xml_node *n;
	struct eksl_xml *d;
	char err[160], got[32], *s;
	size_t k = 0;

	d = eksl_xml_parse(in, strlen(in), err, sizeof(err));
	for (n = eksl_xml_child(eksl_xml_root(d), "item"); n != NULL;
	    n = eksl_xml_next(n, "item")) {
		s = eksl_xml_content(n);
		k += (size_t)snprintf(got + k, sizeof(got) - k, "%s", s);
		free(s);
	}
	tap_streq(got, "123", "child/next walk an <item> list, any prefix");
	n = eksl_xml_child(eksl_xml_root(d), NULL);
	tap_streq(eksl_xml_name(n), "item", "child with NULL: the first "
	    "element");
	n = eksl_xml_next(n, NULL);
	tap_streq(eksl_xml_name(n), "other", "next with NULL: the next "
	    "element, not text");
	tap_ok(eksl_xml_child(eksl_xml_root(d), "nope") == NULL,
	    "child: none of that name");
	eksl_xml_free(d);
}

/* Nesting: EKSL_XML_MAXDEPTH levels parse, one more does not. */
static void
test_depth(void)
{
	struct eksl_xml *d;
	char *buf, err[160];
	size_t i, n, depth;

	if ((buf = malloc(8 * (EKSL_XML_MAXDEPTH + 2))) == NULL)
		return;
	for (depth = EKSL_XML_MAXDEPTH; depth <= EKSL_XML_MAXDEPTH + 1;
	    depth++) {
		n = 0;
		for (i = 0; i < depth; i++, n += 3)
			memcpy(buf + n, "<a>", 3);
		for (i = 0; i < depth; i++, n += 4)
			memcpy(buf + n, "</a>", 4);
		d = eksl_xml_parse(buf, n, err, sizeof(err));
		if (depth == EKSL_XML_MAXDEPTH)
			tap_ok(d != NULL, "%zu nested elements parse", depth);
		else
			tap_streq(d == NULL ? err : "parsed",
			    "line 1, column 769: elements nested deeper than "
			    "256", "one level more is refused");
		eksl_xml_free(d);
	}
	free(buf);
}

/*
 * Every prefix of an answer, in a buffer of exactly that size (so ASan
 * sees any read past it): refused with a position, or (once the root is
 * closed) parsed.
 */
static void
test_truncated(void)
{
	size_t len = strlen(instances), n, bad = 0, parsed = 0, root_end;
	struct eksl_xml *d;
	char err[160], *buf;

	root_end = (size_t)(strstr(instances, "</DescribeInstancesResponse>") -
	    instances) + strlen("</DescribeInstancesResponse>");
	for (n = 0; n <= len; n++) {
		if ((buf = malloc(n + 1)) == NULL)
			break;
		memcpy(buf, instances, n);
		d = eksl_xml_parse(buf, n, err, sizeof(err));
		if (d != NULL) {
			parsed++;
			if (n < root_end)
				bad++;
		} else if (strncmp(err, "line ", 5) != 0 || n >= root_end)
			bad++;
		eksl_xml_free(d);
		free(buf);
	}
	tap_ok(bad == 0 && parsed == len - root_end + 1, "all %zu prefixes "
	    "of DescribeInstances: refused with a position until the root "
	    "is closed (%zu wrong)", len + 1, bad);
}

/* More than EKSL_XML_MAXNODES nodes are refused. */
static void
test_nodes(void)
{
	size_t count = EKSL_XML_MAXNODES, n = 0, i;
	struct eksl_xml *d;
	char err[160], *buf;

	/* The root and count empty elements: count + 1 nodes. */
	if ((buf = malloc(4 * count + 16)) == NULL)
		return;
	memcpy(buf, "<r>", 3);
	n = 3;
	for (i = 0; i < count; i++, n += 4)
		memcpy(buf + n, "<a/>", 4);
	memcpy(buf + n, "</r>", 4);
	d = eksl_xml_parse(buf, n + 4, err, sizeof(err));
	tap_ok(d == NULL && strstr(err, "more than 2097152 elements and "
	    "texts") != NULL, "more than %u nodes are refused (%s)",
	    EKSL_XML_MAXNODES, d == NULL ? err : "parsed");
	eksl_xml_free(d);
	/* One fewer fits. */
	memcpy(buf + n - 4, "</r>", 4);
	d = eksl_xml_parse(buf, n, err, sizeof(err));
	tap_ok(d != NULL, "%u nodes parse", EKSL_XML_MAXNODES);
	eksl_xml_free(d);
	free(buf);
	/* The length is judged before a byte is read. */
	d = eksl_xml_parse("<a/>", (size_t)EKSL_XML_MAXLEN + 1, err,
	    sizeof(err));
	tap_streq(d == NULL ? err : "parsed", "line 1, column 1: larger than "
	    "1024 MiB", "more than EKSL_XML_MAXLEN bytes are refused");
	eksl_xml_free(d);
}

/*
 * Every allocation of a parse and of the text taken from it, failed in
 * turn: each failure is NULL and "out of memory" (errno ENOMEM), never
 * a crash or a wrong text.
 */
static void
test_allocations(void)
{
#if FAILMALLOC
	unsigned long total, k, bad = 0;
	struct eksl_xml *d;
	char err[160], *s;
	size_t big = 64 * 1024, i, n;
	char *buf;

	/* Large enough for several node chunks. */
	if ((buf = malloc(big * 4 + 32)) == NULL)
		return;
	memcpy(buf, "<r>", 3);
	for (i = 0, n = 3; i < big; i++, n += 4)
		memcpy(buf + n, "<a/>", 4);
	memcpy(buf + n, "<b>", 3);
	n += 3;
	memcpy(buf + n, "x&amp;y</b></r>", 15);
	n += 15;
	nallocs = 0;
	fail_at = 0;
	counting = 1;
	d = eksl_xml_parse(buf, n, err, sizeof(err));
	s = eksl_xml_text(eksl_xml_root(d), "b");
	counting = 0;
	total = nallocs;
	tap_streq(s, "x&y", "the allocation sweep's document");
	free(s);
	eksl_xml_free(d);
	for (k = 1; k <= total; k++) {
		nallocs = 0;
		fail_at = k;
		errno = 0;
		counting = 1;
		d = eksl_xml_parse(buf, n, err, sizeof(err));
		s = d != NULL ? eksl_xml_text(eksl_xml_root(d), "b") : NULL;
		counting = 0;
		if (d == NULL && (strcmp(err, "out of memory") != 0 ||
		    errno != ENOMEM))
			bad++;
		if (d != NULL && (s != NULL || errno != ENOMEM))
			bad++;
		free(s);
		eksl_xml_free(d);
	}
	tap_ok(total >= 3 && bad == 0, "%lu allocations, each failed in turn: "
	    "NULL and out of memory (%lu wrong)", total, bad);
	free(buf);
#else
	tap_skip("allocation sweep: not under ASan");
#endif
}

int
main(void)
{
	test_answers();
	test_accepted();
	test_refused();
	test_lists();
	test_depth();
	test_truncated();
	test_nodes();
	test_allocations();
	return tap_done();
}
