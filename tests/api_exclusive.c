/*
 * api_exclusive.c: FCDB_OPEN_EXCLUSIVE through fcdb.h: who gets the store,
 * who waits, the map that grows allocated, a full disk, and refused
 * imports that leave the file byte for byte as it was.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "fcdb.h"

#define REGION "cn-shanghai"
#define ACCOUNT "123"

static tu_sandbox sb;

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

static int try_open(fcdb **db, unsigned flags)
{
	fcdb_options o;

	fcdb_options_init(&o);
	o.region = REGION;
	o.account_id = ACCOUNT;
	o.flags = flags;
	return fcdb_open(db, sb.store, &o);
}

static fcdb *open_store(unsigned flags)
{
	fcdb *db = NULL;

	if (try_open(&db, flags))
		fail_msg("open %s: %s", sb.store, fcdb_error_last()->message);
	return db;
}

/* ---- input ---- */

struct mem {
	char *data;
	size_t len, cap, pos;
};

static void mem_add(struct mem *m, const char *d, size_t n)
{
	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		m->data = realloc(m->data, m->cap);
		if (!m->data)
			abort();
	}
	memcpy(m->data + m->len, d, n);
	m->len += n;
	m->data[m->len] = '\0';
}

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

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

/* NDJSON of corpus functions [from, from + n) of seed 7. */
static struct mem corpus(uint64_t from, uint64_t n)
{
	corpus_buf one = { 0 };
	struct mem m = { 0 };

	mem_add(&m, "", 0);
	for (uint64_t i = from; i < from + n; i++) {
		one.len = 0;
		corpus_function(&one, 7, i, CORPUS_FUNCTION, REGION, ACCOUNT);
		mem_add(&m, one.data, one.len);
		mem_add(&m, "\n", 1);
	}
	corpus_buf_free(&one);
	return m;
}

static int import(fcdb *db, struct mem *m, int mode, unsigned flags,
                  uint64_t hint, fcdb_import_report *rep)
{
	fcdb_import_options o;

	fcdb_import_options_init(&o);
	o.mode = mode;
	o.flags = flags;
	o.rewind = mem_rewind;
	o.size_hint = hint;
	m->pos = 0;
	return fcdb_import(db, mem_read, m, &o, rep);
}

static uint64_t count(fcdb *db)
{
	fcdb_stats st;

	if (fcdb_stats_get(db, &st))
		fail_msg("stats: %s", fcdb_error_last()->message);
	return st.functions;
}

static off_t file_size(void)
{
	struct stat st;

	assert_int_equal(stat(sb.store, &st), 0);
	return st.st_size;
}

/* ---- tests ---- */

/* An exclusive store takes an import, grows its map past the 8 MiB it
   starts with (restarting the import), and is cut back to its data. */
static void test_import_grows_and_trims(void **state)
{
	struct mem m = corpus(0, 12000); /* about 11 MiB of records */
	fcdb_import_report rep;
	fcdb_stats st;
	fcdb *db;

	(void)state;
	db = open_store(FCDB_OPEN_EXCLUSIVE | FCDB_OPEN_NOSYNC);
	assert_true(m.len > (10u << 20));
	if (import(db, &m, FCDB_IMPORT_CREATE, 0, 0, &rep))
		fail_msg("import: %s", fcdb_error_last()->message);
	assert_int_equal(rep.created, 12000);
	assert_int_equal(count(db), 12000);
	fcdb_close(db);
	/* shared again: same data, and the file ends at its last page */
	db = open_store(0);
	assert_int_equal(fcdb_stats_get(db, &st), 0);
	assert_int_equal(st.functions, 12000);
	assert_int_equal((uint64_t)file_size(), st.pages_used * st.page_size);
	fcdb_close(db);
	free(m.data);
}

/* Another process has the store open: FCDB_EBUSY, nothing changed; once
   it has closed, the exclusive open works. */
