/* unit_json.c: JSON parsing checks and the writer (json.c). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fcdb.h"
#include "json.h"

static fcdb__arena arena;

static int setup(void **state)
{
	(void)state;
	fcdb__arena_init(&arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fcdb__arena_free(&arena);
	return 0;
}

static fcdb__node *parse_ok(const char *text)
{
	fcdb__node *n = NULL;
	int rc = fcdb__json_parse(&arena, text, strlen(text), &n);

	if (rc)
		fail_msg("parse of %s failed: %s", text, fcdb_error_last()->message);
	return n;
}

static void parse_bad(const char *text, size_t len, const char *msg_part)
{
	fcdb__node *n = (fcdb__node *)1;
	int rc = fcdb__json_parse(&arena, text, len, &n);

	assert_int_equal(rc, FCDB_EINVAL);
	assert_null(n);
	if (msg_part && !strstr(fcdb_error_last()->message, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", fcdb_error_last()->message,
		         msg_part);
}

static char *render(const fcdb__node *n, int pretty)
{
	fcdb__json_opts o;
	fcdb__buf b;

	memset(&o, 0, sizeof(o));
	o.pretty = pretty;
	fcdb__buf_init(&b);
	fcdb__json_write(&b, n, &o);
	return fcdb__buf_take(&b, NULL);
}

static void test_types(void **state)
{
	fcdb__node *n = parse_ok(" {\"a\":1, \"b\":0.35, \"c\":\"x\", \"d\":[true,false,null],"
	                        " \"e\":{}, \"f\":-0, \"g\":512.0, \"h\":1e20} ");
	const fcdb__node *m;

	(void)state;
	assert_int_equal(n->type, FCDB__OBJ);
	assert_int_equal(n->len, 8);
	assert_int_equal(fcdb__node_get(n, "a")->type, FCDB__INT);
	m = fcdb__node_get(n, "b");
	assert_int_equal(m->type, FCDB__DOUBLE);
	assert_true(m->v.d == 0.35);
	assert_int_equal(fcdb__node_get(n, "f")->type, FCDB__INT);
	assert_int_equal(fcdb__node_get(n, "f")->v.i, 0);
	assert_int_equal(fcdb__node_get(n, "g")->type, FCDB__INT);
	assert_int_equal(fcdb__node_get(n, "h")->type, FCDB__DOUBLE);
	assert_int_equal(fcdb__node_get(n, "d")->len, 3);
}

static void test_round_trip_text(void **state)
{
	const char *text = "{\"s\":\"h\\u00e9llo \\\"q\\\" \\\\ \\n\\t\\u0001\",\"n\":[1,-2,0.35,0.1,3.14159],"
	                   "\"o\":{\"k\":true},\"z\":null}";
	fcdb__node *n = parse_ok(text);
	char *out = render(n, 0);

	(void)state;
	assert_string_equal(out, "{\"s\":\"h\xc3\xa9llo \\\"q\\\" \\\\ \\n\\t\\u0001\","
	                    "\"n\":[1,-2,0.35,0.1,3.14159],\"o\":{\"k\":true},\"z\":null}");
	free(out);
}

static void test_pretty(void **state)
{
	char *out = render(parse_ok("{\"a\":[1,2],\"b\":{},\"c\":[]}"), 1);

	(void)state;
	assert_string_equal(out, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n"
	                    "  \"c\": []\n}\n");
	free(out);
}

static void test_doubles_shortest(void **state)
{
	static const double v[] = { 0.35, 0.05, 16, 0.1, 1.0 / 3, 1e21, -2.5,
	                            123456789.125 };
	fcdb__buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fcdb__buf_init(&b);
		fcdb__json_write_double(&b, v[i]);
		fcdb__buf_cstr(&b);
		assert_true(strtod(b.data, NULL) == v[i]);
		fcdb__buf_free(&b);
	}
	fcdb__buf_init(&b);
	fcdb__json_write_double(&b, 0.35);
	fcdb__buf_cstr(&b);
	assert_string_equal(b.data, "0.35");
	fcdb__buf_free(&b);
}

static void test_syntax_errors_name_line_and_column(void **state)
{
	const char *t1 = "{\n  \"a\": 1,\n  \"b\": x\n}";
	const char *t2 = "{\"functionName\": \"x\", \"runtime\": \"python3.10\", "
	                 "\"handler\": \"index.h\n";

	(void)state;
	parse_bad(t1, strlen(t1), "line 3, column");
	parse_bad(t2, strlen(t2), "end of input");
	parse_bad(t2, strlen(t2), "line 1, column 67");
	parse_bad("", 0, "empty");
	parse_bad("   \n ", 5, "empty");
	parse_bad("{} {}", 5, "after the JSON value");
	parse_bad("[1,]", 4, "invalid JSON");
	parse_bad("{\"a\":1", 6, "end of input");
}

static void test_hostile(void **state)
{
	char deep[200];
	size_t i;

	(void)state;
	for (i = 0; i < 33; i++)
		deep[i] = '[';
	for (; i < 66; i++)
		deep[i] = ']';
	parse_bad(deep, 66, "nested deeper than 32");
	for (i = 0; i < 32; i++)
		deep[i] = '[';
	for (; i < 64; i++)
		deep[i] = ']';
	deep[64] = '\0';
	parse_ok(deep);
	parse_bad("{\"a\":\"x\\u0000y\"}", 16, "NUL");
	parse_bad("{\"a\":\"\x01\"}", 9, "control character");
	parse_bad("{\"a\":\"\xff\xfe\"}", 10, "UTF-8");
	parse_bad("{\"a\":\"\xc0\xaf\"}", 10, "UTF-8");       /* overlong '/' */
	parse_bad("{\"a\":\"\xed\xa0\x80\"}", 11, "UTF-8");   /* surrogate */
	parse_bad("{\"a\":1,\"a\":2}", 13, "duplicate key");
	parse_bad("{\"n\":1e400}", 11, "out of range");
	parse_bad("{\"n\":-1e400}", 12, "out of range");
	/* a NUL byte in the text itself ends nothing early: it is an error */
	parse_bad("{\"a\":1}\0xx", 10, "invalid JSON");
}

