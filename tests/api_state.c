/*
 * api_state.c: the lifecycle state machines through the public API.
 *
 * The tables here are written out from DESIGN.md section 4 independently
 * of the library's own, and every (from, to) pair is driven on a real
 * function: allowed moves succeed, same-state moves succeed without a
 * write, everything else is InvalidStateTransition naming both states.
 */
#include "apiutil.h"

#define NS 4 /* states, 1..4 */

static const fcdb_state states[NS] = {
	FCDB_STATE_PENDING, FCDB_STATE_ACTIVE, FCDB_STATE_INACTIVE,
	FCDB_STATE_FAILED
};
static const char *const state_words[5] = {
	NULL, "Pending", "Active", "Inactive", "Failed"
};

/* DESIGN.md section 4, [from][to], indexes are fcdb_state values. */
static const int state_table[5][5] = {
	/*            -  Pend Act Inact Fail */
	/* none */  { 0, 0,   0,  0,    0 },
	/* Pend */  { 0, 1,   1,  1,    1 },
	/* Act  */  { 0, 0,   1,  1,    1 },
	/* Inact */ { 0, 1,   0,  1,    1 },
	/* Fail */  { 0, 1,   0,  0,    1 },
};

static const char *const status_words[4] = {
	NULL, "InProgress", "Successful", "Failed"
};
static const int status_table[4][4] = {
	/*            -  InPr Succ Fail */
	/* none */  { 0, 0,   0,   0 },
	/* InPr */  { 0, 1,   1,   1 },
	/* Succ */  { 0, 1,   1,   0 },
	/* Fail */  { 0, 1,   0,   1 },
};

/*
 * Legal routes from a fresh create (Pending) to each state, several per
 * state so that "from" is reached by every kind of history.  Each route
 * ends with FCDB_STATE_NONE.
 */
static const fcdb_state routes[][5] = {
	{ FCDB_STATE_NONE },                                   /* Pending */
	{ FCDB_STATE_INACTIVE, FCDB_STATE_PENDING, FCDB_STATE_NONE },
	{ FCDB_STATE_FAILED, FCDB_STATE_PENDING, FCDB_STATE_NONE },
	{ FCDB_STATE_ACTIVE, FCDB_STATE_INACTIVE, FCDB_STATE_PENDING,
	  FCDB_STATE_NONE },
	{ FCDB_STATE_ACTIVE, FCDB_STATE_NONE },                /* Active */
	{ FCDB_STATE_INACTIVE, FCDB_STATE_PENDING, FCDB_STATE_ACTIVE,
	  FCDB_STATE_NONE },
	{ FCDB_STATE_FAILED, FCDB_STATE_PENDING, FCDB_STATE_ACTIVE,
	  FCDB_STATE_NONE },
	{ FCDB_STATE_INACTIVE, FCDB_STATE_NONE },              /* Inactive */
	{ FCDB_STATE_ACTIVE, FCDB_STATE_INACTIVE, FCDB_STATE_NONE },
	{ FCDB_STATE_FAILED, FCDB_STATE_NONE },                /* Failed */
	{ FCDB_STATE_ACTIVE, FCDB_STATE_FAILED, FCDB_STATE_NONE },
	{ FCDB_STATE_INACTIVE, FCDB_STATE_FAILED, FCDB_STATE_NONE },
	{ FCDB_STATE_ACTIVE, FCDB_STATE_INACTIVE, FCDB_STATE_FAILED,
	  FCDB_STATE_NONE },
};

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	return au_open(sb->store);
}

static int move(fcdb *db, fcdb_function **out, const char *name,
                fcdb_state to)
{
	return fcdb_function_set_state(db, out, name, to,
	                               to == FCDB_STATE_FAILED ? "InternalError"
	                                                       : NULL,
	                               NULL, NULL);
}

/* The state `name` ends in after its route. */
static fcdb_state drive(fcdb *db, const char *name, const fcdb_state *route)
{
	fcdb_state at = FCDB_STATE_PENDING;

	au_create(db, name, NULL);
	for (; *route != FCDB_STATE_NONE; route++) {
		int rc = move(db, NULL, name, *route);

		if (rc)
			fail_msg("route %s -> %s refused: %s", state_words[at],
			         state_words[*route], fcdb_error_last()->message);
		at = *route;
	}
	return at;
}

