#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hostsfile.h"
#include "record.h"

#define BEGIN_TAG	"# BEGIN eksl"
#define END_TAG		"# END eksl"
#define CONTEXT		3	/* lines of context in a diff */
#define HOSTLEN		256

enum bstate { B_KEEP, B_NEW, B_GONE };

struct hblock {
	char		*host;
	char		*cluster;	/* NULL when the marker has none */
	char		**addrs;	/* canonical */
	size_t		 naddrs;
	int		 nladded;	/* newline=added in the marker */
	int		 orig;		/* 1: present in the parsed file */
	enum bstate	 state;
	size_t		 off, len;	/* original bytes, BEGIN through END */
	size_t		 beginlen;	/* original BEGIN line with its EOL */
	size_t		 line;		/* line of BEGIN, 1-based */
	const char	*eol;		/* "\n" or "\r\n" */
};

/* One piece of the new file: original bytes kept, or replaced. */
struct piece {
	int	 verbatim;
	size_t	 ooff, olen;	/* original bytes */
	size_t	 noff, nlen;	/* replacement, in the pieces' text buffer */
};

struct plan {
	struct piece	*p;
	size_t		 n, cap;
	struct eksl_buf	 text;
};

struct eksl_hosts {
	char		*name;
	const char	*data;
	size_t		 len;
	struct hblock	*b;
	size_t		 nb, cap;
	const char	*eol;		/* the file's dominant line ending */
	struct plan	*out;		/* kept for eksl_hosts_iov */
	struct iovec	*iov;
};

static void
free_addrs(char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

static void
block_free(struct hblock *b)
{
	free(b->host);
	free(b->cluster);
	free_addrs(b->addrs, b->naddrs);
}

static void	plan_free(struct plan *);

/* Drop the pieces that eksl_hosts_iov handed out. */
static void
out_free(struct eksl_hosts *h)
{
	if (h->out != NULL) {
		plan_free(h->out);
		free(h->out);
		h->out = NULL;
	}
	free(h->iov);
	h->iov = NULL;
}

void
eksl_hosts_free(struct eksl_hosts *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nb; i++)
		block_free(&h->b[i]);
	out_free(h);
	free(h->b);
	free(h->name);
	free(h);
}

int
eksl_addr_canon(const char *in, char *out, size_t outlen)
{
	unsigned char bin[16];

	if (in == NULL || outlen < EKSL_ADDRSTRLEN)
		return -1;
	if (inet_pton(AF_INET, in, bin) == 1)
		return inet_ntop(AF_INET, bin, out, (socklen_t)outlen) ==
		    NULL ? -1 : 0;
	if (inet_pton(AF_INET6, in, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, (socklen_t)outlen) ==
		    NULL ? -1 : 0;
	return -1;
}

int
eksl_hosts_cluster_valid(const char *name)
{
	size_t i;

	if (name == NULL || !isalnum((unsigned char)name[0]))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= 100)
			return 0;
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return 0;
	}
	return 1;
}

/* Host name in the form markers use: lower case, no final dot. */
static int
norm_host(const char *in, size_t n, char *out)
{
	size_t i;

	/* A NUL would cut the name short of what the marker says. */
	if (memchr(in, '\0', n) != NULL)
		return -1;
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= HOSTLEN)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return eksl_hostname_valid(out) ? 0 : -1;
}

static int
addr_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	unsigned char bx[17] = { 0 }, by[17] = { 0 };

	/* IPv4 first (family byte 4 < 6), then by value. */
	bx[0] = 4;
	if (inet_pton(AF_INET, x, bx + 1) != 1) {
		bx[0] = 6;
		(void)inet_pton(AF_INET6, x, bx + 1);
	}
	by[0] = 4;
	if (inet_pton(AF_INET, y, by + 1) != 1) {
		by[0] = 6;
		(void)inet_pton(AF_INET6, y, by + 1);
	}
	return memcmp(bx, by, sizeof(bx));
}

