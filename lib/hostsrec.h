/*
 * Cluster records against a hosts file (eksl-hosts): a record's host and
 * addresses checked and made canonical, pinned, unpinned or checked in a
 * parsed file (lib/hostsfile), the file written back (lib/atomicio), and
 * the records eksl-hosts prints.  Nothing here prints: each step says
 * what to print in a struct eksl_hosts_said, and notes failures in the
 * record's errors[] itself.
 */
#ifndef EKSL_HOSTSREC_H
#define EKSL_HOSTSREC_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "hostsfile.h"
#include "msg.h"

enum eksl_hosts_cmd {
	EKSL_HOSTS_PIN,
	EKSL_HOSTS_UNPIN,
	EKSL_HOSTS_CHECK,
	EKSL_HOSTS_LIST
};

/* One record and what became of it. */
struct eksl_hosts_item {
	json_t	*rec;		/* owned by the caller */
	char	*addrs[EKSL_HOSTS_MAX_ADDRS];	/* canonical; owned */
	size_t	 naddrs;
	int	 ok;		/* host and addresses are usable */
	int	 changed;	/* its block changed */
};

/* Lines for the program to print, in this order; "" when none. */
struct eksl_hosts_said {
	char	 err[EKSL_ERRLEN];	/* an error */
	char	 info[4096];		/* a -v line */
	char	 warn[4096];		/* a warning */
};

/*
 * Check it->rec's host (and, for pin, its cluster name) and, but for
 * unpin, its addresses; fill it->addrs with their canonical text and set
 * it->ok.  On failure the message goes to said->err and into the
 * record's errors[] (tool names the program).  Returns EKSL_EXIT_OK,
 * EKSL_EXIT_INPUT or EKSL_EXIT_IO (out of memory).
 */
int	eksl_hosts_item_prepare(struct eksl_hosts_item *it,
	    enum eksl_hosts_cmd cmd, const char *tool,
	    struct eksl_hosts_said *said);

/*
 * Apply cmd for a prepared item (it->ok) to h, the hosts file file: pin
 * (a record with no addresses leaves the pin as it is: degraded), unpin,
 * or check (each difference appended to diffs as "FILE:LINE: HOST:
 * reason\n").  Sets it->changed; notes failures in the record's
 * errors[].  Returns EKSL_EXIT_OK, EKSL_EXIT_DEGRADED (no addresses to
 * pin; check finds a difference), EKSL_EXIT_INPUT or EKSL_EXIT_IO.
 */
int	eksl_hosts_item_apply(struct eksl_hosts *h, const char *file,
	    enum eksl_hosts_cmd cmd, struct eksl_hosts_item *it,
	    struct eksl_buf *diffs, const char *tool,
	    struct eksl_hosts_said *said);

/* Free what eksl_hosts_item_prepare allocated in it (not it->rec). */
void	eksl_hosts_item_clear(struct eksl_hosts_item *it);

/*
 * The record given by --host and --ip: {host, addresses: [{ip, source:
 * "static"}]}.  New reference, or NULL out of memory.
 */
json_t	*eksl_hosts_flag_record(const char *host, char *const *ips,
	    size_t nips);

/*
 * The record of block i of h (list): {host, name, addresses, hosts:
 * {file}}.  New reference, or NULL out of memory or i out of range.
 */
json_t	*eksl_hosts_block_record(const struct eksl_hosts *h, size_t i,
	    const char *file);

/*
 * Set rec's "hosts" field: {file} or, with withchanged, {file, changed}.
 * Returns 0, or -1 out of memory.
 */
int	eksl_hosts_set_field(json_t *rec, const char *file, int withchanged,
	    int changed);

/*
 * Write h's new bytes to file, which held data[0..len) when read under
 * the lock still held; when they are the same bytes, only sweep up the
 * temporary files of a killed run.  Returns 1 written, 0 the same, -1
 * with err "FILE: reason".
 */
int	eksl_hosts_write(struct eksl_hosts *h, const char *file,
	    const char *data, size_t len, char *err, size_t errlen);

#endif
