/*
 * Cluster records against a hosts file (see hostsrec.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "atomicio.h"
#include "buf.h"
#include "exitcodes.h"
#include "hostsfile.h"
#include "hostsrec.h"
#include "record.h"

/* Note msg in the item's record, print it as an error, drop the item. */
static int
item_fail(struct eksl_hosts_item *it, const char *tool, const char *code,
    int status, const char *msg, struct eksl_hosts_said *said)
{
	snprintf(said->err, sizeof(said->err), "%s", msg);
	eksl_record_add_error(it->rec, tool, code, "%s", msg);
	it->ok = 0;
	return status;
}

/*
 * A copy of untrusted text that is safe in a one-line message: control
 * characters and backslashes as C escapes.
 */
static const char *
printable(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 5 < outlen; s++) {
		c = (unsigned char)*s;
		if (c == '\n' || c == '\t' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c",
			    c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

int
eksl_hosts_item_prepare(struct eksl_hosts_item *it, enum eksl_hosts_cmd cmd,
    const char *tool, struct eksl_hosts_said *said)
{
	char msg[EKSL_ERRLEN], addr[EKSL_ADDRSTRLEN], p1[300], p2[200];
	const char *host, *name, *ip;
	json_t *arr, *a;
	size_t i;

	memset(said, 0, sizeof(*said));
	if ((host = eksl_record_host(it->rec)) == NULL)
		return errno == ENOMEM ? item_fail(it, tool, "io",
		    EKSL_EXIT_IO, strerror(ENOMEM), said) : item_fail(it, tool,
		    "input", EKSL_EXIT_INPUT, "record has neither host nor "
		    "endpoint", said);
	if (!eksl_hostname_valid(host)) {
		snprintf(msg, sizeof(msg), "%s: not a valid host name",
		    printable(host, p1, sizeof(p1)));
		return item_fail(it, tool, "input", EKSL_EXIT_INPUT, msg, said);
	}
	name = eksl_json_str(it->rec, "name");
	if (cmd == EKSL_HOSTS_PIN && name != NULL &&
	    !eksl_hosts_cluster_valid(name)) {
		snprintf(msg, sizeof(msg), "%s: cluster name is not a safe "
		    "token for a marker", host);
		return item_fail(it, tool, "input", EKSL_EXIT_INPUT, msg, said);
	}
	it->ok = 1;
	if (cmd == EKSL_HOSTS_UNPIN)
		return EKSL_EXIT_OK;
	arr = json_object_get(it->rec, "addresses");
	if (arr != NULL && !json_is_array(arr))
		return item_fail(it, tool, "input", EKSL_EXIT_INPUT,
		    "addresses is not an array", said);
	json_array_foreach(arr, i, a) {
		ip = eksl_json_str(a, "ip");
		if (ip == NULL ||
		    eksl_addr_canon(ip, addr, sizeof(addr)) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s: not an IP address",
			    host, ip != NULL ? printable(ip, p2, sizeof(p2)) :
			    "addresses[].ip");
			return item_fail(it, tool, "input", EKSL_EXIT_INPUT,
			    msg, said);
		}
		if (it->naddrs == EKSL_HOSTS_MAX_ADDRS) {
			snprintf(msg, sizeof(msg), "%s: more than %d addresses",
			    host, EKSL_HOSTS_MAX_ADDRS);
			return item_fail(it, tool, "input", EKSL_EXIT_INPUT,
			    msg, said);
		}
		if ((it->addrs[it->naddrs++] = strdup(addr)) == NULL)
			return item_fail(it, tool, "io", EKSL_EXIT_IO,
			    "out of memory", said);
	}
	return EKSL_EXIT_OK;
}

int
eksl_hosts_item_apply(struct eksl_hosts *h, const char *file,
    enum eksl_hosts_cmd cmd, struct eksl_hosts_item *it,
    struct eksl_buf *diffs, const char *tool, struct eksl_hosts_said *said)
{
	char err[EKSL_ERRLEN];
	const char *host, *name;
	size_t lines[4];
	int rc;

	memset(said, 0, sizeof(*said));
	host = eksl_json_str(it->rec, "host");
	name = eksl_json_str(it->rec, "name");
	switch (cmd) {
	case EKSL_HOSTS_PIN:
		if (it->naddrs == 0) {
			snprintf(said->warn, sizeof(said->warn), "%s: no "
			    "addresses; the existing pin is left as it is",
			    host);
			eksl_record_add_error(it->rec, tool, "input", "%s",
			    said->warn);
			return EKSL_EXIT_DEGRADED;
		}
		rc = eksl_hosts_pin(h, host, name, it->addrs, it->naddrs, err,
		    sizeof(err));
		if (rc == -1)
			return item_fail(it, tool, "input", EKSL_EXIT_INPUT,
			    err, said);
		it->changed = rc;
		snprintf(said->info, sizeof(said->info), "%s: %s", host, rc ?
		    "pinned" : "already pinned");
		/* glibc takes the first line that names a host. */
		if (eksl_hosts_unmanaged(h, host, lines, 4) > 0)
			snprintf(said->warn, sizeof(said->warn), "%s:%zu: %s: "
			    "an unmanaged line names this host too", file,
			    lines[0], host);
		return EKSL_EXIT_OK;
	case EKSL_HOSTS_UNPIN:
		it->changed = eksl_hosts_unpin(h, host);
		snprintf(said->info, sizeof(said->info), "%s: %s", host,
		    it->changed ? "unpinned" : "was not pinned");
		return EKSL_EXIT_OK;
	case EKSL_HOSTS_CHECK:
		rc = eksl_hosts_check(h, host, it->addrs, it->naddrs, diffs);
		if (rc == -1)
			return item_fail(it, tool, "io", EKSL_EXIT_IO,
			    "out of memory", said);
		if (rc == 1) {
			eksl_record_add_error(it->rec, tool, "hosts", "%s: not "
			    "pinned to exactly the record's addresses", host);
			return EKSL_EXIT_DEGRADED;
		}
		snprintf(said->info, sizeof(said->info), "%s: pinned to "
		    "exactly its addresses", host);
		return EKSL_EXIT_OK;
	case EKSL_HOSTS_LIST:
		break;
	}
	return EKSL_EXIT_OK;
}

void
eksl_hosts_item_clear(struct eksl_hosts_item *it)
{
	while (it->naddrs > 0)
		free(it->addrs[--it->naddrs]);
}

/* Set rec's addresses to ips[0..n), each {ip, source: "static"}. */
static int
set_addresses(json_t *rec, const char *const *ips, size_t n)
{
	json_t *arr;
	size_t i;

	if ((arr = json_array()) == NULL ||
	    json_object_set_new(rec, "addresses", arr) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s,s:s}", "ip",
		    ips[i], "source", "static")) == -1)
			return -1;
	return 0;
}

