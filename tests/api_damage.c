/*
 * api_damage.c: damage outside the record checksums, found by the
 * corruption sweep (tests/stress/corruption.c) and kept here as exact
 * regression tests: an LMDB node header that makes a value run past the
 * end of the file, a damaged revision key in the store meta, a damaged
 * region in the store meta, a leaf page whose flags say LEAF2.
 *
 * The bytes are found by the patterns LMDB lays them out in (a leaf
 * node is a 2+2-byte data size, 2 bytes of flags, a 2-byte key size, the
 * key, then the value), in a copy of a closed store.  Reads of damaged
 * copies run in a forked child, so that a crash fails the test instead
 * of ending the suite.
 */
#include "apiutil.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define VICTIM_HANDLER "victim.handler_77d0"

static char victim_id[40]; /* of the last make_store */

/* A closed store with bystanders and "victim"; its bytes in *file. */
static void make_store(tu_sandbox *sb, au_bytes *file)
{
	const char *doc =
		"{\"functionName\":\"victim\",\"runtime\":\"python3.10\","
		"\"handler\":\"" VICTIM_HANDLER "\",\"code\":{\"zipFile\":\""
		AU_HELLO_B64 "\"}}";
	fcdb *db;

	tu_sandbox_new(sb);
	db = au_open(sb->store);
	au_create(db, "alpha", NULL);
	au_create(db, "beta", NULL);
	{
		fcdb_function *fn = NULL;

		au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
		snprintf(victim_id, sizeof(victim_id), "%s",
		         fcdb_function_id(fn));
		fcdb_function_free(fn);
	}
	au_create(db, "omega", NULL);
	fcdb_close(db);
	*file = au_read(sb->store);
}

/*
 * The offsets of the leaf nodes with key `key` followed by a value
 * starting with `value_start` (vlen bytes), at most max; fails if none.
 * Free pages keep older copies of a page: damage all of them, the live
 * one is among them.
 */
static size_t find_nodes_n(const au_bytes *file, const char *key,
                           size_t klen, const char *value_start, size_t vlen,
                           size_t *at, size_t max)
{
	size_t i, found = 0;

	for (i = 8; i + klen + vlen <= file->len && found < max; i++) {
		const unsigned char *p = (const unsigned char *)file->data + i;

		if (p[-2] == (klen & 0xff) && p[-1] == (klen >> 8) &&
		    memcmp(p, key, klen) == 0 &&
		    memcmp(p + klen, value_start, vlen) == 0)
			at[found++] = i - 8;
	}
	if (!found)
		fail_msg("no node with key \"%.*s\"", (int)klen, key);
	return found;
}

static size_t find_nodes(const au_bytes *file, const char *key,
                         const char *value_start, size_t vlen, size_t *at,
                         size_t max)
{
	return find_nodes_n(file, key, strlen(key), value_start, vlen, at, max);
}

/* Run `fn` on a handle of `path` in a child; returns its exit status, or
   fails the test if it died of a signal. */
static int in_child(const char *path, unsigned flags, int (*fn)(fcdb *db))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb_options o;
		fcdb *db = NULL;
		int rc;

		/* cmocka's handlers would resume the parent's runner here */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		fcdb_options_init(&o);
		o.flags = flags;
		if (fcdb_open(&db, path, &o)) {
			fprintf(stderr, "open: %s\n", fcdb_error_last()->message);
			_exit(80);
		}
		rc = fn(db);
		fcdb_close(db);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the reader died of signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The child's checks: 0 when all hold, else the line that failed. */
#define CHILD_EXPECT(call, want)                                             \
	do {                                                                  \
		int rc_ = (call);                                             \
		if (rc_ != (want)) {                                          \
			fprintf(stderr, "line %d: %s: %s: %s\n", __LINE__,    \
			        #call, fcdb_error_name(rc_),                  \
			        fcdb_error_last()->message);                  \
			return __LINE__ % 200 + 1;                            \
		}                                                             \
	} while (0)

