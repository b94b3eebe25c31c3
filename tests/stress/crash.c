/*
 * crash.c: writers killed with SIGKILL at random moments, and what the
 * store must still hold afterwards.
 *
 * A forked writer opens the store durably and loops over creates,
 * compare-and-swap updates, state and update-status moves and deletes on
 * a pool of functions.  Before each call it appends an intent line to a
 * log and after each call that returned an acknowledgement with what the
 * library handed back (O_APPEND, one write(2) per line, so a line is
 * whole or absent).  The parent kills it after a seeded delay and then:
 * the store opens, fcdb_check and `fcdb check` are clean, and every
 * function is exactly as the acknowledgements say, except the one whose
 * intent has no acknowledgement: a kill between the commit and the ack
 * leaves a change that was made but not acknowledged (acked is a subset
 * of committed), so that function is either as before the call or as the
 * call would leave it, and nothing in between.
 *
 * A second test kills a one-transaction import: all of it lands or none.
 * Every other import has the store to itself (FCDB_OPEN_EXCLUSIVE), as
 * `fcdb import` does: it commits in steps of 1,024 records, and a kill
 * after the first leaves an undo journal that the next open must apply.
 *
 * FCDB_STRESS=full: 300 kills and 40 imports; quick: 20 and 5.
 */
#include "stress.h"
#include "corpus.h"

#include <sys/stat.h>

#define POOL_MAX 64

/* What the acknowledgements say about one function. */
struct fnmodel {
	char name[64];
	int present;
	uint64_t rev;
	int state, status, timeout;
};

/* The intent a killed writer left without an acknowledgement. */
struct pending {
	int active;
	char op[16];
	int index;
	long arg;    /* update: timeout; state, status: the target */
	int async;   /* update: FCDB_WRITE_ASYNC */
};

struct crash_run {
	tu_sandbox sb;
	char log[320];
	uint64_t seed;
	int pool;
	struct fnmodel fn[POOL_MAX];
	uint64_t acked_rev;     /* the store revision of the last ack */
	off_t log_off;          /* parsed up to here */
	/* figures */
	uint64_t kills, acks, changes, in_flight, in_flight_committed;
	uint64_t refused, checks, cli_checks;
};

/* ---- the writer (a forked child; reports through the log only) ---- */

static void writer_ack(int log, int i, const fcdb_function *fn, fcdb *db)
{
	uint64_t rev = 0;

	if (fcdb_revision(db, &rev))
		_exit(20);
	if (fn)
		st_logf(log, "A %d 1 %llu %d %d %d %llu\n", i,
		        (unsigned long long)fcdb_function_revision(fn),
		        (int)fcdb_function_state(fn),
		        (int)fcdb_function_update_status(fn),
		        (int)fcdb_function_timeout(fn), (unsigned long long)rev);
	else
		st_logf(log, "A %d 0 0 0 0 0 %llu\n", i, (unsigned long long)rev);
}

/* After a call: ack, note an allowed refusal, or report and stop. */
static void writer_result(int log, int i, int rc, const fcdb_function *fn,
                          fcdb *db, int refusal_ok)
{
	if (rc == 0) {
		writer_ack(log, i, fn, db);
		return;
	}
	if (refusal_ok && (rc == FCDB_ETRANSITION || rc == FCDB_ECONCURRENT)) {
		st_logf(log, "R %d %s\n", i, fcdb_error_name(rc));
		return;
	}
	st_logf(log, "E %d %s %.300s\n", i, fcdb_error_name(rc),
	        fcdb_error_last()->message);
	_exit(1);
}

