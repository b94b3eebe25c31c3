/*
 * api_threads.c: one handle shared by reader threads and a writer thread,
 * readers across map growth, two processes writing to one store, and
 * many reads in flight at once.
 *
 * Threads never call cmocka's assertions (they long-jump on the main
 * thread's stack): each records its first problem, and the main thread
 * fails the test with it after joining.
 */
#include "apiutil.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
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

/* ---- many readers at once ---- */

/*
 * fcdb_check calls its report callback from inside its read transaction,
 * which is the one way a caller can hold reads open through the public
 * API.  A gate in the callback keeps `want` checks in flight together.
 * The store has one damaged record, so each check reports once.
 */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int arrived;
	int want;
};

struct checker {
	fcdb *db;
	struct gate *g;
	int arrived;   /* this thread has counted itself */
	int rc;
	char message[256];
};

static void gate_arrive(struct gate *g, int wait)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&g->mu);
	g->arrived++;
	pthread_cond_broadcast(&g->cv);
	while (wait && g->arrived < g->want)
		if (pthread_cond_timedwait(&g->cv, &g->mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&g->mu);
}

static void hold_in_check(void *ctx, const char *name, const char *phase,
                          const char *problem)
{
	struct checker *c = ctx;

	(void)name;
	(void)phase;
	(void)problem;
	if (!c->arrived) {
		c->arrived = 1;
		gate_arrive(c->g, 1);
	}
}

static void *run_check(void *arg)
{
	struct checker *c = arg;

	c->rc = fcdb_check(c->db, hold_in_check, c, NULL);
	if (c->rc != FCDB_ECORRUPT)
		snprintf(c->message, sizeof(c->message), "%s",
		         fcdb_error_last()->message);
	if (!c->arrived) {
		c->arrived = 1;
		gate_arrive(c->g, 0);
	}
	return NULL;
}

/* Run `n` checks at once on `db`; returns how many did not come back
   StoreCorrupted, and the first such message in *why. */
static int checks_at_once(fcdb *db, int n, char *why, size_t cap)
{
	struct gate g;
	struct checker *c = calloc((size_t)n, sizeof(*c));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	int i, bad = 0;

	if (!c || !t)
		return n;
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	g.arrived = 0;
	g.want = n;
	for (i = 0; i < n; i++) {
		c[i].db = db;
		c[i].g = &g;
		if (pthread_create(&t[i], NULL, run_check, &c[i]) != 0) {
			c[i].rc = -999;
			snprintf(c[i].message, sizeof(c[i].message),
			         "pthread_create failed");
			gate_arrive(&g, 0);
			t[i] = 0;
		}
	}
	for (i = 0; i < n; i++) {
		if (t[i])
			pthread_join(t[i], NULL);
		if (c[i].rc != FCDB_ECORRUPT) {
			if (!bad++ && why)
				snprintf(why, cap, "%s: %s",
				         fcdb_error_name(c[i].rc), c[i].message);
		}
	}
	pthread_cond_destroy(&g.cv);
	pthread_mutex_destroy(&g.mu);
	free(c);
	free(t);
	return bad;
}

/* A closed store at sb->store with one damaged record, "victim". */
static void make_damaged_store(tu_sandbox *sb)
{
	const char *doc =
		"{\"functionName\":\"victim\",\"runtime\":\"python3.10\","
		"\"handler\":\"victim.handler_81c4\",\"code\":{\"zipFile\":\""
		AU_HELLO_B64 "\"}}";
	au_bytes file;
	char *at;
	fcdb *db;

	tu_sandbox_new(sb);
	db = au_open(sb->store);
	au_create(db, "bystander", NULL);
	au_ok(au_create_doc(db, doc));
	fcdb_close(db);
	file = au_read(sb->store);
	at = memmem(file.data, file.len, "victim.handler_81c4", 19);
	assert_non_null(at);
	at[8] ^= 0x20;
	tu_write(sb->store, file.data, file.len);
	au_bytes_free(&file);
}

