/*
 * lib/hostsfile: parse, pin, unpin, render, check and diff, table-driven.
 * Every case also checks that unpinning what was pinned gives back the
 * original bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsfile.h"
#include "tap.h"

#define B(h)	"# BEGIN eksl host=" h
#define E(h)	"# END eksl host=" h

/* Render after applying ops; "p HOST IP..." pins, "u HOST" unpins. */
static char *
apply(const char *in, const char *const *ops, int *changed, char *err,
    size_t errlen)
{
	struct eksl_hosts *h;
	struct eksl_buf out;
	char line[512], *words[16], *save = NULL, *w;
	size_t i, n;

	if ((h = eksl_hosts_parse("f", in, strlen(in), err, errlen)) == NULL)
		return NULL;
	for (i = 0; ops[i] != NULL; i++) {
		snprintf(line, sizeof(line), "%s", ops[i]);
		n = 0;
		for (w = strtok_r(line, " ", &save); w != NULL && n < 16;
		    w = strtok_r(NULL, " ", &save))
			words[n++] = w;
		if (words[0][0] == 'p') {
			const char *cl = NULL;
			size_t first = 2;

			if (n > 2 && strncmp(words[2], "cluster=", 8) == 0) {
				cl = words[2] + 8;
				first = 3;
			}
			if (eksl_hosts_pin(h, words[1], cl, words + first,
			    n - first, err, errlen) == -1) {
				eksl_hosts_free(h);
				return NULL;
			}
		} else
			eksl_hosts_unpin(h, words[1]);
	}
	*changed = eksl_hosts_changed(h);
	eksl_buf_init(&out, 0);
	if (eksl_hosts_render(h, &out) == -1) {
		eksl_hosts_free(h);
		return NULL;
	}
	eksl_hosts_free(h);
	return eksl_buf_steal(&out);
}

struct rcase {
	const char	*name;
	const char	*in;
	const char	*ops[6];
	const char	*want;
	int		 roundtrip;	/* unpin the pinned hosts: back to in */
};

static const struct rcase rcases[] = {
	{ "empty file", "", { "p a.example 10.0.0.1", NULL },
	    B("a.example") "\n10.0.0.1\ta.example\n" E("a.example") "\n", 1 },
	{ "appended after user lines, final newline kept",
	    "127.0.0.1 localhost\n# c\n", { "p a.example 10.0.0.1", NULL },
	    "127.0.0.1 localhost\n# c\n" B("a.example")
	    "\n10.0.0.1\ta.example\n" E("a.example") "\n", 1 },
	{ "no final newline: added, and recorded",
	    "127.0.0.1 localhost", { "p a.example 10.0.0.1", NULL },
	    "127.0.0.1 localhost\n" B("a.example") " newline=added\n"
	    "10.0.0.1\ta.example\n" E("a.example") "\n", 1 },
	{ "CRLF file: the block uses CRLF",
	    "127.0.0.1 localhost\r\n::1 lh6\r\n",
	    { "p a.example 10.0.0.1", NULL },
	    "127.0.0.1 localhost\r\n::1 lh6\r\n" B("a.example")
	    "\r\n10.0.0.1\ta.example\r\n" E("a.example") "\r\n", 1 },
	{ "CRLF without final newline",
	    "1.1.1.1 x\r\n2.2.2.2 y", { "p a.example 10.0.0.1", NULL },
	    "1.1.1.1 x\r\n2.2.2.2 y\r\n" B("a.example") " newline=added\r\n"
	    "10.0.0.1\ta.example\r\n" E("a.example") "\r\n", 1 },
	{ "addresses sorted (IPv4 first), deduplicated, host lower-cased",
	    "", { "p A.Example. ::1 10.0.0.2 10.0.0.10 10.0.0.2", NULL },
	    B("a.example") "\n10.0.0.2\ta.example\n10.0.0.10\ta.example\n"
	    "::1\ta.example\n" E("a.example") "\n", 1 },
	{ "cluster in the marker", "",
	    { "p a.example cluster=prod-1 10.0.0.1", NULL },
	    B("a.example") " cluster=prod-1\n10.0.0.1\ta.example\n"
	    E("a.example") "\n", 1 },
	{ "replaced where it stands",
	    "1.1.1.1 x\n" B("a.example") "\n10.0.0.1\ta.example\n"
	    E("a.example") "\n# tail\n", { "p a.example 10.0.0.9", NULL },
	    "1.1.1.1 x\n" B("a.example") "\n10.0.0.9\ta.example\n"
	    E("a.example") "\n# tail\n", 0 },
	{ "unpin in the middle",
	    "1.1.1.1 x\n" B("a.example") "\n10.0.0.1\ta.example\n"
	    E("a.example") "\n# tail\n", { "u a.example", NULL },
	    "1.1.1.1 x\n# tail\n", 0 },
	{ "unpin of an absent host changes nothing", "1.1.1.1 x\n",
	    { "u b.example", NULL }, "1.1.1.1 x\n", 0 },
	{ "two hosts, no final newline, unpin the first: flag moves on",
	    "1.1.1.1 x", { "p a.example 10.0.0.1", "p b.example 10.0.0.2",
	    "u a.example", NULL },
	    "1.1.1.1 x\n" B("b.example") " newline=added\n"
	    "10.0.0.2\tb.example\n" E("b.example") "\n", 0 },
	{ "two hosts, no final newline, both unpinned: exact bytes",
	    "1.1.1.1 x", { "p a.example 10.0.0.1", "p b.example 10.0.0.2",
	    "u b.example", "u a.example" }, "1.1.1.1 x", 0 },
	{ "tabs, aliases and comments outside are kept",
	    "\t10.0.0.5\tfoo foo.local  # c\n\n  # x\t\n",
	    { "p a.example 10.0.0.1", NULL },
	    "\t10.0.0.5\tfoo foo.local  # c\n\n  # x\t\n" B("a.example")
	    "\n10.0.0.1\ta.example\n" E("a.example") "\n", 1 },
};

