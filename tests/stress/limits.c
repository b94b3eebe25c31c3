/*
 * limits.c: a map that starts tiny, a disk that fills up, and reader
 * slots left behind by killed processes.
 *
 * Map growth: a store opened with a 64 KiB map takes realistic creates
 * (the bench corpus) with no failed write, doubling its map as it goes;
 * then every function reads back, check is clean, and a second process
 * opening with the same tiny map size reads it all.
 *
 * Full disk: a child whose file size limit (RLIMIT_FSIZE, SIGXFSZ
 * ignored) stops the data file from growing creates functions until a
 * write fails; it must fail with a clean IOError, leave the handle
 * usable for reads, and after it every acknowledged function is there,
 * the failed one is not, and check is clean.  When running as root, the
 * same on a 2 MiB tmpfs (ENOSPC).
 *
 * Stale readers: processes holding a read (an export blocked in its
 * write callback) are killed; the next open clears their reader slots
 * (mdb_reader_check), fcdb_stats_get says so, and the slots serve new
 * readers.
 *
 * FCDB_STRESS=full: 100,000 creates; quick: 5,000.
 */
#include "stress.h"
#include "corpus.h"

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* ---- map growth ---- */

static void test_tiny_map_grows_without_a_failed_write(void **state)
{
	uint64_t n = st_full() ? 100000 : 5000, i, t0 = st_now_ms();
	corpus_buf doc = { NULL, 0, 0 };
	uint64_t problems = 0;
	unsigned doublings = 0;
	fcdb_stats st;
	tu_sandbox sb;
	fcdb *db = NULL;
	int status;
	pid_t pid;

	(void)state;
	tu_sandbox_new(&sb);
	au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 64 * 1024, 0));
	au_ok(fcdb_stats_get(db, &st));
	assert_true(st.map_bytes <= 64 * 1024);
	for (i = 0; i < n; i++) {
		int rc;

		doc.len = 0;
		corpus_function(&doc, tu_seed(), i, CORPUS_CREATE, AU_REGION,
		                AU_ACCOUNT);
		rc = fcdb_function_create(db, NULL, doc.data, doc.len, NULL);
		if (rc)
			fail_msg("create %llu of %llu failed: %s: %s",
			         (unsigned long long)i, (unsigned long long)n,
			         fcdb_error_name(rc), fcdb_error_last()->message);
	}
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, n);
	assert_int_equal(au_revision(db), n);
	for (uint64_t m = 64 * 1024; m < st.map_bytes; m *= 2)
		doublings++;
	/* every one reads back whole */
	for (i = 0; i < n; i += st_full() ? 97 : 7) {
		fcdb_function *fn = NULL;
		char name[64];

		corpus_name(name, tu_seed(), i);
		au_ok(fcdb_function_get(db, &fn, name));
		assert_string_equal(fcdb_function_name(fn), name);
		fcdb_function_free(fn);
	}
	au_ok(fcdb_check(db, NULL, NULL, &problems));
	fcdb_close(db);

	/* another process, asking for the same tiny map, reads it all */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb_stats rst;
		fcdb *r = NULL;

		st_child_signals();
		if (st_open(&r, sb.store, FCDB_OPEN_READONLY, 64 * 1024, 0) ||
		    fcdb_stats_get(r, &rst) || rst.functions != n ||
		    fcdb_check(r, NULL, NULL, NULL)) {
			fprintf(stderr, "reader: %s\n", fcdb_error_last()->message);
			_exit(1);
		}
		fcdb_close(r);
		_exit(0);
	}
	if (st_wait(pid, &status, 300000))
		fail_msg("the reader hung");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the reader failed: %s", st_status_text(status));
	print_message("limits: %llu creates from a 64 KiB map, none failed: "
	              "map %llu MiB after %u doublings, file %llu MiB, check "
	              "clean (%.1f s)\n", (unsigned long long)n,
	              (unsigned long long)(st.map_bytes >> 20), doublings,
	              (unsigned long long)(st.file_bytes >> 20),
	              (double)(st_now_ms() - t0) / 1000.0);
	corpus_buf_free(&doc);
	tu_sandbox_free(&sb);
}