/* read_state and get agree with each other and with `want`. */
static void assert_state(fcdb *db, const char *name, fcdb_state want,
                         uint64_t rev)
{
	fcdb_function *fn = NULL;
	fcdb_state st;
	fcdb_update_status us;
	uint64_t r;
	cJSON *j;

	au_ok(fcdb_function_read_state(db, name, &st, &us, &r));
	au_ok(fcdb_function_get(db, &fn, name));
	assert_int_equal(st, want);
	assert_int_equal(fcdb_function_state(fn), st);
	assert_int_equal(fcdb_function_update_status(fn), us);
	assert_int_equal(fcdb_function_revision(fn), r);
	if (rev)
		assert_int_equal(r, rev);
	j = au_json(fn);
	au_assert_jstr(j, "state", state_words[st]);
	au_assert_jstr(j, "lastUpdateStatus", status_words[us]);
	cJSON_Delete(j);
	fcdb_function_free(fn);
}

static void test_state_table_pure(void **state)
{
	int from, to;

	(void)state;
	for (from = 0; from < 5; from++)
		for (to = 0; to < 5; to++)
			if (fcdb_state_transition_allowed((fcdb_state)from,
			                                  (fcdb_state)to) !=
			    state_table[from][to])
				fail_msg("fcdb_state_transition_allowed(%d, %d)",
				         from, to);
	for (from = 0; from < 4; from++)
		for (to = 0; to < 4; to++)
			if (fcdb_update_status_transition_allowed(
			            (fcdb_update_status)from,
			            (fcdb_update_status)to) !=
			    status_table[from][to])
				fail_msg("fcdb_update_status_transition_allowed"
				         "(%d, %d)", from, to);
	/* out of range is never allowed */
	assert_false(fcdb_state_transition_allowed((fcdb_state)5,
	                                           FCDB_STATE_ACTIVE));
	assert_false(fcdb_state_transition_allowed(FCDB_STATE_PENDING,
	                                           (fcdb_state)-1));
	assert_false(fcdb_update_status_transition_allowed(
	        (fcdb_update_status)9, FCDB_UPDATE_FAILED));
}

static void test_names_and_parsing(void **state)
{
	fcdb_state st;
	fcdb_update_status us;
	int i;

	(void)state;
	for (i = 1; i < 5; i++) {
		assert_string_equal(fcdb_state_name((fcdb_state)i),
		                    state_words[i]);
		au_ok(fcdb_state_parse(&st, state_words[i]));
		assert_int_equal(st, i);
	}
	for (i = 1; i < 4; i++) {
		assert_string_equal(fcdb_update_status_name((fcdb_update_status)i),
		                    status_words[i]);
		au_ok(fcdb_update_status_parse(&us, status_words[i]));
		assert_int_equal(us, i);
	}
	assert_null(fcdb_state_name((fcdb_state)5));
	assert_null(fcdb_update_status_name((fcdb_update_status)4));
	st = FCDB_STATE_ACTIVE;
	assert_int_equal(fcdb_state_parse(&st, "active"), FCDB_EINVAL);
	assert_int_equal(st, FCDB_STATE_NONE);
	assert_int_equal(fcdb_state_parse(&st, ""), FCDB_EINVAL);
	assert_int_equal(fcdb_state_parse(&st, NULL), FCDB_EINVAL);
	assert_int_equal(fcdb_update_status_parse(&us, "Success"), FCDB_EINVAL);
	assert_int_equal(fcdb_state_parse(NULL, "Active"), FCDB_EINVAL);
}

