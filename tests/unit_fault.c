/*
 * unit_fault.c: the fcdb command's fault handler (tools/fault.c).
 *
 * Each case runs in a forked child with the handler installed and its
 * stderr in a pipe.  A fault inside liblmdb must end the child with
 * status 1 and one line `fcdb: StoreCorrupted: ...`; a fault anywhere
 * else must still kill it with the signal (or reach the handler that was
 * there before, as a sanitizer's is), never be masked.
 *
 * LMDB is made to fault for real, without fcdb's store: a cursor pointer
 * into an unreadable page (SIGSEGV in liblmdb's code), a key pointer
 * into one (SIGSEGV in the C library's memcpy or memcmp, called by
 * LMDB), the data file truncated under a read transaction (SIGBUS), and
 * a leaf page whose flags say "branch" (LMDB's assertion, abort()).
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tools/fault.h"

#define PREFIX "fcdb: StoreCorrupted: "

struct result {
	int status;
	char err[4096];
};

static tu_sandbox sb;
static char lmdb_path[320];

/* An address that faults on any access. */
static void *unreadable(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);

	return p == MAP_FAILED ? (void *)16 : p;
}

/* Run body in a child (cmocka's own handlers reset: the child must meet
   only ours), its stderr captured. */
static void run_child(void (*body)(void), struct result *r)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE };
	int fds[2];
	size_t got = 0, i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		close(fds[0]);
		dup2(fds[1], 2);
		body();
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], r->err + got, sizeof(r->err) - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
}

/* The child ended with status 1 and its stderr's last line is ours,
   naming the signal. */
static void assert_corrupted(const struct result *r, const char *signame)
{
	const char *last = r->err, *nl;

	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 1)
		fail_msg("expected exit status 1, got status %#x; stderr: %s",
		         r->status, r->err);
	/* the last line: LMDB's assertion prints its own line first */
	while ((nl = strchr(last, '\n')) && nl[1])
		last = nl + 1;
	if (strncmp(last, PREFIX, strlen(PREFIX)) != 0)
		fail_msg("stderr does not end with a StoreCorrupted line: %s",
		         r->err);
	if (!strstr(last, signame) || !strstr(last, "LMDB faulted"))
		fail_msg("the line does not name %s: %s", signame, last);
	assert_non_null(strchr(last, '\n'));
}

static void assert_killed(const struct result *r, int sig)
{
	if (!WIFSIGNALED(r->status) || WTERMSIG(r->status) != sig)
		fail_msg("expected death by signal %d, got status %#x; stderr: "
		         "%s", sig, r->status, r->err);
	if (strstr(r->err, PREFIX))
		fail_msg("a fault outside LMDB was reported as the store's: %s",
		         r->err);
}

/* ---- LMDB helpers ---- */

static void lmdb_check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "%s: %s\n", what, mdb_strerror(rc));
		_exit(90);
	}
}

/* A database of n keys with values of vlen bytes, at lmdb_path;
   returns its page size. */
static size_t make_lmdb(int n, size_t vlen)
{
	MDB_stat st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char key[32], *val = calloc(1, vlen);
	int i;

	assert_non_null(val);
	unlink(lmdb_path);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 64 << 20), 0);
	assert_int_equal(mdb_env_open(env, lmdb_path, MDB_NOSUBDIR, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	for (i = 0; i < n; i++) {
		MDB_val k, v;

		snprintf(key, sizeof(key), "key-%06d", i);
		memset(val, 'a' + i % 26, vlen);
		k.mv_data = key;
		k.mv_size = strlen(key);
		v.mv_data = val;
		v.mv_size = vlen;
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	assert_int_equal(mdb_env_stat(env, &st), 0);
	mdb_env_close(env);
	free(val);
	return st.ms_psize;
}

/* Open lmdb_path read-only and walk every entry (in the child). */
static void walk_lmdb(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	lmdb_check(mdb_env_create(&env), "create");
	lmdb_check(mdb_env_set_mapsize(env, 64 << 20), "mapsize");
	lmdb_check(mdb_env_open(env, lmdb_path, MDB_NOSUBDIR | MDB_RDONLY,
	                        0600), "open");
	lmdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "txn");
	lmdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi");
	lmdb_check(mdb_cursor_open(txn, dbi, &c), "cursor");
	while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0)
		;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/* ---- bodies run in the child ---- */

static void install(void)
{
	if (!cli_fault_install()) {
		fputs("cli_fault_install found no liblmdb\n", stderr);
		_exit(91);
	}
}

static void lmdb_bad_cursor(void)
{
	size_t count;

	install();
	cli_fault_set_store("test.fcdb");
	mdb_cursor_count(unreadable(), &count);
}

static void lmdb_bad_key(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;

	install();
	lmdb_check(mdb_env_create(&env), "create");
	lmdb_check(mdb_env_open(env, lmdb_path, MDB_NOSUBDIR, 0600), "open");
	lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "txn");
	lmdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi");
	k.mv_data = unreadable();
	k.mv_size = 8;
	v.mv_data = "v";
	v.mv_size = 1;
	mdb_put(txn, dbi, &k, &v, 0);
}

