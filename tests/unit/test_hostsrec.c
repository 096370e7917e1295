/*
 * lib/hostsrec: records checked and made canonical, applied to a parsed
 * hosts file (pin, unpin, check), the records eksl-hosts prints, and the
 * write back.  Table-driven.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "buf.h"
#include "exitcodes.h"
#include "hostsfile.h"
#include "hostsrec.h"
#include "tap.h"

static const struct {
	const char	*json;
	enum eksl_hosts_cmd cmd;
	int		 status;
	size_t		 naddrs;
	const char	*first;		/* canonical first address */
	const char	*err;		/* said->err and errors[0].message */
} prepares[] = {
	{ "{\"host\":\"a.example\",\"addresses\":[{\"ip\":\"::0001\"},"
	  "{\"ip\":\"127.0.0.11\"}]}", EKSL_HOSTS_PIN, EKSL_EXIT_OK, 2, "::1",
	  NULL },
	{ "{\"endpoint\":\"https://b.example\"}", EKSL_HOSTS_PIN,
	  EKSL_EXIT_OK, 0, NULL, NULL },
	{ "{\"name\":\"x\"}", EKSL_HOSTS_PIN, EKSL_EXIT_INPUT, 0, NULL,
	  "record has neither host nor endpoint" },
	{ "{\"host\":\"bad\\nhost\"}", EKSL_HOSTS_UNPIN, EKSL_EXIT_INPUT, 0,
	  NULL, "bad\\nhost: not a valid host name" },
	{ "{\"host\":\"a.example\",\"name\":\"a b\"}", EKSL_HOSTS_PIN,
	  EKSL_EXIT_INPUT, 0, NULL,
	  "a.example: cluster name is not a safe token for a marker" },
	{ "{\"host\":\"a.example\",\"name\":\"a b\"}", EKSL_HOSTS_CHECK,
	  EKSL_EXIT_OK, 0, NULL, NULL },
	{ "{\"host\":\"a.example\",\"addresses\":{}}", EKSL_HOSTS_PIN,
	  EKSL_EXIT_INPUT, 0, NULL, "addresses is not an array" },
	{ "{\"host\":\"a.example\",\"addresses\":{}}", EKSL_HOSTS_UNPIN,
	  EKSL_EXIT_OK, 0, NULL, NULL },
	{ "{\"host\":\"a.example\",\"addresses\":[{\"ip\":\"1.2.3\\t\"}]}",
	  EKSL_HOSTS_PIN, EKSL_EXIT_INPUT, 0, NULL,
	  "a.example: 1.2.3\\t: not an IP address" },
	{ "{\"host\":\"a.example\",\"addresses\":[{\"x\":1}]}",
	  EKSL_HOSTS_CHECK, EKSL_EXIT_INPUT, 0, NULL,
	  "a.example: addresses[].ip: not an IP address" },
};

static void
test_prepare(void)
{
	struct eksl_hosts_item it;
	struct eksl_hosts_said said;
	json_t *e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(prepares) / sizeof(prepares[0]); i++) {
		memset(&it, 0, sizeof(it));
		it.rec = json_loads(prepares[i].json, 0, NULL);
		rc = eksl_hosts_item_prepare(&it, prepares[i].cmd, "eksl-hosts",
		    &said);
		tap_ok(rc == prepares[i].status && it.ok == (rc == 0) &&
		    it.naddrs == prepares[i].naddrs, "prepare %zu: %s", i,
		    prepares[i].json);
		if (prepares[i].first != NULL)
			tap_streq(it.addrs[0], prepares[i].first,
			    "canonical address");
		e = json_array_get(json_object_get(it.rec, "errors"), 0);
		if (prepares[i].err != NULL) {
			tap_streq(said.err, prepares[i].err, "its message");
			tap_streq(json_string_value(json_object_get(e,
			    "message")), prepares[i].err, "noted in errors[]");
		} else
			tap_ok(said.err[0] == '\0' && e == NULL, "no error");
		eksl_hosts_item_clear(&it);
		json_decref(it.rec);
	}
}

static void
test_records(void)
{
	char *ips[] = { "127.0.0.11", "::1" }, *s;
	json_t *rec;

	rec = eksl_hosts_flag_record("a.example", ips, 2);
	tap_ok(rec != NULL, "flag record");
	tap_ok(eksl_hosts_set_field(rec, "/etc/hosts", 1, 1) == 0,
	    "hosts field");
	json_object_del(rec, "schema");
	s = json_dumps(rec, JSON_COMPACT);
	tap_streq(s, "{\"host\":\"a.example\",\"addresses\":[{\"ip\":"
	    "\"127.0.0.11\",\"source\":\"static\"},{\"ip\":\"::1\","
	    "\"source\":\"static\"}],\"hosts\":{\"file\":\"/etc/hosts\","
	    "\"changed\":true}}", "flag record text");
	free(s);
	tap_ok(eksl_hosts_set_field(rec, "f", 0, 1) == 0 &&
	    json_object_size(json_object_get(rec, "hosts")) == 1,
	    "hosts field without changed");
	json_decref(rec);
}

#define FILE_TEXT "127.0.0.1\tlocalhost\n" \
	"# BEGIN eksl host=a.example cluster=c1\n" \
	"127.0.0.11\ta.example\n" \
	"# END eksl host=a.example\n" \
	"10.0.0.1 b.example\n"

