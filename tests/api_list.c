/*
 * api_list.c: fcdb_function_list through the public API: order, limits,
 * prefix and filters, paging, and the checks on next tokens.
 */
#include "apiutil.h"

#include <limits.h>

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	return au_open(sb->store);
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One page; fails the test on an error. */
static fcdb_list *page(fcdb *db, const fcdb_list_options *lo)
{
	fcdb_list *list = NULL;

	au_ok(fcdb_function_list(db, &list, lo));
	assert_non_null(list);
	return list;
}

/*
 * Walk every page of `lo` (its next_token is used and restored), checking
 * page sizes and order; names are collected into `out` (strdup'd, up to
 * cap).  Returns the number of names.
 */
static size_t collect(fcdb *db, fcdb_list_options *lo, char **out, size_t cap)
{
	unsigned limit = lo->limit ? lo->limit : FCDB_LIST_LIMIT_DEFAULT;
	const char *saved = lo->next_token;
	char *token = NULL, prev[128] = "";
	size_t n = 0, pages = 0, i;

	for (;;) {
		fcdb_list *list;
		const char *next;

		lo->next_token = token;
		list = page(db, lo);
		next = fcdb_list_next_token(list);
		pages++;
		assert_true(fcdb_list_count(list) <= limit);
		/* a page with a next token is full */
		if (next)
			assert_int_equal(fcdb_list_count(list), limit);
		for (i = 0; i < fcdb_list_count(list); i++) {
			const char *name = fcdb_function_name(fcdb_list_at(list, i));

			assert_non_null(name);
			if (prev[0] && strcmp(prev, name) >= 0)
				fail_msg("page %zu: %s listed after %s", pages, name,
				         prev);
			snprintf(prev, sizeof(prev), "%s", name);
			assert_true(n < cap);
			out[n++] = strdup(name);
		}
		assert_null(fcdb_list_at(list, fcdb_list_count(list)));
		free(token);
		token = next ? strdup(next) : NULL;
		fcdb_list_free(list);
		if (!token)
			break;
		assert_true(pages < 10000);
	}
	lo->next_token = saved;
	return n;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
}

/* ---- order and limits ---- */