static char doomed[340];

static void lmdb_truncated(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_dbi dbi;
	MDB_val k, v;

	install();
	cli_fault_unlink_on_fault(doomed);
	lmdb_check(mdb_env_create(&env), "create");
	lmdb_check(mdb_env_open(env, lmdb_path, MDB_NOSUBDIR | MDB_RDONLY,
	                        0600), "open");
	lmdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "txn");
	lmdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi");
	lmdb_check(mdb_cursor_open(txn, dbi, &c), "cursor");
	/* the pages LMDB has mapped are no longer in the file */
	if (truncate(lmdb_path, 0) != 0)
		_exit(92);
	mdb_cursor_get(c, &k, &v, MDB_FIRST);
	mdb_cursor_get(c, &k, &v, MDB_LAST);
}

static void lmdb_walk_installed(void)
{
	install();
	walk_lmdb();
}

static void lmdb_bad_cursor_restored(void)
{
	size_t count;

	install();
	cli_fault_restore();
	mdb_cursor_count(unreadable(), &count);
}

static void own_null_write(void)
{
	volatile int *p = unreadable();

	install();
	*p = 1;
}

static void own_raise(void)
{
	install();
	raise(SIGSEGV);
}

static void own_abort(void)
{
	install();
	abort();
}

static void libc_from_own(void)
{
	void *(*volatile copy)(void *, const void *, size_t) = memcpy;
	char buf[64];

	install();
	copy(buf, unreadable(), sizeof(buf));
}

static void on_previous(int sig)
{
	(void)sig;
	_exit(42);
}

static void own_fault_previous_handler(void)
{
	volatile int *p = unreadable();

	signal(SIGSEGV, on_previous);
	install();
	*p = 1;
}

static void lmdb_fault_external_kill(void)
{
	install();
	kill(getpid(), SIGBUS);
}

/* ---- the tests ---- */

