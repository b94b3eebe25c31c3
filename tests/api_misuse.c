/*
 * api_misuse.c: what the library does when it is called wrongly: NULL
 * handles and outputs, NULL frees, option versions, read-only handles,
 * missing and mismatched stores, the per-thread last error, error names,
 * and the mode of the files it creates.
 */
#include "apiutil.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	return au_open(sb->store);
}

/* `call` must return EMISUSE and leave the last error saying so. */
#define misuse(call)                                                         \
	do {                                                                  \
		au_expect(call, FCDB_EMISUSE);                                \
		assert_int_equal(fcdb_error_last()->code, FCDB_EMISUSE);      \
		assert_true(fcdb_error_last()->message[0] != '\0');           \
	} while (0)

static void test_null_handle(void **state)
{
	const char *doc = "{}";
	fcdb_function *fn = (fcdb_function *)&fn;
	fcdb_list *list = (fcdb_list *)&list;
	char *json = (char *)&json;
	size_t len = 99;
	uint64_t rev = 99, problems = 99;
	fcdb_state st = FCDB_STATE_ACTIVE;
	fcdb_update_status us = FCDB_UPDATE_FAILED;
	fcdb_stats stats;

	(void)state;
	misuse(fcdb_revision(NULL, &rev));
	assert_int_equal(rev, 0);
	misuse(fcdb_function_create(NULL, &fn, doc, 2, NULL));
	assert_null(fn);
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_update(NULL, &fn, "x", doc, 2, NULL));
	assert_null(fn);
	misuse(fcdb_function_delete(NULL, "x", NULL));
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_get(NULL, &fn, "x"));
	assert_null(fn);
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_get_by_arn(NULL, &fn, AU_ARN_PREFIX "x"));
	assert_null(fn);
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_get_by_id(NULL, &fn,
	                               "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3"));
	assert_null(fn);
	misuse(fcdb_function_get_json(NULL, &json, &len, "x", 0));
	assert_null(json);
	assert_int_equal(len, 0);
	misuse(fcdb_function_read_state(NULL, "x", &st, &us, &rev));
	assert_int_equal(st, FCDB_STATE_NONE);
	assert_int_equal(us, FCDB_UPDATE_NONE);
	assert_int_equal(rev, 0);
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_set_state(NULL, &fn, "x", FCDB_STATE_ACTIVE, NULL,
	                               NULL, NULL));
	assert_null(fn);
	fn = (fcdb_function *)&fn;
	misuse(fcdb_function_set_update_status(NULL, &fn, "x",
	       FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL));
	assert_null(fn);
	misuse(fcdb_function_list(NULL, &list, NULL));
	assert_null(list);
	memset(&stats, 0xa5, sizeof(stats));
	misuse(fcdb_stats_get(NULL, &stats));
	assert_int_equal(stats.functions, 0);
	misuse(fcdb_check(NULL, NULL, NULL, &problems));
	assert_int_equal(problems, 0);
	misuse(fcdb_backup(NULL, "/tmp/never-written.fcdb"));
	assert_int_equal(access("/tmp/never-written.fcdb", F_OK), -1);

	/* accessors take NULL and say nothing */
	assert_null(fcdb_region(NULL));
	assert_null(fcdb_account_id(NULL));
	assert_null(fcdb_function_name(NULL));
	assert_null(fcdb_function_arn(NULL));
	assert_null(fcdb_function_id(NULL));
	assert_null(fcdb_function_runtime(NULL));
	assert_null(fcdb_function_handler(NULL));
	assert_null(fcdb_function_description(NULL));
	assert_int_equal(fcdb_function_state(NULL), FCDB_STATE_NONE);
	assert_null(fcdb_function_state_reason_code(NULL));
	assert_null(fcdb_function_state_reason(NULL));
	assert_int_equal(fcdb_function_update_status(NULL), FCDB_UPDATE_NONE);
	assert_null(fcdb_function_update_status_reason_code(NULL));
	assert_null(fcdb_function_update_status_reason(NULL));
	assert_int_equal(fcdb_function_revision(NULL), 0);
	assert_int_equal(fcdb_function_memory_size(NULL), 0);
	assert_true(fcdb_function_cpu(NULL) == 0.0);
	assert_int_equal(fcdb_function_timeout(NULL), 0);
	assert_int_equal(fcdb_function_disk_size(NULL), 0);
	assert_int_equal(fcdb_function_instance_concurrency(NULL), 0);
	assert_null(fcdb_function_code_checksum(NULL));
	assert_int_equal(fcdb_function_code_size(NULL), 0);
	assert_false(fcdb_function_has_code_size(NULL));
	assert_null(fcdb_function_created_time(NULL));
	assert_null(fcdb_function_last_modified_time(NULL));
	assert_int_equal(fcdb_list_count(NULL), 0);
	assert_null(fcdb_list_at(NULL, 0));
	assert_null(fcdb_list_next_token(NULL));
}

