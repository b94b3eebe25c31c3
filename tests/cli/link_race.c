/*
 * link_race.c: an LD_PRELOAD shim for tests/cli/test_write.sh.  Its
 * link(2) first creates the target, as if another process made a store
 * at that path while an fcdb create or import on the missing store ran:
 * fcdb must then keep its hands off that file and say so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

int link(const char *from, const char *to)
{
	int (*real)(const char *, const char *);
	int fd;

	*(void **)&real = dlsym(RTLD_NEXT, "link");
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, "another process\n", 16) != 16)
			_exit(90);
		close(fd);
	}
	return real(from, to);
}
