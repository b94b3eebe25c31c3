/* unit_store.c: LMDB environment, transactions, growth, adoption (store.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fcdb.h"
#include "store.h"

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

struct kv {
	const char *key;
	const char *val;
	size_t vlen;
	int rc;
};

static int put_body(fcdb__txn *t, void *arg)
{
	struct kv *kv = arg;

	return fcdb__txn_put(t, FCDB__DB_FUNCTIONS, kv->key, strlen(kv->key),
	                     kv->val, kv->vlen ? kv->vlen : strlen(kv->val), 0);
}

static int get_val(fcdb__store *s, const char *key, char *out, size_t cap)
{
	fcdb__txn *t;
	fcdb__val v;
	int rc;

	assert_int_equal(fcdb__store_read_begin(s, &t), 0);
	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, key, strlen(key), &v);
	if (rc == 0) {
		assert_true(v.len < cap);
		memcpy(out, v.data, v.len);
		out[v.len] = '\0';
	}
	fcdb__store_read_end(s, t);
	return rc;
}

static void test_put_get_delete(void **state)
{
	fcdb__store *s;
	struct kv kv = { "alpha", "one", 0, 0 };
	char buf[64];
	struct stat st;

	(void)state;
	assert_int_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	assert_int_equal(get_val(s, "alpha", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "one");
	assert_int_equal(get_val(s, "beta", buf, sizeof(buf)), FCDB_ENOTFOUND);
	assert_int_equal(get_val(s, "", buf, sizeof(buf)), FCDB_ENOTFOUND);
	fcdb__store_close(s);
	/* files are private */
	assert_int_equal(stat(sb.store, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	{
		char lock[400];
		snprintf(lock, sizeof(lock), "%s-lock", sb.store);
		assert_int_equal(stat(lock, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

static int nochange_body(fcdb__txn *t, void *arg)
{
	(void)arg;
	fcdb__txn_put(t, FCDB__DB_FUNCTIONS, "ghost", 5, "x", 1, 0);
	return FCDB__NOCHANGE;
}

static int fail_body(fcdb__txn *t, void *arg)
{
	(void)arg;
	fcdb__txn_put(t, FCDB__DB_FUNCTIONS, "ghost", 5, "x", 1, 0);
	return fcdb__error_set(FCDB_EINVAL, "x", 0, "refused");
}

static void test_bodies_that_do_not_commit(void **state)
{
	fcdb__store *s;
	char buf[8];

	(void)state;
	assert_int_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	assert_int_equal(fcdb__store_write(s, nochange_body, NULL), 0);
	assert_int_equal(get_val(s, "ghost", buf, sizeof(buf)), FCDB_ENOTFOUND);
	assert_int_equal(fcdb__store_write(s, fail_body, NULL), FCDB_EINVAL);
	assert_int_equal(get_val(s, "ghost", buf, sizeof(buf)), FCDB_ENOTFOUND);
	fcdb__store_close(s);
}

static void test_readonly(void **state)
{
	fcdb__store *s;
	struct kv kv = { "a", "b", 0, 0 };
	char buf[8];

	(void)state;
	assert_int_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	fcdb__store_close(s);
	assert_int_equal(fcdb__store_open(&s, sb.store, FCDB__STORE_READONLY, 0, 0), 0);
	assert_int_equal(get_val(s, "a", buf, sizeof(buf)), 0);
	assert_int_equal(fcdb__store_write(s, put_body, &kv), FCDB_EMISUSE);
	fcdb__store_close(s);
}

static void test_not_a_store(void **state)
{
	fcdb__store *s = (fcdb__store *)1;

	(void)state;
	tu_write(sb.store, "this is not LMDB, just some text of a file ....."
	         "...............................................................",
	         112);
	assert_int_not_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	assert_null(s);
	assert_true(fcdb_error_last()->code == FCDB_ECORRUPT ||
	            fcdb_error_last()->code == FCDB_EIO);
}

/* A map of 64 KiB must grow, by itself, to hold a few megabytes. */
static void test_map_grows(void **state)
{
	static char val[1500];
	fcdb__store *s;
	char key[32], buf[2000];
	uint64_t before;

	(void)state;
	memset(val, 'v', sizeof(val));
	assert_int_equal(fcdb__store_open(&s, sb.store, FCDB__STORE_NOSYNC, 64 * 1024, 0), 0);
	before = fcdb__store_map_size(s);
	for (int i = 0; i < 3000; i++) {
		struct kv kv = { key, val, sizeof(val), 0 };

		snprintf(key, sizeof(key), "key-%05d", i);
		assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	}
	assert_true(fcdb__store_map_size(s) > before);
	for (int i = 0; i < 3000; i += 111) {
		snprintf(key, sizeof(key), "key-%05d", i);
		assert_int_equal(get_val(s, key, buf, sizeof(buf)), 0);
		assert_int_equal(strlen(buf), sizeof(val));
	}
	print_message("map grew from %llu to %llu bytes\n",
	              (unsigned long long)before,
	              (unsigned long long)fcdb__store_map_size(s));
	fcdb__store_close(s);
}

static void test_cursor_order(void **state)
{
	static const char *const keys[] = { "b", "a", "ab", "B", "c" };
	static const char *const want[] = { "B", "a", "ab", "b", "c" };
	fcdb__store *s;
	fcdb__cursor *c;
	fcdb__txn *t;
	fcdb__val k, v;
	int i, rc;

	(void)state;
	assert_int_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	for (i = 0; i < 5; i++) {
		struct kv kv = { keys[i], "x", 0, 0 };
		assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	}
	assert_int_equal(fcdb__store_read_begin(s, &t), 0);
	assert_int_equal(fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &c), 0);
	for (i = 0, rc = fcdb__cursor_seek(c, NULL, 0, &k, &v); rc == 0;
	     rc = fcdb__cursor_next(c, &k, &v), i++) {
		assert_int_equal(k.len, strlen(want[i]));
		assert_memory_equal(k.data, want[i], k.len);
	}
	assert_int_equal(rc, FCDB_ENOTFOUND);
	assert_int_equal(i, 5);
	assert_int_equal(fcdb__cursor_seek(c, "aa", 2, &k, &v), 0);
	assert_memory_equal(k.data, "ab", 2);
	assert_int_equal(fcdb__cursor_seek(c, "d", 1, &k, &v), FCDB_ENOTFOUND);
	fcdb__cursor_close(c);
	fcdb__store_read_end(s, t);
	fcdb__store_close(s);
}

/* Read transactions are reused: thousands of reads, few reader slots. */
static void test_read_txns_reused(void **state)
{
	fcdb__store *s;
	fcdb__store_stat st;
	fcdb__txn *t, *held[10];
	struct kv kv = { "k", "v", 0, 0 };
	char buf[8];

	(void)state;
	assert_int_equal(fcdb__store_open(&s, sb.store, 0, 0, 0), 0);
	assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(get_val(s, "k", buf, sizeof(buf)), 0);
	/* ten at once, then all back */
	for (int i = 0; i < 10; i++)
		assert_int_equal(fcdb__store_read_begin(s, &held[i]), 0);
	for (int i = 0; i < 10; i++)
		fcdb__store_read_end(s, held[i]);
	assert_int_equal(fcdb__store_read_begin(s, &t), 0);
	assert_int_equal(fcdb__store_stat_get(s, t, &st), 0);
	fcdb__store_read_end(s, t);
	assert_true(st.readers_used <= 11);
	assert_int_equal(st.db[FCDB__DB_FUNCTIONS].entries, 1);
	fcdb__store_close(s);
}

/*
 * Another process grows the map far past ours; our next read and write
 * must adopt the new size (MDB_MAP_RESIZED) instead of failing.
 */
static void test_adopts_map_grown_elsewhere(void **state)
{
	static char val[1500];
	fcdb__store *s;
	char buf[2000];
	pid_t pid;
	int status;

	(void)state;
	memset(val, 'w', sizeof(val));
	assert_int_equal(fcdb__store_open(&s, sb.store, FCDB__STORE_NOSYNC, 64 * 1024, 0), 0);
	{
		struct kv kv = { "first", "1", 0, 0 };
		assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb__store *c;
		char key[32];

		if (fcdb__store_open(&c, sb.store, FCDB__STORE_NOSYNC, 64 * 1024, 0))
			_exit(2);
		for (int i = 0; i < 4000; i++) {
			struct kv kv = { key, val, sizeof(val), 0 };
			snprintf(key, sizeof(key), "child-%05d", i);
			if (fcdb__store_write(c, put_body, &kv))
				_exit(3);
		}
		fcdb__store_close(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(get_val(s, "child-03999", buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), sizeof(val));
	{
		struct kv kv = { "after", "2", 0, 0 };
		assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	}
	assert_int_equal(get_val(s, "after", buf, sizeof(buf)), 0);
	fcdb__store_close(s);
}

/* A data file cut short is refused at open, never mapped past its end
   (which would be SIGBUS on the first read of a missing page). */
static void test_truncated_file_refused(void **state)
{
	static char val[1500];
	fcdb__store *s = NULL;
	char cut[400], lock[420], *data;
	size_t len;

	(void)state;
	memset(val, 't', sizeof(val));
	assert_int_equal(fcdb__store_open(&s, sb.store, FCDB__STORE_NOSYNC, 0, 0), 0);
	for (int i = 0; i < 50; i++) {
		char key[16];
		struct kv kv = { key, val, sizeof(val), 0 };
		snprintf(key, sizeof(key), "k%02d", i);
		assert_int_equal(fcdb__store_write(s, put_body, &kv), 0);
	}
	fcdb__store_close(s);
	data = tu_slurp(sb.store, &len);
	assert_true(len > 16384);
	snprintf(cut, sizeof(cut), "%s/cut.fcdb", sb.dir);
	tu_write(cut, data, 12288);
	free(data);
	s = NULL;
	assert_int_equal(fcdb__store_open(&s, cut, FCDB__STORE_READONLY, 0, 0),
	                 FCDB_ECORRUPT);
	assert_null(s);
	assert_non_null(strstr(fcdb_error_last()->message, "truncated"));
	assert_int_equal(fcdb__store_open(&s, cut, 0, 0, 0), FCDB_ECORRUPT);
	snprintf(lock, sizeof(lock), "%s-lock", cut);
	assert_int_not_equal(access(lock, F_OK), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_get_delete),
		T(test_bodies_that_do_not_commit),
		T(test_readonly),
		T(test_not_a_store),
		T(test_map_grows),
		T(test_cursor_order),
		T(test_read_txns_reused),
		T(test_adopts_map_grown_elsewhere),
		T(test_truncated_file_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
