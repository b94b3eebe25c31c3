/*
 * api_delete.c: fcdb_function_delete through the public API: the record
 * and both index entries go together, compare-and-swap, every state.
 */
#include "apiutil.h"

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	return au_open(sb->store);
}

/* `name` (with this ARN and id) is gone from every way in. */
static void assert_gone(fcdb *db, const char *name, const char *arn,
                        const char *id)
{
	fcdb_function *fn = (fcdb_function *)&fn;
	char *json = (char *)&fn;

	au_expect(fcdb_function_get(db, &fn, name), FCDB_ENOTFOUND);
	assert_null(fn);
	au_expect(fcdb_function_get_by_arn(db, &fn, arn), FCDB_ENOTFOUND);
	assert_null(fn);
	au_expect(fcdb_function_get_by_id(db, &fn, id), FCDB_ENOTFOUND);
	assert_null(fn);
	au_expect(fcdb_function_get_json(db, &json, NULL, name, 0),
	          FCDB_ENOTFOUND);
	assert_null(json);
	au_expect(fcdb_function_read_state(db, name, NULL, NULL, NULL),
	          FCDB_ENOTFOUND);
}

static int listed(fcdb *db, const char *name)
{
	fcdb_list_options lo;
	fcdb_list *list = NULL;
	size_t i;
	int found = 0;

	fcdb_list_options_init(&lo);
	lo.prefix = name;
	lo.limit = 100;
	au_ok(fcdb_function_list(db, &list, &lo));
	for (i = 0; i < fcdb_list_count(list); i++)
		found += strcmp(fcdb_function_name(fcdb_list_at(list, i)), name) == 0;
	fcdb_list_free(list);
	return found;
}

