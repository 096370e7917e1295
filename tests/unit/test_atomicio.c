/*
 * lib/atomicio: replace (unchanged means no write; mode, owner, xattrs
 * kept; symlinks followed; the EBUSY fallback), create_excl, the lock and
 * its timeout message, stale temporary files, read, mkdirs.  Runs in a
 * fresh directory under $TMPDIR (or /tmp).
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "tap.h"

static char dir[256];

static const char *
at(const char *name)
{
	static char p[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
put(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	fputs(s, fp);
	fclose(fp);
}

static int
temps_left(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".eksl-tmp.") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
test_ebusy_fallback(void)
{
	char err[512];
	struct stat a, b;
	int rc;

	/* EKSL_FAULT is read once: rename:1:EBUSY is this test's. */
	put(at("busy"), "old\n");
	stat(at("busy"), &a);
	rc = eksl_file_replace(at("busy"), "new content\n", 12, 0644, 0, err,
	    sizeof(err));
	stat(at("busy"), &b);
	tap_ok(rc == 1, "EBUSY from rename: rewritten in place");
	tap_ok(a.st_ino == b.st_ino, "in place: same inode");
	tap_streq(slurp(at("busy")), "new content\n", "in place: new bytes");
	tap_ok(temps_left() == 0, "in place: no temp file left");
	rc = eksl_file_replace(at("busy"), "x\n", 2, 0644, 0, err, sizeof(err));
	tap_ok(rc == 1 && strcmp(slurp(at("busy")), "x\n") == 0,
	    "in place: shrinking truncates");
}

static void
test_replace(void)
{
	char err[512];
	struct stat a, b, c;
	struct timespec nap = { 0, 20000000 };
	char v[16];
	mode_t old;
	int rc;

	old = umask(077);
	rc = eksl_file_replace(at("f"), "one\n", 4, 0644, 0, err, sizeof(err));
	umask(old);
	stat(at("f"), &a);
	tap_ok(rc == 1, "new file written");
	tap_ok((a.st_mode & 07777) == 0644, "new file gets newmode, not umask");
	nanosleep(&nap, NULL);
	rc = eksl_file_replace(at("f"), "one\n", 4, 0600, 0, err, sizeof(err));
	stat(at("f"), &b);
	tap_ok(rc == 0, "same bytes: returns 0");
	tap_ok(a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	    a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
	    "same bytes: same inode and mtime");
	rc = eksl_file_replace(at("f"), "one\n", 4, 0644, EKSL_WRITE_FORCE, err,
	    sizeof(err));
	stat(at("f"), &b);
	tap_ok(rc == 1 && a.st_ino != b.st_ino, "EKSL_WRITE_FORCE writes anyway");

	chmod(at("f"), 0640);
	if (geteuid() == 0)
		chown(at("f"), 1234, 5678);
	if (setxattr(at("f"), "user.eksl", "keep", 4, 0) == -1)
		tap_diag("no user xattrs here: %s", strerror(errno));
	rc = eksl_file_replace(at("f"), "two\n", 4, 0600, 0, err, sizeof(err));
	stat(at("f"), &c);
	tap_ok(rc == 1 && strcmp(slurp(at("f")), "two\n") == 0, "replaced");
	tap_ok((c.st_mode & 07777) == 0640, "mode kept");
	if (geteuid() == 0)
		tap_ok(c.st_uid == 1234 && c.st_gid == 5678, "owner kept");
	else
		tap_skip("owner: not root");
	memset(v, 0, sizeof(v));
	if (getxattr(at("f"), "user.eksl", v, sizeof(v)) >= 0 ||
	    errno != ENOTSUP)
		tap_streq(v, "keep", "extended attribute kept");
	else
		tap_skip("no user xattrs on this file system");
	tap_ok(temps_left() == 0, "no temp file left");

	/* A symlink is followed; NOFOLLOW replaces the link itself. */
	put(at("target"), "t\n");
	symlink("target", at("link"));
	rc = eksl_file_replace(at("link"), "via link\n", 9, 0644, 0, err,
	    sizeof(err));
	tap_ok(rc == 1 && lstat(at("link"), &a) == 0 && S_ISLNK(a.st_mode),
	    "symlink: still a symlink");
	tap_streq(slurp(at("target")), "via link\n", "symlink: target updated");
	rc = eksl_file_replace(at("link"), "own\n", 4, 0644,
	    EKSL_WRITE_NOFOLLOW, err, sizeof(err));
	tap_ok(rc == 1 && lstat(at("link"), &a) == 0 && S_ISREG(a.st_mode) &&
	    strcmp(slurp(at("target")), "via link\n") == 0,
	    "NOFOLLOW: the link is replaced, the target kept");
	symlink("nowhere", at("dangling"));
	rc = eksl_file_replace(at("dangling"), "d\n", 2, 0644, 0, err,
	    sizeof(err));
	tap_ok(rc == 1 && strcmp(slurp(at("nowhere")), "d\n") == 0,
	    "dangling symlink: its target is created");

	mkdir(at("adir"), 0755);
	rc = eksl_file_replace(at("adir"), "x", 1, 0644, 0, err, sizeof(err));
	tap_ok(rc == -1, "a directory is refused");
	tap_streq(err, at("adir: not a regular file"),
	    "directory: message");
	rc = eksl_file_replace(at("nodir/f"), "x", 1, 0644, 0, err,
	    sizeof(err));
	tap_ok(rc == -1 && strstr(err, "cannot create temporary file: No such "
	    "file or directory") != NULL, "missing directory: message");
}