static void test_null_arguments(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = au_create_fn(db, "real", NULL), *out;
	char *json = (char *)&json;
	fcdb_list *list;
	size_t len = 7;
	au_bytes before;

	(void)state;
	before = au_read(sb.store);
	/* NULL outputs */
	misuse(fcdb_open(NULL, sb.store, NULL));
	misuse(fcdb_revision(db, NULL));
	misuse(fcdb_function_get(db, NULL, "real"));
	misuse(fcdb_function_get_by_arn(db, NULL, AU_ARN_PREFIX "real"));
	misuse(fcdb_function_get_by_id(db, NULL, fcdb_function_id(fn)));
	misuse(fcdb_function_get_json(db, NULL, &len, "real", 0));
	assert_int_equal(len, 0);
	misuse(fcdb_function_list(db, NULL, NULL));
	misuse(fcdb_stats_get(db, NULL));
	misuse(fcdb_function_json(NULL, &len, fn, 0));
	misuse(fcdb_function_json(&json, &len, NULL, 0));
	assert_null(json);
	/* NULL inputs */
	{
		fcdb *other = (fcdb *)&other;

		misuse(fcdb_open(&other, NULL, NULL));
		assert_null(other);
	}
	out = (fcdb_function *)&out;
	misuse(fcdb_function_create(db, &out, NULL, 10, NULL));
	assert_null(out);
	out = (fcdb_function *)&out;
	misuse(fcdb_function_update(db, &out, NULL, "{}", 2, NULL));
	assert_null(out);
	misuse(fcdb_function_update(db, NULL, "real", NULL, 2, NULL));
	misuse(fcdb_function_delete(db, NULL, NULL));
	out = (fcdb_function *)&out;
	misuse(fcdb_function_get(db, &out, NULL));
	assert_null(out);
	out = (fcdb_function *)&out;
	misuse(fcdb_function_get_by_arn(db, &out, NULL));
	assert_null(out);
	out = (fcdb_function *)&out;
	misuse(fcdb_function_get_by_id(db, &out, NULL));
	assert_null(out);
	misuse(fcdb_function_get_json(db, &json, NULL, NULL, 0));
	misuse(fcdb_function_read_state(db, NULL, NULL, NULL, NULL));
	misuse(fcdb_function_set_state(db, NULL, NULL, FCDB_STATE_ACTIVE, NULL,
	                               NULL, NULL));
	misuse(fcdb_function_set_update_status(db, NULL, NULL,
	       FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL));
	misuse(fcdb_backup(db, NULL));
	misuse(fcdb_backup(db, ""));
	/* code_len without code */
	{
		fcdb_write_options wo;
		char *doc = au_doc("no-bytes", NULL);

		fcdb_write_options_init(&wo);
		wo.code_len = 10;
		misuse(fcdb_function_create(db, NULL, doc, strlen(doc), &wo));
		free(doc);
	}
	au_assert_file_is(sb.store, &before);

	/* the handle still works after all that */
	list = NULL;
	au_ok(fcdb_function_list(db, &list, NULL));
	assert_int_equal(fcdb_list_count(list), 1);
	fcdb_list_free(list);
	/* read_state with every output NULL is a plain existence check */
	au_ok(fcdb_function_read_state(db, "real", NULL, NULL, NULL));
	/* create and set_state without out */
	au_ok(fcdb_function_set_state(db, NULL, "real", FCDB_STATE_ACTIVE,
	                              NULL, NULL, NULL));
	au_bytes_free(&before);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_free_null(void **state)
{
	(void)state;
	fcdb_function_free(NULL);
	fcdb_json_free(NULL);
	fcdb_list_free(NULL);
	fcdb_close(NULL);
	fcdb_options_init(NULL);
	fcdb_write_options_init(NULL);
	fcdb_list_options_init(NULL);
}

static void test_option_versions(void **state)
{
	fcdb_options o;
	fcdb_write_options wo;
	fcdb_list_options lo;
	tu_sandbox sb;
	fcdb *db = (fcdb *)&db;
	fcdb_list *list;
	char *doc;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	assert_int_equal(o.version, FCDB_OPTIONS_VERSION);
	o.version = 0;
	misuse(fcdb_open(&db, sb.store, &o));
	assert_null(db);
	/* nothing was created */
	assert_int_equal(access(sb.store, F_OK), -1);
	o.version = FCDB_OPTIONS_VERSION + 1;
	misuse(fcdb_open(&db, sb.store, &o));
	assert_int_equal(access(sb.store, F_OK), -1);

	db = au_open(sb.store);
	doc = au_doc("versioned", NULL);
	fcdb_write_options_init(&wo);
	assert_int_equal(wo.version, FCDB_WRITE_OPTIONS_VERSION);
	wo.version = 0;
	misuse(fcdb_function_create(db, NULL, doc, strlen(doc), &wo));
	misuse(fcdb_function_delete(db, "versioned", &wo));
	misuse(fcdb_function_update(db, NULL, "versioned", "{}", 2, &wo));
	misuse(fcdb_function_set_state(db, NULL, "versioned", FCDB_STATE_ACTIVE,
	                               NULL, NULL, &wo));
	wo.version = FCDB_WRITE_OPTIONS_VERSION + 1;
	misuse(fcdb_function_create(db, NULL, doc, strlen(doc), &wo));
	/* unknown flags are misuse too */
	fcdb_write_options_init(&wo);
	wo.flags = 0x80;
	misuse(fcdb_function_create(db, NULL, doc, strlen(doc), &wo));
	assert_int_equal(au_revision(db), 0);

	fcdb_list_options_init(&lo);
	assert_int_equal(lo.version, FCDB_LIST_OPTIONS_VERSION);
	lo.version = 0;
	list = (fcdb_list *)&list;
	misuse(fcdb_function_list(db, &list, &lo));
	assert_null(list);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- read-only handles ---- */

static void test_readonly_refuses_writes(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb), *ro;
	char *doc = au_doc("new-one", NULL);
	fcdb_function *fn = NULL;
	au_bytes before;
	int rc;

	(void)state;
	au_create(db, "existing", NULL);
	fcdb_close(db);
	before = au_read(sb.store);
	ro = au_open_flags(sb.store, FCDB_OPEN_READONLY);

	/* reads work */
	au_ok(fcdb_function_get(ro, &fn, "existing"));
	fcdb_function_free(fn);
	fn = (fcdb_function *)&fn;
	assert_int_equal(au_revision(ro), 1);

	/* every write is refused, as misuse, with nothing written */
	rc = fcdb_function_create(ro, &fn, doc, strlen(doc), NULL);
	assert_int_equal(rc, FCDB_EMISUSE);
	assert_null(fn);
	au_expect(fcdb_function_update(ro, NULL, "existing", "{\"timeout\":4}",
	                               13, NULL), FCDB_EMISUSE);
	au_expect(fcdb_function_delete(ro, "existing", NULL), FCDB_EMISUSE);
	au_expect(fcdb_function_set_state(ro, NULL, "existing",
	                                  FCDB_STATE_ACTIVE, NULL, NULL, NULL),
	          FCDB_EMISUSE);
	au_expect(fcdb_function_set_update_status(ro, NULL, "existing",
	          FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL), FCDB_EMISUSE);
	au_message_has("read-only");
	assert_int_equal(au_revision(ro), 1);
	au_ok(fcdb_check(ro, NULL, NULL, NULL));
	fcdb_close(ro);
	au_assert_file_is(sb.store, &before);

	/* a writer can still work on it afterwards */
	db = au_open(sb.store);
	au_ok(fcdb_function_create(db, NULL, doc, strlen(doc), NULL));
	fcdb_close(db);
	au_bytes_free(&before);
	free(doc);
	tu_sandbox_free(&sb);
}

/* A read-only handle in another process sees a writer's changes (one
   store is opened once per process; see api_threads for twice). */
static void test_readonly_beside_writer(void **state)
{
	int to_child[2], to_parent[2], status;
	tu_sandbox sb;
	fcdb *db;
	pid_t pid;
	char c;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create(db, "first", NULL);
	fcdb_close(db); /* never fork with an open handle */
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb_options o;
		fcdb_function *fn = NULL;
		fcdb *ro = NULL;
		uint64_t rev = 0;
		int rc = 1;

		close(to_child[1]);
		close(to_parent[0]);
		fcdb_options_init(&o);
		o.flags = FCDB_OPEN_READONLY;
		if (fcdb_open(&ro, sb.store, &o) == 0 &&
		    fcdb_function_get(ro, &fn, "first") == 0 &&
		    write(to_parent[1], "r", 1) == 1 &&
		    read(to_child[0], &c, 1) == 1) {
			fcdb_function_free(fn);
			fn = NULL;
			if (fcdb_function_get(ro, &fn, "second") == 0 &&
			    fcdb_revision(ro, &rev) == 0 && rev == 2 &&
			    fcdb_function_delete(ro, "first", NULL) == FCDB_EMISUSE)
				rc = 0;
		}
		if (rc)
			fprintf(stderr, "read-only child: %s\n",
			        fcdb_error_last()->message);
		fcdb_function_free(fn);
		fcdb_close(ro);
		_exit(rc);
	}
	close(to_child[0]);
	close(to_parent[1]);
	/* the reader is open; now write beside it */
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	db = au_open(sb.store);
	au_create(db, "second", NULL);
	fcdb_close(db);
	assert_int_equal(write(to_child[1], "w", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(to_child[1]);
	close(to_parent[0]);
	tu_sandbox_free(&sb);
}

/* ---- opening ---- */

static void test_open_missing(void **state)
{
	fcdb_options o;
	tu_sandbox sb;
	fcdb *db = (fcdb *)&db;
	char lock[320];

	(void)state;
	tu_sandbox_new(&sb);
	snprintf(lock, sizeof(lock), "%s-lock", sb.store);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_READONLY;
	au_expect(fcdb_open(&db, sb.store, &o), FCDB_EIO);
	assert_null(db);
	assert_true(fcdb_error_last()->message[0] != '\0');
	assert_int_equal(access(sb.store, F_OK), -1);
	assert_int_equal(access(lock, F_OK), -1);
	o.flags = FCDB_OPEN_NOCREATE;
	db = (fcdb *)&db;
	au_expect(fcdb_open(&db, sb.store, &o), FCDB_EIO);
	assert_null(db);
	assert_int_equal(access(sb.store, F_OK), -1);

	/* a directory is not a store */
	au_expect(fcdb_open(&db, sb.dir, NULL), FCDB_EIO);
	/* nor is a path under a missing directory creatable */
	{
		char deep[400];

		snprintf(deep, sizeof(deep), "%s/no/such/dir/s.fcdb", sb.dir);
		au_expect(fcdb_open(&db, deep, NULL), FCDB_EIO);
		assert_null(db);
	}
	misuse(fcdb_open(&db, "", NULL));
	tu_sandbox_free(&sb);
}

/* A file that is not a store is refused and left alone. */
static void test_open_not_a_store(void **state)
{
	char junk[16384];
	tu_sandbox sb;
	fcdb *db = (fcdb *)&db;
	au_bytes before;
	size_t i;
	int rc;

	(void)state;
	tu_sandbox_new(&sb);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)("fcdb is not this"[i % 16] ^ (i >> 4));
	tu_write(sb.store, junk, sizeof(junk));
	before = au_read(sb.store);
	rc = fcdb_open(&db, sb.store, NULL);
	if (rc != FCDB_EIO && rc != FCDB_ECORRUPT)
		fail_msg("opening junk returned %d %s", rc, fcdb_error_name(rc));
	assert_null(db);
	au_assert_file_is(sb.store, &before);
	au_bytes_free(&before);
	tu_sandbox_free(&sb);
}

static void test_open_region_mismatch(void **state)
{
	fcdb_options o;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb), *again = (fcdb *)&again;
	au_bytes before;

	(void)state;
	au_create(db, "placed", NULL);
	fcdb_close(db);
	before = au_read(sb.store);

	fcdb_options_init(&o);
	o.region = "cn-beijing";
	au_expect(fcdb_open(&again, sb.store, &o), FCDB_EINVAL);
	au_field("region");
	au_message_has("cn-beijing");
	au_message_has(AU_REGION);
	assert_null(again);

	fcdb_options_init(&o);
	o.account_id = "999";
	au_expect(fcdb_open(&again, sb.store, &o), FCDB_EINVAL);
	au_field("accountId");
	assert_null(again);

	/* malformed values are refused before anything is opened */
	fcdb_options_init(&o);
	o.region = "CN_Hangzhou";
	au_expect(fcdb_open(&again, sb.store, &o), FCDB_EINVAL);
	au_field("region");
	fcdb_options_init(&o);
	o.account_id = "12ab";
	au_expect(fcdb_open(&again, sb.store, &o), FCDB_EINVAL);
	au_field("accountId");
	au_assert_file_is(sb.store, &before);

	/* NULL means "whatever the store has" */
	fcdb_options_init(&o);
	au_ok(fcdb_open(&again, sb.store, &o));
	assert_string_equal(fcdb_region(again), AU_REGION);
	assert_string_equal(fcdb_account_id(again), AU_ACCOUNT);
	fcdb_close(again);
	au_ok(fcdb_open(&again, sb.store, NULL));
	assert_string_equal(fcdb_region(again), AU_REGION);
	fcdb_close(again);
	/* the matching pair is fine */
	again = au_open(sb.store);
	fcdb_close(again);
	au_bytes_free(&before);
	tu_sandbox_free(&sb);
}