/* A sorted, deduplicated copy of addrs; NULL when out of memory. */
static char **
addrs_copy(char *const *addrs, size_t n, size_t *outn)
{
	char **a;
	size_t i, k;

	if ((a = calloc(n + 1, sizeof(*a))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((a[i] = strdup(addrs[i])) == NULL) {
			free_addrs(a, i);
			return NULL;
		}
	qsort(a, n, sizeof(*a), addr_cmp);
	for (i = k = 0; i < n; i++) {
		if (k > 0 && strcmp(a[k - 1], a[i]) == 0) {
			free(a[i]);
			continue;
		}
		a[k++] = a[i];
	}
	*outn = k;
	return a;
}

static int
addrs_add(struct hblock *b, const char *addr)
{
	char **na;

	if (b->naddrs >= EKSL_HOSTS_MAX_ADDRS * 4)
		return 0;	/* a hand-edited block; enough to compare */
	if ((na = realloc(b->addrs, (b->naddrs + 1) * sizeof(*na))) == NULL)
		return -1;
	b->addrs = na;
	if ((na[b->naddrs] = strdup(addr)) == NULL)
		return -1;
	b->naddrs++;
	return 0;
}

static struct hblock *
find_block(const struct eksl_hosts *h, const char *host)
{
	size_t i;

	for (i = 0; i < h->nb; i++)
		if (h->b[i].state != B_GONE && strcmp(h->b[i].host, host) == 0)
			return &h->b[i];
	return NULL;
}

static struct hblock *
new_block(struct eksl_hosts *h)
{
	struct hblock *nb;

	if (h->nb == h->cap) {
		size_t ncap = h->cap != 0 ? h->cap * 2 : 8;

		if ((nb = realloc(h->b, ncap * sizeof(*nb))) == NULL)
			return NULL;
		h->b = nb;
		h->cap = ncap;
	}
	nb = &h->b[h->nb++];
	memset(nb, 0, sizeof(*nb));
	return nb;
}

/*
 * Parse the attributes of a marker line (after its tag): host=, cluster=,
 * newline=added.  Unknown attributes are ignored.  Returns 0 with host
 * set, -1 when there is no valid host=.
 */
static int
parse_marker(const char *p, const char *end, char *host, char *cluster,
    size_t clen, int *nladded)
{
	const char *t, *eq;
	size_t n;
	int got = 0;

	cluster[0] = '\0';
	*nladded = 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		t = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (p == t)
			break;
		if ((eq = memchr(t, '=', (size_t)(p - t))) == NULL)
			continue;
		n = (size_t)(p - eq - 1);
		if (eq - t == 4 && memcmp(t, "host", 4) == 0) {
			if (norm_host(eq + 1, n, host) == -1)
				return -1;
			got = 1;
		} else if (eq - t == 7 && memcmp(t, "cluster", 7) == 0) {
			if (n == 0 || n >= clen ||
			    memchr(eq + 1, '\0', n) != NULL)
				continue;
			memcpy(cluster, eq + 1, n);
			cluster[n] = '\0';
		} else if (eq - t == 7 && memcmp(t, "newline", 7) == 0)
			*nladded = n == 5 && memcmp(eq + 1, "added", 5) == 0;
	}
	return got ? 0 : -1;
}

/* 1 when the line text [p, end) is a marker with tag. */
static int
is_marker(const char *p, const char *end, const char *tag)
{
	size_t n = strlen(tag);

	return (size_t)(end - p) >= n && memcmp(p, tag, n) == 0 &&
	    (p + n == end || p[n] == ' ' || p[n] == '\t');
}

/* The first field of a line inside a block, as a canonical address. */
static int
inner_addr(const char *p, const char *end, char *out)
{
	char tok[64];
	size_t n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	n = 0;
	while (p + n < end && p[n] != ' ' && p[n] != '\t' && p[n] != '#')
		n++;
	if (n == 0 || n >= sizeof(tok))
		return -1;
	memcpy(tok, p, n);
	tok[n] = '\0';
	return eksl_addr_canon(tok, out, EKSL_ADDRSTRLEN);
}

struct eksl_hosts *
eksl_hosts_parse(const char *name, const char *data, size_t len, char *err,
    size_t errlen)
{
	char host[HOSTLEN], cluster[128], addr[EKSL_ADDRSTRLEN];
	struct eksl_hosts *h;
	struct hblock *b, *dup;
	const char *p, *nl, *tend;
	size_t off = 0, lineno = 0, end, crlf = 0, lf = 0;
	long open = -1;
	int nladded;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->name = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		free(h);
		return NULL;
	}
	h->data = data;
	h->len = len;
	while (off < len) {
		p = data + off;
		nl = memchr(p, '\n', len - off);
		end = nl != NULL ? (size_t)(nl - data) + 1 : len;
		tend = nl != NULL ? nl : data + len;
		lineno++;
		if (nl != NULL) {
			if (tend > p && tend[-1] == '\r') {
				crlf++;
				tend--;
			} else
				lf++;
		}
		if (*p != '#')
			goto inner;
		if (is_marker(p, tend, BEGIN_TAG)) {
			if (open != -1) {
				snprintf(err, errlen, "%s:%zu: BEGIN eksl inside "
				    "the block opened at line %zu", name, lineno,
				    h->b[open].line);
				goto fail;
			}
			if (parse_marker(p + strlen(BEGIN_TAG), tend, host,
			    cluster, sizeof(cluster), &nladded) == -1) {
				snprintf(err, errlen, "%s:%zu: BEGIN eksl marker "
				    "without a valid host=", name, lineno);
				goto fail;
			}
			if ((dup = find_block(h, host)) != NULL) {
				snprintf(err, errlen, "%s:%zu: a second block for "
				    "host %s (the first is at line %zu)", name,
				    lineno, host, dup->line);
				goto fail;
			}
			if ((b = new_block(h)) == NULL ||
			    (b->host = strdup(host)) == NULL ||
			    (cluster[0] != '\0' &&
			    (b->cluster = strdup(cluster)) == NULL))
				goto nomem;
			b->orig = 1;
			b->state = B_KEEP;
			b->nladded = nladded;
			b->off = off;
			b->beginlen = end - off;
			b->line = lineno;
			b->eol = nl != NULL && tend != nl ? "\r\n" : "\n";
			open = (long)(b - h->b);
			off = end;
			continue;
		}
		if (is_marker(p, tend, END_TAG)) {
			if (open == -1) {
				snprintf(err, errlen, "%s:%zu: END eksl without "
				    "BEGIN", name, lineno);
				goto fail;
			}
			b = &h->b[open];
			if (parse_marker(p + strlen(END_TAG), tend, host, cluster,
			    sizeof(cluster), &nladded) == -1 ||
			    strcmp(host, b->host) != 0) {
				snprintf(err, errlen, "%s:%zu: END eksl does not "
				    "match BEGIN eksl host=%s at line %zu", name,
				    lineno, b->host, b->line);
				goto fail;
			}
			b->len = end - b->off;
			open = -1;
			off = end;
			continue;
		}
inner:
		if (open != -1 && inner_addr(p, tend, addr) == 0 &&
		    addrs_add(&h->b[open], addr) == -1)
			goto nomem;
		off = end;
	}
	if (open != -1) {
		snprintf(err, errlen, "%s:%zu: BEGIN eksl host=%s has no END",
		    name, h->b[open].line, h->b[open].host);
		goto fail;
	}
	h->eol = crlf > lf ? "\r\n" : "\n";
	return h;
nomem:
	snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
fail:
	eksl_hosts_free(h);
	return NULL;
}