static void test_ascending_byte_order(void **state)
{
	const char *names[] = {
		"Zeta", "alpha", "_under", "a-b", "a_b", "A1", "a", "ab", "b",
		"B", "a0", "Alpha", "zz", "_", "a--", "a-0", "Z9-x",
	};
	const size_t n = sizeof(names) / sizeof(names[0]);
	const char *sorted[sizeof(names) / sizeof(names[0])];
	uint64_t rng = tu_seed();
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	size_t i;

	(void)state;
	/* create in a shuffled order */
	memcpy(sorted, names, sizeof(names));
	for (i = n - 1; i > 0; i--) {
		size_t j = tu_rand(&rng) % (i + 1);
		const char *t = sorted[i];

		sorted[i] = sorted[j];
		sorted[j] = t;
	}
	for (i = 0; i < n; i++)
		au_create(db, sorted[i], NULL);
	qsort(sorted, n, sizeof(sorted[0]), by_bytes);

	fcdb_list_options_init(&lo);
	lo.limit = 100;
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), n);
	assert_null(fcdb_list_next_token(list));
	for (i = 0; i < n; i++) {
		const fcdb_function *fn = fcdb_list_at(list, i);
		char *from_list, *from_get = NULL;

		assert_string_equal(fcdb_function_name(fn), sorted[i]);
		/* a listed function is the whole function */
		from_list = au_json_text(fn, 0);
		au_ok(fcdb_function_get_json(db, &from_get, NULL, sorted[i], 0));
		assert_string_equal(from_list, from_get);
		fcdb_json_free(from_list);
		fcdb_json_free(from_get);
	}
	assert_null(fcdb_list_at(list, n));
	assert_null(fcdb_list_at(list, (size_t)-1));
	fcdb_list_free(list);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_empty_store(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list *list = page(db, NULL);

	(void)state;
	assert_int_equal(fcdb_list_count(list), 0);
	assert_null(fcdb_list_next_token(list));
	assert_null(fcdb_list_at(list, 0));
	fcdb_list_free(list);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_default_limit(void **state)
{
	char name[32];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list, *rest;
	int i;

	(void)state;
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		au_create(db, name, NULL);
	}
	/* NULL options and limit 0 both mean 20 */
	list = page(db, NULL);
	assert_int_equal(fcdb_list_count(list), FCDB_LIST_LIMIT_DEFAULT);
	assert_int_equal(FCDB_LIST_LIMIT_DEFAULT, 20);
	assert_non_null(fcdb_list_next_token(list));
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 19)), "f19");
	fcdb_list_options_init(&lo);
	assert_int_equal(lo.limit, 0);
	lo.next_token = fcdb_list_next_token(list);
	rest = page(db, &lo);
	assert_int_equal(fcdb_list_count(rest), 5);
	assert_string_equal(fcdb_function_name(fcdb_list_at(rest, 0)), "f20");
	assert_null(fcdb_list_next_token(rest));
	fcdb_list_free(rest);
	fcdb_list_free(list);

	fcdb_list_options_init(&lo);
	lo.limit = 0;
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 20);
	fcdb_list_free(list);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_limit_range(void **state)
{
	char name[32];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	unsigned limit;
	int i;

	(void)state;
	for (i = 0; i < 120; i++) {
		snprintf(name, sizeof(name), "g%03d", i);
		au_create(db, name, NULL);
	}
	fcdb_list_options_init(&lo);
	for (limit = 1; limit <= FCDB_LIST_LIMIT_MAX; limit++) {
		lo.limit = limit;
		list = page(db, &lo);
		assert_int_equal(fcdb_list_count(list), limit);
		assert_non_null(fcdb_list_next_token(list));
		snprintf(name, sizeof(name), "g%03u", limit - 1);
		assert_string_equal(fcdb_function_name(fcdb_list_at(list,
		                                                    limit - 1)),
		                    name);
		fcdb_list_free(list);
	}
	assert_int_equal(FCDB_LIST_LIMIT_MAX, 100);
	{
		const unsigned bad[] = { 101, 1000, UINT_MAX };

		for (i = 0; i < 3; i++) {
			fcdb_list *l = (fcdb_list *)&lo;

			lo.limit = bad[i];
			au_expect(fcdb_function_list(db, &l, &lo), FCDB_EINVAL);
			au_field("limit");
			assert_null(l);
		}
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- prefix and filters ---- */

static void test_prefix(void **state)
{
	char name[32], *got[128];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	size_t n, i;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "app-%03zu", i);
		au_create(db, name, NULL);
	}
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "api-%zu", i);
		au_create(db, name, NULL);
	}
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "b-%zu", i);
		au_create(db, name, NULL);
	}
	au_create(db, "ap", NULL);
	au_create(db, "APP-upper", NULL);

	fcdb_list_options_init(&lo);
	lo.prefix = "app-";
	lo.limit = 100;
	n = collect(db, &lo, got, 128);
	assert_int_equal(n, 30);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "app-%03zu", i);
		assert_string_equal(got[i], name);
	}
	free_names(got, n);

	/* paged: every one exactly once */
	lo.limit = 7;
	n = collect(db, &lo, got, 128);
	assert_int_equal(n, 30);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "app-%03zu", i);
		assert_string_equal(got[i], name);
	}
	free_names(got, n);

	/* a prefix is case-sensitive and includes an exact match */
	lo.prefix = "ap";
	lo.limit = 9;
	n = collect(db, &lo, got, 128);
	assert_int_equal(n, 41);
	assert_string_equal(got[0], "ap");
	free_names(got, n);

	/* the limit is a multiple of the matches: no empty last page */
	lo.prefix = "b-";
	lo.limit = 5;
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 5);
	assert_null(fcdb_list_next_token(list));
	fcdb_list_free(list);

	/* nothing matches */
	lo.prefix = "zzz";
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 0);
	assert_null(fcdb_list_next_token(list));
	fcdb_list_free(list);
	lo.prefix = "app-0000000";
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 0);
	fcdb_list_free(list);

	/* the empty prefix is no prefix */
	lo.prefix = "";
	lo.limit = 100;
	n = collect(db, &lo, got, 128);
	assert_int_equal(n, 47);
	free_names(got, n);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static const char *const runtimes[] = { "python3.10", "nodejs18", "go1" };