static int writer_main(const char *store, const char *logpath,
                       uint64_t seed, uint64_t round, int pool)
{
	static const char *const reasons[] = { NULL, NULL, NULL, "Idle",
	                                       "CrashTest" };
	uint64_t rng = seed ^ (round * 0x9e3779b97f4a7c15ull) ^ 0x5eed;
	corpus_buf doc = { NULL, 0, 0 };
	fcdb *db = NULL;
	int log, rc;
	uint64_t k;

	st_child_signals();
	log = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (log < 0)
		_exit(10);
	/* durable (no NOSYNC): that is the point; a small map, so that
	   kills also land while the map grows */
	rc = st_open(&db, store, 0, 256 * 1024, 0);
	if (rc) {
		st_logf(log, "E -1 %s open: %.300s\n", fcdb_error_name(rc),
		        fcdb_error_last()->message);
		_exit(1);
	}
	for (k = 0;; k++) {
		int i = (int)(tu_rand(&rng) % (uint64_t)pool);
		int r = (int)(tu_rand(&rng) % 100);
		fcdb_write_options wo;
		fcdb_function *fn = NULL;
		char name[64], upd[160];
		fcdb_state st;
		fcdb_update_status us;
		uint64_t rev;

		corpus_name(name, seed, (uint64_t)i);
		fcdb_write_options_init(&wo);
		rc = fcdb_function_read_state(db, name, &st, &us, &rev);
		if (rc == FCDB_ENOTFOUND) {
			doc.len = 0;
			corpus_function(&doc, seed, (uint64_t)i, CORPUS_CREATE,
			                AU_REGION, AU_ACCOUNT);
			st_logf(log, "B create %d\n", i);
			rc = fcdb_function_create(db, &fn, doc.data, doc.len,
			                          NULL);
			writer_result(log, i, rc, fn, db, 0);
		} else if (rc) {
			writer_result(log, i, rc, NULL, db, 0);
		} else if (r < 40 && us != FCDB_UPDATE_IN_PROGRESS) {
			int t = 1 + (int)(tu_rand(&rng) % 600);
			int async = tu_rand(&rng) % 5 == 0;

			snprintf(upd, sizeof(upd), "{\"timeout\":%d,"
			         "\"description\":\"round %llu write %llu\"}", t,
			         (unsigned long long)round, (unsigned long long)k);
			wo.expected_revision = rev; /* compare-and-swap */
			if (async)
				wo.flags = FCDB_WRITE_ASYNC;
			st_logf(log, "B update %d %d %d\n", i, t, async);
			rc = fcdb_function_update(db, &fn, name, upd, strlen(upd),
			                          &wo);
			writer_result(log, i, rc, fn, db, 0);
		} else if (r < 70) {
			int to = 1 + (int)(tu_rand(&rng) % 4);

			if (tu_rand(&rng) % 2)
				wo.expected_revision = rev;
			st_logf(log, "B state %d %d\n", i, to);
			rc = fcdb_function_set_state(db, &fn, name, (fcdb_state)to,
			                             reasons[to], NULL, &wo);
			writer_result(log, i, rc, fn, db, 1);
		} else if (r < 94) {
			int to = 1 + (int)(tu_rand(&rng) % 3);

			st_logf(log, "B status %d %d\n", i, to);
			rc = fcdb_function_set_update_status(db, &fn, name,
			                                     (fcdb_update_status)to,
			                                     NULL, NULL, NULL);
			writer_result(log, i, rc, fn, db, 1);
		} else {
			wo.expected_revision = rev;
			st_logf(log, "B delete %d\n", i);
			rc = fcdb_function_delete(db, name, &wo);
			writer_result(log, i, rc, NULL, db, 0);
		}
		fcdb_function_free(fn);
	}
	return 0; /* not reached */
}

/* ---- the parent: read the log ---- */

/* Parse the log lines added since the last round into the model.  Fails
   the test on an error line; leaves an unacknowledged intent in *p. */