static int
render_begin(struct eksl_buf *out, const struct hblock *b, int nladded)
{
	if (eksl_buf_printf(out, BEGIN_TAG " host=%s", b->host) == -1 ||
	    (b->cluster != NULL &&
	    eksl_buf_printf(out, " cluster=%s", b->cluster) == -1) ||
	    (nladded && eksl_buf_addstr(out, " newline=added") == -1))
		return -1;
	return eksl_buf_addstr(out, b->eol);
}

static int
render_block(struct eksl_buf *out, const struct hblock *b, int nladded)
{
	size_t i;

	if (render_begin(out, b, nladded) == -1)
		return -1;
	for (i = 0; i < b->naddrs; i++)
		if (eksl_buf_printf(out, "%s\t%s%s", b->addrs[i], b->host,
		    b->eol) == -1)
			return -1;
	return eksl_buf_printf(out, END_TAG " host=%s%s", b->host, b->eol);
}

int
eksl_hosts_pin(struct eksl_hosts *h, const char *hostarg,
    const char *cluster, char *const *addrs, size_t n, char *err,
    size_t errlen)
{
	char host[HOSTLEN], addr[EKSL_ADDRSTRLEN];
	struct eksl_buf was, now;
	struct hblock *b, nb;
	size_t i;
	int rc = -1;

	out_free(h);
	memset(&nb, 0, sizeof(nb));
	eksl_buf_init(&was, 0);
	eksl_buf_init(&now, 0);
	if (norm_host(hostarg, strlen(hostarg), host) == -1) {
		snprintf(err, errlen, "%s: not a valid host name", hostarg);
		return -1;
	}
	if (cluster != NULL && !eksl_hosts_cluster_valid(cluster)) {
		snprintf(err, errlen, "%s: cluster name is not a safe token",
		    host);
		return -1;
	}
	if (n == 0 || n > EKSL_HOSTS_MAX_ADDRS) {
		snprintf(err, errlen, "%s: %zu addresses (1 to %d allowed)",
		    host, n, EKSL_HOSTS_MAX_ADDRS);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (eksl_addr_canon(addrs[i], addr, sizeof(addr)) == -1 ||
		    strcmp(addr, addrs[i]) != 0) {
			snprintf(err, errlen, "%s: %s: not a canonical IP "
			    "address", host, addrs[i]);
			return -1;
		}
	if ((nb.host = strdup(host)) == NULL ||
	    (cluster != NULL && (nb.cluster = strdup(cluster)) == NULL) ||
	    (nb.addrs = addrs_copy(addrs, n, &nb.naddrs)) == NULL)
		goto nomem;

	if ((b = find_block(h, host)) == NULL) {
		if ((b = new_block(h)) == NULL)
			goto nomem;
		nb.state = B_NEW;
		nb.eol = h->eol;
		*b = nb;
		return 1;
	}
	nb.eol = b->eol;
	nb.nladded = b->nladded;
	nb.orig = b->orig;
	nb.off = b->off;
	nb.len = b->len;
	nb.beginlen = b->beginlen;
	nb.line = b->line;
	if (render_block(&was, b, b->nladded) == -1 ||
	    render_block(&now, &nb, nb.nladded) == -1)
		goto nomem;
	rc = was.len != now.len || memcmp(was.data, now.data, now.len) != 0;
	/* The original bytes again: keep them, so nothing is rewritten. */
	nb.state = nb.orig && now.len == nb.len &&
	    memcmp(h->data + nb.off, now.data, now.len) == 0 ? B_KEEP : B_NEW;
	block_free(b);
	*b = nb;
	eksl_buf_free(&was);
	eksl_buf_free(&now);
	return rc;
nomem:
	snprintf(err, errlen, "%s: %s", host, strerror(ENOMEM));
	block_free(&nb);
	eksl_buf_free(&was);
	eksl_buf_free(&now);
	return -1;
}

int
eksl_hosts_unpin(struct eksl_hosts *h, const char *hostarg)
{
	char host[HOSTLEN];
	struct hblock *b;
	size_t i;

	out_free(h);
	if (norm_host(hostarg, strlen(hostarg), host) == -1 ||
	    (b = find_block(h, host)) == NULL)
		return 0;
	if (b->orig) {
		b->state = B_GONE;
		return 1;
	}
	i = (size_t)(b - h->b);
	block_free(b);
	memmove(b, b + 1, (h->nb - i - 1) * sizeof(*b));
	h->nb--;
	return 1;
}

int
eksl_hosts_changed(const struct eksl_hosts *h)
{
	size_t i;

	for (i = 0; i < h->nb; i++)
		if (h->b[i].state != B_KEEP)
			return 1;
	return 0;
}

size_t
eksl_hosts_nblocks(const struct eksl_hosts *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->nb; i++)
		if (h->b[i].state != B_GONE)
			n++;
	return n;
}