/* pin, unpin and check against a parsed file; list's records. */
static void
test_apply(void)
{
	static const char *const recs[] = {
		"{\"host\":\"a.example\",\"name\":\"c1\",\"addresses\":"
		    "[{\"ip\":\"127.0.0.11\"}]}",
		"{\"host\":\"b.example\",\"addresses\":[{\"ip\":\"127.0.0.12\"}]}",
		"{\"host\":\"c.example\"}",
	};
	struct eksl_hosts_item it[3];
	struct eksl_hosts_said said;
	struct eksl_hosts *h;
	struct eksl_buf diffs;
	char err[EKSL_ERRLEN], *s;
	json_t *rec;
	size_t i;
	int rc;

	memset(it, 0, sizeof(it));
	eksl_buf_init(&diffs, 0);
	if ((h = eksl_hosts_parse("F", FILE_TEXT, strlen(FILE_TEXT), err,
	    sizeof(err))) == NULL) {
		tap_ok(0, "parse: %s", err);
		return;
	}
	for (i = 0; i < 3; i++) {
		it[i].rec = json_loads(recs[i], 0, NULL);
		eksl_hosts_item_prepare(&it[i], EKSL_HOSTS_PIN, "t", &said);
	}
	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_CHECK, &it[0], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_OK && diffs.len == 0, "check: pinned");
	tap_streq(said.info, "a.example: pinned to exactly its addresses",
	    "check: its -v line");
	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_CHECK, &it[1], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_DEGRADED && diffs.len > 0 && said.info[0] ==
	    '\0', "check: not pinned, the difference in diffs");
	tap_streq(json_string_value(json_object_get(json_array_get(
	    json_object_get(it[1].rec, "errors"), 0), "message")),
	    "b.example: not pinned to exactly the record's addresses",
	    "check: noted in errors[]");

	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_PIN, &it[0], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_OK && it[0].changed == 0, "pin: unchanged");
	tap_streq(said.info, "a.example: already pinned", "pin: -v line");
	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_PIN, &it[1], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_OK && it[1].changed == 1, "pin: new block");
	tap_streq(said.info, "b.example: pinned", "pin: -v line");
	tap_streq(said.warn, "F:5: b.example: an unmanaged line names this "
	    "host too", "pin: the unmanaged line warned about");
	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_PIN, &it[2], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_DEGRADED && it[2].changed == 0,
	    "pin without addresses: degraded");
	tap_streq(said.warn, "c.example: no addresses; the existing pin is "
	    "left as it is", "pin without addresses: the warning");

	rec = eksl_hosts_block_record(h, 1, "F");
	if (rec != NULL)
		json_object_del(rec, "schema");
	s = rec != NULL ? json_dumps(rec, JSON_COMPACT) : NULL;
	tap_streq(s, "{\"host\":\"b.example\",\"addresses\":[{\"ip\":"
	    "\"127.0.0.12\",\"source\":\"static\"}],\"hosts\":{\"file\":"
	    "\"F\"}}", "list record of a block");
	free(s);
	json_decref(rec);
	rec = eksl_hosts_block_record(h, 0, "F");
	tap_streq(rec != NULL ? json_string_value(json_object_get(rec,
	    "name")) : NULL, "c1", "list record: the cluster name");
	json_decref(rec);
	tap_ok(eksl_hosts_block_record(h, 9, "F") == NULL,
	    "list record: out of range");

	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_UNPIN, &it[0], &diffs,
	    "t", &said);
	tap_ok(rc == EKSL_EXIT_OK && it[0].changed == 1, "unpin");
	tap_streq(said.info, "a.example: unpinned", "unpin: -v line");
	rc = eksl_hosts_item_apply(h, "F", EKSL_HOSTS_UNPIN, &it[0], &diffs,
	    "t", &said);
	tap_streq(said.info, "a.example: was not pinned", "unpin again");

	for (i = 0; i < 3; i++) {
		eksl_hosts_item_clear(&it[i]);
		json_decref(it[i].rec);
	}
	eksl_buf_free(&diffs);
	eksl_hosts_free(h);
}

/* The write back: new bytes written, the same bytes left alone. */
static void
test_write(void)
{
	char dir[] = "/tmp/eksl-hostsrec.XXXXXX", path[64], err[EKSL_ERRLEN];
	char *ips[] = { "127.0.0.12" }, *data = NULL;
	struct eksl_hosts *h;
	size_t len = 0;
	FILE *fp;

	if (mkdtemp(dir) == NULL) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/hosts", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		tap_skip("cannot write a file");
		return;
	}
	fputs(FILE_TEXT, fp);
	fclose(fp);
	h = eksl_hosts_parse(path, FILE_TEXT, strlen(FILE_TEXT), err,
	    sizeof(err));
	tap_ok(h != NULL && eksl_hosts_write(h, path, FILE_TEXT,
	    strlen(FILE_TEXT), err, sizeof(err)) == 0, "same bytes: not "
	    "written");
	tap_ok(h != NULL && eksl_hosts_pin(h, "b.example", NULL, ips, 1, err,
	    sizeof(err)) == 1 && eksl_hosts_write(h, path, FILE_TEXT,
	    strlen(FILE_TEXT), err, sizeof(err)) == 1, "new bytes: written");
	tap_ok(eksl_file_read(path, 1 << 20, &data, &len, err,
	    sizeof(err)) == 0 && len > strlen(FILE_TEXT) &&
	    strstr(data, "127.0.0.12\tb.example") != NULL, "the new block is "
	    "in the file");
	free(data);
	eksl_hosts_free(h);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_prepare();
	test_records();
	test_apply();
	test_write();
	return tap_done();
}