static void
test_replacev(void)
{
	char err[512], *big;
	struct iovec iov[4];
	struct stat a, b;
	size_t n = 200000;
	int rc;

	/* Pieces that straddle the 64 KiB chunks of the comparison. */
	big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	iov[0].iov_base = big;
	iov[0].iov_len = 70000;
	iov[1].iov_base = big + 70000;
	iov[1].iov_len = 0;
	iov[2].iov_base = big + 70000;
	iov[2].iov_len = 1;
	iov[3].iov_base = big + 70001;
	iov[3].iov_len = n - 70001;
	rc = eksl_file_replacev(at("v"), iov, 4, 0644, 0, err, sizeof(err));
	stat(at("v"), &a);
	tap_ok(rc == 1 && (size_t)a.st_size == n, "replacev: written");
	rc = eksl_file_replacev(at("v"), iov, 4, 0644, 0, err, sizeof(err));
	stat(at("v"), &b);
	tap_ok(rc == 0 && a.st_ino == b.st_ino, "replacev: same pieces, "
	    "no write");
	big[150000] = '!';
	rc = eksl_file_replacev(at("v"), iov, 4, 0644, 0, err, sizeof(err));
	tap_ok(rc == 1, "replacev: one byte differs late: written");
	iov[3].iov_len--;
	rc = eksl_file_replacev(at("v"), iov, 4, 0644, 0, err, sizeof(err));
	stat(at("v"), &b);
	tap_ok(rc == 1 && (size_t)b.st_size == n - 1,
	    "replacev: one byte shorter: written");
	free(big);
}

static void
test_stale_temps(void)
{
	char err[512], live[64];
	int rc;

	put(at("s"), "s\n");
	/* pid 999999999 cannot exist (pid_max is at most 2^22) */
	put(at(".s.eksl-tmp.999999999.1a"), "stale");
	snprintf(live, sizeof(live), ".s.eksl-tmp.%ld.2b", (long)getppid());
	put(at(live), "a live writer's");
	put(at(".other.eksl-tmp.999999999.1a"), "another file's");
	rc = eksl_file_replace(at("s"), "s\n", 2, 0644, 0, err, sizeof(err));
	tap_ok(rc == 0, "unchanged run");
	tap_ok(access(at(".s.eksl-tmp.999999999.1a"), F_OK) == -1,
	    "a dead writer's temp file is removed, even when unchanged");
	put(at(".s.eksl-tmp.999999999.1c"), "stale");
	symlink("s", at("slink"));
	eksl_file_clean_temps(at("slink"));
	tap_ok(access(at(".s.eksl-tmp.999999999.1c"), F_OK) == -1,
	    "clean_temps through a symlink");
	tap_ok(access(at(live), F_OK) == 0, "a live writer's is kept");
	tap_ok(access(at(".other.eksl-tmp.999999999.1a"), F_OK) == 0,
	    "another file's is kept");
	unlink(at(live));
	unlink(at(".other.eksl-tmp.999999999.1a"));
}