int
eksl_hosts_block(const struct eksl_hosts *h, size_t idx, const char **host,
    const char **cluster, char *const **addrs, size_t *naddrs)
{
	size_t i;

	for (i = 0; i < h->nb; i++) {
		if (h->b[i].state == B_GONE)
			continue;
		if (idx-- > 0)
			continue;
		*host = h->b[i].host;
		*cluster = h->b[i].cluster;
		*addrs = h->b[i].addrs;
		*naddrs = h->b[i].naddrs;
		return 0;
	}
	return -1;
}

/* 1 when the name token [p, p+n) is host (no case, a final dot allowed). */
static int
name_is(const char *p, size_t n, const char *host, size_t hlen)
{
	if (n == hlen + 1 && p[hlen] == '.')
		n--;
	return n == hlen && strncasecmp(p, host, hlen) == 0;
}

/* 1 when the line [p, end) names host, after its address, not in a comment. */
static int
line_names(const char *p, const char *end, const char *host, size_t hlen)
{
	const char *t;
	int field;

	for (field = 0; p < end; field++) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p == end || *p == '#')
			return 0;
		t = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n' && *p != '#')
			p++;
		if (field > 0 && name_is(t, (size_t)(p - t), host, hlen))
			return 1;
	}
	return 0;
}

/* 1 when [p, p+n) holds an ASCII capital letter. */
static int
has_upper(const char *p, size_t n)
{
	size_t i, j, m;
	unsigned char acc;

	/* Blocks of 64 without an early exit, which compilers vectorise. */
	for (i = 0; i < n; i += m) {
		m = n - i < 64 ? n - i : 64;
		acc = 0;
		for (j = 0; j < m; j++)
			acc |= (unsigned char)(p[i + j] - 'A') < 26;
		if (acc)
			return 1;
	}
	return 0;
}

