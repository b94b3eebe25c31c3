/*
 * api_threads.c: one handle shared by reader threads and a writer thread,
 * readers across map growth, and two processes writing to one store.
 *
 * Threads never call cmocka's assertions (they long-jump on the main
 * thread's stack): each records its first problem, and the main thread
 * fails the test with it after joining.
 */
#include "apiutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#define READERS 4
#define MAXFN 400

struct shared {
	fcdb *db;
	int n;                      /* functions the writer works on */
	const char *extra;          /* extra create members, or NULL */
	char names[MAXFN][16];
	char ids[MAXFN][40];        /* written before `created` moves */
	atomic_int created;         /* names[0..created) exist */
	atomic_int done;
	uint64_t writes;            /* the writer's successful writes */
	char problem[512];          /* the writer's first problem */
};

struct reader {
	struct shared *s;
	int index;
	uint64_t rng;
	uint64_t last_rev[MAXFN];
	uint64_t reads, found;
	char problem[512];
};

static void note(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (buf[0])
		return; /* keep the first */
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* ---- the writer ---- */

static int wstep(struct shared *s, int rc, const char *what, int i)
{
	if (rc) {
		note(s->problem, sizeof(s->problem), "writer: %s %s: %s: %s",
		     what, s->names[i], fcdb_error_name(rc),
		     fcdb_error_last()->message);
		return -1;
	}
	s->writes++;
	return 0;
}

static void *writer(void *arg)
{
	struct shared *s = arg;
	char doc[2048], upd[128];
	int i, round;

	for (i = 0; i < s->n; i++) {
		fcdb_function *fn = NULL;
		int rc;

		snprintf(doc, sizeof(doc),
		         "{\"functionName\":\"%s\",\"runtime\":\"python3.10\","
		         "\"handler\":\"index.handler\",\"code\":{\"zipFile\":\""
		         AU_HELLO_B64 "\"}%s%s}", s->names[i],
		         s->extra ? "," : "", s->extra ? s->extra : "");
		rc = fcdb_function_create(s->db, &fn, doc, strlen(doc), NULL);
		if (wstep(s, rc, "create", i))
			goto out;
		snprintf(s->ids[i], sizeof(s->ids[i]), "%s", fcdb_function_id(fn));
		fcdb_function_free(fn);
		atomic_store_explicit(&s->created, i + 1, memory_order_release);
		/* touch an older one while the newest settle in */
		if (i > 0 && wstep(s, fcdb_function_set_state(s->db, NULL,
		        s->names[i - 1], FCDB_STATE_ACTIVE, NULL, NULL, NULL),
		        "activate", i - 1))
			goto out;
	}
	if (wstep(s, fcdb_function_set_state(s->db, NULL, s->names[s->n - 1],
	          FCDB_STATE_ACTIVE, NULL, NULL, NULL), "activate", s->n - 1))
		goto out;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < s->n; i++) {
			snprintf(upd, sizeof(upd),
			         "{\"description\":\"round %d\",\"timeout\":%d}",
			         round, 10 + round);
			if (wstep(s, fcdb_function_update(s->db, NULL, s->names[i],
			          upd, strlen(upd), NULL), "update", i) ||
			    wstep(s, fcdb_function_set_state(s->db, NULL,
			          s->names[i], FCDB_STATE_INACTIVE, NULL, NULL,
			          NULL), "idle", i) ||
			    wstep(s, fcdb_function_set_state(s->db, NULL,
			          s->names[i], FCDB_STATE_PENDING, NULL, NULL,
			          NULL), "restore", i) ||
			    wstep(s, fcdb_function_set_state(s->db, NULL,
			          s->names[i], FCDB_STATE_ACTIVE, NULL, NULL,
			          NULL), "activate", i))
				goto out;
		}
	}
out:
	atomic_store(&s->done, 1);
	return NULL;
}

/* ---- the readers ---- */