static void read_log(struct crash_run *cr, struct pending *p)
{
	au_bytes all = au_read(cr->log);
	char *line = all.data + cr->log_off, *end = all.data + all.len;

	memset(p, 0, sizeof(*p));
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		int i, present, state, status, timeout;
		unsigned long long rev, srev;

		if (!nl)
			break; /* a torn line cannot happen: one write(2) each */
		*nl = '\0';
		if (line[0] == 'B') {
			char op[16];
			long arg = 0;
			int async = 0;

			if (sscanf(line, "B %15s %d %ld %d", op, &i, &arg,
			           &async) < 2 || i < 0 || i >= cr->pool)
				fail_msg("bad log line: %s", line);
			p->active = 1;
			snprintf(p->op, sizeof(p->op), "%s", op);
			p->index = i;
			p->arg = arg;
			p->async = async;
		} else if (line[0] == 'A') {
			struct fnmodel *m;

			if (sscanf(line, "A %d %d %llu %d %d %d %llu", &i, &present,
			           &rev, &state, &status, &timeout, &srev) != 7 ||
			    i < 0 || i >= cr->pool || !p->active || p->index != i)
				fail_msg("bad log line: %s", line);
			m = &cr->fn[i];
			if (srev < cr->acked_rev)
				fail_msg("the store revision went back from %llu to "
				         "%llu: %s", (unsigned long long)cr->acked_rev,
				         srev, line);
			if (srev > cr->acked_rev)
				cr->changes++;
			cr->acked_rev = srev;
			m->present = present;
			m->rev = rev;
			m->state = state;
			m->status = status;
			m->timeout = timeout;
			cr->acks++;
			p->active = 0;
		} else if (line[0] == 'R') {
			cr->refused++;
			p->active = 0;
		} else {
			fail_msg("the writer failed: %s", line);
		}
		line = nl + 1;
	}
	cr->log_off = (off_t)(line - all.data);
	au_bytes_free(&all);
}

/* ---- the parent: check the store against the model ---- */

struct observed {
	int present;
	uint64_t rev;
	int state, status, timeout;
};

static void on_problem(void *ctx, const char *name, const char *phase,
                       const char *problem)
{
	(void)ctx;
	print_message("check: %s: %s: %s\n", name, phase, problem);
}

/* Read function i every way in; the three must agree. */
static void observe(fcdb *db, const struct fnmodel *m, struct observed *o)
{
	fcdb_function *fn = NULL, *by_arn = NULL, *by_id = NULL;
	char arn[128];
	int rc;

	memset(o, 0, sizeof(*o));
	rc = fcdb_function_get(db, &fn, m->name);
	if (rc == FCDB_ENOTFOUND)
		return;
	if (rc)
		fail_msg("get %s: %s: %s", m->name, fcdb_error_name(rc),
		         fcdb_error_last()->message);
	o->present = 1;
	o->rev = fcdb_function_revision(fn);
	o->state = (int)fcdb_function_state(fn);
	o->status = (int)fcdb_function_update_status(fn);
	o->timeout = fcdb_function_timeout(fn);
	snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", m->name);
	au_ok(fcdb_function_get_by_arn(db, &by_arn, arn));
	au_ok(fcdb_function_get_by_id(db, &by_id, fcdb_function_id(fn)));
	assert_int_equal(fcdb_function_revision(by_arn), o->rev);
	assert_int_equal(fcdb_function_revision(by_id), o->rev);
	fcdb_function_free(by_id);
	fcdb_function_free(by_arn);
	fcdb_function_free(fn);
}

static int same_as_model(const struct fnmodel *m, const struct observed *o)
{
	if (!m->present)
		return !o->present;
	return o->present && o->rev == m->rev && o->state == m->state &&
	       o->status == m->status && o->timeout == m->timeout;
}

/* Would the pending call, committed at store revision `rev`, leave m as o? */
static int as_pending_leaves(const struct pending *p, const struct fnmodel *m,
                             const struct observed *o, uint64_t rev)
{
	if (strcmp(p->op, "delete") == 0)
		return !o->present;
	if (!o->present || o->rev != rev)
		return 0;
	if (strcmp(p->op, "create") == 0)
		return !m->present && o->state == FCDB_STATE_PENDING &&
		       o->status == FCDB_UPDATE_IN_PROGRESS;
	if (!m->present)
		return 0;
	if (strcmp(p->op, "update") == 0)
		return o->timeout == p->arg &&
		       o->status == (p->async ? FCDB_UPDATE_IN_PROGRESS
		                              : FCDB_UPDATE_SUCCESSFUL);
	if (strcmp(p->op, "state") == 0)
		return o->state == p->arg && o->timeout == m->timeout &&
		       fcdb_state_transition_allowed((fcdb_state)m->state,
		                                     (fcdb_state)p->arg);
	if (strcmp(p->op, "status") == 0)
		return o->status == p->arg && o->state == m->state &&
		       fcdb_update_status_transition_allowed(
		               (fcdb_update_status)m->status,
		               (fcdb_update_status)p->arg);
	return 0;
}