struct dcase {
	const char	*name;
	const char	*in;
	const char	*err;
};

static const struct dcase dcases[] = {
	{ "BEGIN without END", "x\n" B("a.example") "\n1.1.1.1 a\n",
	    "f:2: BEGIN eksl host=a.example has no END" },
	{ "END without BEGIN", "x\n" E("a.example") "\n",
	    "f:2: END eksl without BEGIN" },
	{ "nested BEGIN", B("a.example") "\n" B("b.example") "\n",
	    "f:2: BEGIN eksl inside the block opened at line 1" },
	{ "END for another host", B("a.example") "\n" E("b.example") "\n",
	    "f:2: END eksl does not match BEGIN eksl host=a.example at "
	    "line 1" },
	{ "two blocks for one host",
	    B("a.example") "\n" E("a.example") "\nx\n" B("A.example.") "\n"
	    E("a.example") "\n",
	    "f:4: a second block for host a.example (the first is at line "
	    "1)" },
	{ "marker without host", "# BEGIN eksl cluster=x\n",
	    "f:1: BEGIN eksl marker without a valid host=" },
	{ "marker with a bad host", "# BEGIN eksl host=a_b\n",
	    "f:1: BEGIN eksl marker without a valid host=" },
};

static void
test_render(void)
{
	char err[512], *got, *back;
	const char *ops[8];
	size_t i, j, k;
	int changed;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *c = &rcases[i];

		err[0] = '\0';
		got = apply(c->in, c->ops, &changed, err, sizeof(err));
		tap_streq(got, c->want, c->name);
		if (got == NULL)
			tap_diag("err: %s", err);
		tap_ok(changed == (strcmp(c->in, c->want) != 0),
		    "%s: changed flag", c->name);
		/* Same ops again on the result: nothing changes. */
		if (got != NULL && c->ops[0][0] == 'p' && c->ops[1] == NULL) {
			back = apply(got, c->ops, &changed, err, sizeof(err));
			tap_ok(back != NULL && changed == 0 &&
			    strcmp(back, got) == 0, "%s: second pin is a no-op",
			    c->name);
			free(back);
		}
		if (got != NULL && c->roundtrip) {
			for (j = k = 0; c->ops[j] != NULL; j++) {
				static char buf[8][128];
				char *sp;

				snprintf(buf[k], sizeof(buf[k]), "u %s",
				    c->ops[j] + 2);
				if ((sp = strchr(buf[k] + 2, ' ')) != NULL)
					*sp = '\0';
				ops[k] = buf[k];
				k++;
			}
			ops[k] = NULL;
			back = apply(got, ops, &changed, err, sizeof(err));
			tap_streq(back, c->in, "unpin restores the bytes");
			free(back);
		}
		free(got);
	}
}

static void
test_damaged(void)
{
	char err[512];
	struct eksl_hosts *h;
	size_t i;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		err[0] = '\0';
		h = eksl_hosts_parse("f", dcases[i].in, strlen(dcases[i].in),
		    err, sizeof(err));
		tap_ok(h == NULL, "damaged: %s: refused", dcases[i].name);
		tap_streq(err, dcases[i].err, dcases[i].name);
		eksl_hosts_free(h);
	}
}

