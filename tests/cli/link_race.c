/*
 * link_race.c: an LD_PRELOAD shim for the CLI suites.  Its renameat2(2)
 * and link(2) first create the target, as if another process made a
 * store at that path while an fcdb write command on the missing store
 * ran: fcdb must then keep its hands off that file and say so.  With
 * LINK_RACE=term they, and rename(2), end the process with SIGTERM
 * instead, as a Ctrl-C at that moment would: its temporary files must
 * go with it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void maybe_die(void)
{
	const char *mode = getenv("LINK_RACE");

	if (mode && strcmp(mode, "term") == 0)
		raise(SIGTERM);
}

static void make(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	if (write(fd, "another process\n", 16) != 16)
		_exit(90);
	close(fd);
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to,
              unsigned int flags)
{
	int (*real)(int, const char *, int, const char *, unsigned int);

	*(void **)&real = dlsym(RTLD_NEXT, "renameat2");
	maybe_die();
	if (to_dir == AT_FDCWD)
		make(to);
	return real(from_dir, from, to_dir, to, flags);
}

int link(const char *from, const char *to)
{
	int (*real)(const char *, const char *);

	*(void **)&real = dlsym(RTLD_NEXT, "link");
	maybe_die();
	make(to);
	return real(from, to);
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *);

	*(void **)&real = dlsym(RTLD_NEXT, "rename");
	maybe_die();
	return real(from, to);
}