static void assert_mode_0600(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != 0600)
		fail_msg("%s has mode %04o, want 0600", path,
		         (unsigned)(st.st_mode & 07777));
}

static void test_file_modes(void **state)
{
	char lock[320], backup[320];
	tu_sandbox sb;
	mode_t old = umask(0); /* the library must not rely on the umask */
	fcdb *db;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create(db, "secretive", NULL);
	snprintf(lock, sizeof(lock), "%s-lock", sb.store);
	snprintf(backup, sizeof(backup), "%s/backup.fcdb", sb.dir);
	au_ok(fcdb_backup(db, backup));
	fcdb_close(db);
	umask(old);
	assert_mode_0600(sb.store);
	assert_mode_0600(lock);
	assert_mode_0600(backup);
	tu_sandbox_free(&sb);
}

/* ---- errors ---- */

static void test_error_names(void **state)
{
	static const struct {
		int code;
		const char *name;
	} codes[] = {
		{ FCDB_OK, "OK" },
		{ FCDB_EINVAL, "InvalidArgument" },
		{ FCDB_ENOTFOUND, "FunctionNotFound" },
		{ FCDB_EEXISTS, "FunctionAlreadyExists" },
		{ FCDB_EPRECONDITION, "PreconditionFailed" },
		{ FCDB_ECONCURRENT, "ConcurrentUpdateError" },
		{ FCDB_ETRANSITION, "InvalidStateTransition" },
		{ FCDB_ECORRUPT, "StoreCorrupted" },
		{ FCDB_EIO, "IOError" },
		{ FCDB_ENOMEM, "OutOfMemory" },
		{ FCDB_EMISUSE, "Misuse" },
		{ FCDB_EINTERNAL, "InternalError" },
		{ FCDB_EBUSY, "Busy" },
	};
	size_t i, j;

	(void)state;
	/* the numbers are part of the ABI */
	assert_int_equal(FCDB_EINVAL, -1);
	assert_int_equal(FCDB_EINTERNAL, -11);
	assert_int_equal(FCDB_EBUSY, -12);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = fcdb_strerror(codes[i].code);

		assert_string_equal(fcdb_error_name(codes[i].code), codes[i].name);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		/* static: the same pointer every time */
		assert_ptr_equal(s, fcdb_strerror(codes[i].code));
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, fcdb_strerror(codes[j].code));
	}
	/* codes nobody defined yet still get a string */
	assert_non_null(fcdb_strerror(-12));
	assert_non_null(fcdb_strerror(1));
	assert_non_null(fcdb_strerror(-1000000));
	assert_non_null(fcdb_error_name(-12));
	assert_non_null(fcdb_error_name(42));
	assert_string_equal(fcdb_version(), FCDB_VERSION_STRING);
}

