/*
 * stress.h: helpers shared by the reliability suites (tests/stress/).
 *
 * The suites see libfcdb only through include/fcdb.h, like the API
 * suites, and add what they need on top: the tier they run at
 * (FCDB_STRESS unset or "quick" in make test, "full" in make stress),
 * children that are waited for with a deadline so that a hang fails the
 * test instead of the run, and the fcdb command run as a user would.
 * Header-only, all static inline: each suite uses a different subset.
 */
#ifndef FCDB_STRESS_H
#define FCDB_STRESS_H

#include "apiutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 1 when FCDB_STRESS=full, 0 for the quick tier (unset or "quick"). */
static inline int st_full(void)
{
	const char *v = getenv("FCDB_STRESS");

	if (!v || !*v || strcmp(v, "quick") == 0)
		return 0;
	if (strcmp(v, "full") == 0)
		return 1;
	fail_msg("FCDB_STRESS is \"%s\": use quick or full", v);
	return 0;
}

/* Say the tier and the seed once, at the top of a suite's output. */
static inline void st_banner(const char *suite)
{
	au_fixed_seed();
	print_message("%s: %s tier, seed FCDB_TEST_SEED=%llu\n", suite,
	              st_full() ? "full" : "quick",
	              (unsigned long long)tu_seed());
}

/*
 * Call first in a forked child: cmocka catches SIGSEGV and friends to
 * fail the running test, which in a child would resume the parent's
 * test runner.  A child that crashes must die of its signal instead.
 */
static inline void st_child_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Milliseconds on the monotonic clock. */
static inline uint64_t st_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void st_sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000u),
	                       (long)(us % 1000000u) * 1000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Wait for `pid` at most `ms` milliseconds: 0 with its wait status in
   *status, or -1 when it is still running. */
static inline int st_wait_nokill(pid_t pid, int *status, uint64_t ms)
{
	uint64_t until = st_now_ms() + ms, nap = 50;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			fail_msg("waitpid %d: %s", (int)pid, strerror(errno));
		if (st_now_ms() >= until)
			return -1;
		st_sleep_us(nap);
		if (nap < 2000)
			nap *= 2; /* quick children are reaped quickly */
	}
}

/*
 * Wait for `pid` at most `ms` milliseconds; past that, kill it with
 * SIGKILL, reap it and return -1 (a hang).  Otherwise return 0 with its
 * wait status in *status.
 */
static inline int st_wait(pid_t pid, int *status, uint64_t ms)
{
	if (st_wait_nokill(pid, status, ms) == 0)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/* A wait status in words ("exit 0", "signal 11 (Segmentation fault)"). */
static inline const char *st_status_text(int status)
{
	static _Thread_local char buf[96];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "wait status %#x", status);
	return buf;
}

/* Open `path` for the API region and account with these flags, map size
   (0: the default) and reader limit (0: the default).  Returns the code. */
static inline int st_open(fcdb **out, const char *path, unsigned flags,
                          uint64_t map_size, unsigned max_readers)
{
	fcdb_options o;

	fcdb_options_init(&o);
	o.flags = flags;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.map_size = map_size;
	o.max_readers = max_readers;
	*out = NULL;
	return fcdb_open(out, path, &o);
}

/*
 * Run the fcdb command ($FCDB, which may carry leading arguments) with
 * `args` (NULL-terminated) and standard input from `in` (may be NULL: an
 * empty input).  Up to cap-1 bytes of its standard output go to out (may
 * be NULL).  Returns the exit status, 128 + the signal for a crash, or -1
 * when FCDB is not set.  Fails the test when it runs past 60 s.
 */
static inline int st_cli(char *out, size_t cap, const char *in,
                         const char *const *args)
{
	const char *fcdb_cmd = getenv("FCDB");
	char *words[64], cmd[1024];
	int pin[2], pout[2], status, n = 0, i;
	size_t got = 0;
	pid_t pid;

	if (!fcdb_cmd || !*fcdb_cmd)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s", fcdb_cmd);
	for (char *w = strtok(cmd, " "); w && n < 32; w = strtok(NULL, " "))
		words[n++] = w;
	for (i = 0; args[i] && n < 63; i++)
		words[n++] = (char *)args[i];
	words[n] = NULL;
	if (pipe(pin) || pipe(pout))
		fail_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(pin[0], 0);
		dup2(pout[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(pin[1]);
		close(pout[0]);
		execvp(words[0], words);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (in) {
		size_t len = strlen(in), off = 0;

		signal(SIGPIPE, SIG_IGN);
		while (off < len) {
			ssize_t w = write(pin[1], in + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(pin[1]);
	for (;;) {
		char sink[4096];
		char *to = out && got + 1 < cap ? out + got : sink;
		size_t room = out && got + 1 < cap ? cap - 1 - got : sizeof(sink);
		ssize_t r = read(pout[0], to, room);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (to != sink)
			got += (size_t)r;
	}
	if (out && cap)
		out[got] = '\0';
	close(pout[0]);
	if (st_wait(pid, &status, 60000))
		fail_msg("fcdb %s did not finish within 60 s", args[0]);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* Append one line to a file descriptor in a single write(2): a line is
   either whole in the file or absent. */
static inline void st_logf(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void st_logf(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		_exit(90);
	if (write(fd, line, (size_t)n) != n)
		_exit(91);
}

#endif