static int sink(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

static int read_past_the_file(fcdb *db)
{
	fcdb_function *fn = NULL;
	fcdb_stats st;
	char *json = NULL;

	CHILD_EXPECT(fcdb_function_get(db, &fn, "victim"), FCDB_ECORRUPT);
	if (!strstr(fcdb_error_last()->message, "victim"))
		return 90;
	CHILD_EXPECT(fcdb_function_get_by_arn(db, &fn, AU_ARN_PREFIX "victim"),
	             FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_function_get_json(db, &json, NULL, "victim", 0),
	             FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_function_read_state(db, "victim", NULL, NULL, NULL),
	             FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_stats_get(db, &st), FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_export(db, sink, NULL, NULL, NULL), FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_check(db, NULL, NULL, NULL), FCDB_ECORRUPT);
	/* the other functions are not behind the damage */
	CHILD_EXPECT(fcdb_function_get(db, &fn, "alpha"), FCDB_OK);
	fcdb_function_free(fn);
	fn = NULL;
	CHILD_EXPECT(fcdb_function_get(db, &fn, "omega"), FCDB_OK);
	fcdb_function_free(fn);
	return 0;
}

/*
 * A damaged node header that makes a record's size run past the end of
 * the data file: LMDB hands the size back unchecked, and hashing that
 * many bytes used to kill the process with SIGBUS.  Now a read is
 * StoreCorrupted naming the function.
 */
static void test_value_past_the_end_of_the_file(void **state)
{
	static const unsigned char high[] = { 0x01, 0x10, 0xff };
	au_bytes file;
	tu_sandbox sb;
	size_t node[16], n, i, k;

	(void)state;
	make_store(&sb, &file);
	/* the victim's record: key "victim", then envelope version 1 */
	n = find_nodes(&file, "victim", "\x01", 1, node, 16);
	for (i = 0; i < sizeof(high); i++) {
		char *bytes = malloc(file.len);

		assert_non_null(bytes);
		memcpy(bytes, file.data, file.len);
		for (k = 0; k < n; k++) /* the size's high half */
			bytes[node[k] + 2] = (char)high[i];
		tu_write(sb.store, bytes, file.len);
		free(bytes);
		assert_int_equal(in_child(sb.store, FCDB_OPEN_READONLY,
		                          read_past_the_file), 0);
		/* and through a handle that may write */
		assert_int_equal(in_child(sb.store, FCDB_OPEN_NOSYNC,
		                          read_past_the_file), 0);
	}
	au_bytes_free(&file);
	tu_sandbox_free(&sb);
}

static int revision_lost(fcdb *db)
{
	uint64_t rev = 99, problems = 0;
	fcdb_function *fn = NULL;

	CHILD_EXPECT(fcdb_revision(db, &rev), FCDB_ECORRUPT);
	if (rev != 0)
		return 91;
	/* a write would restart the revisions: it is refused */
	CHILD_EXPECT(fcdb_function_set_state(db, NULL, "alpha",
	                                     FCDB_STATE_ACTIVE, NULL, NULL,
	                                     NULL), FCDB_ECORRUPT);
	CHILD_EXPECT(fcdb_check(db, NULL, NULL, &problems), FCDB_ECORRUPT);
	if (problems == 0)
		return 92;
	/* records still read, with their own revisions */
	CHILD_EXPECT(fcdb_function_get(db, &fn, "omega"), FCDB_OK);
	if (fcdb_function_revision(fn) != 4)
		return 93;
	fcdb_function_free(fn);
	return 0;
}

/*
 * The store revision's key in the meta database, damaged: the revision
 * used to read as 0 (a store that never changed) and the next write
 * restarted the count at 1, so an old expected revision could match
 * again.  Now it is StoreCorrupted and writes are refused.
 */
static void test_damaged_revision_key(void **state)
{
	au_bytes file;
	tu_sandbox sb;
	size_t node[16], n, k;

	(void)state;
	make_store(&sb, &file);
	n = find_nodes(&file, "revision", "\0\0\0\0\0\0\0\x04", 8, node, 16);
	for (k = 0; k < n; k++) /* "revision" -> "rewision" */
		file.data[node[k] + 8 + 2] ^= 0x01;
	tu_write(sb.store, file.data, file.len);
	assert_int_equal(in_child(sb.store, FCDB_OPEN_NOSYNC, revision_lost),
	                 0);
	au_bytes_free(&file);
	tu_sandbox_free(&sb);
}

/*
 * The region in the store meta, damaged into another valid region
 * (cn-shanghai -> cn-shanghbi).  Every ARN derives from it, so a store
 * that opened with it would hand out wrong ARNs for every function.
 * Meta values carry a checksum: the store refuses to open, read-only or
 * not, naming the region.  (Before they did, it opened and only check
 * could tell.)
 */
static void test_damaged_region(void **state)
{
	static const unsigned modes[] = { FCDB_OPEN_READONLY,
	                                  FCDB_OPEN_NOSYNC };
	au_bytes file;
	tu_sandbox sb;
	size_t node[16], n, k;

	(void)state;
	make_store(&sb, &file);
	n = find_nodes(&file, "region", AU_REGION, strlen(AU_REGION), node, 16);
	for (k = 0; k < n; k++)
		file.data[node[k] + 8 + 6 + 9] ^= 0x03;
	tu_write(sb.store, file.data, file.len);
	for (k = 0; k < 2; k++) {
		fcdb_options o;
		fcdb *db = NULL;

		fcdb_options_init(&o);
		o.flags = modes[k];
		assert_int_equal(fcdb_open(&db, sb.store, &o), FCDB_ECORRUPT);
		assert_null(db);
		assert_non_null(strstr(fcdb_error_last()->message, "region"));
	}
	/* nothing was written: the file is the damaged copy still */
	au_assert_file_is(sb.store, &file);
	au_bytes_free(&file);
	tu_sandbox_free(&sb);
}

/* Paint the stack below this frame, so that memory a callee reads
   without setting holds a wild pointer rather than a lucky leftover. */
static __attribute__((noinline)) void paint_stack(void)
{
	volatile unsigned char junk[32768];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

static int leaf2_page(fcdb *db)
{
	fcdb_function *fn = NULL;
	uint64_t problems = 0;
	int rc;

	/* whatever LMDB makes of the page, a clean error or the function */
	paint_stack();
	rc = fcdb_function_get_by_id(db, &fn, victim_id);
	fcdb_function_free(fn);
	fn = NULL;
	if (rc != FCDB_OK && rc != FCDB_ECORRUPT && rc != FCDB_ENOTFOUND)
		return 96;
	paint_stack();
	CHILD_EXPECT(fcdb_check(db, NULL, NULL, &problems), FCDB_ECORRUPT);
	/* named as what it is, not read as some earlier entry's value */
	if (!strstr(fcdb_error_last()->message, "did not fill in"))
		return 97;
	/* the functions themselves are not behind the damage */
	CHILD_EXPECT(fcdb_function_get(db, &fn, "victim"), FCDB_OK);
	fcdb_function_free(fn);
	return 0;
}

/*
 * A by_id leaf page whose flags say LEAF2 (fixed-size keys with no
 * data, for MDB_DUPFIXED databases): LMDB's cursors and mdb_get then
 * return success without filling in the value, and fcdb used whatever
 * the stack held as a pointer (SIGSEGV in check).  A value LMDB leaves
 * unset is now StoreCorrupted.
 */
static void test_leaf_page_taken_for_leaf2(void **state)
{
	fcdb_stats st;
	au_bytes file;
	tu_sandbox sb;
	size_t node[16], n, k, psize;
	fcdb *db;

	(void)state;
	make_store(&sb, &file);
	db = au_open_flags(sb.store, FCDB_OPEN_READONLY);
	au_ok(fcdb_stats_get(db, &st));
	fcdb_close(db);
	psize = (size_t)st.page_size;
	{
		/* the by_id key of a lower-case UUID is its 16 bytes */
		char key[17];

		au_uuid_bytes(victim_id, (unsigned char *)key);
		key[16] = '\0';
		n = find_nodes_n(&file, key, 16, "victim", 6, node, 16);
	}
	for (k = 0; k < n; k++) /* P_LEAF2 in the page's flags */
		file.data[node[k] / psize * psize + 10] |= 0x20;
	tu_write(sb.store, file.data, file.len);
	assert_int_equal(in_child(sb.store, FCDB_OPEN_READONLY, leaf2_page), 0);
	au_bytes_free(&file);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_past_the_end_of_the_file),
		cmocka_unit_test(test_damaged_revision_key),
		cmocka_unit_test(test_damaged_region),
		cmocka_unit_test(test_leaf_page_taken_for_leaf2),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_damage", tests, NULL, au_sweep);
}
