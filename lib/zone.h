/*
 * DNS data for an on-prem server (eksl-zone): the endpoint hosts of the
 * cluster records and their addresses, grouped into zones, rendered as an
 * RFC 1035 master file (read back and checked with ldns), an RPZ zone,
 * unbound local-data, dnsmasq host-record lines or a hosts file; the SOA
 * serial follows RFC 1982 and changes only when the data does.
 */
#ifndef EKSL_ZONE_H
#define EKSL_ZONE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

enum eksl_zone_format {
	EKSL_ZONE_FMT_ZONE,
	EKSL_ZONE_FMT_UNBOUND,
	EKSL_ZONE_FMT_DNSMASQ,
	EKSL_ZONE_FMT_HOSTS,
	EKSL_ZONE_FMT_RPZ
};

#define EKSL_ZONE_TTL		60		/* default TTL */
#define EKSL_ZONE_NS		"localhost."	/* default NS and SOA MNAME */
#define EKSL_ZONE_RPZ		"rpz.eksl"	/* default policy zone name */
#define EKSL_ZONE_REFRESH	3600
#define EKSL_ZONE_RETRY		600
#define EKSL_ZONE_EXPIRE	1209600		/* 2 weeks: outlive an outage */
#define EKSL_ZONE_ALL		((size_t)-1)	/* every host, one file */

/* The format named s ("zone", "unbound", ...), or -1 when unknown. */
int	eksl_zone_format_parse(const char *s);
/* The name of format fmt; a static string. */
const char *eksl_zone_format_name(int fmt);
/* 1 when format fmt has an SOA and so a serial. */
int	eksl_zone_format_has_serial(int fmt);

/* 1 when a is greater than b in RFC 1982 serial number arithmetic. */
int	eksl_serial_gt(uint32_t a, uint32_t b);
/* The serial for the date of t (UTC): YYYYMMDD * 100. */
uint32_t eksl_serial_base(time_t t);
/*
 * The serial that follows old: base when base is greater than old (RFC
 * 1982), else old + 1 (mod 2^32), which is always greater than old.
 */
uint32_t eksl_serial_next(uint32_t old, uint32_t base);

struct eksl_zone_opts {
	int		 format;
	const char	*origin;	/* one zone for every host; rpz: policy zone */
	uint32_t	 ttl;
	const char	*ns;		/* NULL: EKSL_ZONE_NS */
	const char	*contact;	/* user@domain or a name; NULL: hostmaster.ZONE */
};

struct eksl_zone_set;

/*
 * A new, empty set with the options copied.  Returns NULL with err set
 * ("--origin x_y: not a valid zone name") when an option is invalid.
 * Caller frees with eksl_zone_set_free.
 */
struct eksl_zone_set *eksl_zone_set_new(const struct eksl_zone_opts *o,
	    char *err, size_t errlen);
void	eksl_zone_set_free(struct eksl_zone_set *s);

/*
 * Add host (any case, optional final dot) with its n addresses (IPv4 or
 * IPv6 text); n may be 0.  A host added twice gets the union.  Returns 0,
 * or -1 with err "HOST: reason" (bad name, bad address, not under the
 * origin) and nothing added.
 */
int	eksl_zone_add(struct eksl_zone_set *s, const char *host,
	    const char *const *ips, size_t n, char *err, size_t errlen);

/*
 * Sort, merge and group the hosts into zones; check that an NS inside a
 * zone is one of its hosts.  Call once, after the last eksl_zone_add.
 * Returns 0 or -1 with err.
 */
int	eksl_zone_set_finish(struct eksl_zone_set *s, char *err,
	    size_t errlen);

/* Number of zones after finish. */
size_t	eksl_zone_count(const struct eksl_zone_set *s);
/* Name of zone i (lower case, no final dot); borrowed. */
const char *eksl_zone_name(const struct eksl_zone_set *s, size_t i);
/* Index of the zone that holds host, or EKSL_ZONE_ALL when unknown. */
size_t	eksl_zone_of(const struct eksl_zone_set *s, const char *host);
/*
 * 1 when the origin is a public parent (a TLD, or a name under
 * amazonaws.com and similar AWS domains that is not itself one of the
 * hosts): a server authoritative for it would shadow other names.
 */
int	eksl_zone_origin_public(const struct eksl_zone_set *s);

/* What became of a host that came with no addresses. */
#define EKSL_ZONE_HOST_OK	0	/* had addresses */
#define EKSL_ZONE_HOST_KEPT	1	/* none given; kept the file's */
#define EKSL_ZONE_HOST_DROPPED	2	/* none given and none in the file */
/* State of host after eksl_zone_update; *naddrs its address count. */
int	eksl_zone_host_state(const struct eksl_zone_set *s, const char *host,
	    size_t *naddrs);

/*
 * File name for zone i inside an --out-dir: "ZONE.zone" (zone, rpz),
 * "ZONE.conf" (unbound, dnsmasq), "ZONE.hosts".  New string, caller
 * frees; NULL when out of memory.
 */
char	*eksl_zone_file_name(const struct eksl_zone_set *s, size_t i);

/*
 * Read text (len bytes), what an existing file of zone unit holds; name
 * prefixes errors.  For zone and rpz: its SOA serial into *serial
 * (*has_soa set), parsed with ldns.  For every format: the addresses the
 * file gives the unit's hosts that came without any.  text is not
 * changed.  Returns 0, or -1 with err ("NAME:LINE: not a zone file: ...").
 */
int	eksl_zone_read_existing(struct eksl_zone_set *s, size_t unit,
	    const char *name, const char *text, size_t len, uint32_t *serial,
	    int *has_soa, char *err, size_t errlen);

struct eksl_zone_result {
	int		 written;	/* 0: no data at all, nothing to write */
	int		 changed;	/* the file was rewritten */
	int		 has_serial;
	uint32_t	 serial;
	int		 fail;		/* on -1: EKSL_EXIT_INPUT or EKSL_EXIT_IO */
	struct eksl_buf	 data;		/* the rendered data (path NULL) */
};

/*
 * Render zone unit (or EKSL_ZONE_ALL: every host in one file; not for
 * the zone format with several zones) and bring path up to date: under
 * the file's lock, read what path holds (hosts given without addresses
 * keep the addresses found there), choose the serial (same when the data
 * is the same, else eksl_serial_next(old, base)), check the result by
 * parsing it back with ldns, and replace path only when it differs.
 * With path NULL nothing is read or written and res->data holds the
 * text.  Returns 0 (res filled; caller frees res->data with
 * eksl_buf_free), or -1 with err and res->fail set.
 */
int	eksl_zone_update(struct eksl_zone_set *s, size_t unit,
	    const char *path, uint32_t base, struct eksl_zone_result *res,
	    char *err, size_t errlen);

/*
 * Append to out the zone stanzas for server ("nsd", "knot", "bind") of
 * every zone i with include[i] set, its file in absdir.  Returns 0, or
 * -1 with err (unknown server, out of memory).
 */
int	eksl_zone_server_conf(const struct eksl_zone_set *s,
	    const char *server, const char *absdir, const int *include,
	    struct eksl_buf *out, char *err, size_t errlen);

#endif