size_t
eksl_hosts_unmanaged(const struct eksl_hosts *h, const char *hostarg,
    size_t *lines, size_t max)
{
	char host[HOSTLEN];
	const char *nl, *hit;
	size_t off = 0, lineno = 1, bi = 0, found = 0, hlen, lend, ls;
	int every;

	if (norm_host(hostarg, strlen(hostarg), host) == -1)
		return 0;
	hlen = strlen(host);
	/*
	 * The host is lower case.  In a file without capitals only the
	 * lines where memmem finds it can name it; otherwise look at every
	 * line.  This keeps a pin into a large file cheap.
	 */
	every = 0;
	for (bi = 0; bi <= h->nb && !every; bi++) {
		/* Between the original blocks: markers are in capitals. */
		lend = bi < h->nb && h->b[bi].orig ? h->b[bi].off : h->len;
		every = lend > off && has_upper(h->data + off, lend - off);
		if (bi == h->nb || !h->b[bi].orig)
			break;
		off = h->b[bi].off + h->b[bi].len;
	}
	off = 0;
	bi = 0;
	while (off < h->len) {
		if (!every) {
			hit = memmem(h->data + off, h->len - off, host, hlen);
			if (hit == NULL)
				break;
			ls = (size_t)(hit - h->data);
			while (ls > off && h->data[ls - 1] != '\n')
				ls--;
			while (off < ls && (nl = memchr(h->data + off, '\n',
			    ls - off)) != NULL) {
				lineno++;
				off = (size_t)(nl - h->data) + 1;
			}
		}
		nl = memchr(h->data + off, '\n', h->len - off);
		lend = nl != NULL ? (size_t)(nl - h->data) + 1 : h->len;
		/* Skip the original blocks (they are in file order). */
		while (bi < h->nb && h->b[bi].orig &&
		    h->b[bi].off + h->b[bi].len <= off)
			bi++;
		if (!(bi < h->nb && h->b[bi].orig && h->b[bi].off <= off) &&
		    line_names(h->data + off, h->data + lend, host, hlen)) {
			if (found < max)
				lines[found] = lineno;
			found++;
		}
		off = lend;
		lineno++;
	}
	return found;
}

static int
addr_in(char *const *a, size_t n, const char *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], x) == 0)
			return 1;
	return 0;
}

int
eksl_hosts_check(const struct eksl_hosts *h, const char *hostarg,
    char *const *addrs, size_t n, struct eksl_buf *out)
{
	char host[HOSTLEN];
	const struct hblock *b;
	size_t lines[16], nu, i;
	int rc = 0;

	if (norm_host(hostarg, strlen(hostarg), host) == -1)
		return eksl_buf_printf(out, "%s: %s: not a valid host name\n",
		    h->name, hostarg) == -1 ? -1 : 1;
	if ((b = find_block(h, host)) == NULL) {
		if (eksl_buf_printf(out, "%s: %s: not pinned (no eksl block)\n",
		    h->name, host) == -1)
			return -1;
		rc = 1;
	} else {
		for (i = 0; i < n; i++) {
			if (addr_in(b->addrs, b->naddrs, addrs[i]))
				continue;
			if (eksl_buf_printf(out, "%s:%zu: %s: %s is not "
			    "pinned\n", h->name, b->line, host, addrs[i]) == -1)
				return -1;
			rc = 1;
		}
		for (i = 0; i < b->naddrs; i++) {
			if (addr_in(addrs, n, b->addrs[i]))
				continue;
			if (eksl_buf_printf(out, "%s:%zu: %s: pinned %s is not "
			    "in the record\n", h->name, b->line, host,
			    b->addrs[i]) == -1)
				return -1;
			rc = 1;
		}
	}
	nu = eksl_hosts_unmanaged(h, host, lines, 16);
	for (i = 0; i < nu && i < 16; i++) {
		if (eksl_buf_printf(out, "%s:%zu: %s: an unmanaged line names "
		    "this host\n", h->name, lines[i], host) == -1)
			return -1;
		rc = 1;
	}
	return rc;
}

/* ---- the plan: pieces of the new file, shared by render and diff ---- */

static int
plan_add(struct plan *pl, int verbatim, size_t ooff, size_t olen,
    size_t noff, size_t nlen)
{
	struct piece *np;

	if (verbatim && olen == 0)
		return 0;
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap != 0 ? pl->cap * 2 : 16;

		if ((np = realloc(pl->p, ncap * sizeof(*np))) == NULL)
			return -1;
		pl->p = np;
		pl->cap = ncap;
	}
	np = &pl->p[pl->n++];
	np->verbatim = verbatim;
	np->ooff = ooff;
	np->olen = olen;
	np->noff = noff;
	np->nlen = nlen;
	return 0;
}

