/*
 * lib/zoneout: a record's addresses, adding records to a set, the output
 * units, the reload command, and the zone field a record gets.
 * Table-driven.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "exitcodes.h"
#include "record.h"
#include "tap.h"
#include "zone.h"
#include "zoneout.h"

static const struct {
	const char	*json;
	int		 rc;
	size_t		 n;
	const char	*first, *err;
} ipcases[] = {
	{ "{}", 0, 0, NULL, NULL },
	{ "{\"addresses\":null}", 0, 0, NULL, NULL },
	{ "{\"addresses\":[]}", 0, 0, NULL, NULL },
	{ "{\"addresses\":[{\"ip\":\"127.0.0.11\"},{\"ip\":\"::1\"}]}", 0, 2,
	  "127.0.0.11", NULL },
	{ "{\"addresses\":{}}", -1, 0, NULL, "h.example: addresses: not an array" },
	{ "{\"addresses\":[{\"ip\":\"127.0.0.11\"},{\"source\":\"dns\"}]}",
	  -1, 1, NULL, "h.example: addresses[1]: no ip" },
	{ "{\"addresses\":[{\"ip\":1}]}", -1, 0, NULL,
	  "h.example: addresses[0]: no ip" },
};

static const struct {
	const char	*json;
	int		 rc;
	size_t		 n;
	const char	*err;
} addcases[] = {
	{ "{\"host\":\"a.example.com\",\"addresses\":[{\"ip\":\"127.0.0.11\"}]}",
	  0, 1, NULL },
	{ "{\"endpoint\":\"https://b.example.com\"}", 0, 0, NULL },
	{ "{\"name\":\"x\"}", -1, 0, "stdin: record 7: no host or endpoint" },
	{ "{\"host\":\"c.example.com\",\"addresses\":[{\"ip\":\"nope\"}]}",
	  -1, 1, NULL },
};

static void
test_ips(void)
{
	const char *ips[EKSL_ZONE_MAX_ADDRS];
	char err[EKSL_ERRLEN], big[8192];
	json_t *rec;
	size_t i, n, len;

	for (i = 0; i < sizeof(ipcases) / sizeof(ipcases[0]); i++) {
		rec = json_loads(ipcases[i].json, 0, NULL);
		err[0] = '\0';
		tap_ok(eksl_zone_record_ips(rec, "h.example", ips, &n, err,
		    sizeof(err)) == ipcases[i].rc && (ipcases[i].rc == -1 ||
		    n == ipcases[i].n), "addresses %s", ipcases[i].json);
		if (ipcases[i].first != NULL)
			tap_streq(ips[0], ipcases[i].first, "first address");
		if (ipcases[i].err != NULL)
			tap_streq(err, ipcases[i].err, "its message");
		json_decref(rec);
	}
	/* One more than the cap is refused. */
	len = (size_t)snprintf(big, sizeof(big), "{\"addresses\":[");
	for (i = 0; i <= EKSL_ZONE_MAX_ADDRS; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
		    "%s{\"ip\":\"127.0.0.%zu\"}", i ? "," : "", i + 1);
	snprintf(big + len, sizeof(big) - len, "]}");
	rec = json_loads(big, 0, NULL);
	tap_ok(eksl_zone_record_ips(rec, "h.example", ips, &n, err,
	    sizeof(err)) == -1, "more than %d addresses refused",
	    EKSL_ZONE_MAX_ADDRS);
	tap_streq(err, "h.example: addresses: more than 64", "its message");
	json_decref(rec);
}

static void
test_add(void)
{
	struct eksl_zone_opts o = { EKSL_ZONE_FMT_ZONE, NULL, 60, NULL, NULL };
	struct eksl_zone_set *s;
	char err[EKSL_ERRLEN];
	json_t *rec;
	size_t i, na;
	int rc;

	if ((s = eksl_zone_set_new(&o, err, sizeof(err))) == NULL) {
		tap_ok(0, "zone set: %s", err);
		return;
	}
	for (i = 0; i < sizeof(addcases) / sizeof(addcases[0]); i++) {
		rec = json_loads(addcases[i].json, 0, NULL);
		err[0] = '\0';
		rc = eksl_zone_add_record(s, rec, 7, &na, err, sizeof(err));
		tap_ok(rc == addcases[i].rc && na == addcases[i].n,
		    "add %s (rc %d, %zu addresses)", addcases[i].json, rc, na);
		if (addcases[i].err != NULL)
			tap_streq(err, addcases[i].err, "its message");
		else if (rc == -1)
			tap_ok(strncmp(err, "c.example.com: ", 15) == 0,
			    "message names the host: %s", err);
		json_decref(rec);
	}
	tap_ok(eksl_zone_set_finish(s, err, sizeof(err)) == 0, "finish");
	eksl_zone_set_free(s);
}