static void test_busy_while_another_process_has_it(void **state)
{
	int to_child[2], to_parent[2], status;
	char c = 0;
	fcdb *db = NULL;
	pid_t pid;

	(void)state;
	db = open_store(0);
	fcdb_close(db);
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb *mine = NULL;
		int rc = try_open(&mine, 0);

		if (write(to_parent[1], "o", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(2);
		fcdb_close(mine);
		_exit(rc ? 1 : 0);
	}
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_int_equal(try_open(&db, FCDB_OPEN_EXCLUSIVE), FCDB_EBUSY);
	assert_null(db);
	assert_string_equal(fcdb_error_name(FCDB_EBUSY), "Busy");
	assert_non_null(strstr(fcdb_error_last()->message, "another process"));
	assert_int_equal(write(to_child[1], "c", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	fcdb_close(db);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* A refused exclusive open must not take the lock file away from the
   process that holds it (it made it: there was none before). */
static void test_busy_keeps_the_holders_lock_file(void **state)
{
	char lock[400], c;
	int go[2], status;
	fcdb *db;
	pid_t pid;

	(void)state;
	db = open_store(0);
	fcdb_close(db);
	snprintf(lock, sizeof(lock), "%s-lock", sb.store);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(pipe(go), 0);
	/* the child forks before any handle is open (valgrind would count
	   an inherited one as its leak) */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb *mine = NULL;

		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(try_open(&mine, FCDB_OPEN_EXCLUSIVE) == FCDB_EBUSY ? 0 : 1);
	}
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fcdb_close(db);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(lock, F_OK), 0);
	close(go[0]);
	close(go[1]);
}

/* A truncated store is refused as damaged, though the write map sets
   the file's size to the map's, and is left at the size it had. */
static void test_truncated_store_refused(void **state)
{
	struct mem m = corpus(0, 500);
	fcdb *db = NULL;
	off_t size;

	(void)state;
	db = open_store(0);
	if (import(db, &m, FCDB_IMPORT_CREATE, 0, 0, NULL))
		fail_msg("import: %s", fcdb_error_last()->message);
	fcdb_close(db);
	db = NULL;
	size = file_size() / 2;
	assert_int_equal(truncate(sb.store, size), 0);
	assert_int_equal(try_open(&db, FCDB_OPEN_EXCLUSIVE), FCDB_ECORRUPT);
	assert_non_null(strstr(fcdb_error_last()->message, "truncated"));
	assert_int_equal(file_size(), size);
	free(m.data);
}

/* This process has it open already; and exclusive is for writing. */
static void test_busy_in_this_process_and_misuse(void **state)
{
	fcdb *a, *b = NULL;

	(void)state;
	a = open_store(0);
	assert_int_equal(try_open(&b, FCDB_OPEN_EXCLUSIVE), FCDB_EBUSY);
	assert_non_null(strstr(fcdb_error_last()->message, "this process"));
	fcdb_close(a);
	assert_int_equal(try_open(&b, FCDB_OPEN_EXCLUSIVE | FCDB_OPEN_READONLY),
	                 FCDB_EMISUSE);
	/* an exclusive handle is shared by later opens in this process */
	a = open_store(FCDB_OPEN_EXCLUSIVE);
	b = open_store(0);
	fcdb_close(b);
	fcdb_close(a);
}

/* While an exclusive handle is open, another process's open waits; it
   then sees everything the exclusive handle wrote. */
static void test_others_wait_for_the_exclusive_handle(void **state)
{
	struct mem m = corpus(0, 300);
	int go[2], ready[2], status;
	char c;
	fcdb *db;
	pid_t pid;

	(void)state;
	db = open_store(0); /* made with its region */
	fcdb_close(db);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb *mine = NULL;
		fcdb_stats st;

		if (read(go[0], &c, 1) != 1 || write(ready[1], "r", 1) != 1)
			_exit(2);
		if (try_open(&mine, 0) || fcdb_stats_get(mine, &st))
			_exit(3);
		fcdb_close(mine);
		_exit(st.functions == 300 ? 0 : 4);
	}
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	{
		struct timespec ts = { 0, 300 * 1000000L };

		nanosleep(&ts, NULL);
	}
	/* still waiting in fcdb_open: it has seen nothing yet */
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	if (import(db, &m, FCDB_IMPORT_CREATE, 0, m.len, NULL))
		fail_msg("import: %s", fcdb_error_last()->message);
	fcdb_close(db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(m.data);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

/*
 * The fcdb command, run on a terminal (script(1)) while this process has
 * the store to itself, waits and says whom for.  $FCDB names the command
 * (make test sets it); the test fails without it rather than skip.
 */
static void test_command_says_what_it_waits_for(void **state)
{
	const char *cmd = getenv("FCDB");
	char line[1200], out[400], expect[100], *text;
	int status;
	fcdb *db;
	pid_t pid;

	(void)state;
	if (!cmd || !*cmd)
		fail_msg("FCDB must name the fcdb command (make test sets it)");
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	snprintf(out, sizeof(out), "%s/typescript", sb.dir);
	snprintf(line, sizeof(line), "%s --db %s stats", cmd, sb.store);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		execlp("script", "script", "-qefc", line, out, (char *)NULL);
		_exit(127);
	}
	{
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	fcdb_close(db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	text = tu_slurp(out, NULL);
	snprintf(expect, sizeof(expect), "waiting for process %ld, which has "
	         "the store to itself", (long)getpid());
	if (!strstr(text, expect) || !strstr(text, "\"functions\": 0"))
		fail_msg("script output lacks \"%s\" or the stats: %s", expect,
		         text);
	free(text);
}

static char *slurp_store(size_t *len)
{
	return tu_slurp(sb.store, len);
}

static void assert_same_file(const char *before, size_t blen)
{
	size_t alen;
	char *after = slurp_store(&alen);

	assert_int_equal(alen, blen);
	if (memcmp(before, after, blen) != 0)
		fail_msg("the store file changed");
	free(after);
}

/* A store of 1,750 functions with free pages (half of the first 500
   deleted); returns its bytes, their count in *blen. */
static char *store_with_free_pages(size_t *blen)
{
	struct mem base = corpus(0, 2000);
	fcdb_list_options lo;
	fcdb_list *list = NULL;
	char token[512] = "";
	fcdb *db;

	db = open_store(FCDB_OPEN_NOSYNC);
	if (import(db, &base, FCDB_IMPORT_CREATE, 0, 0, NULL))
		fail_msg("import: %s", fcdb_error_last()->message);
	for (int page = 0; page < 5; page++) {
		fcdb_list_options_init(&lo);
		lo.limit = 100;
		lo.next_token = token[0] ? token : NULL;
		assert_int_equal(fcdb_function_list(db, &list, &lo), 0);
		assert_int_equal(fcdb_list_count(list), 100);
		snprintf(token, sizeof(token), "%s", fcdb_list_next_token(list));
		for (size_t i = 0; i < fcdb_list_count(list); i += 2)
			assert_int_equal(fcdb_function_delete(db,
			                 fcdb_function_name(fcdb_list_at(list, i)),
			                 NULL), 0);
		fcdb_list_free(list);
	}
	fcdb_close(db);
	free(base.data);
	return slurp_store(blen);
}

/* Refused imports and dry runs on an exclusive store leave the file
   byte for byte as it was, though the write map reuses free pages. */
static void test_refused_import_leaves_every_byte(void **state)
{
	struct mem more = corpus(5000, 600);
	char *before;
	size_t blen;
	fcdb *db;

	(void)state;
	/* free pages for the next transaction to reuse */
	before = store_with_free_pages(&blen);

	/* a bad record after 600 good ones */
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	mem_add(&more, "{\"functionName\":\"x\",\"runtime\":\"cobol\"}\n", 39);
	assert_int_equal(import(db, &more, FCDB_IMPORT_CREATE, 0, 0, NULL),
	                 FCDB_EINVAL);
	fcdb_close(db);
	assert_same_file(before, blen);

	/* a dry run of the good ones, in each mode */
	more.len -= 39;
	more.data[more.len] = '\0';
	for (int mode = FCDB_IMPORT_CREATE; mode <= FCDB_IMPORT_REPLACE;
	     mode++) {
		fcdb_import_report rep;

		db = open_store(FCDB_OPEN_EXCLUSIVE);
		assert_int_equal(import(db, &more, mode, FCDB_IMPORT_DRY_RUN,
		                        more.len, &rep), 0);
		assert_int_equal(rep.created, 600);
		fcdb_close(db);
		assert_same_file(before, blen);
	}
	/* a name twice, found by upsert's marks */
	{
		struct mem twice = corpus(5000, 300);

		mem_add(&twice, more.data, more.len);
		db = open_store(FCDB_OPEN_EXCLUSIVE);
		assert_int_equal(import(db, &twice, FCDB_IMPORT_UPSERT, 0, 0,
		                        NULL), FCDB_EINVAL);
		assert_non_null(strstr(fcdb_error_last()->message,
		                       "appears twice"));
		fcdb_close(db);
		assert_same_file(before, blen);
		free(twice.data);
	}
	/* and one that lands changes it */
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(import(db, &more, FCDB_IMPORT_CREATE, 0, 0, NULL), 0);
	assert_int_equal(count(db), 2000 - 250 + 600);
	fcdb_close(db);
	free(before);
	free(more.data);
}

/* ---- imports in steps, made one by the undo journal ---- */

#define STEPPED 3300 /* records: three steps of 1,024 and more (an odd number) */

static void journal_path(char *out, size_t cap)
{
	snprintf(out, cap, "%s-journal", sb.store);
}

static void check_ok(void *ctx, const char *name, const char *phase,
                     const char *problem)
{
	(void)ctx;
	fail_msg("fcdb_check: %s: %s: %s", name ? name : "-", phase, problem);
}

/* An export sink that deletes a function the first time it is called:
   a write from inside a read transaction of the same handle. */
struct sink_delete {
	fcdb *db;
	int done, rc;
	char name[128]; /* the first function, deleted under the export */
};

static int delete_from_sink(void *ctx, const char *data, size_t len)
{
	struct sink_delete *d = ctx;

	(void)data;
	(void)len;
	if (d->done++)
		return 0;
	d->rc = fcdb_function_delete(d->db, d->name, NULL);
	return 0;
}

/*
 * An import refused after steps have committed is undone in place: the
 * file is byte for byte as it was, no journal is left, and the handle
 * goes on working (LMDB's own state agrees with the restored file).
 * Dry runs and a name given twice (found after the first steps) too.
 */
static void test_refused_after_steps_leaves_every_byte(void **state)
{
	struct mem more = corpus(5000, STEPPED);
	char jpath[400], *before;
	fcdb_import_report rep;
	fcdb_stats st;
	size_t blen;
	uint64_t revision;
	fcdb *db;

	(void)state;
	journal_path(jpath, sizeof(jpath));
	before = store_with_free_pages(&blen);
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(fcdb_stats_get(db, &st), 0);
	revision = st.revision;
	mem_add(&more, "{\"functionName\":\"x\",\"runtime\":\"cobol\"}\n", 39);
	assert_int_equal(import(db, &more, FCDB_IMPORT_CREATE, 0, 0, NULL),
	                 FCDB_EINVAL);
	assert_non_null(strstr(fcdb_error_last()->message, "3301"));
	assert_int_equal(access(jpath, F_OK), -1);
	/* this handle reads the store as it was, and writes to it */
	assert_int_equal(fcdb_stats_get(db, &st), 0);
	assert_int_equal(st.functions, 1750);
	assert_int_equal(st.revision, revision);
	fcdb_close(db);
	assert_same_file(before, blen);

	more.len -= 39;
	more.data[more.len] = '\0';
	for (int mode = FCDB_IMPORT_CREATE; mode <= FCDB_IMPORT_REPLACE;
	     mode++) {
		db = open_store(FCDB_OPEN_EXCLUSIVE);
		assert_int_equal(import(db, &more, mode, FCDB_IMPORT_DRY_RUN,
		                        more.len, &rep), 0);
		assert_int_equal(rep.created, STEPPED);
		assert_int_equal(rep.deleted, mode == FCDB_IMPORT_REPLACE
		                              ? 1750 : 0);
		assert_int_equal(count(db), 1750);
		fcdb_close(db);
		assert_same_file(before, blen);
	}
	{
		struct mem twice = corpus(5000, STEPPED);

		mem_add(&twice, more.data, 2000); /* the first name again */
		mem_add(&twice, "\n", 1);
		db = open_store(FCDB_OPEN_EXCLUSIVE);
		assert_int_equal(import(db, &twice, FCDB_IMPORT_UPSERT, 0, 0,
		                        NULL), FCDB_EINVAL);
		assert_non_null(strstr(fcdb_error_last()->message,
		                       "appears twice"));
		fcdb_close(db);
		assert_same_file(before, blen);
		free(twice.data);
	}
	/* one that lands, on the handle that refused one; and a write
	   from inside a read on that handle (an export's sink) still goes */
	db = open_store(FCDB_OPEN_EXCLUSIVE);
	mem_add(&more, "{\"functionName\":\"x\",\"runtime\":\"cobol\"}\n", 39);
	assert_int_equal(import(db, &more, FCDB_IMPORT_UPSERT, 0, 0, NULL),
	                 FCDB_EINVAL);
	more.len -= 39;
	more.data[more.len] = '\0';
	{
		struct sink_delete d = { db, 0, 0, "" };
		fcdb_list_options lo;
		fcdb_list *list = NULL;
		uint64_t n = 0;

		fcdb_list_options_init(&lo);
		lo.limit = 1;
		assert_int_equal(fcdb_function_list(db, &list, &lo), 0);
		snprintf(d.name, sizeof(d.name), "%s",
		         fcdb_function_name(fcdb_list_at(list, 0)));
		fcdb_list_free(list);

		alarm(60); /* a deadlock fails the test instead of hanging */
		assert_int_equal(fcdb_export(db, delete_from_sink, &d, NULL, &n),
		                 0);
		alarm(0);
		assert_int_equal(d.rc, 0);
		assert_int_equal(n, 1750);
		assert_int_equal(count(db), 1749);
	}
	assert_int_equal(import(db, &more, FCDB_IMPORT_REPLACE, 0, 0, &rep), 0);
	assert_int_equal(rep.created, STEPPED);
	assert_int_equal(rep.deleted, 1749);
	assert_int_equal(fcdb_stats_get(db, &st), 0);
	assert_int_equal(st.functions, STEPPED);
	assert_int_equal(st.revision, revision + 2); /* the delete, the import */
	assert_int_equal(access(jpath, F_OK), -1);
	fcdb_close(db);
	db = open_store(0);
	assert_int_equal(fcdb_check(db, check_ok, NULL, NULL), 0);
	assert_int_equal(count(db), STEPPED);
	fcdb_close(db);
	free(before);
	free(more.data);
}

/* Reads that kill the process after `after` bytes. */
struct dying {
	struct mem *m;
	size_t after;
};

static int dying_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct dying *d = ctx;

	if (d->m->pos >= d->after)
		raise(SIGKILL);
	return mem_read(d->m, buf, cap, got);
}

/* In a child: an exclusive import killed after two steps committed. */
static void killed_import(void)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mem m = corpus(5000, STEPPED);
		struct dying d = { &m, 0 };
		fcdb_import_options o;
		fcdb *db = NULL;

		d.after = m.len * 9 / 10; /* records 2,048.. are in steps */
		if (try_open(&db, FCDB_OPEN_EXCLUSIVE))
			_exit(2);
		fcdb_import_options_init(&o);
		fcdb_import(db, dying_read, &d, &o, NULL);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/*
 * A process killed mid-import leaves its journal and the steps it
 * committed; the next open, whatever its kind, undoes them before it
 * reads anything: the store is byte for byte as it was.
 */
static void test_killed_import_is_undone_by_the_next_open(void **state)
{
	static const unsigned kinds[] = { 0, FCDB_OPEN_READONLY,
	                                  FCDB_OPEN_EXCLUSIVE };
	char jpath[400], *before;
	size_t blen;
	fcdb *db;

	(void)state;
	journal_path(jpath, sizeof(jpath));
	before = store_with_free_pages(&blen);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t alen;
		char *mid;

		killed_import();
		assert_int_equal(access(jpath, F_OK), 0);
		/* the steps are in the file: something to undo */
		mid = slurp_store(&alen);
		assert_true(alen != blen || memcmp(mid, before, blen) != 0);
		free(mid);
		db = open_store(kinds[k]);
		assert_int_equal(access(jpath, F_OK), -1);
		assert_int_equal(count(db), 1750);
		fcdb_close(db);
		assert_same_file(before, blen);
	}
	db = open_store(0);
	assert_int_equal(fcdb_check(db, check_ok, NULL, NULL), 0);
	fcdb_close(db);
	free(before);
}

/* A journal whose header was never sealed (killed before the first
   step) is dropped; one written for another file refuses the open. */
static void test_unsealed_and_foreign_journals(void **state)
{
	char jpath[400], copy[400], *before;
	size_t blen;
	fcdb *db = NULL;
	FILE *f;

	(void)state;
	journal_path(jpath, sizeof(jpath));
	before = store_with_free_pages(&blen);
	f = fopen(jpath, "w");
	assert_non_null(f);
	for (int i = 0; i < 5000; i++)
		fputc(0, f);
	fclose(f);
	db = open_store(0);
	assert_int_equal(access(jpath, F_OK), -1);
	assert_int_equal(count(db), 1750);
	fcdb_close(db);
	assert_same_file(before, blen);
	/* a sealed journal, then the store replaced by a copy of itself */
	killed_import();
	snprintf(copy, sizeof(copy), "%s.copy", sb.store);
	{
		size_t n;
		char *mid = slurp_store(&n);

		f = fopen(copy, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(mid, 1, n, f), n);
		fclose(f);
		free(mid);
	}
	assert_int_equal(rename(copy, sb.store), 0);
	db = NULL;
	assert_int_equal(try_open(&db, 0), FCDB_ECORRUPT);
	assert_null(db);
	assert_non_null(strstr(fcdb_error_last()->message, "another file"));
	assert_int_equal(access(jpath, F_OK), 0);
	free(before);
}

/* Other threads of the importing process wait for it: they see the
   store before the import or after it, never between two steps. */
struct watcher {
	fcdb *db;
	volatile int stop;
	uint64_t seen_other;
	uint64_t reads;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	fcdb_stats st;

	while (!w->stop) {
		if (fcdb_stats_get(w->db, &st) != 0)
			break;
		w->reads++;
		if (st.functions != 1750 && st.functions != 1750 + STEPPED)
			w->seen_other = st.functions;
	}
	return NULL;
}

static void test_other_threads_wait_for_the_import(void **state)
{
	struct mem more = corpus(5000, STEPPED);
	struct watcher w = { 0 };
	char *before;
	size_t blen;
	pthread_t th;

	(void)state;
	before = store_with_free_pages(&blen);
	w.db = open_store(FCDB_OPEN_EXCLUSIVE);
	assert_int_equal(pthread_create(&th, NULL, watch, &w), 0);
	while (w.reads == 0)
		sched_yield();
	if (import(w.db, &more, FCDB_IMPORT_CREATE, 0, 0, NULL))
		fail_msg("import: %s", fcdb_error_last()->message);
	w.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.seen_other, 0);
	assert_int_equal(count(w.db), 1750 + STEPPED);
	fcdb_close(w.db);
	free(before);
	free(more.data);
}

/*
 * No room for the map is an IOError, never a SIGBUS: a file-size limit
 * stands in for a full disk (posix_fallocate and ftruncate then fail
 * with EFBIG).  In a child, so that the limit stays there.
 */
/* more than the first map (9 MiB), less than twice it */
#define MID_RECORDS 12500

static int same_file(const char *before, size_t blen)
{
	size_t alen;
	char *after = tu_slurp(sb.store, &alen);
	int same = alen == blen && memcmp(before, after, blen) == 0;

	free(after);
	return same;
}

static int full_disk_child(void)
{
	struct mem small = corpus(0, 200), big = corpus(1000, 16000);
	struct mem mid = corpus(20000, MID_RECORDS);
	struct rlimit rl;
	fcdb *db = NULL;
	char *before;
	size_t blen;
	off_t size;

	signal(SIGXFSZ, SIG_IGN);
	if (try_open(&db, 0) || import(db, &small, FCDB_IMPORT_CREATE, 0, 0,
	                               NULL))
		return 10;
	fcdb_close(db);
	db = NULL;
	size = file_size();
	before = tu_slurp(sb.store, &blen);
	/* room for the map's first 8 MiB, not for 15 MiB of records */
	rl.rlim_cur = rl.rlim_max = (rlim_t)size + (17u << 20);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 11;
	if (try_open(&db, FCDB_OPEN_EXCLUSIVE))
		return 12;
	if (import(db, &big, FCDB_IMPORT_CREATE, 0, 0, NULL) != FCDB_EIO)
		return 13;
	if (!strstr(fcdb_error_last()->message, "reserving"))
		return 14;
	/* nor when asked to reserve them up front (best effort) */
	if (import(db, &big, FCDB_IMPORT_CREATE, 0, big.len, NULL) != FCDB_EIO)
		return 15;
	if (count(db) != 200)
		return 16;
	fcdb_close(db);
	db = NULL;
	if (!same_file(before, blen))
		return 17;
	/* room for a smaller step than doubling: the map takes it */
	if (try_open(&db, FCDB_OPEN_EXCLUSIVE))
		return 18;
	if (import(db, &mid, FCDB_IMPORT_CREATE, 0, 0, NULL) != 0)
		return 19;
	if (count(db) != 200 + MID_RECORDS)
		return 20;
	fcdb_close(db);
	db = NULL;
	/* room for 1 MiB, not 8: the map starts smaller */
	free(before);
	size = file_size();
	before = tu_slurp(sb.store, &blen);
	rl.rlim_cur = rl.rlim_max = (rlim_t)size + (2u << 20);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 21;
	if (try_open(&db, FCDB_OPEN_EXCLUSIVE))
		return 22;
	fcdb_close(db);
	db = NULL;
	if (!same_file(before, blen))
		return 23;
	/* no room even for that: the open fails, changing nothing */
	rl.rlim_cur = rl.rlim_max = (rlim_t)size + (256u << 10);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 24;
	if (try_open(&db, FCDB_OPEN_EXCLUSIVE) != FCDB_EIO || db)
		return 25;
	if (!same_file(before, blen))
		return 26;
	free(before);
	free(small.data);
	free(big.data);
	free(mid.data);
	return 0;
}

static void test_full_disk_is_an_error(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("the child died of signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_grows_and_trims,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_busy_while_another_process_has_it, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_busy_in_this_process_and_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_busy_keeps_the_holders_lock_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_store_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_others_wait_for_the_exclusive_handle, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_import_leaves_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_after_steps_leaves_every_byte, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_killed_import_is_undone_by_the_next_open, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_unsealed_and_foreign_journals, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_other_threads_wait_for_the_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_is_an_error,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_command_says_what_it_waits_for, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