static void
test_create_excl(void)
{
	char err[512];
	struct stat st;
	int rc;

	rc = eksl_file_create_excl(at("key"), "secret", 6, 0644, err,
	    sizeof(err));
	tap_ok(rc == 0 && stat(at("key"), &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "create_excl: new file, group and "
	    "other bits dropped");
	tap_streq(slurp(at("key")), "secret", "create_excl: content");
	rc = eksl_file_create_excl(at("key"), "other", 5, 0600, err,
	    sizeof(err));
	tap_ok(rc == -1 && strcmp(slurp(at("key")), "secret") == 0,
	    "create_excl: an existing file is refused and kept");
	tap_ok(strstr(err, "key: cannot create: File exists") != NULL,
	    "create_excl: EEXIST message");
	symlink("keytarget", at("keylink"));
	rc = eksl_file_create_excl(at("keylink"), "x", 1, 0600, err,
	    sizeof(err));
	tap_ok(rc == -1 && access(at("keytarget"), F_OK) == -1,
	    "create_excl: a symlink is refused, its target not created");
	tap_ok(temps_left() == 0, "create_excl: no temp file left");
}

static void
test_lock(void)
{
	char err[512], *lp;
	struct eksl_lock *a = NULL, *b = NULL;
	struct timespec t0, t1;
	long ms;

	lp = eksl_lock_path_for("/etc/hosts");
	tap_streq(lp, "/etc/.hosts.eksl.lock", "lock path beside the target");
	free(lp);
	lp = eksl_lock_path_for("hosts");
	tap_streq(lp, "./.hosts.eksl.lock", "lock path of a relative name");
	free(lp);
	tap_ok(eksl_lock_take(at("f"), 1000, &a, err, sizeof(err)) == 0,
	    "lock taken");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tap_ok(eksl_lock_take(at("f"), 150, &b, err, sizeof(err)) == -1 &&
	    b == NULL, "a second lock waits and times out");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	tap_ok(ms >= 150 && ms < 1500, "waited about 150 ms (%ld)", ms);
	tap_streq(err, (at("f: cannot lock: timed out after 150ms")),
	    "timeout message in ms");
	eksl_lock_take(at("f"), 1000, &b, err, sizeof(err));
	tap_streq(err, at("f: cannot lock: timed out after 1s"),
	    "timeout message in s");
	eksl_lock_release(a);
	tap_ok(eksl_lock_take(at("f"), 100, &b, err, sizeof(err)) == 0,
	    "taken again after release");
	eksl_lock_release(b);
	eksl_lock_release(NULL);
	tap_ok(access(at(".f.eksl.lock"), F_OK) == 0,
	    "the lock file stays");
	tap_ok(eksl_lock_take(at("nodir/f"), 100, &b, err, sizeof(err)) == -1 &&
	    strstr(err, "cannot lock") != NULL, "lock in a missing directory");
}

static void
test_read_mkdirs(void)
{
	char err[512], *buf;
	size_t len;

	tap_ok(eksl_file_read(at("none"), 100, &buf, &len, err,
	    sizeof(err)) == 1 && buf == NULL, "read: missing file is 1");
	put(at("r"), "0123456789");
	tap_ok(eksl_file_read(at("r"), 100, &buf, &len, err, sizeof(err)) ==
	    0 && len == 10 && strcmp(buf, "0123456789") == 0, "read: content");
	free(buf);
	tap_ok(eksl_file_read(at("r"), 5, &buf, &len, err, sizeof(err)) == -1,
	    "read: over the cap");
	tap_streq(err, at("r: larger than 5 bytes"), "read: cap message");
	tap_ok(eksl_file_read(at("adir"), 5, &buf, &len, err,
	    sizeof(err)) == -1, "read: a directory");
	tap_ok(eksl_mkdirs(at("m/n/o"), 0700, err, sizeof(err)) == 0 &&
	    access(at("m/n/o"), F_OK) == 0, "mkdirs: nested");
	tap_ok(eksl_mkdirs(at("m/n/o"), 0700, err, sizeof(err)) == 0,
	    "mkdirs: existing");
	tap_ok(eksl_mkdirs(at("r/x"), 0700, err, sizeof(err)) == -1,
	    "mkdirs: a file in the way");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[600];

	snprintf(dir, sizeof(dir), "%s/eksl-atomicio.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("EKSL_FAULT", "rename:1:EBUSY", 1);
	test_ebusy_fallback();
	test_replace();
	test_replacev();
	test_stale_temps();
	test_create_excl();
	test_lock();
	test_read_mkdirs();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
