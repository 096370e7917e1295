/*
 * eksl-kubeconfig: merge a context per cluster record into a kubeconfig,
 * online (an exec plugin that makes an EKS token) and, with --offline,
 * offline (the x.509 client certificate eksl-authcheck obtained), without
 * ever leaving a torn or half-merged file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicio.h"
#include "exitcodes.h"
#include "kubeconfig.h"
#include "msg.h"
#include "record.h"

#define TOOL		"eksl-kubeconfig"
#define MAX_RECORDS	10000
#define MAX_FILES	64

struct item {
	json_t	*rec;
	int	 skip;		/* failed its check: passed on with errors[] */
	int	 file;		/* index into files[] */
	char	*ctx;		/* contexts made, set once the file is written */
	char	*offctx;
};

struct kfile {
	char	*path;
};

static struct item	 items[MAX_RECORDS];
static size_t		 nitems;
static struct kfile	 files[MAX_FILES];
static size_t		 nfiles;
static volatile sig_atomic_t locked;
static char		 held_lock[PATH_MAX];

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: eksl-kubeconfig [--kubeconfig PATH] [--alias NAME] "
	    "[--user-alias NAME] [--role-arn ARN]\n"
	    "                       [--exec eksl|aws] [--offline] [--embed] "
	    "[--dry-run] [-v] [-q]\n"
	    "       eksl-kubeconfig --help | --version\n");
}

/* A signal while the lock is held must not leave kubectl locked out. */
static void
on_signal(int sig)
{
	if (locked)
		unlink(held_lock);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * With a KUBECONFIG list, kubectl takes current-context from the first
 * file that sets one: say so when that is an earlier file than path.
 */
static void
warn_current(const char *path, const char *ctx)
{
	const char *env = getenv("KUBECONFIG");
	char *file, *cur;

	if (env == NULL || strchr(env, ':') == NULL ||
	    (file = eksl_kc_earlier_current(env, path, &cur)) == NULL)
		return;
	eksl_warn("%s: its current-context (%s) comes first in KUBECONFIG: "
	    "kubectl uses it, not %s (kubectl config use-context %s)", file,
	    cur, ctx, ctx);
	free(file);
	free(cur);
}

/* The index in files[] of the file for the cluster arn, or -1. */
static int
choose_file(const char *flag, const char *arn)
{
	const char *env, *home;
	struct passwd *pw;
	char *path;
	size_t i;

	if ((env = getenv("KUBECONFIG")) != NULL && *env == '\0')
		env = NULL;
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = (pw = getpwuid(getuid())) != NULL ? pw->pw_dir : "/";
	if ((path = eksl_kc_choose_file(flag, env, home, arn)) == NULL)
		return -1;
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i].path, path) == 0) {
			free(path);
			return (int)i;
		}
	if (nfiles == MAX_FILES) {
		free(path);
		return -1;
	}
	files[nfiles].path = path;
	return (int)nfiles++;
}

static void
record_fail(struct item *it, const char *code, const char *msg)
{
	if (eksl_record_add_error(it->rec, TOOL, code, "%s", msg) == -1)
		eksl_err("out of memory");
}