/*
 * Split the last piece that produces bytes so that its last line becomes
 * a replaced piece of its own (for a diff that stays line by line).
 * Returns its index, or -1 when there is no such piece or out of memory.
 */
static long
plan_split_last(struct plan *pl, const char *data)
{
	struct piece *p, rest;
	size_t i, ls, q;

	for (i = pl->n; i > 0; i--)
		if (pl->p[i - 1].verbatim || pl->p[i - 1].nlen > 0)
			break;
	if (i == 0)
		return -1;
	p = &pl->p[i - 1];
	if (!p->verbatim)
		return (long)(i - 1);
	/* The start of the piece's last line (pieces begin at a line). */
	ls = p->ooff;
	for (q = p->ooff + p->olen - 1; q > p->ooff; q--)
		if (data[q - 1] == '\n') {
			ls = q;
			break;
		}
	rest.verbatim = 0;
	rest.ooff = ls;
	rest.olen = p->ooff + p->olen - ls;
	rest.noff = pl->text.len;
	rest.nlen = rest.olen;
	if (eksl_buf_add(&pl->text, data + ls, rest.olen) == -1)
		return -1;
	if (ls == p->ooff) {
		*p = rest;
		return (long)(i - 1);
	}
	p->olen = ls - p->ooff;
	if (plan_add(pl, 0, 0, 0, 0, 0) == -1)
		return -1;
	memmove(&pl->p[i + 1], &pl->p[i], (pl->n - i - 1) * sizeof(*pl->p));
	pl->p[i] = rest;
	return (long)i;
}

/* Whether the new bytes so far end with a newline (or are empty). */
static int
plan_ends_nl(const struct plan *pl, const char *data)
{
	const struct piece *p;
	size_t i;

	for (i = pl->n; i > 0; i--) {
		p = &pl->p[i - 1];
		if (p->verbatim)
			return data[p->ooff + p->olen - 1] == '\n';
		if (p->nlen > 0)
			return pl->text.data[p->noff + p->nlen - 1] == '\n';
	}
	return 1;
}

static void
plan_free(struct plan *pl)
{
	free(pl->p);
	eksl_buf_free(&pl->text);
}

static int
plan_build(const struct eksl_hosts *h, struct plan *pl)
{
	const struct hblock *b;
	const char *carry = NULL;	/* EOL eksl added before a removed block */
	size_t i, pos = 0, start;
	long k;
	int flag;

	memset(pl, 0, sizeof(*pl));
	eksl_buf_init(&pl->text, EKSL_HOSTS_MAX_FILE);
	for (i = 0; i < h->nb && h->b[i].orig; i++) {
		b = &h->b[i];
		if (b->off > pos) {
			if (plan_add(pl, 1, pos, b->off - pos, 0, 0) == -1)
				return -1;
			carry = NULL;
		}
		pos = b->off + b->len;
		switch (b->state) {
		case B_GONE:
			if (plan_add(pl, 0, b->off, b->len, pl->text.len, 0) == -1)
				return -1;
			if (b->nladded)
				carry = b->eol;
			break;
		case B_KEEP:
			if (carry == NULL || b->nladded) {
				if (plan_add(pl, 1, b->off, b->len, 0, 0) == -1)
					return -1;
				break;
			}
			/* The added newline now comes before this block. */
			start = pl->text.len;
			if (render_begin(&pl->text, b, 1) == -1 ||
			    plan_add(pl, 0, b->off, b->beginlen, start,
			    pl->text.len - start) == -1 ||
			    plan_add(pl, 1, b->off + b->beginlen,
			    b->len - b->beginlen, 0, 0) == -1)
				return -1;
			carry = NULL;
			break;
		case B_NEW:
			start = pl->text.len;
			if (render_block(&pl->text, b, b->nladded ||
			    carry != NULL) == -1 ||
			    plan_add(pl, 0, b->off, b->len, start,
			    pl->text.len - start) == -1)
				return -1;
			carry = NULL;
			break;
		}
	}
	if (pos < h->len) {
		if (plan_add(pl, 1, pos, h->len - pos, 0, 0) == -1)
			return -1;
		carry = NULL;
	}
	for (; i < h->nb; i++) {
		b = &h->b[i];
		flag = carry != NULL;
		carry = NULL;
		start = pl->text.len;
		if (!flag && !plan_ends_nl(pl, h->data)) {
			/* Add the missing final newline, and say so. */
			if ((k = plan_split_last(pl, h->data)) == -1)
				return -1;
			if ((size_t)k != pl->n - 1)
				return -1;	/* cannot happen: nothing follows */
			if (eksl_buf_addstr(&pl->text, b->eol) == -1)
				return -1;
			flag = 1;
			start = pl->p[k].noff;
			pl->p[k].nlen = pl->text.len - start;
			if (render_block(&pl->text, b, flag) == -1)
				return -1;
			pl->p[k].nlen = pl->text.len - start;
			continue;
		}
		if (render_block(&pl->text, b, flag) == -1 ||
		    plan_add(pl, 0, h->len, 0, start, pl->text.len - start) == -1)
			return -1;
	}
	if (carry != NULL) {
		/* The removed block was last: take back the newline we added. */
		size_t el = strlen(carry);
		struct piece *p;

		if ((k = plan_split_last(pl, h->data)) == -1)
			return 0;	/* the file is now empty */
		p = &pl->p[k];
		if (p->nlen >= el && memcmp(pl->text.data + p->noff +
		    p->nlen - el, carry, el) == 0)
			p->nlen -= el;
		else if (p->nlen >= 1 &&
		    pl->text.data[p->noff + p->nlen - 1] == '\n')
			p->nlen--;
	}
	return 0;
}