/* ---- a full disk ---- */

/*
 * The filler: create functions (each acknowledged on `ack` after the
 * call returned) until one fails, then check what a caller would need:
 * the failure is IOError, another write fails cleanly too, and reads
 * still work.  Exit status: 0, or what went wrong.
 */
static int filler(const char *store, int ack, uint64_t first, int durable)
{
	corpus_buf doc = { NULL, 0, 0 };
	fcdb *db = NULL;
	uint64_t i;
	int rc = 0, tries = 0;

	if (st_open(&db, store, durable ? 0 : FCDB_OPEN_NOSYNC, 0, 0)) {
		fprintf(stderr, "filler: open: %s\n", fcdb_error_last()->message);
		return 10;
	}
	for (i = first; i < first + 1000000; i++) {
		doc.len = 0;
		corpus_function(&doc, tu_seed(), i, CORPUS_CREATE, AU_REGION,
		                AU_ACCOUNT);
		/* a failed commit may leave room a retry can use (LMDB takes
		   other pages): the same create, up to three times */
		for (tries = 0; tries < 3; tries++) {
			rc = fcdb_function_create(db, NULL, doc.data, doc.len,
			                          NULL);
			if (rc != FCDB_EIO)
				break;
			fprintf(stderr, "filler: create %llu: IOError: %s (errno "
			        "%d)\n", (unsigned long long)i,
			        fcdb_error_last()->message,
			        fcdb_error_last()->backend);
		}
		if (rc)
			break;
		if (write(ack, &i, sizeof(i)) != sizeof(i))
			return 11;
	}
	if (rc != FCDB_EIO) {
		fprintf(stderr, "filler: create %llu: %s: %s\n",
		        (unsigned long long)i, fcdb_error_name(rc),
		        fcdb_error_last()->message);
		return 12;
	}
	/* the handle still reads, and the store is whole */
	{
		fcdb_function *fn = NULL;
		char name[64];

		corpus_name(name, tu_seed(), first);
		if (i > first && fcdb_function_get(db, &fn, name))
			return 14;
		fcdb_function_free(fn);
		if (fcdb_check(db, NULL, NULL, NULL))
			return 15;
	}
	fcdb_close(db);
	corpus_buf_free(&doc);
	return 0;
}

/*
 * Run the filler in a child (with `limit` bytes of RLIMIT_FSIZE when
 * non-zero), then check the store: returns the functions acknowledged.
 */
static uint64_t fill_and_verify(const char *store, uint64_t limit,
                                uint64_t first, int durable,
                                const char *where)
{
	uint64_t acked = 0, i, next_name, problems = 0;
	fcdb_function *fn = NULL;
	fcdb_stats before, after;
	char name[64];
	int p[2], status;
	fcdb *db = NULL;
	pid_t pid;

	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	au_ok(fcdb_stats_get(db, &before));
	fcdb_close(db);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		st_child_signals();
		if (limit) {
			struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };

			signal(SIGXFSZ, SIG_IGN);
			if (setrlimit(RLIMIT_FSIZE, &rl))
				_exit(20);
		}
		_exit(filler(store, p[1], first, durable));
	}
	close(p[1]);
	for (;;) {
		uint64_t v;
		ssize_t r = read(p[0], &v, sizeof(v));

		if (r != sizeof(v))
			break;
		assert_int_equal(v, first + acked);
		acked++;
	}
	close(p[0]);
	if (st_wait(pid, &status, 300000))
		fail_msg("%s: the filler hung", where);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: the filler failed: %s (its stderr says why)", where,
		         st_status_text(status));
	assert_true(acked > 0);

	/* the store opens, is clean, and has exactly what was acknowledged */
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	au_ok(fcdb_check(db, NULL, NULL, &problems));
	au_ok(fcdb_stats_get(db, &after));
	assert_int_equal(after.functions, before.functions + acked);
	assert_int_equal(after.revision, before.revision + acked);
	for (i = first; i < first + acked; i++) {
		corpus_name(name, tu_seed(), i);
		au_ok(fcdb_function_get(db, &fn, name));
		fcdb_function_free(fn);
		fn = NULL;
	}
	next_name = first + acked; /* the create that failed */
	corpus_name(name, tu_seed(), next_name);
	au_expect(fcdb_function_get(db, &fn, name), FCDB_ENOTFOUND);
	fcdb_close(db);
	print_message("limits: %s: %llu creates acknowledged, then a clean "
	              "IOError; all %llu there, the failed one absent, check "
	              "clean (file %llu KiB)\n", where,
	              (unsigned long long)acked,
	              (unsigned long long)after.functions,
	              (unsigned long long)(after.file_bytes >> 10));
	return acked;
}

