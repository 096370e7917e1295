#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"

#define TEMP_TAG	".eksl-tmp."

/* ---- the fault-hooked system-call layer ---- */

static struct {
	int	 parsed;
	char	 op[16];
	long	 nth;
	int	 err;
	long	 count;
	char	*countfile;
} fault;

static int
errno_byname(const char *s)
{
	static const struct { const char *name; int val; } tab[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EACCES", EACCES },
		{ "EPERM", EPERM }, { "EBUSY", EBUSY }, { "EXDEV", EXDEV },
		{ "EROFS", EROFS }, { "EDQUOT", EDQUOT }, { "ENOMEM", ENOMEM },
		{ "EINTR", EINTR }, { "EMFILE", EMFILE }, { "ENOENT", ENOENT },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].val;
	return (int)strtol(s, NULL, 10);
}

static void
fault_parse(void)
{
	const char *spec, *c1, *c2;
	size_t n;

	fault.parsed = 1;
	fault.countfile = getenv("EKSL_FAULT_COUNT");
	if ((spec = getenv("EKSL_FAULT")) == NULL)
		return;
	if ((c1 = strchr(spec, ':')) == NULL ||
	    (c2 = strchr(c1 + 1, ':')) == NULL)
		return;
	n = (size_t)(c1 - spec);
	if (n == 0 || n >= sizeof(fault.op))
		return;
	memcpy(fault.op, spec, n);
	fault.op[n] = '\0';
	fault.nth = strtol(c1 + 1, NULL, 10);
	fault.err = errno_byname(c2 + 1);
}

/* Returns 0 to go ahead, or -1 with errno set when this call must fail. */
static int
fault_check(const char *op)
{
	FILE *fp;

	if (!fault.parsed)
		fault_parse();
	if (fault.countfile != NULL &&
	    (fp = fopen(fault.countfile, "a")) != NULL) {
		fprintf(fp, "%s\n", op);
		fclose(fp);
	}
	if (fault.op[0] == '\0' || fault.nth <= 0)
		return 0;
	if (strcmp(fault.op, op) != 0 && strcmp(fault.op, "any") != 0)
		return 0;
	if (++fault.count != fault.nth)
		return 0;
	errno = fault.err != 0 ? fault.err : EIO;
	return -1;
}

int
eksl_io_open(const char *path, int flags, mode_t mode)
{
	if (fault_check("open") == -1)
		return -1;
	return open(path, flags, mode);
}

ssize_t
eksl_io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (fault_check("write") == -1)
			return -1;
		n = write(fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return (ssize_t)off;
}

int
eksl_io_fsync(int fd)
{
	if (fault_check("fsync") == -1)
		return -1;
	return fsync(fd);
}

int
eksl_io_rename(const char *from, const char *to)
{
	if (fault_check("rename") == -1)
		return -1;
	return rename(from, to);
}

int
eksl_io_close(int fd)
{
	if (fault_check("close") == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static int
io_link(const char *from, const char *to)
{
	if (fault_check("link") == -1)
		return -1;
	return link(from, to);
}

/* ---- helpers ---- */

static void
split_path(const char *path, char *dir, size_t dirlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(dir, dirlen, ".");
		*base = path;
		return;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1;	/* "/x": the directory is "/" */
	if (n >= dirlen)
		n = dirlen - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*base = slash + 1;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = eksl_io_fsync(fd);
	/* Some file systems cannot fsync a directory; that is not a loss. */
	if (rc == -1 && (errno == EINVAL || errno == ENOTSUP))
		rc = 0;
	close(fd);
	return rc;
}

/*
 * Follow symlinks at path to the file they name (which need not exist).
 * Writes the result to out.  Returns 0 or -1 (ELOOP, ENAMETOOLONG).
 */
static int
resolve_links(const char *path, char *out, size_t outlen)
{
	char cur[PATH_MAX], link[PATH_MAX], dir[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t n;
	int hops;

	if (strlen(path) >= sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		if (lstat(cur, &st) == -1 || !S_ISLNK(st.st_mode)) {
			if ((size_t)snprintf(out, outlen, "%s", cur) >= outlen) {
				errno = ENAMETOOLONG;
				return -1;
			}
			return 0;
		}
		if ((n = readlink(cur, link, sizeof(link) - 1)) == -1)
			return -1;
		link[n] = '\0';
		if (link[0] == '/')
			snprintf(cur, sizeof(cur), "%s", link);
		else {
			split_path(cur, dir, sizeof(dir), &base);
			if ((size_t)snprintf(cur, sizeof(cur), "%s/%s", dir,
			    link) >= sizeof(cur)) {
				errno = ENAMETOOLONG;
				return -1;
			}
		}
	}
	errno = ELOOP;
	return -1;
}

/*
 * Remove temporary files of target left by runs that were killed: their
 * names carry the writer's pid, and a pid that no longer exists cannot
 * come back to finish.
 */
static void
clean_stale_temps(const char *dir, const char *base)
{
	char prefix[NAME_MAX + 1], path[PATH_MAX];
	struct dirent *de;
	size_t plen;
	long pid;
	DIR *d;

	if ((size_t)snprintf(prefix, sizeof(prefix), ".%s" TEMP_TAG, base) >=
	    sizeof(prefix))
		return;
	plen = strlen(prefix);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH)) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    de->d_name) < sizeof(path))
				unlink(path);
		}
	}
	closedir(d);
}