int
eksl_hosts_render(const struct eksl_hosts *h, struct eksl_buf *out)
{
	struct plan pl;
	size_t i, total;
	int rc = -1;

	if (plan_build(h, &pl) == -1)
		goto out;
	for (i = 0, total = 0; i < pl.n; i++)
		total += pl.p[i].verbatim ? pl.p[i].olen : pl.p[i].nlen;
	if (eksl_buf_reserve(out, total) == -1)
		goto out;
	for (i = 0; i < pl.n; i++) {
		const struct piece *p = &pl.p[i];

		if (p->verbatim ? eksl_buf_add(out, h->data + p->ooff,
		    p->olen) : eksl_buf_add(out, pl.text.data + p->noff,
		    p->nlen))
			goto out;
	}
	rc = 0;
out:
	plan_free(&pl);
	return rc;
}

int
eksl_hosts_iov(struct eksl_hosts *h, const struct iovec **iovp, int *iovcnt)
{
	const struct piece *p;
	size_t i;
	int n = 0;

	out_free(h);
	if ((h->out = calloc(1, sizeof(*h->out))) == NULL)
		return -1;
	if (plan_build(h, h->out) == -1 ||
	    (h->iov = calloc(h->out->n + 1, sizeof(*h->iov))) == NULL) {
		out_free(h);
		return -1;
	}
	for (i = 0; i < h->out->n; i++) {
		p = &h->out->p[i];
		if (p->verbatim) {
			h->iov[n].iov_base = (void *)(h->data + p->ooff);
			h->iov[n].iov_len = p->olen;
		} else {
			if (p->nlen == 0)
				continue;
			h->iov[n].iov_base = h->out->text.data + p->noff;
			h->iov[n].iov_len = p->nlen;
		}
		n++;
	}
	*iovp = h->iov;
	*iovcnt = n;
	return 0;
}

/* Lines in [p, p+n): newlines, plus a last line without one. */
static size_t
count_lines(const char *p, size_t n)
{
	const char *e = p + n, *nl;
	size_t c = 0;

	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		c++;
		p = nl + 1;
	}
	return c + (p < e);
}

static int
emit_lines(struct eksl_buf *out, char mark, const char *p, size_t n)
{
	const char *e = p + n, *nl;
	size_t l;

	while (p < e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		l = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(e - p);
		if (eksl_buf_add(out, &mark, 1) == -1 ||
		    eksl_buf_add(out, p, l) == -1)
			return -1;
		if (nl == NULL &&
		    eksl_buf_addstr(out, "\n\\ No newline at end of file\n") == -1)
			return -1;
		p += l;
	}
	return 0;
}

/* Offset of the start of the line k lines before off (off at a line). */
static size_t
back_lines(const char *data, size_t off, int k)
{
	while (k-- > 0 && off > 0) {
		off--;
		while (off > 0 && data[off - 1] != '\n')
			off--;
	}
	return off;
}

static size_t
fwd_lines(const char *data, size_t len, size_t off, int k)
{
	const char *nl;

	while (k-- > 0 && off < len) {
		nl = memchr(data + off, '\n', len - off);
		off = nl != NULL ? (size_t)(nl - data) + 1 : len;
	}
	return off;
}

struct change {
	size_t	ooff, olen;	/* original bytes */
	size_t	noff, nlen;	/* in the plan's text */
};

/* Length of the first line of [p, p+n), with its newline. */
static size_t
first_line(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);

	return nl != NULL ? (size_t)(nl - p) + 1 : n;
}