/* The last error before any failure is empty, and a success leaves the
   previous failure in place. */
static void *fresh_thread(void *arg)
{
	const fcdb_error *e = fcdb_error_last();
	int *ok = arg;

	*ok = e && e->code == 0 && e->message && e->message[0] == '\0' &&
	      e->field && e->field[0] == '\0' && e->backend == 0;
	return NULL;
}

static void test_error_last_initial_and_sticky(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	pthread_t t;
	int ok = 0;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, fresh_thread, &ok), 0);
	pthread_join(t, NULL);
	assert_true(ok);

	au_expect(fcdb_function_get(db, &(fcdb_function *){ NULL }, "none"),
	          FCDB_ENOTFOUND);
	au_create(db, "some", NULL);
	assert_int_equal(fcdb_error_last()->code, FCDB_ENOTFOUND);
	au_message_has("none");
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

struct racer {
	fcdb *db;
	pthread_barrier_t *gate;
	int which;
	int code;
	char message[1024];
	char field[256];
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	const fcdb_error *e;
	int i;

	for (i = 0; i < 200; i++) {
		if (r->which == 0) {
			fcdb_function *fn = NULL;

			r->rc = fcdb_function_get(r->db, &fn, "missing-one");
		} else {
			r->rc = fcdb_function_create(r->db, NULL,
			        "{\"functionName\":\"9bad\"}", 23, NULL);
		}
		/* both threads have failed before either looks */
		pthread_barrier_wait(r->gate);
		e = fcdb_error_last();
		r->code = e->code;
		snprintf(r->message, sizeof(r->message), "%s", e->message);
		snprintf(r->field, sizeof(r->field), "%s", e->field);
		pthread_barrier_wait(r->gate);
		if (r->which == 0 && (r->code != FCDB_ENOTFOUND ||
		                      !strstr(r->message, "missing-one") ||
		                      r->field[0]))
			return NULL;
		if (r->which == 1 && (r->code != FCDB_EINVAL ||
		                      strcmp(r->field, "functionName") != 0))
			return NULL;
	}
	r->code = 1000; /* all rounds agreed */
	return NULL;
}