static void test_full_disk_is_a_clean_io_error(void **state)
{
	fcdb_stats st;
	tu_sandbox sb;
	fcdb *db = NULL;
	uint64_t first = 0;
	int round;

	(void)state;
	tu_sandbox_new(&sb);
	/* the store and its lock file exist before any limit applies */
	au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 0));
	au_create(db, "before-the-limit", NULL);
	au_ok(fcdb_stats_get(db, &st));
	fcdb_close(db);
	/* durable then not, each time a little more room */
	for (round = 0; round < (st_full() ? 6 : 2); round++) {
		char where[64];

		snprintf(where, sizeof(where), "file size limit, %s, round %d",
		         round % 2 ? "NOSYNC" : "durable", round + 1);
		au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 0));
		au_ok(fcdb_stats_get(db, &st));
		fcdb_close(db);
		first += fill_and_verify(sb.store, st.file_bytes + 256 * 1024,
		                         first, round % 2 == 0, where) + 1;
	}
	/* without the limit, writes go on */
	au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 0));
	au_create(db, "after-the-limit", NULL);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A tmpfs this process mounted and has not unmounted yet: a failed
   assertion jumps past the test's own umount, the teardown does it. */
static char mounted[300];

static int unmount_and_sweep(void **state)
{
	if (mounted[0] && umount(mounted) != 0)
		fprintf(stderr, "umount %s: %s\n", mounted, strerror(errno));
	mounted[0] = '\0';
	return au_sweep(state);
}

static void test_full_tmpfs_is_a_clean_io_error(void **state)
{
	char dir[300], store[340];
	tu_sandbox sb;
	fcdb *db = NULL;

	(void)state;
	if (geteuid() != 0) {
		print_message("limits: tmpfs: not root, skipped\n");
		skip();
	}
	tu_sandbox_new(&sb);
	snprintf(dir, sizeof(dir), "%s/tmpfs", sb.dir);
	snprintf(store, sizeof(store), "%s/store.fcdb", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	if (mount("fcdb-stress", dir, "tmpfs", MS_NOSUID | MS_NODEV,
	          "size=2m,mode=0700") != 0) {
		print_message("limits: tmpfs: cannot mount (%s), skipped\n",
		              strerror(errno));
		tu_sandbox_free(&sb);
		skip();
	}
	snprintf(mounted, sizeof(mounted), "%s", dir);
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	fcdb_close(db);
	fill_and_verify(store, 0, 0, 1, "2 MiB tmpfs, durable");
	/* on a full disk a delete needs pages too: done or a clean
	   IOError, the store stays whole */
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	{
		char name[64];
		uint64_t i;

		for (i = 0; i < 20; i++) {
			int rc;

			corpus_name(name, tu_seed(), i);
			rc = fcdb_function_delete(db, name, NULL);
			if (rc != FCDB_OK && rc != FCDB_EIO)
				fail_msg("delete on a full disk: %s: %s",
				         fcdb_error_name(rc),
				         fcdb_error_last()->message);
		}
	}
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	/* given room, the same store takes writes again */
	if (mount("fcdb-stress", dir, "tmpfs", MS_REMOUNT | MS_NOSUID |
	          MS_NODEV, "size=8m,mode=0700") != 0)
		fail_msg("remount %s: %s", dir, strerror(errno));
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	au_create(db, "after-the-disk-grew", NULL);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	if (umount(dir) != 0)
		fail_msg("umount %s: %s", dir, strerror(errno));
	mounted[0] = '\0';
	tu_sandbox_free(&sb);
}

/* An import with the store to itself on a disk with less room than the
   exclusive map's 8 MiB: the map starts smaller and grows as the disk
   allows; when the disk is full, a clean IOError, the store as it was. */
struct text_src {
	const char *data;
	size_t len, pos;
};

static int text_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct text_src *t = ctx;
	size_t n = t->len - t->pos < cap ? t->len - t->pos : cap;

	memcpy(buf, t->data + t->pos, n);
	t->pos += n;
	*got = n;
	return 0;
}

