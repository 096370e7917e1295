/*
 * The floor for bench/hosts.sh: the least a careful rewrite of a hosts
 * file can do.  Read it, drop the old block of HOST, append the new one,
 * write a temporary file, fsync it, rename it over, fsync the directory.
 * No lock, no checks, no parsing beyond finding the block.  Not installed.
 *
 *	hosts-floor FILE HOST IP
 */
#define _GNU_SOURCE	/* memmem */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char begin[300], end[300], tmp[4096], block[1024], *buf, *b, *e;
	struct stat st;
	size_t len, blen;
	int fd;

	if (argc != 4)
		return 2;
	if ((fd = open(argv[1], O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return 1;
	len = (size_t)st.st_size;
	if ((buf = malloc(len + 1)) == NULL ||
	    read(fd, buf, len) != (ssize_t)len)
		return 1;
	buf[len] = '\0';
	close(fd);
	snprintf(begin, sizeof(begin), "# BEGIN eksl host=%s\n", argv[2]);
	snprintf(end, sizeof(end), "# END eksl host=%s\n", argv[2]);
	blen = (size_t)snprintf(block, sizeof(block), "%s%s\t%s\n%s", begin,
	    argv[3], argv[2], end);
	if ((b = memmem(buf, len, begin, strlen(begin))) != NULL &&
	    (e = memmem(b, len - (size_t)(b - buf), end, strlen(end))) != NULL) {
		e += strlen(end);
		memmove(b, e, len - (size_t)(e - buf));
		len -= (size_t)(e - b);
	}
	snprintf(tmp, sizeof(tmp), "%s.floor-tmp", argv[1]);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, buf, len) != (ssize_t)len ||
	    write(fd, block, blen) != (ssize_t)blen || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, argv[1]) == -1)
		return 1;
	if ((b = strrchr(argv[1], '/')) != NULL)
		*b = '\0';
	if ((fd = open(b != NULL ? argv[1] : ".", O_RDONLY)) == -1 ||
	    fsync(fd) == -1)
		return 1;
	free(buf);
	return 0;
}