static int setup(void **state)
{
	(void)state;
	tu_sandbox_new(&sb);
	snprintf(lmdb_path, sizeof(lmdb_path), "%s/raw.lmdb", sb.dir);
	snprintf(doomed, sizeof(doomed), "%s/half-written", sb.dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_sandbox_free(&sb);
	return 0;
}

static void test_lmdb_segv_is_store_corrupted(void **state)
{
	struct result r;

	(void)state;
	run_child(lmdb_bad_cursor, &r);
	assert_corrupted(&r, "signal 11 (SIGSEGV)");
	/* exactly one line, naming the store */
	assert_non_null(strstr(r.err, "store test.fcdb: "));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
}

/* The fault is in the C library's code, called by LMDB's. */
static void test_lmdb_via_libc_is_store_corrupted(void **state)
{
	struct result r;

	(void)state;
	make_lmdb(0, 1);
	run_child(lmdb_bad_key, &r);
	assert_corrupted(&r, "(SIGSEGV)");
}

static void test_lmdb_sigbus_unlinks_and_reports(void **state)
{
	struct result r;

	(void)state;
	make_lmdb(200, 100);
	tu_write(doomed, "partial", 7);
	run_child(lmdb_truncated, &r);
	assert_corrupted(&r, "signal 7 (SIGBUS)");
	assert_int_equal(access(doomed, F_OK), -1);
}

/*
 * LMDB's assertion: a leaf page whose flags say branch.  Each leaf page
 * of a two-level tree is damaged in turn; the walk must end cleanly or
 * with StoreCorrupted, and at least one must trip the assertion
 * (mdb_cursor_next's IS_LEAF) that abort()s.
 */
static void test_lmdb_assertion_is_store_corrupted(void **state)
{
	uint8_t *pristine, *copy;
	size_t len, psize, pg, leaves = 0, aborts = 0, segv = 0;
	size_t clean = 0;
	struct result r;

	(void)state;
	psize = make_lmdb(400, 200);
	pristine = (uint8_t *)tu_slurp(lmdb_path, &len);
	copy = malloc(len);
	assert_non_null(copy);
	assert_true(psize >= 512 && psize <= 65536 && len % psize == 0);
	for (pg = 2; pg < len / psize; pg++) {
		uint8_t *flags = pristine + pg * psize + 10;

		if (flags[0] != 0x02 || flags[1] != 0) /* P_LEAF only */
			continue;
		leaves++;
		memcpy(copy, pristine, len);
		copy[pg * psize + 10] ^= 0x03; /* P_LEAF -> P_BRANCH */
		tu_write(lmdb_path, copy, len);
		run_child(lmdb_walk_installed, &r);
		if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
			clean++;
			continue;
		}
		if (strstr(r.err, "(SIGABRT)")) {
			assert_non_null(strstr(r.err, "Assertion"));
			assert_corrupted(&r, "signal 6 (SIGABRT)");
			aborts++;
		} else {
			assert_corrupted(&r, "LMDB faulted");
			segv++;
		}
	}
	print_message("fault: %zu leaf pages of %zu turned to branch pages: "
	              "%zu assertions, %zu other faults, %zu read cleanly\n",
	              leaves, len / psize, aborts, segv, clean);
	free(copy);
	free(pristine);
	assert_true(leaves >= 2);
	assert_true(aborts >= 1);
}

static void test_own_fault_still_crashes(void **state)
{
	struct result r;

	(void)state;
	run_child(own_null_write, &r);
	assert_killed(&r, SIGSEGV);
}

static void test_own_raise_still_crashes(void **state)
{
	struct result r;

	(void)state;
	run_child(own_raise, &r);
	assert_killed(&r, SIGSEGV);
	run_child(lmdb_fault_external_kill, &r);
	assert_killed(&r, SIGBUS);
}

static void test_own_abort_still_aborts(void **state)
{
	struct result r;

	(void)state;
	run_child(own_abort, &r);
	assert_killed(&r, SIGABRT);
}

/* A fault in the C library called from our code is ours. */
static void test_libc_from_own_still_crashes(void **state)
{
	struct result r;

	(void)state;
	run_child(libc_from_own, &r);
	assert_killed(&r, SIGSEGV);
}

/* The handler that was there before ours (a sanitizer's) gets a fault
   that is not LMDB's. */
static void test_previous_handler_gets_own_fault(void **state)
{
	struct result r;

	(void)state;
	run_child(own_fault_previous_handler, &r);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 42)
		fail_msg("the previous handler did not run: status %#x, stderr "
		         "%s", r.status, r.err);
	assert_null(strstr(r.err, PREFIX));
}

/* check's walk restores the default: its parent reports the death. */
static void test_restore_gives_the_fault_back(void **state)
{
	struct result r;

	(void)state;
	run_child(lmdb_bad_cursor_restored, &r);
	assert_killed(&r, SIGSEGV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lmdb_segv_is_store_corrupted),
		cmocka_unit_test(test_lmdb_via_libc_is_store_corrupted),
		cmocka_unit_test(test_lmdb_sigbus_unlinks_and_reports),
		cmocka_unit_test(test_lmdb_assertion_is_store_corrupted),
		cmocka_unit_test(test_own_fault_still_crashes),
		cmocka_unit_test(test_own_raise_still_crashes),
		cmocka_unit_test(test_own_abort_still_aborts),
		cmocka_unit_test(test_libc_from_own_still_crashes),
		cmocka_unit_test(test_previous_handler_gets_own_fault),
		cmocka_unit_test(test_restore_gives_the_fault_back),
	};

	return cmocka_run_group_tests_name("unit_fault", tests, setup,
	                                   teardown);
}