/* Every (from, to) pair of states, from every route. */
static void test_state_every_pair(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t r;
	int t, n = 0;

	(void)state;
	for (r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
		for (t = 0; t < NS; t++) {
			fcdb_state to = states[t], from;
			fcdb_function *fn = NULL;
			char name[32];
			uint64_t rev, store_rev;
			au_bytes before;
			int rc;

			snprintf(name, sizeof(name), "r%zu-to-%s", r,
			         state_words[to]);
			from = drive(db, name, routes[r]);
			au_ok(fcdb_function_read_state(db, name, NULL, NULL, &rev));
			store_rev = au_revision(db);
			before = au_read(sb.store);
			rc = move(db, &fn, name, to);
			if (from == to) {
				/* idempotent: success, nothing written */
				if (rc)
					fail_msg("%s -> %s (same) returned %s",
					         state_words[from], state_words[to],
					         fcdb_error_name(rc));
				assert_non_null(fn);
				assert_int_equal(fcdb_function_revision(fn), rev);
				assert_int_equal(au_revision(db), store_rev);
				au_assert_file_is(sb.store, &before);
				assert_state(db, name, from, rev);
			} else if (state_table[from][to]) {
				if (rc)
					fail_msg("%s -> %s refused: %s",
					         state_words[from], state_words[to],
					         fcdb_error_last()->message);
				assert_non_null(fn);
				assert_int_equal(fcdb_function_state(fn), to);
				assert_int_equal(au_revision(db), store_rev + 1);
				assert_int_equal(fcdb_function_revision(fn),
				                 store_rev + 1);
				assert_state(db, name, to, store_rev + 1);
			} else {
				if (rc != FCDB_ETRANSITION)
					fail_msg("%s -> %s returned %d %s, want "
					         "InvalidStateTransition",
					         state_words[from], state_words[to],
					         rc, fcdb_error_name(rc));
				assert_null(fn);
				au_message_has(state_words[from]);
				au_message_has(state_words[to]);
				assert_int_equal(au_revision(db), store_rev);
				au_assert_file_is(sb.store, &before);
				assert_state(db, name, from, rev);
			}
			fcdb_function_free(fn);
			au_bytes_free(&before);
			n++;
		}
	}
	assert_int_equal(n, 13 * 4);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Drive `name` (fresh, InProgress) to lastUpdateStatus `to`. */
static void drive_status(fcdb *db, const char *name, fcdb_update_status to)
{
	au_create(db, name, NULL);
	if (to != FCDB_UPDATE_IN_PROGRESS)
		au_ok(fcdb_function_set_update_status(db, NULL, name, to, NULL,
		                                      NULL, NULL));
}

static void test_update_status_every_pair(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	int f, t, via;

	(void)state;
	for (via = 0; via < 2; via++) {
		for (f = 1; f < 4; f++) {
			for (t = 1; t < 4; t++) {
				fcdb_function *fn = NULL;
				fcdb_update_status us;
				uint64_t rev, srev;
				au_bytes before;
				char name[48];
				int rc;

				snprintf(name, sizeof(name), "v%d-%s-%s", via,
				         status_words[f], status_words[t]);
				drive_status(db, name, (fcdb_update_status)f);
				if (via) {
					/* the same from a round trip through
					   InProgress */
					if (f != FCDB_UPDATE_IN_PROGRESS)
						au_ok(fcdb_function_set_update_status(
						        db, NULL, name,
						        FCDB_UPDATE_IN_PROGRESS, NULL,
						        NULL, NULL));
					if (f != FCDB_UPDATE_IN_PROGRESS)
						au_ok(fcdb_function_set_update_status(
						        db, NULL, name,
						        (fcdb_update_status)f, NULL,
						        NULL, NULL));
				}
				au_ok(fcdb_function_read_state(db, name, NULL, &us,
				                               &rev));
				assert_int_equal(us, f);
				srev = au_revision(db);
				before = au_read(sb.store);
				rc = fcdb_function_set_update_status(db, &fn, name,
				        (fcdb_update_status)t, NULL, NULL, NULL);
				if (f == t) {
					au_ok(rc);
					assert_int_equal(fcdb_function_revision(fn),
					                 rev);
					assert_int_equal(au_revision(db), srev);
					au_assert_file_is(sb.store, &before);
				} else if (status_table[f][t]) {
					au_ok(rc);
					assert_int_equal(fcdb_function_update_status(fn),
					                 t);
					assert_int_equal(au_revision(db), srev + 1);
				} else {
					if (rc != FCDB_ETRANSITION)
						fail_msg("%s -> %s returned %s",
						         status_words[f],
						         status_words[t],
						         fcdb_error_name(rc));
					assert_null(fn);
					au_message_has(status_words[f]);
					au_message_has(status_words[t]);
					assert_int_equal(au_revision(db), srev);
					au_assert_file_is(sb.store, &before);
				}
				/* the state is never touched by these */
				assert_state(db, name, FCDB_STATE_PENDING, 0);
				fcdb_function_free(fn);
				au_bytes_free(&before);
			}
		}
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- coupled effects and reasons ---- */

static void test_pending_to_active_completes_update(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create(db, "prov", NULL);
	au_ok(fcdb_function_set_state(db, &fn, "prov", FCDB_STATE_ACTIVE, NULL,
	                              NULL, NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_SUCCESSFUL);
	/* Active clears the creation reasons */
	assert_null(fcdb_function_state_reason_code(fn));
	assert_null(fcdb_function_state_reason(fn));
	assert_state(db, "prov", FCDB_STATE_ACTIVE, 2);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_pending_to_failed_fails_update(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create(db, "doomed", NULL);
	au_ok(fcdb_function_set_state(db, &fn, "doomed", FCDB_STATE_FAILED,
	                              "ImageAccessDenied",
	                              "registry said no", NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_FAILED);
	assert_int_equal(fcdb_function_update_status(fn), FCDB_UPDATE_FAILED);
	assert_string_equal(fcdb_function_state_reason_code(fn),
	                    "ImageAccessDenied");
	assert_string_equal(fcdb_function_state_reason(fn), "registry said no");
	fcdb_function_free(fn);
	fn = NULL;
	assert_state(db, "doomed", FCDB_STATE_FAILED, 2);

	/* Active -> Failed leaves a finished update's status alone. */
	au_create_active(db, "was-fine", NULL);
	au_ok(fcdb_function_set_state(db, &fn, "was-fine", FCDB_STATE_FAILED,
	                              "ImageDeleted", NULL, NULL));
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_SUCCESSFUL);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_failed_needs_reason_code(void **state)
{
	fcdb *db;
	tu_sandbox sb;
	au_bytes before;

	(void)state;
	db = open_sb(&sb);
	au_create(db, "why", NULL);
	before = au_read(sb.store);
	au_expect(fcdb_function_set_state(db, NULL, "why", FCDB_STATE_FAILED,
	                                  NULL, "no code given", NULL),
	          FCDB_EINVAL);
	au_field("stateReasonCode");
	au_expect(fcdb_function_set_state(db, NULL, "why", FCDB_STATE_FAILED,
	                                  "", NULL, NULL), FCDB_EINVAL);
	au_field("stateReasonCode");
	au_assert_file_is(sb.store, &before);
	assert_state(db, "why", FCDB_STATE_PENDING, 1);
	au_ok(fcdb_function_set_state(db, NULL, "why", FCDB_STATE_FAILED,
	                              "InternalError", NULL, NULL));
	assert_state(db, "why", FCDB_STATE_FAILED, 2);
	/* already Failed: the same state is a no-op, reason or not */
	au_bytes_free(&before);
	before = au_read(sb.store);
	au_ok(fcdb_function_set_state(db, NULL, "why", FCDB_STATE_FAILED,
	                              NULL, NULL, NULL));
	au_ok(fcdb_function_set_state(db, NULL, "why", FCDB_STATE_FAILED,
	                              "Other", NULL, NULL));
	au_assert_file_is(sb.store, &before);
	assert_state(db, "why", FCDB_STATE_FAILED, 2);
	au_bytes_free(&before);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_default_reason_codes(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create_active(db, "reasons", NULL);
	au_ok(fcdb_function_set_state(db, &fn, "reasons", FCDB_STATE_INACTIVE,
	                              NULL, NULL, NULL));
	assert_string_equal(fcdb_function_state_reason_code(fn), "Idle");
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_set_state(db, &fn, "reasons", FCDB_STATE_PENDING,
	                              NULL, NULL, NULL));
	assert_string_equal(fcdb_function_state_reason_code(fn), "Restoring");
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_set_state(db, &fn, "reasons", FCDB_STATE_ACTIVE,
	                              NULL, NULL, NULL));
	assert_null(fcdb_function_state_reason_code(fn));
	fcdb_function_free(fn);
	fn = NULL;

	/* given reasons win over the defaults, and reach the JSON */
	au_ok(fcdb_function_set_state(db, &fn, "reasons", FCDB_STATE_INACTIVE,
	                              "Reclaimed", "idle for 30 days", NULL));
	assert_string_equal(fcdb_function_state_reason_code(fn), "Reclaimed");
	assert_string_equal(fcdb_function_state_reason(fn), "idle for 30 days");
	fcdb_function_free(fn);
	{
		cJSON *j = au_get_json(db, "reasons");

		au_assert_jstr(j, "stateReasonCode", "Reclaimed");
		au_assert_jstr(j, "stateReason", "idle for 30 days");
		cJSON_Delete(j);
	}
	fn = NULL;

	/* lastUpdateStatus reasons */
	au_ok(fcdb_function_set_update_status(db, &fn, "reasons",
	      FCDB_UPDATE_IN_PROGRESS, "ImageOptimizing", "optimising", NULL));
	assert_string_equal(fcdb_function_update_status_reason_code(fn),
	                    "ImageOptimizing");
	assert_string_equal(fcdb_function_update_status_reason(fn),
	                    "optimising");
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_bad_arguments(void **state)
{
	fcdb_write_options wo;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	au_bytes before;
	char *huge = malloc(4096);

	(void)state;
	au_create(db, "args", NULL);
	before = au_read(sb.store);
	au_expect(fcdb_function_set_state(db, NULL, "args", FCDB_STATE_NONE,
	                                  NULL, NULL, NULL), FCDB_EINVAL);
	au_expect(fcdb_function_set_state(db, NULL, "args", (fcdb_state)5,
	                                  NULL, NULL, NULL), FCDB_EINVAL);
	au_expect(fcdb_function_set_update_status(db, NULL, "args",
	          FCDB_UPDATE_NONE, NULL, NULL, NULL), FCDB_EINVAL);
	au_expect(fcdb_function_set_update_status(db, NULL, "args",
	          (fcdb_update_status)7, NULL, NULL, NULL), FCDB_EINVAL);
	/* reasons are UTF-8 text */
	au_expect(fcdb_function_set_state(db, NULL, "args", FCDB_STATE_FAILED,
	                                  "Bad\xff", NULL, NULL), FCDB_EINVAL);
	memset(huge, 'r', 4095);
	huge[4095] = '\0';
	au_expect(fcdb_function_set_state(db, NULL, "args",
	                                  FCDB_STATE_INACTIVE, NULL, huge,
	                                  NULL), FCDB_EINVAL);
	/* missing functions */
	au_expect(fcdb_function_set_state(db, NULL, "nobody",
	                                  FCDB_STATE_ACTIVE, NULL, NULL, NULL),
	          FCDB_ENOTFOUND);
	au_expect(fcdb_function_set_update_status(db, NULL, "nobody",
	          FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL), FCDB_ENOTFOUND);
	au_expect(fcdb_function_read_state(db, "nobody", NULL, NULL, NULL),
	          FCDB_ENOTFOUND);
	/* compare-and-swap applies to state moves */
	fcdb_write_options_init(&wo);
	wo.expected_revision = 7;
	au_expect(fcdb_function_set_state(db, NULL, "args", FCDB_STATE_ACTIVE,
	                                  NULL, NULL, &wo), FCDB_EPRECONDITION);
	au_expect(fcdb_function_set_update_status(db, NULL, "args",
	          FCDB_UPDATE_SUCCESSFUL, NULL, NULL, &wo), FCDB_EPRECONDITION);
	au_assert_file_is(sb.store, &before);
	wo.expected_revision = 1;
	au_ok(fcdb_function_set_state(db, NULL, "args", FCDB_STATE_ACTIVE,
	                              NULL, NULL, &wo));
	assert_state(db, "args", FCDB_STATE_ACTIVE, 2);
	free(huge);
	au_bytes_free(&before);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* read_state agrees with get through a long random walk of legal moves. */
static void test_read_state_agrees_random_walk(void **state)
{
	uint64_t rng = tu_seed() ^ 0x5157a7e;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_state at = FCDB_STATE_PENDING;
	fcdb_update_status us;
	uint64_t expect_rev = 1;
	int i;

	(void)state;
	au_create(db, "walker", NULL);
	for (i = 0; i < 300; i++) {
		uint64_t r = tu_rand(&rng);
		fcdb_function *fn = NULL;
		int rc;

		if (r % 3 == 0) {
			fcdb_update_status to = (fcdb_update_status)(1 + (r >> 8) % 3);

			au_ok(fcdb_function_read_state(db, "walker", NULL, &us,
			                               NULL));
			rc = fcdb_function_set_update_status(db, &fn, "walker", to,
			                                     NULL, NULL, NULL);
			if (to == us) {
				au_ok(rc);
			} else if (status_table[us][to]) {
				au_ok(rc);
				expect_rev++;
			} else {
				assert_int_equal(rc, FCDB_ETRANSITION);
			}
		} else {
			fcdb_state to = states[(r >> 8) % NS];

			rc = move(db, &fn, "walker", to);
			if (to == at) {
				au_ok(rc);
			} else if (state_table[at][to]) {
				au_ok(rc);
				expect_rev++;
				at = to;
			} else {
				assert_int_equal(rc, FCDB_ETRANSITION);
			}
		}
		fcdb_function_free(fn);
		assert_state(db, "walker", at, expect_rev);
		assert_int_equal(au_revision(db), expect_rev);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table_pure),
		cmocka_unit_test(test_names_and_parsing),
		cmocka_unit_test(test_state_every_pair),
		cmocka_unit_test(test_update_status_every_pair),
		cmocka_unit_test(test_pending_to_active_completes_update),
		cmocka_unit_test(test_pending_to_failed_fails_update),
		cmocka_unit_test(test_failed_needs_reason_code),
		cmocka_unit_test(test_default_reason_codes),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_read_state_agrees_random_walk),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_state", tests, NULL, au_sweep);
}
