/*
 * lib/kubeconfig: loading keeps every value, emitting is deterministic,
 * errors carry line:column, records become the right entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kubeconfig.h"
#include "tap.h"

static char *
dump_of(const char *text, char *err, size_t errlen)
{
	struct eksl_kc *kc;
	size_t len;
	char *out;

	if ((kc = eksl_kc_load("t", text, strlen(text), err, errlen)) == NULL)
		return NULL;
	out = eksl_kc_dump(kc, 0, &len, err, errlen);
	eksl_kc_free(kc);
	return out;
}

/* Loading what was emitted and emitting again gives the same bytes. */
static void
test_roundtrip(void)
{
	static const char *const in[] = {
		"",
		"kind: Config\n",
		"apiVersion: v1\nkind: Config\nclusters: []\nx: {a: [1, '2', \"3\", ~, yes, 'no', 0o17, 1e3]}\n",
		"kind: Config\nextensions:\n- name: e\n  extension: &a {k: \"true\", t: !!str 42, b: !!binary aGk=}\n- name: f\n  extension: *a\n",
		"kind: Config\nnote: |\n  two\n  lines\nfold: >-\n  a\n  b\nu: \"\\u00fc\\t\"\n",
		"kind: Config\n\"on\": off\n'null': null\nempty:\nq: ''\n",
	};
	char err[512], *a, *b;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		a = dump_of(in[i], err, sizeof(err));
		b = a != NULL ? dump_of(a, err, sizeof(err)) : NULL;
		tap_ok(a != NULL && b != NULL && strcmp(a, b) == 0,
		    "round trip %zu is stable", i);
		if (a == NULL || b == NULL)
			tap_diag("%s", err);
		free(a);
		free(b);
	}
}

/* Quoting that decides a scalar's type survives; values survive. */
static void
test_values_kept(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "kind: Config\na: \"true\"\n", "a: \"true\"\n" },
		{ "kind: Config\na: 'yes'\n", "a: 'yes'\n" },
		{ "kind: Config\na: true\n", "a: true\n" },
		{ "kind: Config\na: \"007\"\n", "a: \"007\"\n" },
		{ "kind: Config\na: !!str 42\n", "a: !!str 42\n" },
		{ "kind: Config\na: [x, y]\n", "a:\n- x\n- y\n" },
		{ "kind: Config\na: &r {b: 1}\nc: *r\n", "c:\n  b: 1\n" },
		{ "kind: Config\nclusters:\n", "clusters: []\n" },
		{ "kind: Config\na: \"x\\ny\"\n", "a: \"x\\ny\"\n" },
	};
	char err[512], *out;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out = dump_of(t[i].in, err, sizeof(err));
		tap_ok(out != NULL && strstr(out, t[i].want) != NULL,
		    "value kept (case %zu)", i);
		if (out == NULL || strstr(out, t[i].want) == NULL)
			tap_diag("got: %s", out != NULL ? out : err);
		free(out);
	}
}

static void
test_errors(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a: [\n", "t:2:1: did not find expected node content" },
		{ "kind: Pod\n", "t:1:7: not a kubeconfig: kind is Pod, not Config" },
		{ "apiVersion: v2\n", "t:1:13: not a kubeconfig: apiVersion is not v1" },
		{ "- a\n", "t:1:1: not a kubeconfig: not a mapping" },
		{ "just text\n", "t:1:1: not a kubeconfig: not a mapping" },
		{ "clusters: 3\n", "t:1:11: clusters: not a list" },
		{ "users: {}\n", "t:1:8: users: not a list" },
		{ "contexts: [1]\n", "t:1:12: contexts[0]: not a mapping" },
		{ "a: *nope\n", "t:1:4: unknown alias *nope" },
		{ "a: 1\n---\nb: 2\n", "t:2:1: more than one YAML document" },
		{ "a: b\n\tc: d\n", "t:2:1: found a tab character that violates indentation" },
		{ "a: b\nc: \xff\n", "t:2:4: invalid leading UTF-8 octet" },
		{ "a: b: c\n", "t:1:5: mapping values are not allowed in this context" },
	};
	char err[512], *out;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		out = dump_of(t[i].in, err, sizeof(err));
		tap_ok(out == NULL && strncmp(err, t[i].want,
		    strlen(t[i].want)) == 0, "error: %s", t[i].want);
		if (out != NULL || strncmp(err, t[i].want, strlen(t[i].want)))
			tap_diag("got: %s", out != NULL ? "(loaded)" : err);
		free(out);
	}
}

