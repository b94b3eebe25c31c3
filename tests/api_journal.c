/*
 * api_journal.c: the undo journal of an exclusive import when the system
 * misbehaves at the worst moment.  This binary interposes fdatasync(2)
 * and unlink(2) (an executable's definitions win over libc's for
 * libfcdb.so too); they act only when a test arms them:
 *
 * - a journal sync that fails after the first step has committed: the
 *   import is undone in place, not left half there;
 * - another process waiting for the store at the moment an interrupted
 *   import has been undone joins LMDB's lock file without initialising it
 *   (LMDB does that only for an opener that is alone): the lock file must
 *   already name the restored meta page.  (close(2) is interposed too, to
 *   let that process in before the undoer opens the store again.)
 */
#include "testutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "fcdb.h"

#define REGION "cn-shanghai"
#define ACCOUNT "123"
#define STEPPED 3300 /* three steps of 1,024 and more: an odd number */

static tu_sandbox sb;

/* ---- the interposed calls ---- */

static int fail_journal_sync_at; /* the nth sync of a journal fails */
static int journal_syncs;
static int park_a_reader;        /* at the journal's unlink */

static int is_journal_fd(int fd)
{
	char p[64], t[512];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 8)
		return 0;
	t[n] = '\0';
	return strcmp(t + n - 8, "-journal") == 0;
}

int fdatasync(int fd)
{
	if (fail_journal_sync_at && is_journal_fd(fd) &&
	    ++journal_syncs == fail_journal_sync_at) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

/* A process that waits for a read lock on byte 0 of the lock file, as
   LMDB's mdb_env_open does when another holds it, and keeps it 1 s. */
static void park_reader(const char *lock)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct flock fl;
		int fd = open(lock, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		fl.l_len = 1;
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) != 0)
			_exit(1);
		sleep(1);
		_exit(0);
	}
	/* let it reach its wait (a "->" line of /proc/locks) before the
	   undoer lets go */
	for (int i = 0; i < 400; i++) {
		char line[256], pid_s[32];
		struct timespec ts = { 0, 5 * 1000000L };
		FILE *f = fopen("/proc/locks", "r");
		int found = 0;

		snprintf(pid_s, sizeof(pid_s), " %ld ", (long)pid);
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "->") && strstr(line, pid_s))
				found = 1;
		if (f)
			fclose(f);
		if (found)
			return;
		nanosleep(&ts, NULL);
	}
}

static _Thread_local int slow_journal_reads; /* ms a read, this thread */

ssize_t pread(int fd, void *buf, size_t n, off_t at)
{
	if (slow_journal_reads && is_journal_fd(fd)) {
		struct timespec ts = { 0, slow_journal_reads * 1000000L };

		nanosleep(&ts, NULL);
	}
	return syscall(SYS_pread64, fd, buf, n, at);
}

static char parked_lock[512]; /* until the undoer lets go of it */

int unlink(const char *path)
{
	size_t n = strlen(path);

	if (park_a_reader && n > 8 && !strcmp(path + n - 8, "-journal")) {
		park_a_reader = 0;
		snprintf(parked_lock, sizeof(parked_lock), "%.*s-lock",
		         (int)(n - 8), path);
		park_reader(parked_lock);
	}
	return (int)syscall(SYS_unlink, path);
}

/* The undoer's close of the lock file lets the parked reader in: give it
   the time to take its lock before this process opens again. */
int close(int fd)
{
	int rc, was = 0;

	if (parked_lock[0]) {
		char p[64], t[512];
		ssize_t n;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		n = readlink(p, t, sizeof(t) - 1);
		if (n > 0) {
			t[n] = '\0';
			was = strcmp(t, parked_lock) == 0;
		}
	}
	rc = (int)syscall(SYS_close, fd);
	if (was) {
		struct timespec ts = { 0, 200 * 1000000L };

		parked_lock[0] = '\0';
		nanosleep(&ts, NULL);
	}
	return rc;
}

/* ---- the store and its input ---- */

static int setup(void **state)
{
	(void)state;
	tu_sandbox_new(&sb);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_sandbox_free(&sb);
	return 0;
}

static fcdb *open_store(unsigned flags)
{
	fcdb_options o;
	fcdb *db = NULL;

	fcdb_options_init(&o);
	o.region = REGION;
	o.account_id = ACCOUNT;
	o.flags = flags;
	if (fcdb_open(&db, sb.store, &o))
		fail_msg("open %s: %s", sb.store, fcdb_error_last()->message);
	return db;
}

struct mem {
	char *data;
	size_t len, pos, die_after;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (m->die_after && m->pos >= m->die_after)
		raise(SIGKILL);
	if (n > cap)
		n = cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int mem_rewind(void *ctx)
{
	((struct mem *)ctx)->pos = 0;
	return 0;
}

static struct mem corpus(uint64_t from, uint64_t n)
{
	corpus_buf one = { 0 };
	struct mem m = { 0 };
	size_t cap = 0;

