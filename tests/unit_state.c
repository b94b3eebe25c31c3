/* unit_state.c: the whole state machine table, allowed and refused (state.c). */
#include "testutil.h"

#include <string.h>

#include "state.h"

/* DESIGN.md section 4, written out independently of state.c. */
static const int want_state[5][5] = {
	/*            none Pend  Act  Inact Fail */
	/* none  */ { 0,   0,    0,   0,    0 },
	/* Pend  */ { 0,   2,    1,   1,    1 },
	/* Act   */ { 0,   0,    2,   1,    1 },
	/* Inact */ { 0,   1,    0,   2,    1 },
	/* Fail  */ { 0,   1,    0,   0,    2 },
};

static const int want_status[4][4] = {
	/*            none InPr Succ Fail */
	/* none  */ { 0,   0,   0,   0 },
	/* InPr  */ { 0,   2,   1,   1 },
	/* Succ  */ { 0,   1,   2,   0 },
	/* Fail  */ { 0,   1,   0,   2 },
};

static void test_state_table(void **state)
{
	(void)state;
	for (int from = 0; from < 5; from++)
		for (int to = 0; to < 5; to++) {
			int got = fcdb__state_move((fcdb_state)from, (fcdb_state)to);
			if (got != want_state[from][to])
				fail_msg("state %d -> %d: got %d want %d", from, to,
				         got, want_state[from][to]);
			assert_int_equal(fcdb_state_transition_allowed(
			                 (fcdb_state)from, (fcdb_state)to),
			                 want_state[from][to] != 0);
		}
	/* out of range is refused, never read past the table */
	assert_int_equal(fcdb__state_move((fcdb_state)9, FCDB_STATE_ACTIVE), 0);
	assert_int_equal(fcdb__state_move(FCDB_STATE_ACTIVE, (fcdb_state)-1), 0);
}

static void test_status_table(void **state)
{
	(void)state;
	for (int from = 0; from < 4; from++)
		for (int to = 0; to < 4; to++) {
			int got = fcdb__update_status_move(
				(fcdb_update_status)from, (fcdb_update_status)to);
			if (got != want_status[from][to])
				fail_msg("status %d -> %d: got %d want %d", from, to,
				         got, want_status[from][to]);
		}
	assert_int_equal(fcdb__update_status_move((fcdb_update_status)7,
	                                          FCDB_UPDATE_FAILED), 0);
}

static void test_names_round_trip(void **state)
{
	fcdb_state s;
	fcdb_update_status u;

	(void)state;
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(fcdb_state_parse(&s, fcdb_state_name((fcdb_state)i)), 0);
		assert_int_equal(s, i);
	}
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(fcdb_update_status_parse(&u,
			fcdb_update_status_name((fcdb_update_status)i)), 0);
		assert_int_equal(u, i);
	}
	assert_string_equal(fcdb_state_name(FCDB_STATE_INACTIVE), "Inactive");
	assert_string_equal(fcdb_update_status_name(FCDB_UPDATE_IN_PROGRESS),
	                    "InProgress");
	assert_null(fcdb_state_name((fcdb_state)5));
	assert_null(fcdb_state_name(FCDB_STATE_NONE));
	assert_int_equal(fcdb_state_parse(&s, "active"), FCDB_EINVAL);
	assert_int_equal(s, FCDB_STATE_NONE);
	assert_int_equal(fcdb_state_parse(&s, NULL), FCDB_EINVAL);
	assert_int_equal(fcdb_update_status_parse(&u, "Done"), FCDB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