/* Hostile input is bounded: an alias bomb and deep nesting fail cleanly. */
static void
test_limits(void)
{
	char err[512], *deep, *bomb, *out;
	size_t i, n = 0;
	int lvl;

	deep = malloc(1000);
	for (i = 0; i < 300; i++)
		deep[n++] = '[';
	for (i = 0; i < 300; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	out = dump_of(deep, err, sizeof(err));
	tap_ok(out == NULL && strstr(err, "too deeply nested") != NULL,
	    "deep nesting refused");
	free(out);
	free(deep);

	bomb = malloc(4096);
	n = (size_t)snprintf(bomb, 4096, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (lvl = 1; lvl < 10; lvl++)
		n += (size_t)snprintf(bomb + n, 4096 - n,
		    "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
		    lvl, lvl, lvl - 1, lvl - 1, lvl - 1, lvl - 1, lvl - 1,
		    lvl - 1, lvl - 1, lvl - 1, lvl - 1, lvl - 1);
	out = dump_of(bomb, err, sizeof(err));
	tap_ok(out == NULL && strstr(err, "aliases expand to more than") !=
	    NULL, "alias bomb refused");
	if (out != NULL || strstr(err, "aliases") == NULL)
		tap_diag("got: %s", out != NULL ? "(loaded)" : err);
	free(out);
	free(bomb);

	/* Aliases that nest a deep node ever deeper stop at the depth cap. */
	bomb = malloc(65536);
	n = (size_t)snprintf(bomb, 65536, "a0: &a0 ");
	for (i = 0; i < 200; i++)
		bomb[n++] = '[';
	for (i = 0; i < 200; i++)
		bomb[n++] = ']';
	bomb[n++] = '\n';
	for (lvl = 1; lvl < 5; lvl++) {
		n += (size_t)snprintf(bomb + n, 65536 - n, "a%d: &a%d ", lvl,
		    lvl);
		for (i = 0; i < 200; i++)
			bomb[n++] = '[';
		n += (size_t)snprintf(bomb + n, 65536 - n, "*a%d", lvl - 1);
		for (i = 0; i < 200; i++)
			bomb[n++] = ']';
		bomb[n++] = '\n';
	}
	bomb[n] = '\0';
	out = dump_of(bomb, err, sizeof(err));
	tap_ok(out == NULL && strstr(err, "levels") != NULL,
	    "aliases cannot nest past the depth cap");
	if (out != NULL || strstr(err, "levels") == NULL)
		tap_diag("got: %s", out != NULL ? "(loaded)" : err);
	free(out);
	free(bomb);
}

static const char *
args_of(const char *recjson, const struct eksl_kc_opts *o, char *out,
    size_t outlen)
{
	const char *args[16];
	char buf[512];
	json_t *rec = json_loads(recjson, 0, NULL);
	size_t n, i, off = 0;

	n = eksl_kc_exec_args(rec, o, args, 16, buf, sizeof(buf));
	out[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%s",
		    i ? " " : "", args[i]);
	json_decref(rec);
	return out;
}

static void
test_exec_args(void)
{
	static const char base[] = "\"name\":\"c\",\"arn\":"
	    "\"arn:aws:eks:eu-west-1:1:cluster/c\",\"id\":\"ID\"";
	struct eksl_kc_opts o = { 0 }, ro = { 0 }, aws = { 0 };
	char rec[512], out[512];

	ro.role_arn = "arn:aws:iam::1:role/r";
	aws.exec_aws = 1;
	snprintf(rec, sizeof(rec), "{%s,\"outpost\":{\"arn\":\"x\"}}", base);
	tap_streq(args_of(rec, &o, out, sizeof(out)),
	    "--region eu-west-1 --cluster-id ID", "local cluster: id, region from ARN");
	tap_streq(args_of(rec, &ro, out, sizeof(out)),
	    "--region eu-west-1 --cluster-id ID --role-arn arn:aws:iam::1:role/r",
	    "--role-arn");
	tap_streq(args_of(rec, &aws, out, sizeof(out)),
	    "--region eu-west-1 eks get-token --cluster-id ID --output json",
	    "aws eks get-token");
	snprintf(rec, sizeof(rec), "{%s,\"region\":\"us-east-2\","
	    "\"outpost\":{\"etcdInstanceType\":\"i3en.xlarge\"}}", base);
	tap_streq(args_of(rec, &o, out, sizeof(out)),
	    "--region us-east-2 --cluster-name c", "instance-store variant: name");
	snprintf(rec, sizeof(rec), "{%s}", base);
	tap_streq(args_of(rec, &o, out, sizeof(out)),
	    "--region eu-west-1 --cluster-name c", "no outpost: name");
	snprintf(rec, sizeof(rec), "{\"arn\":\"arn:aws:eks:eu-west-1:1:cluster/"
	    "from-arn\",\"outpost\":{}}");
	tap_streq(args_of(rec, &o, out, sizeof(out)),
	    "--region eu-west-1 --cluster-name from-arn", "no id: name from the ARN");
}

static void
test_record_check(void)
{
	static const struct {
		const char *rec, *want;
	} t[] = {
		{ "{\"name\":\"n\"}", "n: no arn in the record" },
		{ "{\"name\":\"n\",\"arn\":\"a\",\"endpoint\":\"https://x\"}",
		    "n: no ca in the record" },
		{ "{\"arn\":\"arn:aws:eks:r:1:cluster/c\",\"ca\":\"x\"}",
		    "arn:aws:eks:r:1:cluster/c: no endpoint in the record" },
		{ "{\"arn\":\"weird\",\"ca\":\"x\",\"endpoint\":\"e\"}",
		    "weird: no region in the record or its ARN" },
		{ "{\"arn\":\"arn:aws:eks:r:1:x\",\"ca\":\"x\",\"endpoint\":\"e\"}",
		    "arn:aws:eks:r:1:x: no cluster name in the record or its ARN" },
	};
	char err[512];
	json_t *rec;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec = json_loads(t[i].rec, 0, NULL);
		err[0] = '\0';
		tap_ok(eksl_kc_record_check(rec, err, sizeof(err)) == -1,
		    "record check fails: %s", t[i].want);
		tap_streq(err, t[i].want, "record check message");
		json_decref(rec);
	}
}

static void
test_add_record(void)
{
	static const char existing[] =
	    "kind: Config\nclusters:\n- name: arn:aws:eks:r:1:cluster/c\n"
	    "  cluster:\n    server: https://old\n    certificate-authority: /ca\n"
	    "    tls-server-name: pin.example\n"
	    "users:\n- name: arn:aws:eks:r:1:cluster/c\n  user:\n"
	    "    token: secret\n    as: admin\n";
	static const char rec1[] = "{\"name\":\"c\",\"arn\":\"arn:aws:eks:r:1:"
	    "cluster/c\",\"endpoint\":\"https://h.example//\",\"ca\":\"Q0E=\"}";
	struct eksl_kc_opts o = { 0 };
	struct eksl_kc *kc;
	char err[512], ctx[256], off[256], *out, *red;
	json_t *rec = json_loads(rec1, 0, NULL);
	size_t len;
	int rc;

	kc = eksl_kc_load("t", existing, strlen(existing), err, sizeof(err));
	o.alias = "true";
	o.profile = "prod";
	rc = eksl_kc_add_record(kc, rec, &o, ctx, sizeof(ctx), off,
	    sizeof(off), err, sizeof(err));
	tap_ok(rc == 0, "record added");
	tap_streq(ctx, "true", "context named by the alias");
	out = eksl_kc_dump(kc, 0, &len, err, sizeof(err));
	tap_ok(out != NULL && strstr(out, "    server: https://h.example\n") != NULL,
	    "trailing slashes removed from server");
	tap_ok(out != NULL && strstr(out, "tls-server-name: pin.example") != NULL,
	    "our entry keeps its other fields");
	tap_ok(out != NULL && strstr(out, "certificate-authority:") == NULL,
	    "certificate-authority dropped");
	tap_ok(out != NULL && strstr(out, "token:") == NULL &&
	    strstr(out, "as: admin") != NULL, "old token dropped, as kept");
	tap_ok(out != NULL && strstr(out, "current-context: \"true\"") != NULL,
	    "a name that reads as a boolean is quoted");
	tap_ok(out != NULL && strstr(out, "      - name: AWS_PROFILE\n"
	    "        value: prod\n") != NULL, "AWS_PROFILE in env");
	free(out);
	rc = eksl_kc_add_record(kc, rec, &o, ctx, sizeof(ctx), off,
	    sizeof(off), err, sizeof(err));
	out = eksl_kc_dump(kc, 0, &len, err, sizeof(err));
	red = eksl_kc_dump(kc, 0, &len, err, sizeof(err));
	tap_ok(out != NULL && red != NULL && strstr(out, "- name: true") ==
	    NULL && strcmp(out, red) == 0, "adding again changes nothing");
	free(out);
	free(red);

	o.offline = 1;
	rc = eksl_kc_add_record(kc, rec, &o, ctx, sizeof(ctx), off,
	    sizeof(off), err, sizeof(err));
	tap_ok(rc == 1 && off[0] == '\0', "--offline without auth: 1");
	tap_streq(err, "c: no auth.cert in the record (made by eksl-authcheck "
	    "prepare)", "--offline without auth: message");
	eksl_kc_free(kc);
	json_decref(rec);

	kc = eksl_kc_load("t", "", 0, err, sizeof(err));
	eksl_kc_set_user_cert(kc, "u", "Y2VydA==", "c2VjcmV0", 1);
	red = eksl_kc_dump(kc, EKSL_KC_REDACT, &len, err, sizeof(err));
	tap_ok(red != NULL && strstr(red, "client-key-data: REDACTED") != NULL &&
	    strstr(red, "c2VjcmV0") == NULL, "redacted dump hides the key");
	free(red);
	eksl_kc_free(kc);
}

static void
test_lock(void)
{
	char dir[] = "/tmp/test_kubeconfig.XXXXXX", path[256], lp[300],
	    lp2[300], err[512];
	int rc;

	if (mkdtemp(dir) == NULL) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	tap_ok(eksl_kc_lock(path, 100, lp, sizeof(lp), err, sizeof(err)) == 0,
	    "lock taken");
	tap_ok(access(lp, F_OK) == 0 && strstr(lp, "/config.lock") != NULL,
	    "lock file is <file>.lock");
	rc = eksl_kc_lock(path, 50, lp2, sizeof(lp2), err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "cannot lock: ") != NULL &&
	    strstr(err, "timed out after 50ms") != NULL, "held lock times out");
	eksl_kc_unlock(lp);
	tap_ok(access(lp, F_OK) == -1, "unlock removes the lock file");
	tap_ok(eksl_kc_lock(path, 100, lp, sizeof(lp), err, sizeof(err)) == 0,
	    "lock taken again");
	eksl_kc_unlock(lp);
	rmdir(dir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void
test_choose_file(void)
{
	char dir[] = "/tmp/test_kubeconfig.XXXXXX", a[256], b[256], c[256],
	    list[1024], *got, *cur;

	if (mkdtemp(dir) == NULL) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	snprintf(list, sizeof(list), ":%s:%s:%s", a, b, c);

	got = eksl_kc_choose_file("/x/flag", list, "/home/u", "arn");
	tap_streq(got, "/x/flag", "--kubeconfig wins");
	free(got);
	got = eksl_kc_choose_file(NULL, NULL, "/home/u", "arn");
	tap_streq(got, "/home/u/.kube/config", "no list: ~/.kube/config");
	free(got);
	got = eksl_kc_choose_file(NULL, ":", "/home/u", "arn");
	tap_streq(got, "/home/u/.kube/config", "an empty list: ~/.kube/config");
	free(got);
	got = eksl_kc_choose_file(NULL, list, "/home/u", "arn");
	tap_streq(got, a, "none exists: the first listed");
	free(got);
	write_file(c, "kind: Config\ncurrent-context: x\n");
	got = eksl_kc_choose_file(NULL, list, "/home/u", "arn");
	tap_streq(got, c, "the first that exists");
	free(got);
	write_file(b, "kind: Config\nclusters:\n- name: arn\n  cluster: {}\n");
	got = eksl_kc_choose_file(NULL, list, "/home/u", "arn");
	tap_streq(got, b, "the one that holds the cluster");
	free(got);
	got = eksl_kc_choose_file(NULL, list, "/home/u", "other");
	tap_streq(got, b, "another cluster: the first that exists");
	free(got);

	got = eksl_kc_earlier_current(list, c, &cur);
	tap_ok(got == NULL && cur == NULL, "no earlier current-context");
	free(got);
	got = eksl_kc_earlier_current(list, b, &cur);
	tap_ok(got == NULL, "a later current-context does not count");
	free(got);
	write_file(a, "kind: Config\ncurrent-context: dev\n");
	got = eksl_kc_earlier_current(list, b, &cur);
	tap_streq(got, a, "an earlier file sets current-context");
	tap_streq(cur, "dev", "its current-context");
	free(got);
	free(cur);
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
}

int
main(void)
{
	test_roundtrip();
	test_values_kept();
	test_errors();
	test_limits();
	test_exec_args();
	test_record_check();
	test_add_record();
	test_lock();
	test_choose_file();
	return tap_done();
}