	for (uint64_t i = from; i < from + n; i++) {
		one.len = 0;
		corpus_function(&one, 7, i, CORPUS_FUNCTION, REGION, ACCOUNT);
		if (m.len + one.len + 2 > cap) {
			cap = (m.len + one.len + 2) * 2;
			m.data = realloc(m.data, cap);
			if (!m.data)
				abort();
		}
		memcpy(m.data + m.len, one.data, one.len);
		m.len += one.len;
		m.data[m.len++] = '\n';
	}
	corpus_buf_free(&one);
	return m;
}

static int import(fcdb *db, struct mem *m)
{
	fcdb_import_options o;

	fcdb_import_options_init(&o);
	o.mode = FCDB_IMPORT_UPSERT;
	o.rewind = mem_rewind;
	m->pos = 0;
	return fcdb_import(db, mem_read, m, &o, NULL);
}

static uint64_t count(fcdb *db)
{
	fcdb_stats st;

	if (fcdb_stats_get(db, &st))
		fail_msg("stats: %s", fcdb_error_last()->message);
	return st.functions;
}

/* 300 functions, one of them deleted by the last transaction: a store
   read through the meta page before it would have 300. */
static char *base_store(size_t *len)
{
	struct mem base = corpus(0, 300);
	char name[128];
	fcdb *db = open_store(0);

	if (import(db, &base))
		fail_msg("import: %s", fcdb_error_last()->message);
	corpus_name(name, 7, 10);
	assert_int_equal(fcdb_function_delete(db, name, NULL), 0);
	assert_int_equal(count(db), 299);
	fcdb_close(db);
	free(base.data);
	return tu_slurp(sb.store, len);
}

static void assert_same_file(const char *before, size_t blen)
{
	size_t alen;
	char *after = tu_slurp(sb.store, &alen);

	assert_int_equal(alen, blen);
	if (memcmp(before, after, blen) != 0)
		fail_msg("the store file changed");
	free(after);
}

/* ---- tests ---- */

/* The journal's sync after the second step fails: the import is an
   IOError and is undone in place; the handle reads the store as it was
   and goes on writing. */
static void test_journal_sync_fails_after_a_step(void **state)
{
	struct mem more = corpus(5000, STEPPED);
	char *before;
	size_t blen;
	fcdb *db;

	(void)state;
	before = base_store(&blen);
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	journal_syncs = 0;
	fail_journal_sync_at = 3; /* the seal's two, then the first step's */
	assert_int_equal(import(db, &more), FCDB_EIO);
	fail_journal_sync_at = 0;
	assert_true(journal_syncs >= 3);
	assert_int_equal(count(db), 299);
	fcdb_close(db);
	assert_same_file(before, blen);
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(import(db, &more), 0);
	assert_int_equal(count(db), 299 + STEPPED);
	fcdb_close(db);
	free(before);
	free(more.data);
}

/* In a child: an exclusive import killed after three steps. */
static void killed_import(void)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct mem m = corpus(5000, STEPPED);
		fcdb *mine;

		m.die_after = m.len * 97 / 100;
		mine = open_store(FCDB_OPEN_EXCLUSIVE);
		import(mine, &m);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
}

/* An import killed after three steps; the next open undoes it while
   another process waits for the lock file; that open then joins the lock
   file as the waiter leaves it, and must read the restored store. */
static void test_a_waiter_at_the_undo_sees_the_store_as_it_was(void **state)
{
	char jpath[400], *before;
	size_t blen;
	int status;
	pid_t pid;
	fcdb *db;

	(void)state;
	before = base_store(&blen);
	snprintf(jpath, sizeof(jpath), "%s-journal", sb.store);
	killed_import();
	{
		char *j = tu_slurp(jpath, NULL); /* sealed: steps committed */

		assert_int_equal(memcmp(j, "fcdbUND1", 8), 0);
		free(j);
	}
	park_a_reader = 1;
	db = open_store(0);
	assert_int_equal(park_a_reader, 0); /* the reader was parked */
	assert_int_equal(count(db), 299);
	fcdb_close(db);
	pid = wait(&status); /* the parked reader got its lock and left */
	assert_true(pid > 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_same_file(before, blen);
	free(before);
}

struct opener {
	pthread_barrier_t *go;
	uint64_t victim; /* the corpus function it deletes once open */
	int slow;        /* ms each of its reads of a journal takes */
	int rc;
	fcdb *db;
};

static void *open_after_barrier(void *arg)
{
	struct opener *o = arg;
	fcdb_options opts;
	char name[128];

	fcdb_options_init(&opts);
	opts.region = REGION;
	opts.account_id = ACCOUNT;
	slow_journal_reads = o->slow;
	pthread_barrier_wait(o->go);
	o->rc = fcdb_open(&o->db, sb.store, &opts);
	if (o->rc == 0) {
		corpus_name(name, 7, o->victim);
		o->rc = fcdb_function_delete(o->db, name, NULL);
	}
	return NULL;
}

/* Two threads open the store at once after an interrupted import (they
   read journals slowly, one slower) and each deletes a function as soon
   as it has it:
   one undoes the import, the other waits and then shares the handle, so
   no undo runs over a deletion, and both stay. */
static void test_two_threads_open_after_an_interrupted_import(void **state)
{
	struct opener a = { 0 }, b = { 0 };
	pthread_barrier_t go;
	pthread_t ta, tb;
	char *before;
	size_t blen;
	fcdb *db;

	(void)state;
	before = base_store(&blen);
	killed_import();
	pthread_barrier_init(&go, NULL, 2);
	a.go = b.go = &go;
	a.victim = 20;
	b.victim = 30;
	a.slow = 1; /* both slow enough to meet, b slower */
	b.slow = 5;
	assert_int_equal(pthread_create(&ta, NULL, open_after_barrier, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, open_after_barrier, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	fcdb_close(a.db);
	fcdb_close(b.db);
	db = open_store(0);
	assert_int_equal(count(db), 297);
	fcdb_close(db);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_journal_sync_fails_after_a_step, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_waiter_at_the_undo_sees_the_store_as_it_was,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_two_threads_open_after_an_interrupted_import,
			setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