static void test_runtime_and_state_filters(void **state)
{
	char name[32], doc[1024], *got[256];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	size_t n, i, want;
	int r, s;

	(void)state;
	for (i = 0; i < 120; i++) {
		snprintf(name, sizeof(name), "h%03zu", i);
		snprintf(doc, sizeof(doc),
		         "{\"functionName\":\"%s\",\"runtime\":\"%s\","
		         "\"handler\":\"index.handler\",\"code\":"
		         "{\"zipFile\":\"" AU_HELLO_B64 "\"}}", name,
		         runtimes[i % 3]);
		au_ok(au_create_doc(db, doc));
		/* states by i % 4: Pending, Active, Inactive, Failed */
		switch (i % 4) {
		case 1:
			au_ok(fcdb_function_set_state(db, NULL, name,
			      FCDB_STATE_ACTIVE, NULL, NULL, NULL));
			break;
		case 2:
			au_ok(fcdb_function_set_state(db, NULL, name,
			      FCDB_STATE_INACTIVE, NULL, NULL, NULL));
			break;
		case 3:
			au_ok(fcdb_function_set_state(db, NULL, name,
			      FCDB_STATE_FAILED, "InternalError", NULL, NULL));
			break;
		}
	}

	for (r = -1; r < 3; r++) {
		for (s = 0; s <= 4; s++) {
			fcdb_list_options_init(&lo);
			lo.runtime = r < 0 ? NULL : runtimes[r];
			lo.state = (fcdb_state)s;
			lo.limit = 4;
			n = collect(db, &lo, got, 256);
			want = 0;
			for (i = 0; i < 120; i++)
				if ((r < 0 || (int)(i % 3) == r) &&
				    (s == 0 || (int)(i % 4) == s - 1)) {
					snprintf(name, sizeof(name), "h%03zu", i);
					assert_true(want < n);
					assert_string_equal(got[want], name);
					want++;
				}
			assert_int_equal(n, want);
			free_names(got, n);
		}
	}

	/* every listed function really matches */
	{
		fcdb_list *list;

		fcdb_list_options_init(&lo);
		lo.runtime = "go1";
		lo.state = FCDB_STATE_FAILED;
		lo.limit = 100;
		list = page(db, &lo);
		assert_int_equal(fcdb_list_count(list), 10);
		for (i = 0; i < fcdb_list_count(list); i++) {
			assert_string_equal(fcdb_function_runtime(
			        fcdb_list_at(list, i)), "go1");
			assert_int_equal(fcdb_function_state(fcdb_list_at(list, i)),
			                 FCDB_STATE_FAILED);
		}
		fcdb_list_free(list);

		/* a runtime nobody uses, and a state out of range */
		lo.runtime = "java8";
		list = page(db, &lo);
		assert_int_equal(fcdb_list_count(list), 0);
		assert_null(fcdb_list_next_token(list));
		fcdb_list_free(list);
		lo.runtime = NULL;
		lo.state = (fcdb_state)9;
		list = (fcdb_list *)&lo;
		au_expect(fcdb_function_list(db, &list, &lo), FCDB_EINVAL);
		assert_null(list);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- paging ---- */

static void test_paging_250(void **state)
{
	static const unsigned limits[] = { 1, 7, 20, 25, 33, 100 };
	uint64_t rng = tu_seed() ^ 250;
	char name[32], *got[300], *want[250];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	size_t n, i, k;

	(void)state;
	for (i = 0; i < 250; i++) {
		/* random names, so order is not creation order */
		snprintf(name, sizeof(name), "p%08llx-%zu",
		         (unsigned long long)(tu_rand(&rng) & 0xffffffffu), i);
		want[i] = strdup(name);
		au_create(db, name, NULL);
	}
	qsort(want, 250, sizeof(want[0]), by_bytes);
	for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		fcdb_list_options_init(&lo);
		lo.limit = limits[k];
		n = collect(db, &lo, got, 300);
		if (n != 250)
			fail_msg("limit %u: %zu names, want 250", limits[k], n);
		for (i = 0; i < n; i++)
			assert_string_equal(got[i], want[i]);
		free_names(got, n);
	}
	free_names(want, 250);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A token stays meaningful while the store changes between pages: it
   resumes after the last name seen, even when that one is gone. */
static void test_paging_while_changing(void **state)
{
	char name[32], *token;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "k%02d", i * 2); /* k00 k02 ... */
		au_create(db, name, NULL);
	}
	fcdb_list_options_init(&lo);
	lo.limit = 10;
	list = page(db, &lo);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 9)), "k18");
	token = strdup(fcdb_list_next_token(list));
	fcdb_list_free(list);

	/* the last name of the page goes away, one appears before the
	   token, one after */
	au_ok(fcdb_function_delete(db, "k18", NULL));
	au_create(db, "k01", NULL);
	au_create(db, "k19", NULL);

	lo.next_token = token;
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 10);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 0)), "k19");
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 1)), "k20");
	fcdb_list_free(list);

	/* the same token can be used again */
	list = page(db, &lo);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 0)), "k19");
	fcdb_list_free(list);

	/* past the end: everything after the token is deleted */
	for (i = 10; i < 30; i++) {
		snprintf(name, sizeof(name), "k%02d", i * 2);
		au_ok(fcdb_function_delete(db, name, NULL));
	}
	au_ok(fcdb_function_delete(db, "k19", NULL));
	list = page(db, &lo);
	assert_int_equal(fcdb_list_count(list), 0);
	assert_null(fcdb_list_next_token(list));
	fcdb_list_free(list);
	free(token);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- tokens ---- */