static void verify_store(struct crash_run *cr, const struct pending *p)
{
	const char *args[] = { "--db", cr->sb.store, "check", NULL };
	uint64_t rev = 0, problems = 0, present = 0;
	fcdb_stats st;
	fcdb *db = NULL;
	int i, rc;

	rc = st_open(&db, cr->sb.store, 0, 0, 0);
	if (rc)
		fail_msg("after kill %llu the store does not open: %s: %s",
		         (unsigned long long)cr->kills, fcdb_error_name(rc),
		         fcdb_error_last()->message);
	rc = fcdb_check(db, on_problem, NULL, &problems);
	if (rc)
		fail_msg("after kill %llu fcdb_check: %s, %llu problems",
		         (unsigned long long)cr->kills, fcdb_error_name(rc),
		         (unsigned long long)problems);
	cr->checks++;
	au_ok(fcdb_revision(db, &rev));
	if (rev != cr->acked_rev && !(p->active && rev == cr->acked_rev + 1))
		fail_msg("after kill %llu the store revision is %llu; the last "
		         "ack said %llu%s", (unsigned long long)cr->kills,
		         (unsigned long long)rev,
		         (unsigned long long)cr->acked_rev,
		         p->active ? " (one write in flight)" : "");
	for (i = 0; i < cr->pool; i++) {
		struct fnmodel *m = &cr->fn[i];
		struct observed o;

		observe(db, m, &o);
		present += (uint64_t)o.present;
		if (same_as_model(m, &o))
			continue;
		if (p->active && p->index == i && rev == cr->acked_rev + 1 &&
		    as_pending_leaves(p, m, &o, rev)) {
			/* committed, killed before the ack: adopt it */
			m->present = o.present;
			m->rev = o.rev;
			m->state = o.state;
			m->status = o.status;
			m->timeout = o.timeout;
			cr->acked_rev = rev;
			cr->in_flight_committed++;
			continue;
		}
		fail_msg("after kill %llu, %s is %s rev %llu state %d status %d "
		         "timeout %d; acknowledged: %s rev %llu state %d status "
		         "%d timeout %d; in flight: %s %s",
		         (unsigned long long)cr->kills, m->name,
		         o.present ? "present" : "absent",
		         (unsigned long long)o.rev, o.state, o.status, o.timeout,
		         m->present ? "present" : "absent",
		         (unsigned long long)m->rev, m->state, m->status,
		         m->timeout, p->active ? p->op : "nothing",
		         p->active && p->index == i ? "on it" : "elsewhere");
	}
	if (rev != cr->acked_rev)
		fail_msg("the store revision is %llu but no function carries "
		         "the change after %llu", (unsigned long long)rev,
		         (unsigned long long)cr->acked_rev);
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, present);
	assert_int_equal(st.arn_entries, present);
	assert_int_equal(st.id_entries, present);
	fcdb_close(db);
	if (p->active)
		cr->in_flight++;
	/* and the command a user would run says the same */
	rc = st_cli(NULL, 0, NULL, args);
	if (rc >= 0) {
		if (rc != 0)
			fail_msg("after kill %llu `fcdb check` exits %d",
			         (unsigned long long)cr->kills, rc);
		cr->cli_checks++;
	}
}

/* A delay before the kill: mostly while writes are flowing, sometimes
   while the writer is still opening the store, sometimes much later. */
static uint64_t kill_delay_us(uint64_t *rng)
{
	uint64_t r = tu_rand(rng) % 100;

	if (r < 10)
		return tu_rand(rng) % 2000;
	if (r < 75)
		return 2000 + tu_rand(rng) % 40000;
	return 40000 + tu_rand(rng) % 160000;
}

