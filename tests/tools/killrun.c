/*
 * killrun: the kill sweep's loop in C (a run costs the program's own
 * start-up, not a dozen shell forks).  Test tool, not installed.
 *
 *	killrun RUNS MAX_US INPUT TARGET ORIG WANT SAVEDIR CMD [ARG ...]
 *
 * RUNS times: put TARGET back to the bytes of ORIG (ORIG "-": TARGET
 * absent), start CMD with stdin from INPUT and stdout, stderr on
 * /dev/null, SIGKILL it after a random delay of up to MAX_US
 * microseconds, then look at TARGET.  It is "old" (ORIG's bytes, or
 * absent when ORIG is "-"), "new" (WANT's bytes), "gone" (absent though
 * ORIG was not: torn), or else "other": then it is copied to
 * SAVEDIR/other.N for the caller to judge (a target that holds a time
 * stamp is never byte-identical to WANT).  MAX_US 0 means 1.5 times the
 * median of three runs that are not killed, so that the kills spread
 * over a whole run however slow the machine is.  Prints one summary
 * line; exits 1 when a target was gone, 2 on a usage or set-up error.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"

#define MAXFILE	(1 << 24)

static int
same(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* Read PATH whole: 0, or 1 when it does not exist, or -1. */
static int
slurp(const char *path, char **buf, size_t *len)
{
	char err[512];
	int rc;

	*buf = NULL;
	*len = 0;
	rc = eksl_file_read(path, MAXFILE, buf, len, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "killrun: %s\n", err);
	return rc;
}

/* Write BUF to PATH through a rename, or remove PATH when BUF is NULL. */
static int
restore(const char *path, const char *buf, size_t len)
{
	char tmp[4200];
	ssize_t n;
	size_t off;
	int fd;

	if (buf == NULL)
		return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
	snprintf(tmp, sizeof(tmp), "%s.killrun-restore", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	for (off = 0; off < len; off += (size_t)n)
		if ((n = write(fd, buf + off, len - off)) <= 0) {
			close(fd);
			return -1;
		}
	if (close(fd) == -1)
		return -1;
	return rename(tmp, path);
}

static pid_t
start(const char *input, char **cmd)
{
	pid_t pid;
	int in, null;

	if ((pid = fork()) != 0)
		return pid;
	if ((in = open(input, O_RDONLY)) == -1 ||
	    (null = open("/dev/null", O_WRONLY)) == -1)
		_exit(126);
	dup2(in, 0);
	dup2(null, 1);
	dup2(null, 2);
	execvp(cmd[0], cmd);
	_exit(127);
}

static long
elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

int
main(int argc, char *argv[])
{
	char *orig = NULL, *want = NULL, *cur = NULL, path[4200];
	size_t origl = 0, wantl = 0, curl = 0;
	long runs, maxus, i, cal[3], t;
	long killed = 0, done = 0, old = 0, nnew = 0, other = 0, gone = 0;
	struct timespec t0;
	int status, rc, hasorig, ret = 2;
	pid_t pid;

	if (argc < 9) {
		fprintf(stderr, "usage: killrun RUNS MAX_US INPUT TARGET ORIG "
		    "WANT SAVEDIR CMD [ARG ...]\n");
		return 2;
	}
	runs = strtol(argv[1], NULL, 10);
	maxus = strtol(argv[2], NULL, 10);
	hasorig = strcmp(argv[5], "-") != 0;
	if (runs <= 0 || maxus < 0 ||
	    (hasorig && slurp(argv[5], &orig, &origl) != 0) ||
	    slurp(argv[6], &want, &wantl) != 0) {
		fprintf(stderr, "killrun: bad arguments, ORIG or WANT\n");
		goto out;
	}
	if (hasorig && orig == NULL && (orig = strdup("")) == NULL)
		goto out;
	clock_gettime(CLOCK_REALTIME, &t0);
	srandom((unsigned int)(t0.tv_nsec ^ getpid()));

	if (maxus == 0) {
		/* Three runs that are not killed: how long a whole run is. */
		for (i = 0; i < 3; i++) {
			if (restore(argv[4], orig, origl) == -1) {
				perror(argv[4]);
				goto out;
			}
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if ((pid = start(argv[3], argv + 8)) == -1) {
				perror("killrun: fork");
				goto out;
			}
			waitpid(pid, &status, 0);
			cal[i] = elapsed_us(&t0);
		}
		if (cal[0] > cal[1])
			t = cal[0], cal[0] = cal[1], cal[1] = t;
		if (cal[1] > cal[2])
			cal[1] = cal[2];
		maxus = (cal[0] > cal[1] ? cal[0] : cal[1]) * 3 / 2;
		if (maxus < 1000)
			maxus = 1000;
	}

	for (i = 1; i <= runs; i++) {
		/* Only a changed target needs putting back. */
		rc = slurp(argv[4], &cur, &curl);
		if (rc == -1)
			goto out;
		if ((hasorig ? rc != 0 || !same(cur, curl, orig, origl) :
		    rc == 0) && restore(argv[4], orig, origl) == -1) {
			perror(argv[4]);
			goto out;
		}
		free(cur);
		cur = NULL;
		if ((pid = start(argv[3], argv + 8)) == -1) {
			perror("killrun: fork");
			goto out;
		}
		usleep((useconds_t)(random() % maxus));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else
			done++;
		if ((rc = slurp(argv[4], &cur, &curl)) == -1)
			goto out;
		if (rc == 1 && !hasorig)
			old++;
		else if (rc == 1) {
			fprintf(stderr, "killrun: run %ld: %s is gone\n", i,
			    argv[4]);
			gone++;
		} else if (hasorig && same(cur, curl, orig, origl))
			old++;
		else if (same(cur, curl, want, wantl))
			nnew++;
		else {
			other++;
			snprintf(path, sizeof(path), "%s/other.%ld", argv[7],
			    i);
			if (restore(path, cur, curl) == -1) {
				perror(path);
				goto out;
			}
		}
		free(cur);
		cur = NULL;
	}
	printf("runs %ld killed %ld completed %ld old %ld new %ld other %ld "
	    "gone %ld max-us %ld\n", runs, killed, done, old, nnew, other,
	    gone, maxus);
	ret = gone > 0;
out:
	free(orig);
	free(want);
	free(cur);
	return ret;
}