json_t *
eksl_hosts_flag_record(const char *host, char *const *ips, size_t nips)
{
	json_t *rec;

	if ((rec = eksl_record_new()) == NULL ||
	    json_object_set_new(rec, "host", json_string(host)) == -1 ||
	    set_addresses(rec, (const char *const *)ips, nips) == -1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int
eksl_hosts_set_field(json_t *rec, const char *file, int withchanged,
    int changed)
{
	json_t *o;

	o = withchanged ? json_pack("{s:s,s:b}", "file", file, "changed",
	    changed) : json_pack("{s:s}", "file", file);
	return o == NULL ? -1 : json_object_set_new(rec, "hosts", o);
}

json_t *
eksl_hosts_block_record(const struct eksl_hosts *h, size_t i,
    const char *file)
{
	const char *host, *cluster;
	char *const *addrs;
	json_t *rec;
	size_t n;

	if (eksl_hosts_block(h, i, &host, &cluster, &addrs, &n) == -1)
		return NULL;
	if ((rec = eksl_record_new()) == NULL ||
	    json_object_set_new(rec, "host", json_string(host)) == -1 ||
	    (cluster != NULL && json_object_set_new(rec, "name",
	    json_string(cluster)) == -1) ||
	    set_addresses(rec, (const char *const *)addrs, n) == -1 ||
	    eksl_hosts_set_field(rec, file, 0, 0) == -1) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* 1 when the pieces hold exactly data[0..len). */
static int
iov_same(const struct iovec *iov, int niov, const char *data, size_t len)
{
	size_t off = 0;
	int i;

	for (i = 0; i < niov; i++) {
		if (iov[i].iov_len > len - off ||
		    memcmp(iov[i].iov_base, data + off, iov[i].iov_len) != 0)
			return 0;
		off += iov[i].iov_len;
	}
	return off == len;
}

int
eksl_hosts_write(struct eksl_hosts *h, const char *file, const char *data,
    size_t len, char *err, size_t errlen)
{
	const struct iovec *iov;
	int niov;

	if (eksl_hosts_iov(h, &iov, &niov) == -1) {
		snprintf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		return -1;
	}
	if (iov_same(iov, niov, data, len)) {
		eksl_file_clean_temps(file);
		return 0;
	}
	/* compared already: spare the file a second read */
	return eksl_file_replacev(file, iov, niov, 0644, EKSL_WRITE_FORCE,
	    err, errlen);
}