static void
test_refused(void)
{
	static const struct {
		const char *host, *cluster, *addr, *err;
	} t[] = {
		{ "a b", NULL, "1.1.1.1", "a b: not a valid host name" },
		{ "a\nb", NULL, "1.1.1.1", "a\nb: not a valid host name" },
		{ "a#b", NULL, "1.1.1.1", "a#b: not a valid host name" },
		{ "a.example", "x y", "1.1.1.1",
		    "a.example: cluster name is not a safe token" },
		{ "a.example", "x\ny", "1.1.1.1",
		    "a.example: cluster name is not a safe token" },
		{ "a.example", NULL, "1.1.1.1 b",
		    "a.example: 1.1.1.1 b: not a canonical IP address" },
		{ "a.example", NULL, "::0001",
		    "a.example: ::0001: not a canonical IP address" },
	};
	struct eksl_hosts *h;
	char err[512], *addrs[1];
	size_t i;

	h = eksl_hosts_parse("f", "", 0, err, sizeof(err));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		addrs[0] = (char *)t[i].addr;
		err[0] = '\0';
		tap_ok(eksl_hosts_pin(h, t[i].host, t[i].cluster, addrs, 1, err,
		    sizeof(err)) == -1, "refused: case %zu", i);
		tap_streq(err, t[i].err, "refusal message");
	}
	tap_ok(eksl_hosts_pin(h, "a.example", NULL, addrs, 0, err,
	    sizeof(err)) == -1, "refused: no addresses");
	tap_ok(!eksl_hosts_changed(h), "nothing changed after refusals");
	eksl_hosts_free(h);
}

static void
test_canon(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "10.0.0.1", "10.0.0.1" }, { "::1", "::1" },
		{ "0:0:0:0:0:0:0:1", "::1" }, { "FE80::A", "fe80::a" },
		{ "::ffff:10.0.0.1", "::ffff:10.0.0.1" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "010.0.0.1", NULL }, { "10.1", NULL }, { "1.2.3.256", NULL },
		{ "fe80::1%lo", NULL }, { "", NULL }, { " 1.1.1.1", NULL },
	};
	char out[EKSL_ADDRSTRLEN];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = eksl_addr_canon(t[i].in, out, sizeof(out));
		if (t[i].out == NULL)
			tap_ok(rc == -1, "canon: \"%s\" refused", t[i].in);
		else
			tap_streq(rc == 0 ? out : NULL, t[i].out, t[i].in);
	}
}

static void
test_check_list(void)
{
	static const char in[] =
	    "10.9.9.9 A.example # an unmanaged line\n"
	    B("a.example") " cluster=c1\n10.0.0.1\ta.example\n::1\ta.example\n"
	    E("a.example") "\n"
	    B("b.example") "\n10.0.0.2\tb.example\n" E("b.example") "\n";
	char err[512], *want[2] = { "10.0.0.1", "::1" }, *other[1] = { "10.0.0.3" };
	const char *host, *cluster;
	char *const *addrs;
	struct eksl_hosts *h;
	struct eksl_buf out;
	size_t n, lines[4];

	eksl_buf_init(&out, 0);
	h = eksl_hosts_parse("f", in, strlen(in), err, sizeof(err));
	tap_ok(h != NULL, "parse a file with two blocks");
	if (h == NULL)
		return;
	tap_ok(eksl_hosts_nblocks(h) == 2, "two blocks");
	tap_ok(eksl_hosts_block(h, 0, &host, &cluster, &addrs, &n) == 0 &&
	    strcmp(host, "a.example") == 0 && cluster != NULL &&
	    strcmp(cluster, "c1") == 0 && n == 2 &&
	    strcmp(addrs[1], "::1") == 0, "block 0: host, cluster, addresses");
	tap_ok(eksl_hosts_block(h, 1, &host, &cluster, &addrs, &n) == 0 &&
	    cluster == NULL && n == 1, "block 1: no cluster");
	tap_ok(eksl_hosts_block(h, 2, &host, &cluster, &addrs, &n) == -1,
	    "block 2: out of range");
	tap_ok(eksl_hosts_unmanaged(h, "a.example", lines, 4) == 1 &&
	    lines[0] == 1, "unmanaged line found, case-insensitively");
	tap_ok(eksl_hosts_unmanaged(h, "b.example", lines, 4) == 0,
	    "no unmanaged line for b");
	tap_ok(eksl_hosts_check(h, "b.example", other, 0, &out) == 1,
	    "check b with no addresses: differs");
	eksl_buf_reset(&out);
	tap_ok(eksl_hosts_check(h, "b.example", (char *[]){ "10.0.0.2" }, 1,
	    &out) == 0 && out.len == 0, "check b: exact");
	tap_ok(eksl_hosts_check(h, "a.example", want, 2, &out) == 1,
	    "check a: the unmanaged line makes it differ");
	tap_streq(eksl_buf_str(&out),
	    "f:1: a.example: an unmanaged line names this host\n",
	    "check a: message");
	eksl_buf_reset(&out);
	tap_ok(eksl_hosts_check(h, "c.example", want, 1, &out) == 1,
	    "check c: not pinned");
	tap_streq(eksl_buf_str(&out),
	    "f: c.example: not pinned (no eksl block)\n", "check c: message");
	eksl_buf_reset(&out);
	eksl_hosts_check(h, "b.example", other, 1, &out);
	tap_streq(eksl_buf_str(&out),
	    "f:6: b.example: 10.0.0.3 is not pinned\n"
	    "f:6: b.example: pinned 10.0.0.2 is not in the record\n",
	    "check b: other addresses");
	eksl_buf_free(&out);
	eksl_hosts_free(h);
}