/* "One fcdb handle may be shared by any number of threads": 130 reads
   in flight at once on one handle (more than LMDB's default reader
   table of 126) must all be served. */
static void test_many_readers_one_handle(void **state)
{
	char why[300] = "";
	tu_sandbox sb;
	fcdb *db;
	int bad;

	(void)state;
	make_damaged_store(&sb);
	db = au_open(sb.store);
	bad = checks_at_once(db, 130, why, sizeof(why));
	if (bad)
		fail_msg("%d of 130 concurrent reads failed: %s", bad, why);
	/* and the handle still serves reads afterwards */
	{
		fcdb_function *fn = NULL;

		au_ok(fcdb_function_get(db, &fn, "bystander"));
		fcdb_function_free(fn);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Idle processes must not keep reader slots: three processes that each
   had 35 reads in flight once, and now sit idle with their handles open,
   leave room for a fourth process to have 35 reads in flight. */
static void test_idle_processes_keep_no_reader_slots(void **state)
{
	int ready[2], release[2], i, status, bad;
	char why[300] = "", c;
	pid_t pid[3];
	tu_sandbox sb;
	fcdb *db;

	(void)state;
	make_damaged_store(&sb);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			fcdb_options o;
			fcdb *cdb = NULL;
			int rc = 0;

			close(ready[0]);
			close(release[1]);
			fcdb_options_init(&o);
			o.flags = FCDB_OPEN_NOSYNC;
			if (fcdb_open(&cdb, sb.store, &o) ||
			    checks_at_once(cdb, 35, why, sizeof(why))) {
				fprintf(stderr, "child %d: %s\n", i, why[0] ? why :
				        fcdb_error_last()->message);
				rc = 1;
			}
			/* now idle, handle open, until the parent is done */
			if (write(ready[1], "x", 1) != 1 ||
			    read(release[0], &c, 1) < 0)
				rc = 1;
			fcdb_close(cdb);
			_exit(rc);
		}
	}
	close(ready[1]);
	close(release[0]);
	for (i = 0; i < 3; i++)
		assert_int_equal(read(ready[0], &c, 1), 1);

	db = au_open(sb.store);
	bad = checks_at_once(db, 35, why, sizeof(why));
	fcdb_close(db);
	close(release[1]); /* let the children go */
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(ready[0]);
	if (bad)
		fail_msg("%d of 35 reads failed beside 3 idle processes: %s",
		         bad, why);
	tu_sandbox_free(&sb);
}

/* ---- one store opened twice in one process ---- */

/*
 * The clock hook runs inside an update's write transaction, so a clock
 * that waits holds that transaction open: the one way to keep a write in
 * flight through the public API.
 */
static atomic_int clock_armed, clock_inside, clock_release;

static int64_t gated_clock(void *ctx)
{
	int waited = 0;

	(void)ctx;
	if (atomic_load(&clock_armed)) {
		atomic_store(&clock_inside, 1);
		while (!atomic_load(&clock_release) && waited++ < 60000)
			usleep(1000);
	}
	return AU_NOW;
}

struct second_handle {
	const char *path;
	atomic_int done;
	int open_rc, create_rc;
	char message[256];
};

static void *update_on_first(void *arg)
{
	fcdb *db = arg;
	intptr_t rc = fcdb_function_update(db, NULL, "held", "{\"timeout\":7}",
	                                   13, NULL);

	return (void *)rc;
}

static void *write_on_second(void *arg)
{
	struct second_handle *h = arg;
	fcdb_options o;
	fcdb *db = NULL;
	char *doc = au_doc("beside", NULL);

	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	h->open_rc = fcdb_open(&db, h->path, &o);
	if (h->open_rc == 0) {
		h->create_rc = fcdb_function_create(db, NULL, doc, strlen(doc),
		                                    NULL);
		if (h->create_rc)
			snprintf(h->message, sizeof(h->message), "%s",
			         fcdb_error_last()->message);
		fcdb_close(db);
	}
	free(doc);
	atomic_store(&h->done, 1);
	return NULL;
}