static void test_killed_writer_loses_nothing(void **state)
{
	static struct crash_run cr;
	uint64_t rng, kills = st_full() ? 300 : 20, t0 = st_now_ms();
	fcdb *db = NULL;
	int i;

	(void)state;
	memset(&cr, 0, sizeof(cr));
	tu_sandbox_new(&cr.sb);
	snprintf(cr.log, sizeof(cr.log), "%s/acks.log", cr.sb.dir);
	cr.seed = tu_seed();
	cr.pool = st_full() ? POOL_MAX : 24;
	for (i = 0; i < cr.pool; i++)
		corpus_name(cr.fn[i].name, cr.seed, (uint64_t)i);
	rng = cr.seed ^ 0xc4a5f00dull;
	au_ok(st_open(&db, cr.sb.store, 0, 0, 0)); /* made before any kill */
	fcdb_close(db);
	tu_write(cr.log, "", 0);

	while (cr.kills < kills) {
		struct pending p;
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			_exit(writer_main(cr.sb.store, cr.log, cr.seed, cr.kills,
			                  cr.pool));
		st_sleep_us(kill_delay_us(&rng));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		read_log(&cr, &p);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("the writer ended by itself (%s) before kill %llu",
			         st_status_text(status),
			         (unsigned long long)cr.kills);
		cr.kills++;
		verify_store(&cr, &p);
	}
	print_message("crash: %llu kills survived, %llu acknowledged writes "
	              "(%llu changes, %llu refusals), %llu kills with a write "
	              "in flight (%llu committed but not acknowledged), "
	              "%llu fcdb_check and %llu `fcdb check` clean, store "
	              "revision %llu, %.1f s\n",
	              (unsigned long long)cr.kills, (unsigned long long)cr.acks,
	              (unsigned long long)cr.changes,
	              (unsigned long long)cr.refused,
	              (unsigned long long)cr.in_flight,
	              (unsigned long long)cr.in_flight_committed,
	              (unsigned long long)cr.checks,
	              (unsigned long long)cr.cli_checks,
	              (unsigned long long)cr.acked_rev,
	              (double)(st_now_ms() - t0) / 1000.0);
	assert_true(cr.changes > cr.kills); /* the writers got work done */
	tu_sandbox_free(&cr.sb);
}

/* ---- an import killed mid-transaction ---- */

struct file_src {
	int fd;
};

static int read_fd(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct file_src *f = ctx;
	ssize_t n = read(f->fd, buf, cap);

	if (n < 0)
		return -1;
	*got = (size_t)n;
	return 0;
}