static void test_error_last_per_thread(void **state)
{
	pthread_barrier_t gate;
	struct racer r[2];
	pthread_t t[2];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	int i;

	(void)state;
	pthread_barrier_init(&gate, NULL, 2);
	/* the main thread's own error is not disturbed either */
	au_expect(fcdb_function_delete(db, "main-thread-miss", NULL),
	          FCDB_ENOTFOUND);
	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].db = db;
		r[i].gate = &gate;
		r[i].which = i;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (r[0].code != 1000)
		fail_msg("thread 0 saw %d \"%s\" field \"%s\"", r[0].code,
		         r[0].message, r[0].field);
	if (r[1].code != 1000)
		fail_msg("thread 1 saw %d \"%s\" field \"%s\"", r[1].code,
		         r[1].message, r[1].field);
	assert_int_equal(fcdb_error_last()->code, FCDB_ENOTFOUND);
	au_message_has("main-thread-miss");
	pthread_barrier_destroy(&gate);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The backend code is carried for I/O failures. */
static void test_error_backend(void **state)
{
	fcdb_options o;
	tu_sandbox sb;
	fcdb *db = NULL;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOCREATE;
	au_expect(fcdb_open(&db, sb.store, &o), FCDB_EIO);
	assert_int_equal(fcdb_error_last()->backend, ENOENT);
	/* validation failures have none */
	db = au_open(sb.store);
	au_expect(au_create_doc(db, "{\"functionName\":1}"), FCDB_EINVAL);
	assert_int_equal(fcdb_error_last()->backend, 0);
	/* a backup onto an existing file */
	au_expect(fcdb_backup(db, sb.store), FCDB_EIO);
	assert_int_equal(fcdb_error_last()->backend, EEXIST);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_handle),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_option_versions),
		cmocka_unit_test(test_readonly_refuses_writes),
		cmocka_unit_test(test_readonly_beside_writer),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_not_a_store),
		cmocka_unit_test(test_open_region_mismatch),
		cmocka_unit_test(test_file_modes),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_error_last_initial_and_sticky),
		cmocka_unit_test(test_error_last_per_thread),
		cmocka_unit_test(test_error_backend),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_misuse", tests, NULL, au_sweep);
}