/*
 * Opening a store a second time in the same process (say a read-only
 * handle beside the writer, or two modules that each open it) must be
 * either refused or safe: a write through the second handle may not run
 * while the first handle's write transaction is open, and no write may
 * be lost.
 */
static void test_same_store_twice_in_one_process(void **state)
{
	struct second_handle h;
	fcdb_options o;
	fcdb_function *fn = NULL;
	pthread_t ta, tb;
	tu_sandbox sb;
	fcdb *db = NULL;
	void *arc;
	int waited, overlapped;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.clock = gated_clock;
	atomic_store(&clock_armed, 0);
	atomic_store(&clock_inside, 0);
	atomic_store(&clock_release, 0);
	au_ok(fcdb_open(&db, sb.store, &o));
	au_create_active(db, "held", NULL);
	assert_int_equal(au_revision(db), 2);

	/* first handle: a write transaction held open */
	atomic_store(&clock_armed, 1);
	assert_int_equal(pthread_create(&ta, NULL, update_on_first, db), 0);
	for (waited = 0; !atomic_load(&clock_inside) && waited < 30000; waited++)
		usleep(1000);
	assert_true(atomic_load(&clock_inside));

	/* second handle, same store, same process: open and write */
	memset(&h, 0, sizeof(h));
	h.path = sb.store;
	assert_int_equal(pthread_create(&tb, NULL, write_on_second, &h), 0);
	for (waited = 0; !atomic_load(&h.done) && waited < 2000; waited++)
		usleep(1000);
	overlapped = atomic_load(&h.done) && h.open_rc == 0 &&
	             h.create_rc == 0;
	atomic_store(&clock_release, 1);
	pthread_join(ta, &arc);
	pthread_join(tb, NULL);
	atomic_store(&clock_armed, 0);
	assert_int_equal((intptr_t)arc, 0);

	if (h.open_rc == 0) {
		uint64_t rev = au_revision(db);

		if (h.create_rc)
			fail_msg("the second handle's create failed: %s: %s",
			         fcdb_error_name(h.create_rc), h.message);
		if (overlapped)
			print_message("the second handle committed a write while "
			              "the first held its write transaction\n");
		au_expect(fcdb_function_get(db, &fn, "beside"), FCDB_OK);
		fcdb_function_free(fn);
		fn = NULL;
		if (rev != 4)
			fail_msg("store revision %llu after 4 writes",
			         (unsigned long long)rev);
		assert_false(overlapped);
	} else {
		/* refusing is fine; it must say why */
		print_message("second open refused: %s\n",
		              fcdb_error_last()->message);
	}
	au_ok(fcdb_function_get(db, &fn, "held"));
	assert_int_equal(fcdb_function_timeout(fn), 7);
	fcdb_function_free(fn);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A read-only process opened on a small map keeps reading after another
   process grew the map far beyond it. */
static void test_reader_process_adopts_grown_map(void **state)
{
	int to_child[2], to_parent[2], i, status;
	fcdb_options o;
	tu_sandbox sb;
	fcdb *db = NULL;
	pid_t pid;
	char c;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.map_size = 256 * 1024;
	au_ok(fcdb_open(&db, sb.store, &o));
	au_create(db, "g0000", NULL);
	fcdb_close(db);
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fcdb_options ro;
		fcdb_function *fn = NULL;
		fcdb_stats st;
		fcdb *r = NULL;
		int rc = 1;

		close(to_child[1]);
		close(to_parent[0]);
		fcdb_options_init(&ro);
		ro.flags = FCDB_OPEN_READONLY;
		ro.map_size = 256 * 1024;
		if (fcdb_open(&r, sb.store, &ro) == 0 &&
		    fcdb_function_get(r, &fn, "g0000") == 0 &&
		    write(to_parent[1], "r", 1) == 1 &&
		    read(to_child[0], &c, 1) == 1) {
			fcdb_function_free(fn);
			fn = NULL;
			if (fcdb_function_get(r, &fn, "g2999") == 0 &&
			    fcdb_stats_get(r, &st) == 0 && st.functions == 3000 &&
			    fcdb_check(r, NULL, NULL, NULL) == 0)
				rc = 0;
		}
		if (rc)
			fprintf(stderr, "reader: %s\n", fcdb_error_last()->message);
		fcdb_function_free(fn);
		fcdb_close(r);
		_exit(rc);
	}
	close(to_child[0]);
	close(to_parent[1]);
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	db = NULL;
	au_ok(fcdb_open(&db, sb.store, &o));
	for (i = 1; i < 3000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%04d", i);
		au_create(db, name, "\"description\":\"enough bytes to need a "
		          "map several times bigger than the one it began with\"");
	}
	{
		fcdb_stats st;

		au_ok(fcdb_stats_get(db, &st));
		assert_true(st.map_bytes >= 1024 * 1024);
	}
	assert_int_equal(write(to_child[1], "w", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fcdb_close(db);
	close(to_child[1]);
	close(to_parent[0]);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tu_sandbox_free(&sb);
}

/* ---- a writer killed mid-transaction ---- */

/* A clock that, once armed with a pipe, reports that the write
   transaction is open and then never returns. */
static int64_t hanging_clock(void *ctx)
{
	int fd = *(int *)ctx;

	if (fd >= 0) {
		if (write(fd, "h", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	return AU_NOW;
}

struct late_writer {
	fcdb *db;
	atomic_int done;
	int rc;
};

static void *late_write(void *arg)
{
	struct late_writer *w = arg;

	w->rc = fcdb_function_update(w->db, NULL, "target", "{\"timeout\":9}",
	                             13, NULL);
	atomic_store(&w->done, 1);
	return NULL;
}

/* A process killed while it holds the write transaction leaves the
   store as it was before that transaction, and the next writer is not
   locked out. */
static void test_killed_writer(void **state)
{
	struct late_writer w;
	int hold[2], status, waited;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	pthread_t t;
	fcdb *db;
	pid_t pid;
	char c;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "target", "\"timeout\":5");
	fcdb_close(db);
	assert_int_equal(pipe(hold), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static int fd = -1;
		fcdb_options o;
		fcdb *cdb = NULL;

		close(hold[0]);
		fcdb_options_init(&o);
		o.clock = hanging_clock;
		o.clock_ctx = &fd;
		if (fcdb_open(&cdb, sb.store, &o))
			_exit(2);
		fd = hold[1];
		fcdb_function_update(cdb, NULL, "target", "{\"timeout\":6}", 13,
		                     NULL);
		_exit(4); /* not reached */
	}
	close(hold[1]);
	assert_int_equal(read(hold[0], &c, 1), 1); /* it is inside */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	close(hold[0]);

	/* the next writer gets in, within seconds */
	db = au_open(sb.store);
	assert_int_equal(au_revision(db), 2);
	memset(&w, 0, sizeof(w));
	w.db = db;
	assert_int_equal(pthread_create(&t, NULL, late_write, &w), 0);
	for (waited = 0; !atomic_load(&w.done) && waited < 20000; waited++)
		usleep(1000);
	if (!atomic_load(&w.done))
		fail_msg("a write is still waiting 20 s after the writer died");
	pthread_join(t, NULL);
	au_ok(w.rc);
	assert_int_equal(au_revision(db), 3);
	au_ok(fcdb_function_get(db, &fn, "target"));
	assert_int_equal(fcdb_function_timeout(fn), 9);
	fcdb_function_free(fn);
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
		cmocka_unit_test(test_reader_process_adopts_grown_map),
		cmocka_unit_test(test_killed_writer),
		cmocka_unit_test(test_same_store_twice_in_one_process),
		cmocka_unit_test(test_many_readers_one_handle),
		cmocka_unit_test(test_idle_processes_keep_no_reader_slots),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_threads", tests, NULL, au_sweep);
}