static int
make_temp(const char *dir, const char *base, mode_t mode, char *tmp,
    size_t tmplen)
{
	static unsigned int seq;
	struct timespec ts;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		if ((size_t)snprintf(tmp, tmplen, "%s/.%s" TEMP_TAG "%ld.%x%lx",
		    dir, base, (long)getpid(), seq++,
		    (unsigned long)ts.tv_nsec) >= tmplen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = eksl_io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Copy extended attributes (ACLs among them) from fd `from` to `to`. */
static void
copy_xattrs(int from, int to)
{
	char names[8192], *name, value[65536];
	ssize_t nl, vl;

	if ((nl = flistxattr(from, names, sizeof(names))) <= 0)
		return;
	for (name = names; name < names + nl; name += strlen(name) + 1) {
		vl = fgetxattr(from, name, value, sizeof(value));
		if (vl >= 0)
			(void)fsetxattr(to, name, value, (size_t)vl, 0);
	}
}

/* 1 when the file at fd holds exactly the bytes of iov. */
static int
same_content(int fd, const struct iovec *iov, int iovcnt)
{
	char chunk[65536];
	size_t off = 0, take;
	ssize_t n;
	int i = 0;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		size_t c = 0;

		while (c < (size_t)n) {
			while (i < iovcnt && off == iov[i].iov_len) {
				i++;
				off = 0;
			}
			if (i == iovcnt)
				return 0;	/* the file is longer */
			take = iov[i].iov_len - off;
			if (take > (size_t)n - c)
				take = (size_t)n - c;
			if (memcmp((const char *)iov[i].iov_base + off,
			    chunk + c, take) != 0)
				return 0;
			off += take;
			c += take;
		}
	}
	while (i < iovcnt && off == iov[i].iov_len) {
		i++;
		off = 0;
	}
	return n == 0 && i == iovcnt;
}

static int
write_iov(int fd, const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++)
		if (eksl_io_write_all(fd, iov[i].iov_base, iov[i].iov_len) ==
		    -1)
			return -1;
	return 0;
}

