/*
 * The last-known-good answers of endpoint hosts, kept in one file per
 * state directory, DIR/resolve.jsonl: one JSON object per line and host,
 * {"host": H, "since": T, "addresses": [{"ip", "ttl"}]}, sorted by host,
 * H in lower case without a final dot, the addresses sorted by ip;
 * "since" is when this set of addresses was first saved (RFC 3339, UTC).
 *
 * A run reads the file once, without a lock (it is only ever renamed into
 * place, so a reader sees a whole one), looks hosts up in memory, queues
 * the answers to save, and writes the file at most once, atomically and
 * under its lock, when something changed.  Earlier versions kept one file
 * per host, DIR/resolve/H.json, holding the same object: such a file is
 * read when the new file has no line for its host, and moved into the new
 * file (and removed) by the next write.
 */
#ifndef EKSL_LKG_H
#define EKSL_LKG_H

#include <stddef.h>
#include <netinet/in.h>

#define EKSL_LKG_FILE		"resolve.jsonl"	/* in the state dir */
#define EKSL_LKG_OLD_DIR	"resolve"	/* the per-host files */
#define EKSL_LKG_MAX_FILE	(64 * 1024)	/* cap on a per-host file */
#define EKSL_LKG_MAX_STORE	(64 * 1024 * 1024)	/* cap on the file */
#define EKSL_LKG_MAX_ADDRS	128	/* addresses kept per host */
#define EKSL_LKG_SINCELEN	64

struct eksl_lkg;

struct eksl_lkg_addr {
	char		ip[INET6_ADDRSTRLEN];	/* a valid IPv4 or IPv6 address */
	long long	ttl;
};

/* A host's saved answer: n (1..EKSL_LKG_MAX_ADDRS) addresses, no IP twice. */
struct eksl_lkg_entry {
	char			since[EKSL_LKG_SINCELEN];
	size_t			n;
	struct eksl_lkg_addr	a[EKSL_LKG_MAX_ADDRS];
};

/* Receives one message "PATH:LINE: reason" about a line that is ignored. */
typedef void eksl_lkg_warn_fn(const char *msg, void *arg);

/* The outcome of one answer queued by eksl_lkg_put. */
struct eksl_lkg_result {
	const char	*host;		/* as given to eksl_lkg_put */
	void		*tag;		/* as given to eksl_lkg_put */
	int		 status;	/* see eksl_lkg_commit */
	size_t		 naddrs;	/* addresses in the answer */
	size_t		 nsaved;	/* in the saved one (status 2) */
};

typedef void eksl_lkg_result_fn(const struct eksl_lkg_result *r, void *arg);

/*
 * The default state directory: /var/lib/eksl for root, else
 * $XDG_STATE_HOME/eksl, else $HOME/.local/state/eksl.  Returns a new
 * string (caller frees), or NULL when none can be named (no HOME).
 */
char	*eksl_lkg_default_dir(void);

/*
 * Read dir's last-known-good file, without a lock and without creating
 * anything.  Returns a new store (free it with eksl_lkg_free) holding the
 * file's answers; a missing file is an empty store.  A file that cannot
 * be read, and each line that names no host or repeats one, are passed to
 * warn (may be NULL) and ignored.  NULL when memory runs out.
 */
struct eksl_lkg *eksl_lkg_open(const char *dir, eksl_lkg_warn_fn *warn,
	    void *arg);

/*
 * host's last-known-good answer into *e.  Returns 1; 0 when there is
 * none; -1 when the saved one is not valid (err "PATH:LINE: reason" or
 * "PATH: reason"; it counts as none, and the next answer saved replaces
 * it).
 */
int	eksl_lkg_get(struct eksl_lkg *s, const char *host,
	    struct eksl_lkg_entry *e, char *err, size_t errlen);

/*
 * Queue a[0..n) (copied; at most EKSL_LKG_MAX_ADDRS are kept) as host's
 * answer to save by eksl_lkg_commit; tag is handed back with the outcome.
 * Returns 0, or -1 when host is not a valid host name, a holds no valid IP
 * (an empty answer is never saved) or memory runs out (err "HOST: reason").
 */
int	eksl_lkg_put(struct eksl_lkg *s, const char *host,
	    const struct eksl_lkg_addr *a, size_t n, void *tag, char *err,
	    size_t errlen);

/*
 * Save the queued answers.  Nothing queued: nothing is done (no lock, no
 * write).  Else, under the file's lock, the file is read again and each
 * answer in turn is compared with the saved one: the same set of IPs is
 * kept (status 0); a saved one with more addresses is kept, since a worse
 * answer never replaces a better one (status 2); otherwise the answer
 * replaces it with since = now (status 1).  The file is then written
 * atomically, once, if anything changed (old per-host files met by
 * eksl_lkg_get are moved in).  fn (may be NULL) gets each answer's outcome
 * in the order queued.  Returns 0, or -1 with err "PATH: reason" when
 * nothing could be saved (every outcome then has status -1).
 */
int	eksl_lkg_commit(struct eksl_lkg *s, const char *now,
	    eksl_lkg_result_fn *fn, void *arg, char *err, size_t errlen);

/* Free a store from eksl_lkg_open; NULL is allowed. */
void	eksl_lkg_free(struct eksl_lkg *s);

/* 1 when a[0..n) (in any order, IPs maybe twice) holds e's set of IPs. */
int	eksl_lkg_same(const struct eksl_lkg_entry *e,
	    const struct eksl_lkg_addr *a, size_t n);

#endif
