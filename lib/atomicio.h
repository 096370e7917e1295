/*
 * Files written so that a crash, a full disk or a concurrent writer never
 * leaves a torn file: a temporary file in the same directory, fsync,
 * rename over the target, fsync of the directory; a lock on a separate
 * lock file that is never replaced.  Error strings start with the path.
 *
 * Every system call that writes goes through one thin layer with a test
 * hook: EKSL_FAULT="op:N:ERRNO" (op is open, write, fsync, rename, close,
 * link or any; N counts from 1) makes the N-th such call fail with ERRNO,
 * and EKSL_FAULT_COUNT=FILE appends one line per call to FILE, so a test
 * can count the calls and then fail each one in turn.
 */
#ifndef EKSL_ATOMICIO_H
#define EKSL_ATOMICIO_H

#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>

#define EKSL_LOCK_TIMEOUT_MS	10000	/* default wait for a lock */

/*
 * Read the whole file at path, at most max bytes, into a new
 * NUL-terminated buffer (*buf, caller frees; *len its length).  Returns 0;
 * 1 when the file does not exist (*buf NULL); -1 on error (err filled,
 * "larger than N bytes" when over max).
 */
int	eksl_file_read(const char *path, size_t max, char **buf, size_t *len,
	    char *err, size_t errlen);

#define EKSL_WRITE_FORCE	0x01	/* write even when unchanged */
#define EKSL_WRITE_NOFOLLOW	0x02	/* replace a symlink instead of its target */

/*
 * Make path hold exactly buf[0..len).  Returns 1 when the file was
 * written, 0 when it already held those bytes (nothing written: inode and
 * mtime stay), -1 on error with the target untouched and no temporary
 * file left.  A symlink is followed to its target.  An existing file keeps
 * its mode, owner, ACLs and extended attributes; a new one gets newmode
 * (umask not applied).  When the rename cannot replace the target because
 * it is a mount point (EBUSY, EXDEV), the file is rewritten in place: the
 * caller must hold the lock for that to be safe.
 */
int	eksl_file_replace(const char *path, const void *buf, size_t len,
	    mode_t newmode, int flags, char *err, size_t errlen);

/*
 * eksl_file_replace with the new bytes given as iovcnt pieces (borrowed),
 * in order, so that a large file can be written from pieces of its old
 * bytes without a copy.  Same returns and behaviour.
 */
int	eksl_file_replacev(const char *path, const struct iovec *iov,
	    int iovcnt, mode_t newmode, int flags, char *err, size_t errlen);

/*
 * Remove the temporary files of path (through its symlinks) left by
 * writers that no longer run; eksl_file_replace does it too.  Best effort.
 */
void	eksl_file_clean_temps(const char *path);

/*
 * Create path exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, umask 077) with mode,
 * write buf and fsync it and its directory.  For key material: an existing
 * file or symlink at path is an error (EEXIST).  Returns 0 or -1; on error
 * nothing is left at path.
 */
int	eksl_file_create_excl(const char *path, const void *buf, size_t len,
	    mode_t mode, char *err, size_t errlen);

/* Create dir and its missing parents with mode.  Returns 0 or -1. */
int	eksl_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen);

struct eksl_lock;

/*
 * Take an exclusive lock (flock) that guards target, on the lock file
 * eksl_lock_path_for(target), created 0600 if absent and never removed,
 * waiting at most timeout_ms.  Returns 0 with *out set, or -1 with err
 * "TARGET: cannot lock: timed out after 10s".
 */
int	eksl_lock_take(const char *target, int timeout_ms,
	    struct eksl_lock **out, char *err, size_t errlen);
/* Release and free a lock taken by eksl_lock_take; NULL is allowed. */
void	eksl_lock_release(struct eksl_lock *lk);

/*
 * The lock file that guards target: "<dir>/.<base>.eksl.lock" beside it
 * (a separate file, so that replacing target never drops the lock).
 * Returns a new string (caller frees) or NULL.
 */
char	*eksl_lock_path_for(const char *target);

/* The fault-hooked system calls, for modules that write files directly. */
int	eksl_io_open(const char *path, int flags, mode_t mode);
ssize_t	eksl_io_write_all(int fd, const void *buf, size_t len);
int	eksl_io_fsync(int fd);
int	eksl_io_rename(const char *from, const char *to);
int	eksl_io_close(int fd);

#endif