static void
test_unmanaged_lower(void)
{
	static const char in[] = "x\n10.1.1.1 foo a.example\n"
	    B("a.example") "\n10.0.0.1\ta.example\n" E("a.example") "\n"
	    "10.2.2.2 a.example. # c\n# 10.3.3.3 a.example\n"
	    "10.4.4.4 xa.example a.examplex\na.example 10.5.5.5\n"
	    "10.6.6.6\ta.example";
	char err[512];
	struct eksl_hosts *h;
	size_t lines[4], n;

	h = eksl_hosts_parse("f", in, strlen(in), err, sizeof(err));
	n = eksl_hosts_unmanaged(h, "A.Example", lines, 4);
	tap_ok(n == 3 && lines[0] == 2 && lines[1] == 6 && lines[2] == 10,
	    "unmanaged lines in a lower-case file with a block (%zu)", n);
	eksl_hosts_free(h);
}

static void
test_diff(void)
{
	static const char in[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	    B("a.example") "\n10.0.0.1\ta.example\n" E("a.example") "\n"
	    "11\n12\n13\n14\n15\n16\n17\n18\n19\n20";
	char err[512], *a[1] = { "10.0.0.2" }, *b[1] = { "10.0.0.3" };
	struct eksl_hosts *h;
	struct eksl_buf out;

	eksl_buf_init(&out, 0);
	h = eksl_hosts_parse("f", in, strlen(in), err, sizeof(err));
	eksl_hosts_diff(h, &out);
	tap_ok(out.len == 0, "diff: nothing when unchanged");
	eksl_hosts_pin(h, "a.example", NULL, a, 1, err, sizeof(err));
	eksl_hosts_pin(h, "b.example", NULL, b, 1, err, sizeof(err));
	eksl_hosts_diff(h, &out);
	tap_streq(eksl_buf_str(&out),
	    "--- f\n+++ f\n"
	    "@@ -9,7 +9,7 @@\n 9\n 10\n " B("a.example") "\n"
	    "-10.0.0.1\ta.example\n+10.0.0.2\ta.example\n"
	    " " E("a.example") "\n 11\n 12\n"
	    "@@ -20,4 +20,7 @@\n 17\n 18\n 19\n"
	    "-20\n\\ No newline at end of file\n+20\n"
	    "+" B("b.example") " newline=added\n+10.0.0.3\tb.example\n"
	    "+" E("b.example") "\n",
	    "diff: two hunks, no newline at end");
	eksl_hosts_free(h);
	eksl_buf_reset(&out);
	h = eksl_hosts_parse("f", "", 0, err, sizeof(err));
	eksl_hosts_pin(h, "a.example", NULL, a, 1, err, sizeof(err));
	eksl_hosts_diff(h, &out);
	tap_streq(eksl_buf_str(&out),
	    "--- f\n+++ f\n@@ -0,0 +1,3 @@\n+" B("a.example") "\n"
	    "+10.0.0.2\ta.example\n+" E("a.example") "\n",
	    "diff: into an empty file");
	eksl_hosts_free(h);
	eksl_buf_free(&out);
}

int
main(void)
{
	(void)tap_skip;	/* tap.h's helper; nothing here is skipped */
	test_render();
	test_damaged();
	test_refused();
	test_canon();
	test_check_list();
	test_unmanaged_lower();
	test_diff();
	return tap_done();
}
