/*
 * eksl: a thin dispatcher.  "eksl hosts pin" runs "eksl-hosts pin", found
 * beside this program first and then on PATH, as git does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "msg.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl COMMAND [ARG ...]\n"
	    "       eksl --help | --version\n"
	    "commands: provision kubeconfig token resolve hosts zone "
	    "authcheck\n");
}

int
main(int argc, char *argv[])
{
	char self[PATH_MAX], path[PATH_MAX], name[128];
	const char *cmd;
	ssize_t n;
	char *slash;

	eksl_msg_init(argv[0]);
	if (argc < 2) {
		usage(stderr);
		return EKSL_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return EKSL_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		eksl_print_version();
		return EKSL_EXIT_OK;
	}
	if (cmd[0] == '-' || strchr(cmd, '/') != NULL ||
	    (size_t)snprintf(name, sizeof(name), "eksl-%s", cmd) >=
	    sizeof(name))
		return eksl_usage_error(usage, "%s: not a command", cmd);
	argv[1] = name;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", self,
			    name) < sizeof(path) && access(path, X_OK) == 0)
				execv(path, argv + 1);
		}
	}
	execvp(name, argv + 1);
	eksl_err("%s: %s", cmd, errno == ENOENT ? "not a command" :
	    strerror(errno));
	return errno == ENOENT ? EKSL_EXIT_USAGE : EKSL_EXIT_IO;
}