static void expect_bad_token(fcdb *db, const char *token, const char *what)
{
	fcdb_list_options lo;
	fcdb_list *list = (fcdb_list *)&lo;
	int rc;

	fcdb_list_options_init(&lo);
	lo.next_token = token;
	rc = fcdb_function_list(db, &list, &lo);
	if (rc != FCDB_EINVAL)
		fail_msg("%s token \"%s\" returned %d %s, want InvalidArgument",
		         what, token, rc, fcdb_error_name(rc));
	assert_null(list);
	if (strcmp(fcdb_error_last()->field, "nextToken") != 0)
		fail_msg("%s token: field \"%s\", want nextToken", what,
		         fcdb_error_last()->field);
}

static void test_forged_tokens(void **state)
{
	uint64_t rng = tu_seed() ^ 0x70c3e;
	char name[32], forged[512];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	char *real;
	size_t i, len, k;
	int c;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "t%02zu", i);
		au_create(db, name, NULL);
	}
	fcdb_list_options_init(&lo);
	lo.limit = 3;
	list = page(db, &lo);
	real = strdup(fcdb_list_next_token(list));
	fcdb_list_free(list);
	len = strlen(real);
	assert_true(len > 4);

	/* the real token works */
	lo.next_token = real;
	list = page(db, &lo);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 0)), "t03");
	fcdb_list_free(list);

	/* random base64url text of every length up to 96 */
	for (k = 0; k < 400; k++) {
		size_t n = 1 + tu_rand(&rng) % 96;

		for (i = 0; i < n; i++)
			forged[i] = b64url[tu_rand(&rng) % 64];
		forged[n] = '\0';
		expect_bad_token(db, forged, "random");
	}

	/* the real token with one character changed, everywhere, to every
	   other character of the alphabet */
	for (i = 0; i < len; i++) {
		for (c = 0; c < 64; c++) {
			if (b64url[c] == real[i])
				continue;
			memcpy(forged, real, len + 1);
			forged[i] = b64url[c];
			expect_bad_token(db, forged, "one changed");
		}
	}

	/* cut short, lengthened, or with foreign characters */
	memcpy(forged, real, len + 1);
	forged[len - 1] = '\0';
	expect_bad_token(db, forged, "shortened");
	memcpy(forged, real, len);
	memcpy(forged + len, "A", 2);
	expect_bad_token(db, forged, "lengthened");
	memcpy(forged, real, len);
	memcpy(forged + len, "AAAA", 5);
	expect_bad_token(db, forged, "lengthened by a quantum");
	memcpy(forged, real, len);
	memcpy(forged + len, "=", 2);
	expect_bad_token(db, forged, "padded");
	memcpy(forged, real, len + 1);
	forged[len / 2] = '+';
	expect_bad_token(db, forged, "standard alphabet");
	forged[len / 2] = ' ';
	expect_bad_token(db, forged, "space");
	expect_bad_token(db, "MTIzNCNhYmM=", "the documentation's example");
	expect_bad_token(db, "MTIzNCNhYmM", "the documentation's example");
	expect_bad_token(db, "!!!!", "punctuation");
	expect_bad_token(db, "\xff\xfe", "binary");
	memset(forged, 'A', sizeof(forged) - 1);
	forged[sizeof(forged) - 1] = '\0';
	expect_bad_token(db, forged, "long");
	free(real);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A token is bound to the store that issued it. */