static void test_strict_numbers(void **state)
{
	static const char *const bad[] = { "[010]", "[10.]", "[1.e3]", "[0010]",
	                                   "[-]", "[+1]", "[.5]", "[1e]",
	                                   "[1x]", "[0x10]", "[1.5.2]" };
	static const char *const good[] = { "[0]", "[-0]", "[10]", "[1.5]",
	                                    "[1e3]", "[1E+3]", "[-1.25e-2]",
	                                    "[0.35,16]" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i], strlen(bad[i]), "invalid");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		parse_ok(good[i]);
}

static void test_duplicates_in_big_object(void **state)
{
	fcdb__buf b;
	int rc;
	fcdb__node *n;

	(void)state;
	fcdb__buf_init(&b);
	fcdb__buf_addc(&b, '{');
	for (int i = 0; i < 1000; i++) {
		char k[32];
		snprintf(k, sizeof(k), "%s\"K%d\":\"v\"", i ? "," : "", i);
		fcdb__buf_adds(&b, k);
	}
	fcdb__buf_adds(&b, ",\"K500\":\"again\"}");
	rc = fcdb__json_parse(&arena, b.data, b.len, &n);
	assert_int_equal(rc, FCDB_EINVAL);
	assert_non_null(strstr(fcdb_error_last()->message, "K500"));
	fcdb__buf_free(&b);
}

static void test_utf8_validator(void **state)
{
	(void)state;
	assert_true(fcdb__utf8_valid("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", 15));
	assert_false(fcdb__utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(fcdb__utf8_valid("\xe2\x9c", 2));          /* truncated */
	assert_false(fcdb__utf8_valid("\x80", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pretty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles_shortest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors_name_line_and_column,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_in_big_object, setup,
		                                teardown),
		cmocka_unit_test(test_utf8_validator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