static void test_delete_removes_record_and_indexes(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = au_create_fn(db, "doomed", NULL), *other;
	char *arn = strdup(fcdb_function_arn(fn));
	char *id = strdup(fcdb_function_id(fn));
	fcdb_stats st;

	(void)state;
	fcdb_function_free(fn);
	other = au_create_fn(db, "kept", NULL);
	assert_int_equal(listed(db, "doomed"), 1);
	au_ok(fcdb_function_delete(db, "doomed", NULL));
	assert_gone(db, "doomed", arn, id);
	assert_int_equal(listed(db, "doomed"), 0);
	assert_int_equal(au_revision(db), 3);

	/* the neighbour is untouched and the indexes hold only it */
	fn = NULL;
	au_ok(fcdb_function_get_by_id(db, &fn, fcdb_function_id(other)));
	fcdb_function_free(fn);
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, 1);
	assert_int_equal(st.arn_entries, 1);
	assert_int_equal(st.id_entries, 1);
	au_ok(fcdb_check(db, NULL, NULL, NULL));

	/* still gone after reopening */
	fcdb_close(db);
	db = au_open(sb.store);
	assert_gone(db, "doomed", arn, id);

	/* the name is free again, and gets a new id */
	fn = au_create_fn(db, "doomed", NULL);
	assert_string_equal(fcdb_function_arn(fn), arn);
	assert_string_not_equal(fcdb_function_id(fn), id);
	fcdb_function_free(fn);
	fn = NULL;
	au_expect(fcdb_function_get_by_id(db, &fn, id), FCDB_ENOTFOUND);
	fcdb_function_free(other);
	free(arn);
	free(id);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_delete_twice(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	au_bytes before;

	(void)state;
	au_create(db, "once", NULL);
	au_ok(fcdb_function_delete(db, "once", NULL));
	before = au_read(sb.store);
	au_expect(fcdb_function_delete(db, "once", NULL), FCDB_ENOTFOUND);
	au_message_has("once");
	au_expect(fcdb_function_delete(db, "never-was", NULL), FCDB_ENOTFOUND);
	au_expect(fcdb_function_delete(db, "", NULL), FCDB_ENOTFOUND);
	assert_int_equal(au_revision(db), 2);
	au_assert_file_is(sb.store, &before);
	au_bytes_free(&before);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_delete_cas(void **state)
{
	fcdb_write_options wo;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	au_bytes before;
	uint64_t rev;

	(void)state;
	au_create_active(db, "guarded", NULL);
	au_ok(fcdb_function_read_state(db, "guarded", NULL, NULL, &rev));
	assert_int_equal(rev, 2);
	fcdb_write_options_init(&wo);
	before = au_read(sb.store);
	wo.expected_revision = 1;
	au_expect(fcdb_function_delete(db, "guarded", &wo), FCDB_EPRECONDITION);
	wo.expected_revision = 3;
	au_expect(fcdb_function_delete(db, "guarded", &wo), FCDB_EPRECONDITION);
	au_assert_file_is(sb.store, &before);
	au_ok(fcdb_function_read_state(db, "guarded", NULL, NULL, NULL));

	/* someone else changes it between our read and our delete */
	au_ok(fcdb_function_set_state(db, NULL, "guarded", FCDB_STATE_INACTIVE,
	                              NULL, NULL, NULL));
	wo.expected_revision = rev;
	au_expect(fcdb_function_delete(db, "guarded", &wo), FCDB_EPRECONDITION);
	au_ok(fcdb_function_read_state(db, "guarded", NULL, NULL, &rev));
	wo.expected_revision = rev;
	au_ok(fcdb_function_delete(db, "guarded", &wo));
	au_expect(fcdb_function_read_state(db, "guarded", NULL, NULL, NULL),
	          FCDB_ENOTFOUND);
	/* a missing function is not found, whatever the expectation */
	au_expect(fcdb_function_delete(db, "guarded", &wo), FCDB_ENOTFOUND);
	au_bytes_free(&before);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_delete_in_every_state(void **state)
{
	static const struct {
		const char *name;
		fcdb_state state;
		fcdb_update_status status;
	} cases[] = {
		{ "pending-inprogress", FCDB_STATE_PENDING, FCDB_UPDATE_IN_PROGRESS },
		{ "pending-successful", FCDB_STATE_PENDING, FCDB_UPDATE_SUCCESSFUL },
		{ "active", FCDB_STATE_ACTIVE, FCDB_UPDATE_SUCCESSFUL },
		{ "active-inprogress", FCDB_STATE_ACTIVE, FCDB_UPDATE_IN_PROGRESS },
		{ "inactive", FCDB_STATE_INACTIVE, FCDB_UPDATE_SUCCESSFUL },
		{ "failed", FCDB_STATE_FAILED, FCDB_UPDATE_FAILED },
		{ "failed-update", FCDB_STATE_ACTIVE, FCDB_UPDATE_FAILED },
	};
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = cases[i].name;
		fcdb_function *fn = au_create_fn(db, n, NULL);
		char *arn = strdup(fcdb_function_arn(fn));
		char *id = strdup(fcdb_function_id(fn));
		fcdb_state st;
		fcdb_update_status us;
		uint64_t before;

		fcdb_function_free(fn);
		switch (cases[i].state) {
		case FCDB_STATE_ACTIVE:
			au_ok(fcdb_function_set_state(db, NULL, n,
			      FCDB_STATE_ACTIVE, NULL, NULL, NULL));
			break;
		case FCDB_STATE_INACTIVE:
			au_ok(fcdb_function_set_state(db, NULL, n,
			      FCDB_STATE_ACTIVE, NULL, NULL, NULL));
			au_ok(fcdb_function_set_state(db, NULL, n,
			      FCDB_STATE_INACTIVE, NULL, NULL, NULL));
			break;
		case FCDB_STATE_FAILED:
			au_ok(fcdb_function_set_state(db, NULL, n,
			      FCDB_STATE_FAILED, "InternalError", NULL, NULL));
			break;
		default:
			break;
		}
		au_ok(fcdb_function_read_state(db, n, NULL, &us, NULL));
		if (us != cases[i].status) {
			if (us != FCDB_UPDATE_IN_PROGRESS)
				au_ok(fcdb_function_set_update_status(db, NULL, n,
				      FCDB_UPDATE_IN_PROGRESS, NULL, NULL, NULL));
			if (cases[i].status != FCDB_UPDATE_IN_PROGRESS)
				au_ok(fcdb_function_set_update_status(db, NULL, n,
				      cases[i].status, NULL, NULL, NULL));
		}
		au_ok(fcdb_function_read_state(db, n, &st, &us, NULL));
		assert_int_equal(st, cases[i].state);
		assert_int_equal(us, cases[i].status);
		before = au_revision(db);
		au_ok(fcdb_function_delete(db, n, NULL));
		assert_int_equal(au_revision(db), before + 1);
		assert_gone(db, n, arn, id);
		free(arn);
		free(id);
	}
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	{
		fcdb_stats st;

		au_ok(fcdb_stats_get(db, &st));
		assert_int_equal(st.functions, 0);
		assert_int_equal(st.arn_entries, 0);
		assert_int_equal(st.id_entries, 0);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Delete everything in a random order; what is left is always exactly
   what was not deleted. */
static void test_delete_many_random_order(void **state)
{
	enum { N = 120 };
	uint64_t rng = tu_seed() ^ 0xde1e7e;
	char names[N][16], *ids[N];
	int order[N], i, j, alive = N;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	for (i = 0; i < N; i++) {
		fcdb_function *fn;

		snprintf(names[i], sizeof(names[i]), "d%03d", i);
		fn = au_create_fn(db, names[i], NULL);
		ids[i] = strdup(fcdb_function_id(fn));
		fcdb_function_free(fn);
		order[i] = i;
	}
	for (i = N - 1; i > 0; i--) {
		int k = (int)(tu_rand(&rng) % (uint64_t)(i + 1)), t = order[i];

		order[i] = order[k];
		order[k] = t;
	}
	for (i = 0; i < N; i++) {
		fcdb_stats st;
		char arn[128];

		au_ok(fcdb_function_delete(db, names[order[i]], NULL));
		alive--;
		snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", names[order[i]]);
		assert_gone(db, names[order[i]], arn, ids[order[i]]);
		if (i % 20 == 19 || alive == 0) {
			au_ok(fcdb_stats_get(db, &st));
			assert_int_equal(st.functions, alive);
			assert_int_equal(st.arn_entries, alive);
			assert_int_equal(st.id_entries, alive);
			au_ok(fcdb_check(db, NULL, NULL, NULL));
			for (j = i + 1; j < N; j++) {
				fcdb_function *fn = NULL;

				au_ok(fcdb_function_get_by_id(db, &fn, ids[order[j]]));
				assert_string_equal(fcdb_function_name(fn),
				                    names[order[j]]);
				fcdb_function_free(fn);
			}
		}
	}
	assert_int_equal(au_revision(db), 2 * N);
	for (i = 0; i < N; i++)
		free(ids[i]);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_removes_record_and_indexes),
		cmocka_unit_test(test_delete_twice),
		cmocka_unit_test(test_delete_cas),
		cmocka_unit_test(test_delete_in_every_state),
		cmocka_unit_test(test_delete_many_random_order),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_delete", tests, NULL, au_sweep);
}
