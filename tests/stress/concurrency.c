/*
 * concurrency.c: compare-and-swap and state moves raced across processes
 * and threads, with readers watching every snapshot.
 *
 * Counters: 4 processes of 4 threads each (and, when $FCDB is set, one
 * process running the fcdb command with --if-revision) add one to the
 * description of shared counter functions by read-modify-write with an
 * expected revision.  Each worker counts its successful swaps; at the
 * end every counter must equal the sum of the swaps on it (no lost
 * update), every swap must have its own store revision, and the store
 * revision must account for every write made.
 *
 * State races: 4 processes of 2 threads move a few shared functions
 * between states and update statuses, half of the moves pinned to the
 * revision they read (so the outcome is exact: a legal move succeeds, an
 * illegal one is InvalidStateTransition, a lost race PreconditionFailed)
 * and half blind.  Every successful move reports the revision and state
 * it left; merged by revision, each function's history must be a walk of
 * the state machine.
 *
 * Meanwhile a reader process reads the counters every way in (whole
 * records, values that never go back, name, ARN and id agreeing), looks
 * up functions another process keeps creating and deleting (found whole
 * or not found, never an index entry without its record), and runs
 * fcdb_check over and over: every snapshot must be clean.
 *
 * FCDB_STRESS=full: 3,000 attempts per counter worker, 4,000 per racer;
 * quick: 120 and 200.
 */
#include "stress.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#define PROCS 4
#define THREADS 4
#define RACERS 2
#define COUNTERS 4
#define RACED 6
#define CHURN 24
#define MAX_REVS 200000

struct phase {
	const char *store;
	int who;
	int attempts;
	FILE *out;              /* the process's result file */
	pthread_mutex_t out_mu;
	atomic_int failed;
};