/* Start of the last line of [p, p+n), n > 0. */
static size_t
last_line(const char *p, size_t n)
{
	size_t q;

	for (q = n - 1; q > 0; q--)
		if (p[q - 1] == '\n')
			return q;
	return 0;
}

/* Drop the lines a change leaves as they were, at both of its ends. */
static void
trim_change(struct change *c, const char *old, const char *new)
{
	size_t lo, ln;

	while (c->olen > 0 && c->nlen > 0) {
		lo = first_line(old + c->ooff, c->olen);
		ln = first_line(new + c->noff, c->nlen);
		if (lo != ln || memcmp(old + c->ooff, new + c->noff, lo) != 0)
			break;
		c->ooff += lo;
		c->olen -= lo;
		c->noff += ln;
		c->nlen -= ln;
	}
	while (c->olen > 0 && c->nlen > 0) {
		lo = last_line(old + c->ooff, c->olen);
		ln = last_line(new + c->noff, c->nlen);
		if (c->olen - lo != c->nlen - ln || memcmp(old + c->ooff + lo,
		    new + c->noff + ln, c->olen - lo) != 0)
			break;
		c->olen = lo;
		c->nlen = ln;
	}
}

int
eksl_hosts_diff(const struct eksl_hosts *h, struct eksl_buf *out)
{
	struct plan pl;
	struct eksl_buf nt;
	struct change *c = NULL;
	size_t nc = 0, i, j, k, s, e, line = 1, at = 0, ocount, ncount;
	long delta = 0;
	int rc = -1;

	eksl_buf_init(&nt, EKSL_HOSTS_MAX_FILE);
	if (plan_build(h, &pl) == -1)
		goto out;
	if ((c = calloc(pl.n + 1, sizeof(*c))) == NULL)
		goto out;
	/* Runs of replaced pieces, each a change of whole lines. */
	for (i = 0; i < pl.n; i++) {
		if (pl.p[i].verbatim)
			continue;
		c[nc].ooff = pl.p[i].ooff;
		c[nc].noff = nt.len;
		for (j = i; j < pl.n && !pl.p[j].verbatim; j++)
			if (eksl_buf_add(&nt, pl.text.data + pl.p[j].noff,
			    pl.p[j].nlen) == -1)
				goto out;
		c[nc].olen = pl.p[j - 1].ooff + pl.p[j - 1].olen - c[nc].ooff;
		c[nc].nlen = nt.len - c[nc].noff;
		trim_change(&c[nc], h->data, nt.data);
		if (c[nc].olen > 0 || c[nc].nlen > 0)
			nc++;
		i = j - 1;
	}
	if (nc > 0 && eksl_buf_printf(out, "--- %s\n+++ %s\n", h->name,
	    h->name) == -1)
		goto out;
	for (i = 0; i < nc; i = j + 1) {
		/* Join changes whose contexts touch into one hunk. */
		for (j = i; j + 1 < nc; j++) {
			size_t gap_s = c[j].ooff + c[j].olen;

			if (count_lines(h->data + gap_s, c[j + 1].ooff - gap_s) >
			    2 * CONTEXT)
				break;
		}
		s = back_lines(h->data, c[i].ooff, CONTEXT);
		e = fwd_lines(h->data, h->len, c[j].ooff + c[j].olen, CONTEXT);
		line += count_lines(h->data + at, s - at) -
		    (s > at && h->data[s - 1] != '\n');
		at = s;
		ocount = count_lines(h->data + s, e - s);
		ncount = ocount;
		for (k = i; k <= j; k++)
			ncount = ncount - count_lines(h->data + c[k].ooff,
			    c[k].olen) + count_lines(nt.data + c[k].noff,
			    c[k].nlen);
		if (eksl_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n",
		    ocount > 0 ? line : line - 1, ocount,
		    ncount > 0 ? (size_t)((long)line + delta) :
		    (size_t)((long)line + delta - 1), ncount) == -1)
			goto out;
		for (k = i; k <= j; k++) {
			size_t ce = c[k].ooff + c[k].olen;
			size_t nx = k < j ? c[k + 1].ooff : e;

			if (emit_lines(out, ' ', h->data + s, c[k].ooff - s) ==
			    -1 || emit_lines(out, '-', h->data + c[k].ooff,
			    c[k].olen) == -1 || emit_lines(out, '+', nt.data +
			    c[k].noff, c[k].nlen) == -1 ||
			    emit_lines(out, ' ', h->data + ce, nx - ce) == -1)
				goto out;
			s = nx;
		}
		delta += (long)ncount - (long)ocount;
	}
	rc = 0;
out:
	free(c);
	eksl_buf_free(&nt);
	plan_free(&pl);
	return rc;
}
