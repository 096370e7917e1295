/*
 * killsweep: run "PROG pin --file FILE --host HOST --ip IP" RUNS times,
 * each time toward the other of two states (IP_A gives the bytes of
 * STATE_A, IP_B those of STATE_B), and SIGKILL it after a random delay of
 * up to MAX_US microseconds.  After every run FILE must hold exactly
 * STATE_A or STATE_B: never anything torn.  MAX_US 0 means 1.5 times
 * the median of three runs that are not killed (timed first), so that
 * the kills spread over a whole run however slow the machine is.  Prints one summary line;
 * exits 1 when a torn file was seen.  "changed" counts the runs after
 * which the file held the other state; "temps-left" those after which a
 * temporary file was lying in the directory (the next run removes it).  Test tool, not installed.
 *
 *	killsweep RUNS MAX_US FILE STATE_A STATE_B PROG HOST IP_A IP_B
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"

static int
same(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

/* Temporary files of FILE present in its directory now. */
static int
count_temps(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".eksl-tmp.") != NULL)
			n++;
	closedir(d);
	return n;
}

int
main(int argc, char *argv[])
{
	char err[512], dir[4096], *a = NULL, *b = NULL, *cur = NULL, *slash;
	size_t al, bl, cl;
	long runs, maxus, i, us, cal[3];
	int calib = 0;
	struct timespec t0, t1;
	long killed = 0, done = 0, torn = 0, temps = 0, flips = 0;
	int wasa = -1;
	struct timespec ts;
	int status, isa, devnull;
	pid_t pid;

	if (argc != 10) {
		fprintf(stderr, "usage: killsweep RUNS MAX_US FILE STATE_A "
		    "STATE_B PROG HOST IP_A IP_B\n");
		return 2;
	}
	runs = strtol(argv[1], NULL, 10);
	maxus = strtol(argv[2], NULL, 10);
	if (maxus == 0) {
		calib = 3;
		maxus = 1000;
	}
	if (runs <= 0 || maxus <= 0 ||
	    eksl_file_read(argv[4], 1 << 24, &a, &al, err, sizeof(err)) != 0 ||
	    eksl_file_read(argv[5], 1 << 24, &b, &bl, err, sizeof(err)) != 0) {
		fprintf(stderr, "killsweep: bad arguments or states\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[3]);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned int)(ts.tv_nsec ^ getpid()));
	for (i = 0; i <= runs; i++) {
		free(cur);
		cur = NULL;
		if (eksl_file_read(argv[3], 1 << 24, &cur, &cl, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "killsweep: %s\n", err);
			torn++;
			break;
		}
		isa = same(cur, cl, a, al);
		if (!isa && !same(cur, cl, b, bl)) {
			fprintf(stderr, "killsweep: run %ld left a torn file "
			    "(%zu bytes)\n", i, cl);
			torn++;
			break;
		}
		if (wasa != -1 && wasa != isa)
			flips++;
		wasa = isa;
		if (i == runs)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((pid = fork()) == -1) {
			perror("killsweep: fork");
			return 2;
		}
		if (pid == 0) {
			devnull = open("/dev/null", O_RDWR);
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			execl(argv[6], argv[6], "pin", "--file", argv[3],
			    "--host", argv[7], "--ip", isa ? argv[9] : argv[8],
			    (char *)NULL);
			_exit(127);
		}
		if (calib > 0) {
			/* Timing a whole run: no kill. */
			waitpid(pid, &status, 0);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			us = (t1.tv_sec - t0.tv_sec) * 1000000L +
			    (t1.tv_nsec - t0.tv_nsec) / 1000;
			cal[--calib] = us;
			if (calib == 0) {
				/* 1.5 times the median of the three */
				if (cal[0] > cal[1])
					us = cal[0], cal[0] = cal[1], cal[1] = us;
				if (cal[1] > cal[2])
					cal[1] = cal[2];
				maxus = (cal[0] > cal[1] ? cal[0] : cal[1]) * 3 / 2;
				if (maxus < 1000)
					maxus = 1000;
			}
			i--;
			wasa = -1;	/* its change is not the sweep's */
			continue;
		}
		usleep((useconds_t)(random() % maxus));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			killed++;
		else
			done++;
		temps += count_temps(dir) > 0;
	}
	printf("runs %ld killed %ld completed %ld changed %ld torn %ld "
	    "temps-left %ld max-us %ld\n", runs, killed, done, flips, torn,
	    temps, maxus);
	free(a);
	free(b);
	free(cur);
	return torn > 0;
}