/* A worker's failure: on stderr, and the process exits 1 at the end. */
static void worker_problem(struct phase *ph, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void worker_problem(struct phase *ph, const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&ph->failed, 1))
		return; /* keep the first */
	fprintf(stderr, "process %d: ", ph->who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void counter_name(char *out, int c)
{
	snprintf(out, 32, "ctr-%d", c);
}

static void raced_name(char *out, int r)
{
	snprintf(out, 32, "race-%d", r);
}

/* ---- counters ---- */

struct cas_worker {
	struct phase *ph;
	fcdb *db;
	int thread;
};

static void *cas_thread(void *arg)
{
	struct cas_worker *w = arg;
	struct phase *ph = w->ph;
	uint64_t rng = tu_seed() ^ ((uint64_t)ph->who << 40) ^
	               ((uint64_t)w->thread << 20) ^ 0xca5ull;
	uint64_t ok[COUNTERS] = { 0 }, conflicts = 0;
	int a, c;

	for (a = 0; a < ph->attempts && !atomic_load(&ph->failed); a++) {
		fcdb_write_options wo;
		fcdb_function *fn = NULL, *after = NULL;
		char name[32], upd[64];
		uint64_t rev;
		long n;
		int rc;

		c = (int)(tu_rand(&rng) % COUNTERS);
		counter_name(name, c);
		rc = fcdb_function_get(w->db, &fn, name);
		if (rc) {
			worker_problem(ph, "get %s: %s: %s", name,
			               fcdb_error_name(rc),
			               fcdb_error_last()->message);
			break;
		}
		n = strtol(fcdb_function_description(fn), NULL, 10);
		rev = fcdb_function_revision(fn);
		fcdb_function_free(fn);
		/* widen the window between the read and the write */
		if (tu_rand(&rng) % 2)
			st_sleep_us(tu_rand(&rng) % 200);
		fcdb_write_options_init(&wo);
		wo.expected_revision = rev;
		snprintf(upd, sizeof(upd), "{\"description\":\"%ld\"}", n + 1);
		rc = fcdb_function_update(w->db, &after, name, upd, strlen(upd),
		                          &wo);
		if (rc == FCDB_EPRECONDITION) {
			conflicts++;
			continue;
		}
		if (rc) {
			worker_problem(ph, "update %s: %s: %s", name,
			               fcdb_error_name(rc),
			               fcdb_error_last()->message);
			break;
		}
		if (strtol(fcdb_function_description(after), NULL, 10) != n + 1 ||
		    fcdb_function_revision(after) <= rev)
			worker_problem(ph, "swap on %s from %ld at revision %llu "
			               "gave %s at revision %llu", name, n,
			               (unsigned long long)rev,
			               fcdb_function_description(after),
			               (unsigned long long)
			               fcdb_function_revision(after));
		ok[c]++;
		pthread_mutex_lock(&ph->out_mu);
		fprintf(ph->out, "V %d %llu\n", c, (unsigned long long)
		        fcdb_function_revision(after));
		pthread_mutex_unlock(&ph->out_mu);
		fcdb_function_free(after);
	}
	pthread_mutex_lock(&ph->out_mu);
	for (c = 0; c < COUNTERS; c++)
		fprintf(ph->out, "S %d %llu\n", c, (unsigned long long)ok[c]);
	fprintf(ph->out, "C %llu\n", (unsigned long long)conflicts);
	pthread_mutex_unlock(&ph->out_mu);
	return NULL;
}

/* ---- state races ---- */

struct race_worker {
	struct phase *ph;
	fcdb *db;
	int thread;
};

static void record_move(struct phase *ph, int r, const fcdb_function *fn)
{
	pthread_mutex_lock(&ph->out_mu);
	fprintf(ph->out, "H %d %llu %d %d\n", r,
	        (unsigned long long)fcdb_function_revision(fn),
	        (int)fcdb_function_state(fn),
	        (int)fcdb_function_update_status(fn));
	pthread_mutex_unlock(&ph->out_mu);
}

static void *race_thread(void *arg)
{
	static const char *const codes[] = { NULL, NULL, NULL, "Idle",
	                                     "RaceTest" };
	struct race_worker *w = arg;
	struct phase *ph = w->ph;
	uint64_t rng = tu_seed() ^ ((uint64_t)ph->who << 40) ^
	               ((uint64_t)w->thread << 20) ^ 0x4ace5ull;
	/* pinned: ok, refused, lost; blind: ok, refused */
	uint64_t n[5] = { 0 };
	int a;

	for (a = 0; a < ph->attempts && !atomic_load(&ph->failed); a++) {
		int r = (int)(tu_rand(&rng) % RACED);
		int kind = (int)(tu_rand(&rng) % 3) == 0; /* 1: update status */
		int pinned = (int)(tu_rand(&rng) % 2);
		int to = 1 + (int)(tu_rand(&rng) % (kind ? 3 : 4));
		fcdb_write_options wo;
		fcdb_function *fn = NULL;
		fcdb_update_status us;
		fcdb_state st;
		uint64_t rev;
		char name[32];
		int rc, legal;

		raced_name(name, r);
		rc = fcdb_function_read_state(w->db, name, &st, &us, &rev);
		if (rc) {
			worker_problem(ph, "read_state %s: %s", name,
			               fcdb_error_last()->message);
			break;
		}
		if (tu_rand(&rng) % 2)
			st_sleep_us(tu_rand(&rng) % 200);
		fcdb_write_options_init(&wo);
		if (pinned)
			wo.expected_revision = rev;
		if (kind)
			rc = fcdb_function_set_update_status(w->db, &fn, name,
			        (fcdb_update_status)to, NULL, NULL, &wo);
		else
			rc = fcdb_function_set_state(w->db, &fn, name,
			        (fcdb_state)to, codes[to], NULL, &wo);
		legal = kind ? fcdb_update_status_transition_allowed(us,
		                       (fcdb_update_status)to)
		             : fcdb_state_transition_allowed(st, (fcdb_state)to);
		if (rc == 0) {
			int now = kind ? (int)fcdb_function_update_status(fn)
			               : (int)fcdb_function_state(fn);

			if (now != to)
				worker_problem(ph, "%s moved to %d but reads %d",
				               name, to, now);
			if (pinned && !legal)
				worker_problem(ph, "%s: %s %d -> %d succeeded at "
				               "revision %llu, which the state "
				               "machine forbids", name,
				               kind ? "lastUpdateStatus" : "state",
				               kind ? (int)us : (int)st, to,
				               (unsigned long long)rev);
			if (pinned && fcdb_function_revision(fn) == rev &&
			    (kind ? (int)us : (int)st) != to)
				worker_problem(ph, "%s changed without a new "
				               "revision", name);
			record_move(ph, r, fn);
			n[pinned ? 0 : 3]++;
		} else if (rc == FCDB_ETRANSITION) {
			if (pinned && legal)
				worker_problem(ph, "%s: %s %d -> %d refused at "
				               "revision %llu, which the state "
				               "machine allows: %s", name,
				               kind ? "lastUpdateStatus" : "state",
				               kind ? (int)us : (int)st, to,
				               (unsigned long long)rev,
				               fcdb_error_last()->message);
			n[pinned ? 1 : 4]++;
		} else if (rc == FCDB_EPRECONDITION && pinned) {
			n[2]++;
		} else {
			worker_problem(ph, "%s %s -> %d: %s: %s", name,
			               kind ? "set_update_status" : "set_state", to,
			               fcdb_error_name(rc),
			               fcdb_error_last()->message);
		}
		fcdb_function_free(fn);
	}
	pthread_mutex_lock(&ph->out_mu);
	fprintf(ph->out, "R %llu %llu %llu %llu %llu\n",
	        (unsigned long long)n[0], (unsigned long long)n[1],
	        (unsigned long long)n[2], (unsigned long long)n[3],
	        (unsigned long long)n[4]);
	pthread_mutex_unlock(&ph->out_mu);
	return NULL;
}

/* ---- one worker process ---- */

enum { WORK_CAS, WORK_RACE };

static int worker_proc(const char *store, int who, int work, int attempts,
                       const char *result, int gate)
{
	struct cas_worker cw[THREADS];
	struct race_worker rw[THREADS];
	pthread_t t[THREADS];
	struct phase ph;
	fcdb *db = NULL;
	int i, n = work == WORK_CAS ? THREADS : RACERS, rc;
	char c;

	memset(&ph, 0, sizeof(ph));
	ph.store = store;
	ph.who = who;
	ph.attempts = attempts;
	pthread_mutex_init(&ph.out_mu, NULL);
	ph.out = fopen(result, "w");
	rc = st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0);
	if (!ph.out || rc) {
		fprintf(stderr, "process %d: open: %s\n", who,
		        fcdb_error_last()->message);
		return 1;
	}
	if (read(gate, &c, 1) < 0) /* all start together */
		return 1;
	for (i = 0; i < n; i++) {
		void *(*fn)(void *);
		void *arg;

		if (work == WORK_CAS) {
			cw[i].ph = &ph;
			cw[i].db = db;
			cw[i].thread = i;
			fn = cas_thread;
			arg = &cw[i];
		} else {
			rw[i].ph = &ph;
			rw[i].db = db;
			rw[i].thread = i;
			fn = race_thread;
			arg = &rw[i];
		}
		if (pthread_create(&t[i], NULL, fn, arg))
			return 1;
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	fcdb_close(db);
	if (fclose(ph.out))
		return 1;
	return atomic_load(&ph.failed) ? 1 : 0;
}

/* The same read-modify-write through the fcdb command. */
static int cli_proc(const char *store, int attempts, const char *result,
                    int gate)
{
	uint64_t rng = tu_seed() ^ 0xc11ull, ok[COUNTERS] = { 0 }, conflicts = 0;
	FILE *out = fopen(result, "w");
	char json[65536], c;
	int a, i;

	if (!out || read(gate, &c, 1) < 0)
		return 1;
	for (a = 0; a < attempts; a++) {
		int k = (int)(tu_rand(&rng) % COUNTERS), rc;
		char name[32], revs[32], upd[64];
		const char *get[] = { "--db", store, "get", name, NULL };
		const char *put[] = { "--db", store, "update", name, "-",
		                      "--if-revision", revs, NULL };
		cJSON *j, *d, *r;
		long n;

		counter_name(name, k);
		rc = st_cli(json, sizeof(json), NULL, get);
		j = rc == 0 ? cJSON_Parse(json) : NULL;
		d = cJSON_GetObjectItemCaseSensitive(j, "description");
		r = cJSON_GetObjectItemCaseSensitive(j, "revision");
		if (!cJSON_IsString(d) || !cJSON_IsNumber(r)) {
			fprintf(stderr, "cli: fcdb get %s exits %d: %s\n", name, rc,
			        json);
			return 1;
		}
		n = strtol(d->valuestring, NULL, 10);
		snprintf(revs, sizeof(revs), "%.0f", r->valuedouble);
		snprintf(upd, sizeof(upd), "{\"description\":\"%ld\"}", n + 1);
		cJSON_Delete(j);
		rc = st_cli(json, sizeof(json), upd, put);
		if (rc == 5) {
			conflicts++;
			continue;
		}
		j = rc == 0 ? cJSON_Parse(json) : NULL;
		r = cJSON_GetObjectItemCaseSensitive(j, "revision");
		if (!cJSON_IsNumber(r)) {
			fprintf(stderr, "cli: fcdb update %s --if-revision %s "
			        "exits %d\n", name, revs, rc);
			return 1;
		}
		fprintf(out, "V %d %.0f\n", k, r->valuedouble);
		cJSON_Delete(j);
		ok[k]++;
	}
	for (i = 0; i < COUNTERS; i++)
		fprintf(out, "S %d %llu\n", i, (unsigned long long)ok[i]);
	fprintf(out, "C %llu\n", (unsigned long long)conflicts);
	return fclose(out) ? 1 : 0;
}

/* ---- the watchers: readers and a churning writer ---- */

struct watch {
	fcdb *db;
	int stop_fd;
	int thread;
	char ids[COUNTERS][40];
	uint64_t reads, checks, found, gone;
	char problem[512];
};

static int stopped(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

#define WATCH_PROBLEM(w, ...)                                                \
	do {                                                                  \
		if (!(w)->problem[0])                                         \
			snprintf((w)->problem, sizeof((w)->problem),          \
			         __VA_ARGS__);                                \
	} while (0)

static void *point_reader(void *arg)
{
	struct watch *w = arg;
	uint64_t rng = tu_seed() ^ ((uint64_t)w->thread << 32) ^ 0x2eadull;
	uint64_t last_rev[COUNTERS] = { 0 };
	long last_val[COUNTERS] = { 0 };

	while (!w->problem[0] && !stopped(w->stop_fd)) {
		int c = (int)(tu_rand(&rng) % COUNTERS);
		int j = (int)(tu_rand(&rng) % CHURN);
		fcdb_function *a = NULL, *b = NULL, *d = NULL;
		char name[32], arn[128];
		int rc;

		counter_name(name, c);
		snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", name);
		rc = fcdb_function_get(w->db, &a, name);
		if (rc == 0)
			rc = fcdb_function_get_by_arn(w->db, &b, arn);
		if (rc == 0)
			rc = fcdb_function_get_by_id(w->db, &d, w->ids[c]);
		w->reads += 3;
		if (rc) {
			WATCH_PROBLEM(w, "reading %s: %s: %s", name,
			              fcdb_error_name(rc),
			              fcdb_error_last()->message);
		} else {
			/* later reads see later snapshots: never older */
			uint64_t ra = fcdb_function_revision(a);
			uint64_t rb = fcdb_function_revision(b);
			uint64_t rd = fcdb_function_revision(d);
			long va = strtol(fcdb_function_description(a), NULL, 10);
			long vd = strtol(fcdb_function_description(d), NULL, 10);

			if (ra < last_rev[c] || rb < ra || rd < rb ||
			    va < last_val[c] || vd < va ||
			    (ra == last_rev[c] && va != last_val[c]) ||
			    (rd == ra && vd != va))
				WATCH_PROBLEM(w, "%s went back or moved without "
				              "its revision: %llu/%ld after "
				              "%llu/%ld, then %llu, %llu/%ld", name,
				              (unsigned long long)ra, va,
				              (unsigned long long)last_rev[c],
				              last_val[c], (unsigned long long)rb,
				              (unsigned long long)rd, vd);
			if (strcmp(fcdb_function_name(b), name) ||
			    strcmp(fcdb_function_name(d), name))
				WATCH_PROBLEM(w, "%s by ARN or id is another "
				              "function", name);
			last_rev[c] = rd;
			last_val[c] = vd;
		}
		fcdb_function_free(a);
		fcdb_function_free(b);
		fcdb_function_free(d);
		a = NULL;

		/* a function being created and deleted: whole or not found */
		snprintf(arn, sizeof(arn), AU_ARN_PREFIX "churn-%02d", j);
		rc = fcdb_function_get_by_arn(w->db, &a, arn);
		w->reads++;
		if (rc == 0) {
			w->found++;
			if (strcmp(fcdb_function_arn(a), arn) != 0)
				WATCH_PROBLEM(w, "%s resolved to %s", arn,
				              fcdb_function_arn(a));
			rc = fcdb_function_get_by_id(w->db, &b,
			                             fcdb_function_id(a));
			w->reads++;
			if (rc && rc != FCDB_ENOTFOUND)
				WATCH_PROBLEM(w, "churn by id: %s: %s",
				              fcdb_error_name(rc),
				              fcdb_error_last()->message);
			fcdb_function_free(b);
			b = NULL;
		} else if (rc == FCDB_ENOTFOUND) {
			w->gone++;
		} else {
			WATCH_PROBLEM(w, "%s: %s: %s", arn, fcdb_error_name(rc),
			              fcdb_error_last()->message);
		}
		fcdb_function_free(a);

		/* the raced functions always have a state */
		{
			fcdb_state st;
			fcdb_update_status us;

			raced_name(name, j % RACED);
			rc = fcdb_function_read_state(w->db, name, &st, &us, NULL);
			w->reads++;
			if (rc || st < FCDB_STATE_PENDING ||
			    st > FCDB_STATE_FAILED ||
			    us < FCDB_UPDATE_IN_PROGRESS)
				WATCH_PROBLEM(w, "read_state %s: %d %d %d", name,
				              rc, (int)st, (int)us);
		}
	}
	return NULL;
}

static void on_problem(void *ctx, const char *name, const char *phase,
                       const char *problem)
{
	struct watch *w = ctx;

	WATCH_PROBLEM(w, "check: %s: %s: %s", name, phase, problem);
}

static void *checker(void *arg)
{
	struct watch *w = arg;

	while (!w->problem[0] && !stopped(w->stop_fd)) {
		fcdb_list_options lo;
		fcdb_list *l = NULL;
		int rc = fcdb_check(w->db, on_problem, w, NULL);

		w->checks++;
		if (rc)
			WATCH_PROBLEM(w, "check: %s: %s", fcdb_error_name(rc),
			              fcdb_error_last()->message);
		fcdb_list_options_init(&lo);
		lo.prefix = "ctr-";
		rc = fcdb_function_list(w->db, &l, &lo);
		if (rc || fcdb_list_count(l) != COUNTERS)
			WATCH_PROBLEM(w, "list ctr-: %d, %zu functions", rc,
			              l ? fcdb_list_count(l) : (size_t)0);
		fcdb_list_free(l);
	}
	return NULL;
}

/* Readers and a checker until stop_fd closes. */
static int reader_proc(const char *store, int stop_fd, const char *result)
{
	struct watch w[3];
	pthread_t t[3];
	fcdb *db = NULL;
	FILE *out;
	int i, bad = 0;

	if (st_open(&db, store, FCDB_OPEN_READONLY, 0, 0))
		return 1;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 3; i++) {
		int c;

		w[i].db = db;
		w[i].stop_fd = stop_fd;
		w[i].thread = i;
		for (c = 0; c < COUNTERS; c++) {
			fcdb_function *fn = NULL;
			char name[32];

			counter_name(name, c);
			if (fcdb_function_get(db, &fn, name))
				return 1;
			snprintf(w[i].ids[c], sizeof(w[i].ids[c]), "%s",
			         fcdb_function_id(fn));
			fcdb_function_free(fn);
		}
		if (pthread_create(&t[i], NULL, i == 2 ? checker : point_reader,
		                   &w[i]))
			return 1;
	}
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	out = fopen(result, "w");
	if (!out)
		return 1;
	for (i = 0; i < 3; i++) {
		fprintf(out, "W %llu %llu %llu %llu\n",
		        (unsigned long long)w[i].reads,
		        (unsigned long long)w[i].checks,
		        (unsigned long long)w[i].found,
		        (unsigned long long)w[i].gone);
		if (w[i].problem[0]) {
			fprintf(stderr, "reader %d: %s\n", i, w[i].problem);
			bad = 1;
		}
	}
	fcdb_close(db);
	return fclose(out) || bad ? 1 : 0;
}

/* Create and delete churn-NN functions until stop_fd closes. */
static int churn_proc(const char *store, int stop_fd, const char *result)
{
	uint64_t rng = tu_seed() ^ 0xc4u, writes = 0;
	fcdb *db = NULL;
	FILE *out;

	if (st_open(&db, store, FCDB_OPEN_NOSYNC, 0, 0))
		return 1;
	while (!stopped(stop_fd)) {
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "churn-%02d",
		         (int)(tu_rand(&rng) % CHURN));
		rc = fcdb_function_delete(db, name, NULL);
		if (rc == FCDB_ENOTFOUND) {
			char *doc = au_doc(name, NULL);

			rc = fcdb_function_create(db, NULL, doc, strlen(doc),
			                          NULL);
			free(doc);
		}
		if (rc) {
			fprintf(stderr, "churn %s: %s\n", name,
			        fcdb_error_last()->message);
			return 1;
		}
		writes++;
		st_sleep_us(200);
	}
	fcdb_close(db);
	out = fopen(result, "w");
	if (!out)
		return 1;
	fprintf(out, "W %llu\n", (unsigned long long)writes);
	return fclose(out) ? 1 : 0;
}