static int rewind_fd(void *ctx)
{
	struct file_src *f = ctx;

	return lseek(f->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/* Write functions [first, first + n) of the corpus as NDJSON to path. */
static void write_batch(const char *path, uint64_t seed, uint64_t first,
                        uint64_t n)
{
	corpus_buf line = { NULL, 0, 0 };
	FILE *f = fopen(path, "w");
	uint64_t i;

	assert_non_null(f);
	for (i = first; i < first + n; i++) {
		line.len = 0;
		corpus_function(&line, seed, i, CORPUS_FUNCTION, AU_REGION,
		                AU_ACCOUNT);
		fwrite(line.data, 1, line.len, f);
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
	corpus_buf_free(&line);
}

/* The importer: a forked child; exit 0 when the import returned. */
static int importer_main(const char *store, const char *path,
                         unsigned flags)
{
	fcdb_import_options io;
	struct file_src src;
	struct stat st;
	fcdb *db = NULL;
	int rc;

	st_child_signals();
	src.fd = open(path, O_RDONLY);
	if (src.fd < 0 || st_open(&db, store, flags, 0, 0))
		return 2;
	fcdb_import_options_init(&io);
	if (fstat(src.fd, &st) == 0)
		io.size_hint = (uint64_t)st.st_size;
	io.mode = FCDB_IMPORT_CREATE;
	io.rewind = rewind_fd;
	rc = fcdb_import(db, read_fd, &src, &io, NULL);
	if (rc)
		fprintf(stderr, "import: %s: %s\n", fcdb_error_name(rc),
		        fcdb_error_last()->message);
	fcdb_close(db);
	return rc ? 1 : 0;
}

static void test_killed_import_is_all_or_nothing(void **state)
{
	uint64_t rng = tu_seed() ^ 0x1a9047ull, have = 0, landed = 0;
	uint64_t full_us = 0, t0 = st_now_ms(), journals = 0;
	int kills = st_full() ? 40 : 5, per = st_full() ? 3000 : 1500, k;
	char path[320], journal[400];
	tu_sandbox sb;
	fcdb *db = NULL;

	(void)state;
	tu_sandbox_new(&sb);
	snprintf(path, sizeof(path), "%s/batch.ndjson", sb.dir);
	snprintf(journal, sizeof(journal), "%s-journal", sb.store);
	au_ok(st_open(&db, sb.store, 0, 0, 0));
	fcdb_close(db);
	/* attempt 0 runs to the end and times the import */
	for (k = 0; k <= kills; k++) {
		uint64_t problems = 0, started, delay = 0;
		fcdb_function *fn = NULL;
		char name[64];
		fcdb_stats st;
		int status, rc, whole = 0, i;
		pid_t pid;

		write_batch(path, tu_seed(), (uint64_t)k * (uint64_t)per,
		            (uint64_t)per);
		started = st_now_ms();
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(importer_main(sb.store, path, k % 2 ?
			                    FCDB_OPEN_EXCLUSIVE : 0));
		if (k == 0) {
			if (st_wait(pid, &status, 120000))
				fail_msg("the first import did not end in 120 s");
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				fail_msg("the first import failed: %s",
				         st_status_text(status));
			full_us = (st_now_ms() - started) * 1000 + 1000;
		} else {
			/* anywhere in the import, and a little past its end */
			delay = tu_rand(&rng) % (full_us + full_us / 5);
			st_sleep_us(delay);
			kill(pid, SIGKILL);
			assert_int_equal(waitpid(pid, &status, 0), pid);
			if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				fail_msg("import %d failed by itself: %s", k,
				         st_status_text(status));
		}
		if (access(journal, F_OK) == 0)
			journals++;
		rc = st_open(&db, sb.store, 0, 0, 0);
		if (rc)
			fail_msg("after killed import %d the store does not open: "
			         "%s", k, fcdb_error_last()->message);
		if (access(journal, F_OK) == 0)
			fail_msg("after killed import %d the journal is still "
			         "there", k);
		rc = fcdb_check(db, on_problem, NULL, &problems);
		if (rc)
			fail_msg("after killed import %d: check %s, %llu problems",
			         k, fcdb_error_name(rc),
			         (unsigned long long)problems);
		au_ok(fcdb_stats_get(db, &st));
		if (st.functions == have + (uint64_t)per) {
			have += (uint64_t)per;
			landed++;
			whole = 1;
		} else if (st.functions == have) {
			whole = 0;
		} else {
			fail_msg("import %d killed after %llu us left %llu "
			         "functions: %llu before, %d in the import", k,
			         (unsigned long long)delay,
			         (unsigned long long)st.functions,
			         (unsigned long long)have, per);
		}
		/* its first and last functions are there exactly when all are */
		for (i = 0; i < 2; i++) {
			corpus_name(name, tu_seed(), (uint64_t)k * (uint64_t)per +
			            (i ? (uint64_t)per - 1 : 0));
			au_expect(fcdb_function_get(db, &fn, name),
			          whole ? FCDB_OK : FCDB_ENOTFOUND);
			fcdb_function_free(fn);
			fn = NULL;
		}
		fcdb_close(db);
	}
	print_message("crash: %d imports of %d functions killed at random, "
	              "every other one exclusive: "
	              "%llu landed whole, %llu left nothing, %llu of them "
	              "undone from a journal (%.1f s)\n", kills,
	              per, (unsigned long long)(landed - 1),
	              (unsigned long long)(kills - (int)(landed - 1)),
	              (unsigned long long)journals,
	              (double)(st_now_ms() - t0) / 1000.0);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_writer_loses_nothing),
		cmocka_unit_test(test_killed_import_is_all_or_nothing),
	};

	st_banner("crash");
	return cmocka_run_group_tests_name("stress_crash", tests, NULL,
	                                   au_sweep);
}
