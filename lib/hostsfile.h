/*
 * A hosts file (hosts(5)) as eksl manages it: the user's bytes, untouched,
 * and managed blocks, one per host:
 *
 *	# BEGIN eksl host=HOST [cluster=NAME] [newline=added]
 *	IP<TAB>HOST
 *	# END eksl host=HOST
 *
 * The file is parsed once; pin/unpin edit the parsed form; render gives
 * the new bytes, diff a unified diff of old against new.  Every byte
 * outside the blocks that change is copied as it was.  "newline=added"
 * records that eksl added the file's missing final newline before the
 * block, so that removing the block removes that newline too.
 * Error strings start with the file name given to eksl_hosts_parse.
 */
#ifndef EKSL_HOSTSFILE_H
#define EKSL_HOSTSFILE_H

#include <sys/uio.h>
#include <stddef.h>

#include "buf.h"

#define EKSL_HOSTS_MAX_FILE	(64u * 1024 * 1024)	/* cap on a hosts file */
#define EKSL_HOSTS_MAX_ADDRS	64			/* addresses per host */
#define EKSL_ADDRSTRLEN		46			/* INET6_ADDRSTRLEN */

struct eksl_hosts;

/*
 * Parse data[0..len) (borrowed: it must outlive the result) as the hosts
 * file name.  Returns a new object (free with eksl_hosts_free), or NULL
 * with err "NAME:LINE: reason" when the markers are damaged (a BEGIN
 * without END, an END without BEGIN, two blocks for one host), or
 * "NAME: reason" when out of memory.
 */
struct eksl_hosts *eksl_hosts_parse(const char *name, const char *data,
	    size_t len, char *err, size_t errlen);
void	eksl_hosts_free(struct eksl_hosts *h);

/*
 * Canonical text of an IPv4 or IPv6 address (inet_pton, then inet_ntop)
 * into out (at least EKSL_ADDRSTRLEN bytes).  Returns 0, or -1 when in is
 * not an address.
 */
int	eksl_addr_canon(const char *in, char *out, size_t outlen);

/*
 * 1 when name may go into a marker as cluster=NAME: 1..100 characters of
 * letters, digits, '.', '_' and '-', starting with a letter or digit.
 */
int	eksl_hosts_cluster_valid(const char *name);

/*
 * Pin host (a valid host name, compared without case and final dot) to
 * the n canonical addresses in addrs (n >= 1; sorted and deduplicated
 * here), with cluster (NULL for none) in the marker.  An existing block
 * is replaced where it stands, a new one goes at the end.  Returns 1 when
 * the file's bytes change, 0 when the block already says exactly this,
 * -1 with err on a bad argument or out of memory.
 */
int	eksl_hosts_pin(struct eksl_hosts *h, const char *host,
	    const char *cluster, char *const *addrs, size_t n, char *err,
	    size_t errlen);

/* Remove host's block.  Returns 1 when there was one, 0 when not. */
int	eksl_hosts_unpin(struct eksl_hosts *h, const char *host);

/*
 * Compare host's pin with the n canonical addresses: append one line per
 * difference to out ("NAME:LINE: HOST: reason\n": no block, a missing or
 * an extra address, an unmanaged line naming the host).  Returns 0 when
 * pinned to exactly these addresses, 1 when not, -1 out of memory.
 */
int	eksl_hosts_check(const struct eksl_hosts *h, const char *host,
	    char *const *addrs, size_t n, struct eksl_buf *out);

/*
 * Line numbers (1-based, up to max of them, into lines) of lines outside
 * the managed blocks that name host.  Returns how many there are.
 */
size_t	eksl_hosts_unmanaged(const struct eksl_hosts *h, const char *host,
	    size_t *lines, size_t max);

/* Number of managed blocks, in file order, new ones last. */
size_t	eksl_hosts_nblocks(const struct eksl_hosts *h);

/*
 * Block i (removed blocks skipped): its host, cluster (NULL when absent)
 * and addresses in canonical form; all borrowed from h.  Returns 0, or -1
 * when i is out of range.
 */
int	eksl_hosts_block(const struct eksl_hosts *h, size_t i,
	    const char **host, const char **cluster, char *const **addrs,
	    size_t *naddrs);

/* 1 when pin/unpin changed anything since parsing. */
int	eksl_hosts_changed(const struct eksl_hosts *h);

/*
 * The file's new bytes, appended to out.  Returns 0, or -1 (E2BIG or
 * ENOMEM from the buffer).
 */
int	eksl_hosts_render(const struct eksl_hosts *h, struct eksl_buf *out);

/*
 * The file's new bytes as pieces, for eksl_file_replacev: *iov points into
 * the parsed data and into h (borrowed: valid until the next pin, unpin,
 * eksl_hosts_iov or free).  Returns 0, or -1 out of memory.
 */
int	eksl_hosts_iov(struct eksl_hosts *h, const struct iovec **iov,
	    int *iovcnt);

/*
 * A unified diff (3 lines of context) of the original against the new
 * bytes, labelled with the file name, appended to out; nothing when
 * unchanged.  Returns 0 or -1.
 */
int	eksl_hosts_diff(const struct eksl_hosts *h, struct eksl_buf *out);

#endif