/* ---- the parent ---- */

struct run {
	tu_sandbox sb;
	pid_t pid[PROCS + 3];
	char result[PROCS + 3][320];
	int n;
};

static pid_t spawn(struct run *r, const char *tag)
{
	char path[320];
	pid_t pid;

	assert_true(r->n < PROCS + 3);
	snprintf(path, sizeof(path), "%s/%s.out", r->sb.dir, tag);
	memcpy(r->result[r->n], path, sizeof(path));
	pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		r->pid[r->n++] = pid;
	else
		st_child_signals();
	return pid;
}

static void reap_all(struct run *r, uint64_t ms)
{
	int i, status;

	for (i = 0; i < r->n; i++) {
		if (st_wait(r->pid[i], &status, ms))
			fail_msg("%s hung: killed after %llu s", r->result[i],
			         (unsigned long long)(ms / 1000));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("%s: %s (its stderr says why)", r->result[i],
			         st_status_text(status));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct totals {
	uint64_t ok[COUNTERS], conflicts, swaps;
	uint64_t *revs;
	size_t nrevs;
	uint64_t race[5];
	uint64_t reads, checks, found, gone, churn;
};

/* Add one result file to the totals; H lines go to hist. */
static void read_result(const char *path, struct totals *t, FILE *hist)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		fail_msg("no result file %s", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b, c, d, e;
		int k;

		if (sscanf(line, "V %d %llu", &k, &a) == 2) {
			if (t->nrevs == MAX_REVS)
				fail_msg("more than %d swaps", MAX_REVS);
			t->revs[t->nrevs++] = a;
		} else if (sscanf(line, "S %d %llu", &k, &a) == 2) {
			t->ok[k] += a;
			t->swaps += a;
		} else if (sscanf(line, "C %llu", &a) == 1) {
			t->conflicts += a;
		} else if (sscanf(line, "R %llu %llu %llu %llu %llu", &a, &b, &c,
		                  &d, &e) == 5) {
			t->race[0] += a;
			t->race[1] += b;
			t->race[2] += c;
			t->race[3] += d;
			t->race[4] += e;
		} else if (line[0] == 'H') {
			fputs(line, hist);
		} else if (sscanf(line, "W %llu %llu %llu %llu", &a, &b, &c,
		                  &d) == 4) {
			t->reads += a;
			t->checks += b;
			t->found += c;
			t->gone += d;
		} else if (sscanf(line, "W %llu", &a) == 1) {
			t->churn += a;
		} else {
			fail_msg("%s: bad line %s", path, line);
		}
	}
	fclose(f);
}

struct move {
	uint64_t rev;
	int state, status;
};

static int cmp_move(const void *a, const void *b)
{
	return cmp_u64(&((const struct move *)a)->rev,
	               &((const struct move *)b)->rev);
}

/*
 * Each raced function's history, merged from every racer by revision,
 * must be a walk of the state machine from where it began; returns the
 * number of distinct revisions (changes) seen.
 */
static uint64_t check_histories(const char *hist_path, const uint64_t *rev0,
                                const int *state0, uint64_t *moves_out)
{
	static struct move mv[RACED][MAX_REVS / RACED];
	size_t n[RACED] = { 0 };
	uint64_t changes = 0, moves = 0;
	FILE *f = fopen(hist_path, "r");
	char line[128];
	int r;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long rev;
		int st, us;

		if (sscanf(line, "H %d %llu %d %d", &r, &rev, &st, &us) != 4 ||
		    r < 0 || r >= RACED)
			fail_msg("bad history line %s", line);
		if (n[r] == MAX_REVS / RACED)
			fail_msg("history of race-%d too long", r);
		mv[r][n[r]].rev = rev;
		mv[r][n[r]].state = st;
		mv[r][n[r]].status = us;
		n[r]++;
	}
	fclose(f);
	for (r = 0; r < RACED; r++) {
		uint64_t prev_rev = rev0[r];
		int prev = state0[r];
		size_t i;

		qsort(mv[r], n[r], sizeof(mv[r][0]), cmp_move);
		for (i = 0; i < n[r]; i++) {
			moves++;
			if (mv[r][i].rev == prev_rev) {
				/* the same revision seen twice: the same record */
				if (mv[r][i].state != prev)
					fail_msg("race-%d: revision %llu reported "
					         "with states %d and %d", r,
					         (unsigned long long)prev_rev, prev,
					         mv[r][i].state);
				continue;
			}
			if (!fcdb_state_transition_allowed((fcdb_state)prev,
			                                   (fcdb_state)mv[r][i].state))
				fail_msg("race-%d went from state %d to %d at "
				         "revision %llu", r, prev, mv[r][i].state,
				         (unsigned long long)mv[r][i].rev);
			prev = mv[r][i].state;
			prev_rev = mv[r][i].rev;
			changes++;
		}
	}
	*moves_out = moves;
	return changes;
}