/* One function read by one way; checks what any reader may rely on. */
static void check_read(struct reader *r, int i, int exists, int rc,
                       fcdb_function *fn, const char *how)
{
	struct shared *s = r->s;
	char arn[128];
	uint64_t rev;

	r->reads++;
	if (rc == FCDB_ENOTFOUND && !exists)
		return;
	if (rc) {
		note(r->problem, sizeof(r->problem),
		     "reader %d: %s %s (%s): %s: %s", r->index, how, s->names[i],
		     exists ? "created" : "maybe not yet created",
		     fcdb_error_name(rc), fcdb_error_last()->message);
		return;
	}
	r->found++;
	if (!fn)
		return;
	snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", s->names[i]);
	if (!fcdb_function_name(fn) ||
	    strcmp(fcdb_function_name(fn), s->names[i]) != 0 ||
	    !fcdb_function_arn(fn) || strcmp(fcdb_function_arn(fn), arn) != 0 ||
	    !fcdb_function_id(fn) || strlen(fcdb_function_id(fn)) != 36)
		note(r->problem, sizeof(r->problem),
		     "reader %d: %s %s gave a function named %s", r->index, how,
		     s->names[i], fcdb_function_name(fn));
	if (fcdb_function_state(fn) < FCDB_STATE_PENDING ||
	    fcdb_function_state(fn) > FCDB_STATE_FAILED ||
	    fcdb_function_update_status(fn) < FCDB_UPDATE_IN_PROGRESS)
		note(r->problem, sizeof(r->problem), "reader %d: %s has no state",
		     r->index, s->names[i]);
	rev = fcdb_function_revision(fn);
	if (rev < r->last_rev[i])
		note(r->problem, sizeof(r->problem),
		     "reader %d: %s %s went back from revision %llu to %llu",
		     r->index, how, s->names[i],
		     (unsigned long long)r->last_rev[i], (unsigned long long)rev);
	r->last_rev[i] = rev;
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	struct shared *s = r->s;
	char arn[128];

	while (!atomic_load(&s->done) && !r->problem[0]) {
		int c = atomic_load_explicit(&s->created, memory_order_acquire);
		int i = (int)(tu_rand(&r->rng) % (uint64_t)s->n);
		int exists = i < c;
		fcdb_function *fn = NULL;
		fcdb_state st;
		fcdb_update_status us;
		uint64_t rev = 0;
		int rc;

		switch (tu_rand(&r->rng) % 5) {
		case 0:
			rc = fcdb_function_get(s->db, &fn, s->names[i]);
			check_read(r, i, exists, rc, fn, "get");
			break;
		case 1:
			snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", s->names[i]);
			rc = fcdb_function_get_by_arn(s->db, &fn, arn);
			check_read(r, i, exists, rc, fn, "get_by_arn");
			break;
		case 2:
			if (!exists)
				continue;
			rc = fcdb_function_get_by_id(s->db, &fn, s->ids[i]);
			check_read(r, i, exists, rc, fn, "get_by_id");
			if (rc == 0 && strcmp(fcdb_function_id(fn), s->ids[i]) != 0)
				note(r->problem, sizeof(r->problem),
				     "get_by_id %s gave id %s", s->ids[i],
				     fcdb_function_id(fn));
			break;
		case 3:
			rc = fcdb_function_read_state(s->db, s->names[i], &st, &us,
			                              &rev);
			check_read(r, i, exists, rc, NULL, "read_state");
			if (rc == 0) {
				if (rev < r->last_rev[i])
					note(r->problem, sizeof(r->problem),
					     "reader %d: read_state %s went back "
					     "from %llu to %llu", r->index,
					     s->names[i],
					     (unsigned long long)r->last_rev[i],
					     (unsigned long long)rev);
				r->last_rev[i] = rev;
				if (st < FCDB_STATE_PENDING || st > FCDB_STATE_FAILED)
					note(r->problem, sizeof(r->problem),
					     "read_state %s: state %d", s->names[i],
					     (int)st);
			}
			break;
		default: {
			fcdb_list_options lo;
			fcdb_list *list = NULL;

			fcdb_list_options_init(&lo);
			lo.limit = 10;
			lo.prefix = "t";
			rc = fcdb_function_list(s->db, &list, &lo);
			if (rc)
				note(r->problem, sizeof(r->problem),
				     "reader %d: list: %s", r->index,
				     fcdb_error_last()->message);
			else if (fcdb_list_count(list) <
			         (size_t)(c < 10 ? c : 10))
				note(r->problem, sizeof(r->problem),
				     "reader %d: list gave %zu, %d exist", r->index,
				     fcdb_list_count(list), c);
			fcdb_list_free(list);
			break;
		}
		}
		fcdb_function_free(fn);
	}
	return NULL;
}