/* Units, and the zone field and warnings a record gets. */
static void
test_units(void)
{
	struct eksl_zone_opts o = { EKSL_ZONE_FMT_ZONE, NULL, 60, NULL, NULL };
	static const char *const ips[] = { "127.0.0.11" };
	struct eksl_zone_set *s;
	struct eksl_zone_unit *units;
	char err[EKSL_ERRLEN], warn[4096], want[4096], *dump;
	char tmp[] = "/tmp/eksl-zoneout.XXXXXX";
	json_t *rec;
	size_t n;

	if ((s = eksl_zone_set_new(&o, err, sizeof(err))) == NULL ||
	    eksl_zone_add(s, "a.one.example", ips, 1, err, sizeof(err)) ==
	    -1 || eksl_zone_add(s, "b.two.example", NULL, 0, err,
	    sizeof(err)) == -1 || eksl_zone_set_finish(s, err,
	    sizeof(err)) == -1) {
		tap_ok(0, "zone set: %s", err);
		eksl_zone_set_free(s);
		return;
	}
	units = eksl_zone_units_new(s, NULL, "/d", &n);
	tap_ok(units != NULL && n == 2 &&
	    strcmp(units[0].file, "/d/a.one.example.zone") == 0 &&
	    strcmp(units[1].file, "/d/b.two.example.zone") == 0,
	    "--out-dir: a file per zone");
	eksl_zone_units_free(units, n);
	units = eksl_zone_units_new(s, "/d/all.zone", NULL, &n);
	tap_ok(units != NULL && n == 1 &&
	    strcmp(units[0].file, "/d/all.zone") == 0, "--out: one file");
	eksl_zone_units_free(units, n);

	units = eksl_zone_units_new(s, NULL, "/d", &n);
	if (units == NULL) {
		eksl_zone_set_free(s);
		return;
	}
	/* As eksl_zone_update leaves them: unit 0 written, unit 1 failed. */
	units[0].ok = 1;
	units[0].res.written = units[0].res.changed = 1;
	units[0].res.has_serial = 1;
	units[0].res.serial = 2026112801;
	units[1].res.fail = EKSL_EXIT_IO;
	snprintf(units[1].err, sizeof(units[1].err), "/d/b: cannot lock");

	rec = json_loads("{\"host\":\"a.one.example\"}", 0, NULL);
	tap_ok(eksl_zone_record_note(rec, s, units, n, 0, o.format,
	    "--reload: x: exited with status 1", "eksl-zone", warn,
	    sizeof(warn)) == EKSL_EXIT_OK && warn[0] == '\0', "a written unit");
	dump = json_dumps(rec, JSON_COMPACT);
	tap_streq(dump, "{\"host\":\"a.one.example\",\"errors\":[{\"tool\":"
	    "\"eksl-zone\",\"code\":\"reload\",\"message\":\"--reload: x: "
	    "exited with status 1\"}],\"zone\":{\"file\":"
	    "\"/d/a.one.example.zone\",\"format\":\"zone\",\"serial\":"
	    "2026112801,\"changed\":true}}", "its zone field and reload error");
	free(dump);
	json_decref(rec);

	rec = json_loads("{\"host\":\"b.two.example\"}", 0, NULL);
	tap_ok(eksl_zone_record_note(rec, s, units, n, 1, o.format, "",
	    "eksl-zone", warn, sizeof(warn)) == EKSL_EXIT_OK, "a failed unit");
	dump = json_dumps(rec, JSON_COMPACT);
	tap_streq(dump, "{\"host\":\"b.two.example\",\"errors\":[{\"tool\":"
	    "\"eksl-zone\",\"code\":\"io\",\"message\":\"/d/b: cannot lock\"}],"
	    "\"zone\":{\"file\":\"/d/b.two.example.zone\",\"format\":\"zone\","
	    "\"serial\":null,\"changed\":false}}", "its error, no serial");
	free(dump);
	json_decref(rec);

	rec = json_loads("{\"host\":\"b.two.example\"}", 0, NULL);
	tap_ok(eksl_zone_record_note(rec, s, units, n, 9, o.format, "",
	    "eksl-zone", warn, sizeof(warn)) == EKSL_EXIT_OK &&
	    json_object_size(rec) == 1, "no unit: the record as it was");
	json_decref(rec);

	/* A host that came without addresses and none in its file. */
	eksl_zone_units_free(units, n);
	if (mkdtemp(tmp) == NULL ||
	    (units = eksl_zone_units_new(s, NULL, tmp, &n)) == NULL) {
		tap_ok(0, "temporary directory");
		eksl_zone_set_free(s);
		return;
	}
	units[1].ok = eksl_zone_update(s, 1, units[1].file,
	    eksl_serial_base(0), &units[1].res, units[1].err,
	    sizeof(units[1].err)) == 0;
	tap_ok(units[1].ok && !units[1].res.written, "update: nothing to "
	    "write");
	rec = json_loads("{\"host\":\"b.two.example\"}", 0, NULL);
	tap_ok(eksl_zone_record_note(rec, s, units, n, 1, o.format, "",
	    "eksl-zone", warn, sizeof(warn)) == EKSL_EXIT_DEGRADED,
	    "no addresses: degraded");
	snprintf(want, sizeof(want), "b.two.example: no addresses and none "
	    "in %s; left out", units[1].file);
	tap_streq(warn, want, "the warning");
	tap_streq(json_string_value(json_object_get(json_array_get(
	    json_object_get(rec, "errors"), 0), "message")), warn,
	    "the same text in errors[]");
	json_decref(rec);
	/* The update leaves the file's lock file behind, by design. */
	snprintf(want, sizeof(want), "%s/.b.two.example.zone.eksl.lock", tmp);
	unlink(want);
	eksl_zone_units_free(units, n);
	eksl_zone_set_free(s);
	rmdir(tmp);
}

static const struct {
	const char	*cmd;
	int		 rc;
	const char	*err;
} reloads[] = {
	{ "true", 0, "" },
	{ "exit 7", -1, "--reload: exit 7: exited with status 7" },
	{ "kill -9 $$", -1, "--reload: kill -9 $$: killed by signal 9" },
};

static void
test_reload(void)
{
	char err[EKSL_ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(reloads) / sizeof(reloads[0]); i++) {
		err[0] = '\0';
		tap_ok(eksl_zone_reload(reloads[i].cmd, err, sizeof(err)) ==
		    reloads[i].rc, "reload %s", reloads[i].cmd);
		tap_streq(err, reloads[i].err, "its message");
	}
}

int
main(void)
{
	test_ips();
	test_add();
	test_units();
	test_reload();
	return tap_done();
}