/* The wait for kubectl's lock: EKSL_LOCK_TIMEOUT_MS, else 10 s. */
static int
lock_timeout(void)
{
	const char *s = getenv("EKSL_LOCK_TIMEOUT_MS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return EKSL_LOCK_TIMEOUT_MS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 3600000)
		return EKSL_LOCK_TIMEOUT_MS;
	return (int)v;
}

/*
 * Record where its contexts went: kubeconfig {file, context,
 * offlineContext}.  Without --offline, an offline context made earlier
 * in the same file is still there, so it is kept.
 */
static void
set_kubeconfig(struct item *it, const char *path, int offline)
{
	json_t *kcobj, *old;
	const char *oldfile, *oldoff;

	if (it->ctx == NULL ||
	    (kcobj = json_pack("{s:s,s:s}", "file", path, "context",
	    it->ctx)) == NULL)
		return;
	old = json_object_get(it->rec, "kubeconfig");
	oldfile = eksl_json_str(old, "file");
	oldoff = eksl_json_str(old, "offlineContext");
	if (it->offctx != NULL)
		json_object_set_new(kcobj, "offlineContext",
		    json_string(it->offctx));
	else if (!offline && oldoff != NULL && oldfile != NULL &&
	    strcmp(oldfile, path) == 0)
		json_object_set_new(kcobj, "offlineContext",
		    json_string(oldoff));
	json_object_set_new(it->rec, "kubeconfig", kcobj);
}

/* Merge every record for files[f] into it, under kubectl's lock. */
static int
do_file(int f, const struct eksl_kc_opts *o, int dryrun, int explicit,
    int *first)
{
	char err[EKSL_ERRLEN], ctx[1024], offctx[1100], lockp[PATH_MAX];
	char dir[PATH_MAX], *buf = NULL, *out = NULL, *slash;
	const char *path = files[f].path, *last = NULL;
	struct eksl_kc *kc = NULL;
	struct stat st;
	size_t len, i;
	int rc = EKSL_EXIT_OK, r, w = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	if (!dryrun && access(dir, F_OK) == -1 &&
	    eksl_mkdirs(dir, 0700, err, sizeof(err)) == -1) {
		rc = EKSL_EXIT_IO;
		goto fail;
	}
	if (!dryrun) {
		if (eksl_kc_lock(path, lock_timeout(), lockp,
		    sizeof(lockp), err, sizeof(err)) == -1) {
			rc = EKSL_EXIT_IO;
			goto fail;
		}
		snprintf(held_lock, sizeof(held_lock), "%s", lockp);
		locked = 1;
	}
	if ((r = eksl_file_read(path, EKSL_KC_MAX_SIZE, &buf, &len, err,
	    sizeof(err))) == -1) {
		rc = EKSL_EXIT_IO;
		goto fail;
	}
	if ((kc = eksl_kc_load(path, r == 1 ? "" : buf, r == 1 ? 0 : len, err,
	    sizeof(err))) == NULL) {
		rc = EKSL_EXIT_INPUT;
		goto fail;
	}
	for (i = 0; i < nitems; i++) {
		if (items[i].skip || items[i].file != f)
			continue;
		r = eksl_kc_add_record(kc, items[i].rec, o, ctx, sizeof(ctx),
		    offctx, sizeof(offctx), err, sizeof(err));
		if (r != 0) {
			eksl_err("%s", err);
			record_fail(&items[i], "input", err);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
		}
		if (r == -1) {
			items[i].skip = 1;
			continue;
		}
		free(items[i].ctx);
		free(items[i].offctx);
		items[i].ctx = strdup(ctx);
		items[i].offctx = offctx[0] != '\0' ? strdup(offctx) : NULL;
	}
	if ((out = eksl_kc_dump(kc, dryrun ? EKSL_KC_REDACT : 0, &len, err,
	    sizeof(err))) == NULL) {
		rc = EKSL_EXIT_IO;
		goto fail;
	}
	if (dryrun) {
		if (!*first)
			fputs("---\n", stdout);
		*first = 0;
		fwrite(out, 1, len, stdout);
		goto out;
	}
	if ((w = eksl_file_replace(path, out, len, 0600, 0, err,
	    sizeof(err))) == -1) {
		rc = EKSL_EXIT_IO;
		goto fail;
	}
	eksl_info("%s: %s", path, w ? "written" : "unchanged");
	for (i = 0; i < nitems; i++)
		if (!items[i].skip && items[i].file == f) {
			set_kubeconfig(&items[i], path, o->offline);
			last = items[i].ctx;
		}
	if (!explicit && last != NULL)
		warn_current(path, last);
	if (stat(path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		eksl_warn("%s: readable by %s (mode %04o); it holds "
		    "credentials: chmod 600 %s", path, (st.st_mode & S_IROTH) ?
		    "everyone" : "its group", (unsigned)(st.st_mode & 07777),
		    path);
	goto out;
fail:
	eksl_err("%s", err);
	for (i = 0; i < nitems; i++)
		if (!items[i].skip && items[i].file == f)
			record_fail(&items[i], rc == EKSL_EXIT_INPUT ? "input" :
			    "io", err);
out:
	if (locked) {
		eksl_kc_unlock(held_lock);
		locked = 0;
	}
	if (out != NULL)
		explicit_bzero(out, len);
	free(out);
	free(buf);
	eksl_kc_free(kc);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "kubeconfig",	required_argument,	NULL, 'k' },
		{ "alias",	required_argument,	NULL, 'a' },
		{ "user-alias",	required_argument,	NULL, 'u' },
		{ "role-arn",	required_argument,	NULL, 'r' },
		{ "exec",	required_argument,	NULL, 'e' },
		{ "offline",	no_argument,		NULL, 'o' },
		{ "embed",	no_argument,		NULL, 'E' },
		{ "dry-run",	no_argument,		NULL, 'n' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct eksl_kc_opts o;
	struct eksl_reader *rd = NULL;
	struct sigaction sa;
	const char *kubeconfig = NULL;
	char err[EKSL_ERRLEN];
	size_t i, good = 0;
	json_t *rec;
	int ch, r, rc = EKSL_EXIT_OK, dryrun = 0, first = 1;

	eksl_msg_init(argv[0]);
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "nvqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'a':
			o.alias = optarg;
			break;
		case 'u':
			o.user_alias = optarg;
			break;
		case 'r':
			o.role_arn = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "aws") == 0)
				o.exec_aws = 1;
			else if (strcmp(optarg, "eksl") == 0)
				o.exec_aws = 0;
			else
				return eksl_usage_error(usage, "--exec: %s: not "
				    "eksl or aws", optarg);
			break;
		case 'o':
			o.offline = 1;
			break;
		case 'E':
			o.embed = 1;
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'v':
			if (eksl_verbosity < 2)
				eksl_verbosity++;
			break;
		case 'q':
			eksl_verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			return EKSL_EXIT_OK;
		case 'V':
			eksl_print_version();
			return EKSL_EXIT_OK;
		default:
			usage(stderr);
			return EKSL_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return eksl_usage_error(usage, "%s: unexpected argument",
		    argv[optind]);
	if (o.embed && !o.offline)
		return eksl_usage_error(usage, "--embed: needs --offline");
	if ((kubeconfig != NULL && *kubeconfig == '\0') ||
	    (o.alias != NULL && *o.alias == '\0') ||
	    (o.user_alias != NULL && *o.user_alias == '\0') ||
	    (o.role_arn != NULL && *o.role_arn == '\0'))
		return eksl_usage_error(usage, "an option's value is empty");
	if ((o.profile = getenv("AWS_PROFILE")) == NULL || *o.profile == '\0')
		o.profile = getenv("AWS_DEFAULT_PROFILE");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	if ((rd = eksl_reader_new(stdin, "stdin")) == NULL) {
		eksl_err("out of memory");
		return EKSL_EXIT_IO;
	}
	while ((r = eksl_reader_next(rd, &rec, err, sizeof(err))) != 0) {
		if (r == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_INPUT);
			if (eksl_reader_failed(rd))
				break;
			continue;
		}
		if (nitems == MAX_RECORDS) {
			eksl_err("stdin: more than %d records", MAX_RECORDS);
			json_decref(rec);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_INPUT);
			break;
		}
		items[nitems].rec = rec;
		if (eksl_kc_record_check(rec, err, sizeof(err)) == -1) {
			eksl_err("%s", err);
			record_fail(&items[nitems], "input", err);
			items[nitems].skip = 1;
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_DEGRADED);
		} else
			good++;
		nitems++;
	}
	eksl_reader_free(rd);
	if (o.alias != NULL && good > 1) {
		eksl_err("--alias names one context, but stdin has %zu records",
		    good);
		rc = EKSL_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < nitems; i++) {
		if (items[i].skip)
			continue;
		if ((items[i].file = choose_file(kubeconfig,
		    eksl_json_str(items[i].rec, "arn"))) == -1) {
			eksl_err("%s: too many kubeconfig files",
			    eksl_json_str(items[i].rec, "arn"));
			record_fail(&items[i], "io", "too many kubeconfig files");
			items[i].skip = 1;
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_IO);
		}
	}
	for (i = 0; i < nfiles; i++) {
		r = do_file((int)i, &o, dryrun, kubeconfig != NULL, &first);
		rc = EKSL_EXIT_WORST(rc, r);
	}
	for (i = 0; i < nitems && !dryrun; i++)
		if (eksl_record_write(stdout, items[i].rec, err,
		    sizeof(err)) == -1) {
			eksl_err("%s", err);
			rc = EKSL_EXIT_WORST(rc, EKSL_EXIT_IO);
			break;
		}
out:
	for (i = 0; i < nitems; i++) {
		json_decref(items[i].rec);
		free(items[i].ctx);
		free(items[i].offctx);
	}
	for (i = 0; i < nfiles; i++)
		free(files[i].path);
	return rc;
}