static void test_cas_and_state_races(void **state)
{
	int full = st_full(), gate[2], stop[2], i, k;
	int cas_attempts = full ? 3000 : 120, race_attempts = full ? 4000 : 200;
	int cli_attempts = full ? 300 : 25, cli = getenv("FCDB") != NULL;
	uint64_t rev_setup, rev_end, rev0[RACED], changes, moves, t0 = st_now_ms();
	int state0[RACED];
	struct totals tot;
	char hist[320];
	struct run r;
	fcdb *db = NULL;
	FILE *hf;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&tot, 0, sizeof(tot));
	tot.revs = calloc(MAX_REVS, sizeof(uint64_t));
	assert_non_null(tot.revs);
	tu_sandbox_new(&r.sb);
	snprintf(hist, sizeof(hist), "%s/history", r.sb.dir);

	/* the shared functions, made before any process starts */
	au_ok(st_open(&db, r.sb.store, FCDB_OPEN_NOSYNC, 0, 0));
	for (i = 0; i < COUNTERS; i++) {
		char name[32];

		counter_name(name, i);
		au_create_active(db, name, "\"description\":\"0\"");
	}
	for (i = 0; i < RACED; i++) {
		char name[32];
		fcdb_function *fn;

		raced_name(name, i);
		fn = au_create_fn(db, name, NULL);
		rev0[i] = fcdb_function_revision(fn);
		state0[i] = (int)fcdb_function_state(fn);
		fcdb_function_free(fn);
	}
	rev_setup = au_revision(db);
	fcdb_close(db); /* never fork with an open handle */

	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(stop), 0);
	/* the watchers first, so that they see every write */
	if (spawn(&r, "readers") == 0) {
		close(gate[0]);
		close(gate[1]);
		close(stop[1]);
		_exit(reader_proc(r.sb.store, stop[0], r.result[r.n]));
	}
	if (spawn(&r, "churn") == 0) {
		close(gate[0]);
		close(gate[1]);
		close(stop[1]);
		_exit(churn_proc(r.sb.store, stop[0], r.result[r.n]));
	}
	close(stop[0]);
	for (i = 0; i < PROCS; i++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "cas%d", i);
		if (spawn(&r, tag) == 0) {
			close(gate[1]);
			_exit(worker_proc(r.sb.store, i, WORK_CAS, cas_attempts,
			                  r.result[r.n], gate[0]));
		}
	}
	if (cli && spawn(&r, "cli") == 0) {
		close(gate[1]);
		_exit(cli_proc(r.sb.store, cli_attempts, r.result[r.n], gate[0]));
	}
	close(gate[0]);
	close(gate[1]); /* go */
	/* counters done: reap the swappers, keep the watchers */
	{
		struct run swappers = r;

		memmove(swappers.pid, r.pid + 2, sizeof(pid_t) * (size_t)(r.n - 2));
		memmove(swappers.result, r.result + 2,
		        sizeof(r.result[0]) * (size_t)(r.n - 2));
		swappers.n = r.n - 2;
		reap_all(&swappers, 600000);
		for (i = 0; i < swappers.n; i++)
			read_result(swappers.result[i], &tot, stdout);
		r.n = 2;
	}

	/* state races, with the watchers still on */
	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < PROCS; i++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "race%d", i);
		if (spawn(&r, tag) == 0) {
			close(gate[1]);
			close(stop[1]);
			_exit(worker_proc(r.sb.store, i, WORK_RACE, race_attempts,
			                  r.result[r.n], gate[0]));
		}
	}
	close(gate[0]);
	close(gate[1]);
	{
		struct run racers = r;

		memmove(racers.pid, r.pid + 2, sizeof(pid_t) * PROCS);
		memmove(racers.result, r.result + 2, sizeof(r.result[0]) * PROCS);
		racers.n = PROCS;
		reap_all(&racers, 600000);
		hf = fopen(hist, "w");
		assert_non_null(hf);
		for (i = 0; i < PROCS; i++)
			read_result(racers.result[i], &tot, hf);
		assert_int_equal(fclose(hf), 0);
		r.n = 2;
	}
	close(stop[1]); /* stop the watchers */
	reap_all(&r, 60000);
	for (i = 0; i < 2; i++)
		read_result(r.result[i], &tot, stdout);

	/* no lost update */
	au_ok(st_open(&db, r.sb.store, FCDB_OPEN_NOSYNC, 0, 0));
	for (k = 0; k < COUNTERS; k++) {
		fcdb_function *fn = NULL;
		char name[32];

		counter_name(name, k);
		au_ok(fcdb_function_get(db, &fn, name));
		if ((uint64_t)strtoll(fcdb_function_description(fn), NULL, 10) !=
		    tot.ok[k])
			fail_msg("%s is %s after %llu successful swaps: lost "
			         "updates", name, fcdb_function_description(fn),
			         (unsigned long long)tot.ok[k]);
		fcdb_function_free(fn);
	}
	/* every swap its own revision */
	assert_int_equal(tot.nrevs, tot.swaps);
	qsort(tot.revs, tot.nrevs, sizeof(uint64_t), cmp_u64);
	for (i = 1; i < (int)tot.nrevs; i++)
		if (tot.revs[i] == tot.revs[i - 1])
			fail_msg("two swaps both got revision %llu",
			         (unsigned long long)tot.revs[i]);
	/* the state machine held, and every write is accounted for */
	changes = check_histories(hist, rev0, state0, &moves);
	rev_end = au_revision(db);
	if (rev_end - rev_setup != tot.swaps + tot.churn + changes)
		fail_msg("the store revision went from %llu to %llu: %llu "
		         "writes, but %llu swaps, %llu churn writes and %llu "
		         "state changes were reported",
		         (unsigned long long)rev_setup,
		         (unsigned long long)rev_end,
		         (unsigned long long)(rev_end - rev_setup),
		         (unsigned long long)tot.swaps,
		         (unsigned long long)tot.churn,
		         (unsigned long long)changes);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	assert_true(tot.swaps > 0 && tot.conflicts > 0); /* they did race */
	assert_true(tot.race[0] > 0 && tot.race[1] > 0);
	assert_true(tot.checks > 0 && tot.found > 0 && tot.gone > 0);
	print_message("concurrency: %llu compare-and-swap attempts by %d "
	              "processes x %d threads%s: %llu swaps, %llu conflicts, "
	              "no lost update (counters %llu/%llu/%llu/%llu)\n",
	              (unsigned long long)(tot.swaps + tot.conflicts), PROCS,
	              THREADS, cli ? " and the fcdb command" : "",
	              (unsigned long long)tot.swaps,
	              (unsigned long long)tot.conflicts,
	              (unsigned long long)tot.ok[0],
	              (unsigned long long)tot.ok[1],
	              (unsigned long long)tot.ok[2],
	              (unsigned long long)tot.ok[3]);
	print_message("concurrency: %llu raced state moves by %d processes x "
	              "%d threads: pinned %llu done, %llu refused, %llu lost "
	              "the race; blind %llu done, %llu refused; %llu changes, "
	              "every history legal\n",
	              (unsigned long long)(tot.race[0] + tot.race[1] +
	                                   tot.race[2] + tot.race[3] +
	                                   tot.race[4]), PROCS, RACERS,
	              (unsigned long long)tot.race[0],
	              (unsigned long long)tot.race[1],
	              (unsigned long long)tot.race[2],
	              (unsigned long long)tot.race[3],
	              (unsigned long long)tot.race[4],
	              (unsigned long long)changes);
	print_message("concurrency: readers: %llu reads, %llu whole-store "
	              "checks clean; churned functions found %llu, not found "
	              "%llu, %llu churn writes; %.1f s\n",
	              (unsigned long long)tot.reads,
	              (unsigned long long)tot.checks,
	              (unsigned long long)tot.found,
	              (unsigned long long)tot.gone,
	              (unsigned long long)tot.churn,
	              (double)(st_now_ms() - t0) / 1000.0);
	(void)moves;
	free(tot.revs);
	tu_sandbox_free(&r.sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cas_and_state_races),
	};

	st_banner("concurrency");
	return cmocka_run_group_tests_name("stress_concurrency", tests, NULL,
	                                   au_sweep);
}