/* Rewrite target in place: for a bind-mounted file that rename cannot replace. */
static int
rewrite_in_place(const char *path, const struct iovec *iov, int iovcnt,
    size_t len)
{
	int fd, saved;

	if ((fd = eksl_io_open(path, O_WRONLY | O_CLOEXEC, 0)) == -1)
		return -1;
	/*
	 * Reserve the space first: a full disk then fails before the first
	 * byte is overwritten, not half way through the file.
	 */
	if (len > 0 && fallocate(fd, 0, 0, (off_t)len) == -1 &&
	    errno != EOPNOTSUPP && errno != ENOSYS) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (write_iov(fd, iov, iovcnt) == -1 ||
	    ftruncate(fd, (off_t)len) == -1 || eksl_io_fsync(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return eksl_io_close(fd);
}

/* ---- public ---- */

int
eksl_file_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	ssize_t n;
	int fd;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		goto fail;
	}
	/* Room for the NUL and one more byte: the read that sees EOF then
	 * needs no bigger buffer (a doubling of a large file's buffer). */
	size = S_ISREG(st.st_mode) && (size_t)st.st_size < max ?
	    (size_t)st.st_size + 2 : 4096;
	for (;;) {
		if (len + 1 >= size || buf == NULL) {
			char *nb;

			if (buf != NULL)
				size *= 2;
			if ((nb = realloc(buf, size)) == NULL) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(ENOMEM));
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path,
			    max);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int
eksl_file_replace(const char *path, const void *buf, size_t len,
    mode_t newmode, int flags, char *err, size_t errlen)
{
	struct iovec iov;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return eksl_file_replacev(path, &iov, 1, newmode, flags, err, errlen);
}

void
eksl_file_clean_temps(const char *path)
{
	char target[PATH_MAX], dir[PATH_MAX];
	const char *base;

	if (resolve_links(path, target, sizeof(target)) == -1)
		return;
	split_path(target, dir, sizeof(dir), &base);
	clean_stale_temps(dir, base);
}

int
eksl_file_replacev(const char *path, const struct iovec *iov, int iovcnt,
    mode_t newmode, int flags, char *err, size_t errlen)
{
	char target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	const char *base, *what;
	struct stat st;
	size_t len = 0;
	int oldfd = -1, fd = -1, exists, saved, i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	tmp[0] = '\0';
	if (flags & EKSL_WRITE_NOFOLLOW) {
		if ((size_t)snprintf(target, sizeof(target), "%s", path) >=
		    sizeof(target)) {
			snprintf(err, errlen, "%s: %s", path,
			    strerror(ENAMETOOLONG));
			return -1;
		}
	} else if (resolve_links(path, target, sizeof(target)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	split_path(target, dir, sizeof(dir), &base);

	oldfd = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (oldfd == -1 && errno != ENOENT && errno != ELOOP) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	exists = oldfd != -1 && fstat(oldfd, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(oldfd);
		return -1;
	}
	/* Before the unchanged check, so that a run that writes nothing
	 * still sweeps up after a killed one. */
	clean_stale_temps(dir, base);
	if (exists && !(flags & EKSL_WRITE_FORCE) &&
	    (size_t)st.st_size == len && same_content(oldfd, iov, iovcnt)) {
		close(oldfd);
		return 0;
	}

	what = "cannot create temporary file";
	if ((fd = make_temp(dir, base, 0600, tmp, sizeof(tmp))) == -1) {
		tmp[0] = '\0';
		goto fail;
	}
	what = "cannot write";
	if (write_iov(fd, iov, iovcnt) == -1)
		goto fail;
	if (exists) {
		/* Owner first: fchown may clear set-id bits that fchmod sets. */
		if (fchown(fd, st.st_uid, st.st_gid) == -1 && geteuid() == 0)
			goto fail;
		copy_xattrs(oldfd, fd);
		if (fchmod(fd, st.st_mode & 07777) == -1)
			goto fail;
	} else if (fchmod(fd, newmode & 07777) == -1)
		goto fail;
	what = "cannot sync";
	if (eksl_io_fsync(fd) == -1)
		goto fail;
	what = "cannot write";
	if (eksl_io_close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "cannot replace";
	if (eksl_io_rename(tmp, target) == -1) {
		if (!exists || (errno != EBUSY && errno != EXDEV))
			goto fail;
		/* A bind-mounted file: rename cannot replace it. */
		what = "cannot rewrite in place";
		if (rewrite_in_place(target, iov, iovcnt, len) == -1)
			goto fail;
		unlink(tmp);
	}
	tmp[0] = '\0';
	if (oldfd != -1)
		close(oldfd);
	if (fsync_dir(dir) == -1) {
		/* Name the file the caller asked for, not just its directory. */
		snprintf(err, errlen, "%s: cannot sync directory %s: %s",
		    path, dir, strerror(errno));
		return -1;
	}
	return 1;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (oldfd != -1)
		close(oldfd);
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(saved));
	errno = saved;
	return -1;
}

int
eksl_file_create_excl(const char *path, const void *buf, size_t len,
    mode_t mode, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base, *what;
	mode_t old;
	int fd, saved;

	split_path(path, dir, sizeof(dir), &base);
	/* A key's temporary file left by a killed run holds key material. */
	clean_stale_temps(dir, base);
	old = umask(077);
	what = "cannot create temporary file";
	fd = make_temp(dir, base, mode & 0700, tmp, sizeof(tmp));
	umask(old);
	if (fd == -1) {
		tmp[0] = '\0';
		goto fail;
	}
	what = "cannot write";
	if (eksl_io_write_all(fd, buf, len) == -1)
		goto fail;
	what = "cannot sync";
	if (eksl_io_fsync(fd) == -1)
		goto fail;
	what = "cannot write";
	if (eksl_io_close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	/* link(2) is the exclusive, atomic publish: it never follows or
	 * replaces whatever is at path. */
	what = "cannot create";
	if (io_link(tmp, path) == -1)
		goto fail;
	unlink(tmp);
	tmp[0] = '\0';
	if (fsync_dir(dir) == -1) {
		saved = errno;
		unlink(path);
		snprintf(err, errlen, "%s: cannot sync directory %s: %s",
		    path, dir, strerror(saved));
		return -1;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(saved));
	errno = saved;
	return -1;
}

int
eksl_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct stat st;
	size_t i, n;

	n = strlen(dir);
	if (n == 0 || n >= sizeof(p)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create directory: %s",
			    p, strerror(errno));
			return -1;
		}
		if (i < n)
			p[i] = '/';
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

struct eksl_lock {
	int	fd;
};

char *
eksl_lock_path_for(const char *target)
{
	char dir[PATH_MAX], *out;
	const char *base;
	size_t n;

	split_path(target, dir, sizeof(dir), &base);
	n = strlen(dir) + strlen(base) + 16;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%s/.%s.eksl.lock", dir, base);
	return out;
}

int
eksl_lock_take(const char *target, int timeout_ms, struct eksl_lock **out,
    char *err, size_t errlen)
{
	struct timespec start, now, nap;
	struct eksl_lock *lk;
	char *lockpath;
	long waited, step = 1, nsleep;
	unsigned int seed;
	int fd;

	*out = NULL;
	if ((lockpath = eksl_lock_path_for(target)) == NULL) {
		snprintf(err, errlen, "%s: cannot lock: %s", target,
		    strerror(ENOMEM));
		return -1;
	}
	fd = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot lock: %s: %s", target,
		    lockpath, strerror(errno));
		free(lockpath);
		return -1;
	}
	free(lockpath);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Our own sequence: the program's random() is not ours to seed. */
	seed = (unsigned int)getpid() ^ (unsigned int)start.tv_nsec;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "%s: cannot lock: %s", target,
			    strerror(errno));
			close(fd);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms) {
			if (timeout_ms % 1000 == 0)
				snprintf(err, errlen, "%s: cannot lock: timed "
				    "out after %ds", target, timeout_ms / 1000);
			else
				snprintf(err, errlen, "%s: cannot lock: timed "
				    "out after %dms", target, timeout_ms);
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		/*
		 * Short naps with jitter: flock gives a lock to whoever asks
		 * first after its release, so a waiter that sleeps long loses
		 * every race and starves behind busy writers.
		 */
		nsleep = (step * 1000000L) / 2 +
		    (long)(rand_r(&seed) % (step * 500000L + 1));
		if (nsleep > (timeout_ms - waited) * 1000000L)
			nsleep = (timeout_ms - waited) * 1000000L;
		nap.tv_sec = nsleep / 1000000000L;
		nap.tv_nsec = nsleep % 1000000000L;
		nanosleep(&nap, NULL);
		if (step < 8)
			step *= 2;
	}
	if ((lk = malloc(sizeof(*lk))) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: cannot lock: %s", target,
		    strerror(ENOMEM));
		return -1;
	}
	lk->fd = fd;
	*out = lk;
	return 0;
}

void
eksl_lock_release(struct eksl_lock *lk)
{
	if (lk == NULL)
		return;
	close(lk->fd);	/* closing drops the flock */
	free(lk);
}