static int text_rewind(void *ctx)
{
	((struct text_src *)ctx)->pos = 0;
	return 0;
}

static int import_corpus(fcdb *db, uint64_t first, uint64_t n)
{
	corpus_buf line = { NULL, 0, 0 };
	fcdb_import_options io;
	struct text_src src;
	size_t len = 0, cap = 0;
	char *text = NULL;
	uint64_t i;
	int rc;

	for (i = first; i < first + n; i++) {
		line.len = 0;
		corpus_function(&line, tu_seed(), i, CORPUS_FUNCTION, AU_REGION,
		                AU_ACCOUNT);
		if (len + line.len + 1 > cap) {
			cap = (len + line.len + 1) * 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
		memcpy(text + len, line.data, line.len);
		len += line.len;
		text[len++] = '\n';
	}
	src.data = text;
	src.len = len;
	src.pos = 0;
	fcdb_import_options_init(&io);
	io.rewind = text_rewind;
	io.size_hint = len;
	rc = fcdb_import(db, text_read, &src, &io, NULL);
	free(text);
	corpus_buf_free(&line);
	return rc;
}

static void test_exclusive_import_on_a_small_disk(void **state)
{
	char dir[300], store[340];
	fcdb_stats st;
	tu_sandbox sb;
	fcdb *db = NULL;
	int rc;

	(void)state;
	if (geteuid() != 0) {
		print_message("limits: small tmpfs: not root, skipped\n");
		skip();
	}
	tu_sandbox_new(&sb);
	snprintf(dir, sizeof(dir), "%s/tmpfs", sb.dir);
	snprintf(store, sizeof(store), "%s/store.fcdb", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	if (mount("fcdb-stress", dir, "tmpfs", MS_NOSUID | MS_NODEV,
	          "size=4m,mode=0700") != 0) {
		print_message("limits: small tmpfs: cannot mount (%s), "
		              "skipped\n", strerror(errno));
		tu_sandbox_free(&sb);
		skip();
	}
	snprintf(mounted, sizeof(mounted), "%s", dir);
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	fcdb_close(db);
	au_ok(st_open(&db, store, FCDB_OPEN_EXCLUSIVE | FCDB_OPEN_NOSYNC, 0, 0));
	au_ok(import_corpus(db, 0, 1500));
	rc = import_corpus(db, 10000, 6000);
	if (rc != FCDB_EIO)
		fail_msg("an import past the disk: %s (%s), want IOError",
		         fcdb_error_name(rc), fcdb_error_last()->message);
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, 1500);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0));
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, 1500);
	fcdb_close(db);
	print_message("limits: 4 MiB tmpfs, exclusive: 1500 imported, 6000 "
	              "more a clean IOError (file %llu KiB)\n",
	              (unsigned long long)st.file_bytes / 1024);
	if (umount(dir) != 0)
		fail_msg("umount %s: %s", dir, strerror(errno));
	mounted[0] = '\0';
	tu_sandbox_free(&sb);
}

/* ---- stale reader slots ---- */

#define HOLDERS 12

/* An export that tells the parent it is reading, then waits forever:
   its read transaction holds a reader slot until the process dies. */
static int hold_ready_fd = -1;