static void test_foreign_token(void **state)
{
	tu_sandbox sa, sb;
	fcdb *a = open_sb(&sa), *b = open_sb(&sb);
	fcdb_list_options lo;
	fcdb_list *list;
	char name[32], *token;
	int i;

	(void)state;
	/* the same names in both stores */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "same%d", i);
		au_create(a, name, NULL);
		au_create(b, name, NULL);
	}
	fcdb_list_options_init(&lo);
	lo.limit = 4;
	list = page(a, &lo);
	token = strdup(fcdb_list_next_token(list));
	fcdb_list_free(list);

	expect_bad_token(b, token, "another store's");
	lo.next_token = token;
	list = page(a, &lo);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 0)), "same4");
	fcdb_list_free(list);

	/* a store made again at the same path is another store */
	fcdb_close(a);
	tu_sandbox_free(&sa);
	tu_sandbox_new(&sa);
	a = au_open(sa.store);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "same%d", i);
		au_create(a, name, NULL);
	}
	expect_bad_token(a, token, "a former store's");

	/* but a token outlives closing and reopening its own store */
	fcdb_close(b);
	b = au_open(sb.store);
	list = page(b, NULL);
	fcdb_list_free(list);
	lo.next_token = NULL;
	list = page(b, &lo);
	free(token);
	token = strdup(fcdb_list_next_token(list));
	fcdb_list_free(list);
	fcdb_close(b);
	b = au_open(sb.store);
	lo.next_token = token;
	list = page(b, &lo);
	assert_string_equal(fcdb_function_name(fcdb_list_at(list, 0)), "same4");
	fcdb_list_free(list);
	free(token);
	fcdb_close(a);
	fcdb_close(b);
	tu_sandbox_free(&sa);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascending_byte_order),
		cmocka_unit_test(test_empty_store),
		cmocka_unit_test(test_default_limit),
		cmocka_unit_test(test_limit_range),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_runtime_and_state_filters),
		cmocka_unit_test(test_paging_250),
		cmocka_unit_test(test_paging_while_changing),
		cmocka_unit_test(test_forged_tokens),
		cmocka_unit_test(test_foreign_token),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_list", tests, NULL, au_sweep);
}