/* Run the writer and READERS readers on one handle, then check the end. */
static void run_shared_handle(fcdb *db, int n, const char *extra)
{
	static struct shared s;
	static struct reader r[READERS];
	pthread_t tw, tr[READERS];
	uint64_t reads = 0, found = 0;
	int i;

	memset(&s, 0, sizeof(s));
	s.db = db;
	s.n = n;
	s.extra = extra;
	for (i = 0; i < n; i++)
		snprintf(s.names[i], sizeof(s.names[i]), "t%03d", i);
	for (i = 0; i < READERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].s = &s;
		r[i].index = i;
		r[i].rng = tu_seed() + (uint64_t)i * 0x9e3779b97f4a7c15ull;
		assert_int_equal(pthread_create(&tr[i], NULL, reader, &r[i]), 0);
	}
	assert_int_equal(pthread_create(&tw, NULL, writer, &s), 0);
	pthread_join(tw, NULL);
	for (i = 0; i < READERS; i++) {
		pthread_join(tr[i], NULL);
		reads += r[i].reads;
		found += r[i].found;
	}
	if (s.problem[0])
		fail_msg("%s", s.problem);
	for (i = 0; i < READERS; i++)
		if (r[i].problem[0])
			fail_msg("%s", r[i].problem);
	print_message("%llu reads, %llu found, %llu writes\n",
	              (unsigned long long)reads, (unsigned long long)found,
	              (unsigned long long)s.writes);
	assert_true(reads > 0);

	/* every function is whole and the same every way in */
	assert_int_equal(au_revision(db), s.writes);
	for (i = 0; i < n; i++) {
		fcdb_function *a = NULL, *b = NULL, *c = NULL;
		char *ja, *jb, *jc, arn[128];

		snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", s.names[i]);
		au_ok(fcdb_function_get(db, &a, s.names[i]));
		au_ok(fcdb_function_get_by_arn(db, &b, arn));
		au_ok(fcdb_function_get_by_id(db, &c, s.ids[i]));
		ja = au_json_text(a, FCDB_JSON_REVISION);
		jb = au_json_text(b, FCDB_JSON_REVISION);
		jc = au_json_text(c, FCDB_JSON_REVISION);
		assert_string_equal(ja, jb);
		assert_string_equal(ja, jc);
		assert_int_equal(fcdb_function_state(a), FCDB_STATE_ACTIVE);
		assert_int_equal(fcdb_function_update_status(a),
		                 FCDB_UPDATE_SUCCESSFUL);
		assert_string_equal(fcdb_function_description(a), "round 1");
		assert_int_equal(fcdb_function_timeout(a), 11);
		fcdb_json_free(ja);
		fcdb_json_free(jb);
		fcdb_json_free(jc);
		fcdb_function_free(a);
		fcdb_function_free(b);
		fcdb_function_free(c);
	}
	au_ok(fcdb_check(db, NULL, NULL, NULL));
}