static int hold_sink(void *ctx, const char *data, size_t len)
{
	int *told = ctx;

	(void)data;
	(void)len;
	if (!*told) {
		*told = 1;
		if (write(hold_ready_fd, "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	return 0;
}

static pid_t spawn_holder(const char *store, int ready)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb *db = NULL;
		int told = 0;

		st_child_signals();
		hold_ready_fd = ready;
		if (st_open(&db, store, FCDB_OPEN_READONLY, 0, 0))
			_exit(1);
		fcdb_export(db, hold_sink, &told, NULL, NULL);
		_exit(3); /* not reached */
	}
	return pid;
}

static unsigned readers_used(const char *store)
{
	fcdb_stats st;
	fcdb *db = NULL;

	au_ok(st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 16));
	au_ok(fcdb_stats_get(db, &st));
	fcdb_close(db);
	return st.readers_used;
}

static void test_killed_readers_slots_are_reclaimed(void **state)
{
	int ready[2], keep[2], i, status, rounds = st_full() ? 20 : 3, r;
	unsigned before = 0, after = 0, reclaimed = 0;
	pid_t keeper, holder[HOLDERS];
	tu_sandbox sb;
	fcdb *db = NULL;
	char c;

	(void)state;
	tu_sandbox_new(&sb);
	/* a reader table of 16 slots */
	au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 16));
	for (i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "fn-%02d", i);
		au_create(db, name, NULL);
	}
	fcdb_close(db);
	/* a process that keeps the store open throughout, so that no open
	   finds itself alone and rebuilds the reader table from scratch */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(keep), 0);
	keeper = fork();
	assert_true(keeper >= 0);
	if (keeper == 0) {
		close(keep[1]);
		st_child_signals();
		if (st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 16) ||
		    write(ready[1], "k", 1) != 1)
			_exit(1);
		if (read(keep[0], &c, 1) < 0) /* until the parent is done */
			_exit(1);
		fcdb_close(db);
		_exit(0);
	}
	close(keep[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	for (r = 0; r < rounds; r++) {
		/* twelve readers in flight, killed where they stand */
		for (i = 0; i < HOLDERS; i++)
			holder[i] = spawn_holder(sb.store, ready[1]);
		for (i = 0; i < HOLDERS; i++)
			if (read(ready[0], &c, 1) != 1)
				fail_msg("a holder did not start reading");
		before = readers_used(sb.store);
		if (before < HOLDERS)
			fail_msg("%u reader slots in use with %d readers in "
			         "flight", before, HOLDERS);
		/* in odd rounds this process already has the store open when
		   the readers die: its next open shares that environment */
		if (r % 2)
			au_ok(st_open(&db, sb.store, FCDB_OPEN_NOSYNC, 0, 16));
		for (i = 0; i < HOLDERS; i++) {
			kill(holder[i], SIGKILL);
			assert_int_equal(waitpid(holder[i], &status, 0), holder[i]);
		}
		/* the next open clears their slots */
		after = readers_used(sb.store);
		if (r % 2)
			fcdb_close(db);
		if (after >= before || after > 2)
			fail_msg("round %d: %u reader slots in use before the kill, "
			         "%u after the next open: the dead readers' slots "
			         "were not reclaimed", r + 1, before, after);
		reclaimed += before - after;
	}
	close(keep[1]);
	assert_int_equal(waitpid(keeper, &status, 0), keeper);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(ready[1]);
	print_message("limits: %d rounds of %d readers killed mid-read: %u "
	              "reader slots reclaimed by the next open (%u in use "
	              "before the last kill, %u after)\n", rounds, HOLDERS,
	              reclaimed, before, after);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiny_map_grows_without_a_failed_write),
		cmocka_unit_test(test_full_disk_is_a_clean_io_error),
		cmocka_unit_test(test_full_tmpfs_is_a_clean_io_error),
		cmocka_unit_test(test_exclusive_import_on_a_small_disk),
		cmocka_unit_test(test_killed_readers_slots_are_reclaimed),
	};

	st_banner("limits");
	return cmocka_run_group_tests_name("stress_limits", tests, NULL,
	                                   unmount_and_sweep);
}
