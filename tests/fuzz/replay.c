/*
 * Replay a fuzz target's saved corpus without libFuzzer: every file under
 * the directories given is fed to LLVMFuzzerTestOneInput once.  make test
 * runs this for every target, so every input that ever crashed a parser
 * stays a regression test.  Prints one TAP line per directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	unsigned char *buf;
	size_t len, n;
	long sz;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) == -1 || (sz = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		fclose(fp);
		return -1;
	}
	len = (size_t)sz;
	if ((buf = malloc(len + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, len, fp);
	fclose(fp);
	/* A copy of exactly the input's size, so ASan sees overreads. */
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	int i, count, bad = 0;
	DIR *d;

	for (i = 1; i < argc; i++) {
		count = 0;
		if ((d = opendir(argv[i])) == NULL) {
			printf("not ok - %s: cannot open\n", argv[i]);
			bad = 1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    argv[i], de->d_name) >= sizeof(path))
				continue;
			if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) == -1) {
				printf("not ok - %s: cannot read\n", path);
				bad = 1;
				continue;
			}
			count++;
		}
		closedir(d);
		/* Reaching here means no input crashed the target. */
		printf("%sok - fuzz corpus %s: %d inputs replayed\n",
		    count > 0 ? "" : "not ", argv[i], count);
		if (count == 0)
			bad = 1;
	}
	return bad;
}