static void test_shared_handle(void **state)
{
	tu_sandbox sb;
	fcdb *db;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	run_shared_handle(db, 120, NULL);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The same while the map grows under the readers' feet. */
static void test_shared_handle_map_growth(void **state)
{
	char extra[1600];
	fcdb_options o;
	fcdb_stats st;
	tu_sandbox sb;
	fcdb *db = NULL;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.map_size = 256 * 1024;
	au_ok(fcdb_open(&db, sb.store, &o));
	/* about 2 KB a record: a few times the first map */
	snprintf(extra, sizeof(extra), "\"environmentVariables\":{\"PAD\":\"%01500d\"}",
	         0);
	run_shared_handle(db, 300, extra);
	au_ok(fcdb_stats_get(db, &st));
	assert_true(st.map_bytes > 256 * 1024);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- two processes ---- */

#define PER_CHILD 40
#define COUNTER_ROUNDS 25

/* A child's failure: say where and why on stderr, exit status 1. */
#define CHILD_FAIL()                                                         \
	do {                                                                  \
		fprintf(stderr, "child %d: line %d: %s: %s\n", who, __LINE__, \
		        fcdb_error_name(fcdb_error_last()->code),             \
		        fcdb_error_last()->message);                          \
		return 1;                                                     \
	} while (0)

/*
 * What a child does with its own handle: create its functions, activate
 * and update each (3 writes each), and add one to the shared counter
 * (the description of "counter") COUNTER_ROUNDS times with
 * compare-and-swap.  Returns 0, or 1 after saying what failed.
 */
static int child_work(const char *path, int who, int gate)
{
	char name[32], doc[2048], upd[64];
	fcdb_options o;
	fcdb *db = NULL;
	int i, rc;
	char c;

	if (read(gate, &c, 1) < 0)
		CHILD_FAIL();
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.map_size = 256 * 1024;
	if (fcdb_open(&db, path, &o))
		CHILD_FAIL();
	for (i = 0; i < PER_CHILD; i++) {
		snprintf(name, sizeof(name), "c%d-%03d", who, i);
		snprintf(doc, sizeof(doc),
		         "{\"functionName\":\"%s\",\"runtime\":\"python3.10\","
		         "\"handler\":\"index.handler\",\"description\":\"%01500d\","
		         "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", name, i);
		if (fcdb_function_create(db, NULL, doc, strlen(doc), NULL))
			CHILD_FAIL();
		if (fcdb_function_set_state(db, NULL, name, FCDB_STATE_ACTIVE,
		                            NULL, NULL, NULL))
			CHILD_FAIL();
		snprintf(upd, sizeof(upd), "{\"timeout\":%d}", 100 + who);
		if (fcdb_function_update(db, NULL, name, upd, strlen(upd), NULL))
			CHILD_FAIL();
	}
	for (i = 0; i < COUNTER_ROUNDS; i++) {
		for (;;) {
			fcdb_write_options wo;
			fcdb_function *fn = NULL;
			long n;

			if (fcdb_function_get(db, &fn, "counter"))
				CHILD_FAIL();
			n = strtol(fcdb_function_description(fn), NULL, 10);
			fcdb_write_options_init(&wo);
			wo.expected_revision = fcdb_function_revision(fn);
			fcdb_function_free(fn);
			snprintf(upd, sizeof(upd), "{\"description\":\"%ld\"}", n + 1);
			rc = fcdb_function_update(db, NULL, "counter", upd,
			                          strlen(upd), &wo);
			if (rc == 0)
				break;
			if (rc != FCDB_EPRECONDITION)
				CHILD_FAIL();
		}
	}
	fcdb_close(db);
	return 0;
}

static void test_two_processes(void **state)
{
	tu_sandbox sb;
	fcdb *db;
	pid_t pid[2];
	int gate[2], i, status;
	fcdb_function *fn = NULL;
	fcdb_stats st;

	(void)state;
	tu_sandbox_new(&sb);
	/* a tiny map, so that one process grows it under the other */
	{
		fcdb_options o;

		fcdb_options_init(&o);
		o.flags = FCDB_OPEN_NOSYNC;
		o.region = AU_REGION;
		o.account_id = AU_ACCOUNT;
		o.map_size = 256 * 1024;
		db = NULL;
		au_ok(fcdb_open(&db, sb.store, &o));
	}
	au_create_active(db, "counter", "\"description\":\"0\"");
	fcdb_close(db); /* never fork with an open handle */

	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			close(gate[1]);
			_exit(child_work(sb.store, i, gate[0]));
		}
	}
	/* let both go at once */
	close(gate[0]);
	close(gate[1]);
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child %d failed (wait status %#x; its stderr "
			         "says why)", i, status);
	}

	db = au_open(sb.store);
	/* 2 setup writes, 3 per function, one per counter round */
	assert_int_equal(au_revision(db),
	                 2 + 2 * (3 * PER_CHILD + COUNTER_ROUNDS));
	au_ok(fcdb_function_get(db, &fn, "counter"));
	assert_string_equal(fcdb_function_description(fn), "50");
	fcdb_function_free(fn);
	for (i = 0; i < 2 * PER_CHILD; i++) {
		char name[32];

		fn = NULL;
		snprintf(name, sizeof(name), "c%d-%03d", i / PER_CHILD,
		         i % PER_CHILD);
		au_ok(fcdb_function_get(db, &fn, name));
		assert_int_equal(fcdb_function_timeout(fn), 100 + i / PER_CHILD);
		assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
		fcdb_function_free(fn);
	}
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, 1 + 2 * PER_CHILD);
	assert_true(st.map_bytes > 256 * 1024); /* it did grow */
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_handle),
		cmocka_unit_test(test_shared_handle_map_growth),
		cmocka_unit_test(test_two_processes),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_threads", tests, NULL, NULL);
}
