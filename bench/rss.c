/* rss.c: peak RSS and peak anonymous memory of an import, in a child. */
#include "rss.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long rss_anon_kb(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "RssAnon:");
	return p ? strtol(p + 8, NULL, 10) : 0;
}

static long peak_anon;

static void sample(void *ctx, uint64_t records)
{
	long kb = rss_anon_kb();

	(void)ctx;
	(void)records;
	if (kb > peak_anon)
		peak_anon = kb;
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void child(const bench_system *sys, const char *path,
                  const bench_input *in, int fd)
{
	bench_input mine = *in;
	struct rusage ru;
	rss_result r;
	bench_sys *s;
	double t0;
	int ok;

	memset(&r, 0, sizeof(r));
	r.start_anon_kb = peak_anon = rss_anon_kb();
	mine.progress = sample;
	mine.progress_ctx = NULL;
	t0 = now_secs();
	ok = sys->open(&s, path) == 0;
	if (ok) {
		ok = sys->import_ndjson(s, &mine, &r.records) == 0;
		sample(NULL, r.records);
		sys->close(s);
	}
	r.secs = now_secs() - t0;
	getrusage(RUSAGE_SELF, &ru);
	r.maxrss_kb = ru.ru_maxrss;
	r.peak_anon_kb = peak_anon;
	if (!ok || write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

int rss_measure(const bench_system *sys, const char *path,
                const bench_input *in, rss_result *out)
{
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	fflush(NULL);
	if (pipe(fds)) {
		perror("pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child(sys, path, in, fds[1]);
	}
	close(fds[1]);
	got = read(fds[0], out, sizeof(*out));
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof(*out)) {
		fprintf(stderr, "bench: %s: the import child failed\n", sys->name);
		return -1;
	}
	return 0;
}
