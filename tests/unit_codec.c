/* unit_codec.c: record envelope and MessagePack payload (codec.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "error.h"
#include "fcdb.h"
#include "json.h"
#include "schema.h"
#include "validate.h"

static fcdb__arena arena;
static const fcdb__codec_ctx CTX = { "cn-shanghai", "123" };

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

static fcdb__node *parse(const char *text, size_t len)
{
	fcdb__node *n = NULL;

	if (fcdb__json_parse(&arena, text, len, &n))
		fail_msg("parse: %s", fcdb_error_last()->message);
	return n;
}

/* A validated record from a fixture (create or import shape). */
static fcdb__node *record_from(const char *rel, int import)
{
	size_t len;
	char *json = tu_slurp(tu_data(rel), &len);
	fcdb__node *rec = NULL;
	fcdb__vctx v;
	int rc;

	fcdb__vctx_init(&v, import ? FCDB__V_IMPORT : FCDB__V_CREATE);
	v.region = "cn-shanghai";
	v.account = "123";
	v.function_id = "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3";
	v.now = "2023-04-01T08:15:27Z";
	rc = import ? fcdb__validate_import(&v, &arena, parse(json, len), &rec)
	            : fcdb__validate_create(&v, &arena, parse(json, len), &rec);
	if (rc)
		fail_msg("%s: %s", rel, fcdb_error_last()->message);
	fcdb__vctx_free(&v);
	free(json);
	return rec;
}

static char *render(const fcdb__node *n)
{
	fcdb__buf b;

	fcdb__buf_init(&b);
	fcdb__json_write(&b, n, NULL);
	return fcdb__buf_take(&b, NULL);
}

static void round_trip(const fcdb__node *rec)
{
	fcdb__envelope env;
	fcdb__node *back = NULL;
	fcdb__buf enc;
	char *a, *b;

	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 77), 0);
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	assert_int_equal(env.revision, 77);
	assert_int_equal(env.version, FCDB__FORMAT_VERSION);
	assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &back), 0);
	/* JSON renderings equal: nested members come back in schema order,
	   so compare against a second round trip as well */
	a = render(back);
	{
		fcdb__buf enc2;
		fcdb__envelope env2;
		fcdb__node *again = NULL;

		fcdb__buf_init(&enc2);
		assert_int_equal(fcdb__codec_encode(&enc2, back, 77), 0);
		assert_int_equal(enc2.len, enc.len);
		assert_memory_equal(enc2.data, enc.data, enc.len);
		assert_int_equal(fcdb__codec_verify(enc2.data, enc2.len, &env2), 0);
		assert_int_equal(fcdb__codec_decode(&arena, &env2, &CTX, &again), 0);
		b = render(again);
		assert_string_equal(a, b);
		free(b);
		fcdb__buf_free(&enc2);
	}
	/* top-level members survive exactly */
	for (uint32_t i = 0; i < rec->len; i++) {
		const fcdb__node *m = &rec->v.kids[i];
		const fcdb__node *n = fcdb__node_get(back, m->key);

		if (!n)
			fail_msg("lost member %s", m->key);
		if (m->type == FCDB__STR || m->type == FCDB__INT ||
		    m->type == FCDB__BOOL || m->type == FCDB__DOUBLE)
			assert_true(fcdb__node_equal(m, n));
	}
	assert_int_equal(back->len, rec->len);
	free(a);
	fcdb__buf_free(&enc);
}

static void test_round_trip_fixtures(void **state)
{
	char names[16][128], rel[256];
	size_t n = tu_list_json("valid", names, 16);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		round_trip(record_from(rel, 0));
	}
	round_trip(record_from("import/function-full.json", 1));
}

/* Rendering straight from the payload gives the same text as decoding
   to a tree and rendering that, pretty or not, masked or not. */
static void render_matches_tree(const fcdb__node *rec)
{
	fcdb__envelope env;
	fcdb__node *tree;
	fcdb__buf enc, a, b;
	fcdb__json_opts jo;
	fcdb__render_opts ro;

	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 9), 0);
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &tree), 0);
	for (int pretty = 0; pretty < 2; pretty++) {
		memset(&jo, 0, sizeof(jo));
		memset(&ro, 0, sizeof(ro));
		jo.pretty = ro.pretty = pretty;
		jo.with_revision = ro.with_revision = pretty;
		jo.revision = 9;
		fcdb__buf_init(&a);
		fcdb__buf_init(&b);
		fcdb__json_write(&a, tree, &jo);
		assert_int_equal(fcdb__codec_render(&b, &env, &CTX, &ro), 0);
		fcdb__buf_cstr(&a);
		fcdb__buf_cstr(&b);
		assert_string_equal(a.data, b.data);
		fcdb__buf_free(&a);
		fcdb__buf_free(&b);
	}
	fcdb__buf_free(&enc);
}

static void test_render_matches_tree(void **state)
{
	char names[16][128], rel[256];
	size_t n = tu_list_json("valid", names, 16);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		render_matches_tree(record_from(rel, 0));
	}
	render_matches_tree(record_from("import/function-full.json", 1));
}

/* Times, the functionId and the codeChecksum are stored compactly and
   come back as the same text; the ARN is derived, not stored. */
static void test_compact_fields(void **state)
{
	fcdb__node *rec = record_from("import/function-full.json", 1);
	fcdb__envelope env;
	fcdb__summary sum;
	fcdb__buf enc;

	(void)state;
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 1), 0);
	assert_null(memmem(enc.data, enc.len, "2023-04-01T08:15:27Z", 20));
	assert_null(memmem(enc.data, enc.len, "aa715851-1c20", 13));
	assert_null(memmem(enc.data, enc.len, "15509210073434968621", 20));
	assert_null(memmem(enc.data, enc.len, "acs:fc:cn-shanghai:123:functions",
	                   32));
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	assert_int_equal(fcdb__codec_summary(&arena, &env, &CTX, &sum), 0);
	assert_string_equal(sum.str[FCDB__FN_CREATED_TIME], "2023-04-01T08:15:27Z");
	assert_string_equal(sum.str[FCDB__FN_LAST_MODIFIED_TIME],
	                    "2023-05-01T08:15:27Z");
	assert_string_equal(sum.str[FCDB__FN_FUNCTION_ID],
	                    "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3");
	assert_string_equal(sum.str[FCDB__FN_CODE_CHECKSUM],
	                    "15509210073434968621");
	assert_string_equal(sum.str[FCDB__FN_FUNCTION_ARN],
	                    "acs:fc:cn-shanghai:123:functions/my-function-1");
	assert_string_equal(sum.str[FCDB__FN_FUNCTION_NAME], "my-function-1");
	assert_int_equal(sum.i[FCDB__FN_MEMORY_SIZE], 1024);
	assert_true(sum.cpu == 0.5);
	fcdb__buf_free(&enc);
	/* forms that would not render back the same are kept as text */
	{
		fcdb__node *n = record_from("import/function-full.json", 1);
		fcdb__node id, t;
		fcdb__node *back;

		memset(&id, 0, sizeof(id));
		memset(&t, 0, sizeof(t));
		fcdb__node_set_str(&id, "AA715851-1C20-4B89-A8FB-5CD2E1A0B7F3", 36);
		fcdb__node_set_str(&t, "1969-12-31T23:59:59Z", 20);
		assert_int_equal(fcdb__record_set(&arena, n, "functionId", &id), 0);
		assert_int_equal(fcdb__record_set(&arena, n, "createdTime", &t), 0);
		fcdb__buf_init(&enc);
		assert_int_equal(fcdb__codec_encode(&enc, n, 1), 0);
		assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
		assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &back), 0);
		assert_string_equal(fcdb__node_get(back, "functionId")->v.s,
		                    "AA715851-1C20-4B89-A8FB-5CD2E1A0B7F3");
		assert_string_equal(fcdb__node_get(back, "createdTime")->v.s,
		                    "1969-12-31T23:59:59Z");
		fcdb__buf_free(&enc);
	}
}

static void test_time_format_round_trip(void **state)
{
	char out[21];
	uint64_t seed = tu_seed() ^ 3;

	(void)state;
	fcdb__codec_format_time(out, 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	fcdb__codec_format_time(out, 951782400); /* leap day 2000 */
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	fcdb__codec_format_time(out, 253402300799ull);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	for (int i = 0; i < 2000; i++) {
		time_t t = (time_t)(tu_rand(&seed) % 253402300800ull);
		struct tm tm;
		char want[64];

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fcdb__codec_format_time(out, (uint64_t)t);
		assert_string_equal(out, want);
	}
}

static void test_full_record_is_small(void **state)
{
	fcdb__buf enc;

	(void)state;
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc,
	                 record_from("import/function-full.json", 1), 1), 0);
	/* integer keys keep the fullest fixture well under LMDB's inline
	   value limit of ~2 KB for 4 KiB pages */
	print_message("function-full.json: %zu bytes stored\n", enc.len);
	assert_true(enc.len < 1600);
	fcdb__buf_free(&enc);
}

/* Flip every bit position class of every byte: always CORRUPT. */
static void test_every_flipped_byte_is_caught(void **state)
{
	fcdb__envelope env;
	fcdb__buf enc;

	(void)state;
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc,
	                 record_from("valid/create-container.json", 0), 5), 0);
	for (size_t i = 0; i < enc.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			enc.data[i] ^= (char)(1 << bit);
			assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env),
			                 FCDB_ECORRUPT);
			enc.data[i] ^= (char)(1 << bit);
		}
	}
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	for (size_t cut = 0; cut < enc.len; cut += 7)
		assert_int_equal(fcdb__codec_verify(enc.data, cut, &env),
		                 FCDB_ECORRUPT);
	fcdb__buf_free(&enc);
}

static void test_version_checked_first(void **state)
{
	fcdb__envelope env;
	fcdb__buf enc;

	(void)state;
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc,
	                 record_from("valid/create-minimal-python.json", 0), 5), 0);
	enc.data[0] = 9;
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), FCDB_ECORRUPT);
	assert_non_null(strstr(fcdb_error_last()->message, "version 9"));
	fcdb__buf_free(&enc);
}

/*
 * Garbage with a valid hash: the decoder must refuse or accept cleanly,
 * never crash or read out of bounds (run under ASan and valgrind).
 */
/* Render a hand-made payload; FCDB_OK with the JSON in *json, or the
   error. */
static int render_payload(const char *payload, size_t len, char **json)
{
	uint8_t rec[256];
	fcdb__envelope env;
	fcdb__render_opts ro = { 0, 0, 0 };
	fcdb__buf b;
	int rc;

	memset(rec, 0, FCDB__ENVELOPE_SIZE);
	rec[0] = FCDB__FORMAT_VERSION;
	rec[2] = 2; /* Active */
	rec[3] = 2; /* Successful */
	memcpy(rec + FCDB__ENVELOPE_SIZE, payload, len);
	fcdb__codec_set_revision(rec, FCDB__ENVELOPE_SIZE + len, 3);
	assert_int_equal(fcdb__codec_verify(rec, FCDB__ENVELOPE_SIZE + len, &env), 0);
	fcdb__buf_init(&b);
	rc = fcdb__codec_render(&b, &env, &CTX, &ro);
	*json = rc ? NULL : fcdb__buf_take(&b, NULL);
	fcdb__buf_free(&b);
	return rc;
}

/* Rendering walks the schema and the map together when the map is in
   field order (as the encoder writes it), falls back to a lookup table
   when it is not, and refuses numbers that are no field, or a field the
   envelope owns. */
static void test_render_field_order(void **state)
{
	char *a = NULL, *b = NULL;

	(void)state;
	/* {1:"3", 16:"f"} in order, and {16:"f", 1:"3"} out of order */
	assert_int_equal(render_payload("\x82\x01\xa1" "3" "\x10\xa1" "f", 7, &a), 0);
	assert_int_equal(render_payload("\x82\x10\xa1" "f" "\x01\xa1" "3", 7, &b), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "{\"codeChecksum\":\"3\",\"functionArn\":"
	                    "\"acs:fc:cn-shanghai:123:functions/f\","
	                    "\"functionName\":\"f\",\"lastUpdateStatus\":"
	                    "\"Successful\",\"state\":\"Active\"}");
	free(a);
	free(b);
	/* state (42) belongs to the envelope */
	assert_int_equal(render_payload("\x82\x01\xa1" "3" "\x2a\xa1" "x", 7, &a),
	                 FCDB_ECORRUPT);
	/* 60 and 49 are no field */
	assert_int_equal(render_payload("\x82\x01\xa1" "3" "\x3c\xa1" "x", 7, &a),
	                 FCDB_ECORRUPT);
	assert_int_equal(render_payload("\x83\x01\xa1" "3" "\x31\xa1" "x"
	                                "\x32\xa1" "y", 10, &a), FCDB_ECORRUPT);
	/* cpu stored as hundredths renders as the number */
	assert_int_equal(render_payload("\x81\x03\x23", 3, &a), 0);
	assert_non_null(strstr(a, "\"cpu\":0.35"));
	free(a);
}

static void test_rehashed_garbage_never_crashes(void **state)
{
	uint64_t seed = tu_seed();
	fcdb__envelope env;
	fcdb__buf enc, junk;
	fcdb__node *out;
	int ok = 0, refused = 0;

	(void)state;
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc,
	                 record_from("import/function-full.json", 1), 5), 0);
	for (int round = 0; round < 3000; round++) {
		size_t n = enc.len;

		fcdb__buf_init(&junk);
		fcdb__buf_add(&junk, enc.data, n);
		if (round % 3 == 0) {
			/* flip a few payload bytes */
			for (int k = 0; k < 1 + round % 5; k++) {
				size_t at = FCDB__ENVELOPE_SIZE +
				            tu_rand(&seed) % (n - FCDB__ENVELOPE_SIZE);
				junk.data[at] = (char)tu_rand(&seed);
			}
		} else if (round % 3 == 1) {
			/* truncate the payload */
			junk.len = FCDB__ENVELOPE_SIZE +
			           tu_rand(&seed) % (n - FCDB__ENVELOPE_SIZE);
		} else {
			/* random payload */
			junk.len = FCDB__ENVELOPE_SIZE;
			for (size_t k = 0; k < tu_rand(&seed) % 300; k++)
				fcdb__buf_addc(&junk, (char)tu_rand(&seed));
		}
		fcdb__codec_set_revision(junk.data, junk.len, 5);
		assert_int_equal(fcdb__codec_verify(junk.data, junk.len, &env), 0);
		fcdb__arena_reset(&arena);
		if (fcdb__codec_decode(&arena, &env, &CTX, &out) == 0)
			ok++;
		else {
			assert_int_equal(fcdb_error_last()->code, FCDB_ECORRUPT);
			refused++;
		}
		fcdb__buf_free(&junk);
	}
	print_message("garbage: %d decoded, %d refused\n", ok, refused);
	assert_true(refused > 0);
	fcdb__buf_free(&enc);
}

/* Headers that claim billions of elements are refused before msgpack-c
   allocates for them (it would ask for tens of gigabytes). */
static void test_huge_claims_refused_without_allocating(void **state)
{
	static const char *const payloads[] = {
		"\xdd\xff\xff\xff\xff",          /* array32 of 4G elements */
		"\xdf\x7f\xff\xff\xff\x01",     /* map32 of 2G pairs */
		"\x81\x01\xdb\xff\xff\xff\xf0", /* str32 of 4 GB */
		"\x81\x01\xc6\x00\x10\x00\x00", /* bin32 past the end */
		"\x81\x01\xc1",                   /* never-used byte */
	};
	static const size_t lens[] = { 5, 6, 7, 7, 3 };
	uint8_t rec[64];
	fcdb__envelope env;
	fcdb__node *out;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		memset(rec, 0, FCDB__ENVELOPE_SIZE);
		rec[0] = FCDB__FORMAT_VERSION;
		rec[2] = 1;
		rec[3] = 1;
		memcpy(rec + FCDB__ENVELOPE_SIZE, payloads[i], lens[i]);
		fcdb__codec_set_revision(rec, FCDB__ENVELOPE_SIZE + lens[i], 1);
		assert_int_equal(fcdb__codec_verify(rec, FCDB__ENVELOPE_SIZE + lens[i],
		                                    &env), 0);
		assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &out), FCDB_ECORRUPT);
	}
}

static void test_record_limit(void **state)
{
	fcdb__node *rec = record_from("valid/create-minimal-python.json", 0);
	fcdb__node big;
	fcdb__buf enc;
	char *text = malloc(1100 * 1024);

	(void)state;
	memset(text, 'x', 1100 * 1024);
	memset(&big, 0, sizeof(big));
	fcdb__node_set_str(&big, text, 1100 * 1024);
	assert_int_equal(fcdb__record_set(&arena, rec, "description", &big), 0);
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 1), FCDB_EINVAL);
	assert_non_null(strstr(fcdb_error_last()->message, "1 MiB"));
	fcdb__buf_free(&enc);
	free(text);
}

static void test_unknown_fields_kept(void **state)
{
	fcdb__node *rec = record_from("valid/create-minimal-python.json", 0);
	const char *xj = "{\"x\":[1,2.5,\"s\",null,{\"k\":true}]}";
	fcdb__node *extra = parse(xj, strlen(xj));
	fcdb__envelope env;
	fcdb__node *back;
	fcdb__buf enc;
	char *a, *b;

	(void)state;
	assert_int_equal(fcdb__record_set(&arena, rec, "legacyField",
	                                  fcdb__node_get(extra, "x")), 0);
	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 3), 0);
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &back), 0);
	a = render(fcdb__node_get(rec, "legacyField"));
	b = render(fcdb__node_get(back, "legacyField"));
	assert_string_equal(a, b);
	assert_string_equal(back->v.kids[back->len - 1].key, "legacyField");
	free(a);
	free(b);
	fcdb__buf_free(&enc);
}

/*
 * Empty strings: msgpack-c hands back a NULL pointer for them, which
 * must never reach memchr or pointer arithmetic (undefined behaviour,
 * flagged by UBSan).  Regression: found by fuzz_record as the payloads
 * {"": {...}} and {"": 117}; an empty description hit the same path.
 * The direct JSON renderer and the summary, which came later, had the
 * same fault (found by fuzz_record on its seeds).
 */
static void test_empty_strings(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int want;
	} payloads[] = {
		{ "\x81\xa0\xc0", 3, FCDB_OK },             /* {"": null} */
		{ "\x81\xa0\x75", 3, FCDB_OK },             /* {"": 117} */
		{ "\x81\xa0\xa0", 3, FCDB_OK },             /* {"": ""} */
		{ "\x81\x08\xa0", 3, FCDB_OK },             /* description "" */
		{ "\x81\x0d\x81\xa0\xa0", 5, FCDB_OK },     /* env {"": ""} */
		{ "\x81\x10\xa0", 3, FCDB_OK },             /* functionName "" */
		{ "\x81\x05\x81\x09\x81\x01\x81\x01\xa0", 9, FCDB_OK }, /* password "" */
		{ "\x81\x05\x81\x04\x91\xa0", 6, FCDB_OK }, /* command [""] */
		{ "\x81\xa0\x81\xa1\x00\x81\xa1\x00\x25", 9, FCDB_ECORRUPT },
	};
	fcdb__node *rec = record_from("valid/create-minimal-python.json", 0);
	const char *ej = "{\"description\":\"\",\"environmentVariables\":"
	                 "{\"A\":\"\"}}";
	fcdb__node *extra = parse(ej, strlen(ej));
	uint8_t buf[64];
	fcdb__envelope env;
	fcdb__node *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		size_t len = FCDB__ENVELOPE_SIZE + payloads[i].len;

		memset(buf, 0, FCDB__ENVELOPE_SIZE);
		buf[0] = FCDB__FORMAT_VERSION;
		buf[2] = 1;
		buf[3] = 1;
		memcpy(buf + FCDB__ENVELOPE_SIZE, payloads[i].bytes,
		       payloads[i].len);
		fcdb__codec_set_revision(buf, len, 1);
		assert_int_equal(fcdb__codec_verify(buf, len, &env), 0);
		assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &out),
		                 payloads[i].want);
		/* the read paths: summary and JSON straight from the
		   payload, masked or not */
		for (int mask = 0; mask < 2; mask++) {
			fcdb__render_opts ro = { 0, mask, 0 };
			fcdb__buf b;

			fcdb__buf_init(&b);
			assert_int_equal(fcdb__codec_render(&b, &env, &CTX, &ro),
			                 payloads[i].want);
			fcdb__buf_free(&b);
		}
		if (payloads[i].want == FCDB_OK) {
			fcdb__summary sum;

			assert_int_equal(fcdb__codec_summary(&arena, &env, &CTX,
			                                     &sum), FCDB_OK);
		}
	}
	/* and through the encoder: empty values survive */
	assert_int_equal(fcdb__record_set(&arena, rec, "description",
	                 fcdb__node_get(extra, "description")), 0);
	assert_int_equal(fcdb__record_set(&arena, rec, "environmentVariables",
	                 fcdb__node_get(extra, "environmentVariables")), 0);
	round_trip(rec);
}

/*
 * The read paths (the decoder behind writes and fcdb_check, the summary
 * behind get and the accessors, the direct renderer behind
 * fcdb_function_json and export) refuse the same damage.  Regression: the
 * renderer and the summary, newer than the decoder, took NUL bytes and
 * invalid UTF-8 in strings and keys, integers beyond int64 and non-string
 * map values, and printed them (invalid UTF-8 in the JSON), where the
 * decoder said StoreCorrupted (found by fuzz_record).
 */
static void test_read_paths_agree(void **state)
{
	static const struct {
		const char *label, *bytes;
		size_t len;
		int top_string; /* the summary reads it too */
	} payloads[] = {
		{ "NUL in a key", "\x81\xa3k\x00k\xc0", 6, 0 },
		{ "invalid UTF-8 in an unknown string", "\x81\xa1x\xa2\xc3\x28", 6, 0 },
		{ "invalid UTF-8 in description", "\x81\x08\xa2\xff\xfe", 5, 1 },
		{ "NUL in functionName", "\x81\x10\xa3" "a\x00" "b", 6, 1 },
		{ "invalid UTF-8 in a password",
		  "\x81\x05\x81\x09\x81\x01\x81\x01\xa1\x80", 10, 0 },
		{ "invalid UTF-8 in an env key", "\x81\x0d\x81\xa1\xff\xa0", 6, 0 },
		{ "an env value that is a number", "\x81\x0d\x81\xa1" "A\x07", 6, 0 },
		{ "an integer beyond int64",
		  "\x81\xa1" "y\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 12, 0 },
		{ "invalid UTF-8 in a command",
		  "\x81\x05\x81\x04\x91\xa1\xc0", 7, 0 },
		/* what the one-pass renderer must decline, not print */
		{ "trailing bytes", "\x80\xc0", 2, 0 },
		{ "an ext value", "\x81\xa1x\xd4\x01\x00", 6, 0 },
		{ "a bin in an unknown field", "\x81\xa1x\xc4\x01\x00", 6, 0 },
		{ "0xc1 (never used)", "\x81\xa1x\xc1", 4, 0 },
		{ "the state stored in the payload", "\x81\x2a\xa6" "Active", 9, 0 },
		{ "a field stored twice", "\x82\x08\xa0\x08\xa0", 5, 0 },
		{ "an unknown field number", "\x81\x3f\xa0", 3, 0 },
		{ "a string cut short", "\x81\x08\xa5" "ab", 5, 0 },
		{ "a map cut short", "\x82\x08\xa0", 3, 0 },
		{ "a negative cpu", "\x81\x03\xff", 3, 0 },
		{ "an integer as internetAccess", "\x81\x17\x01", 3, 0 },
		{ "memorySize beyond int64",
		  "\x81\x21\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 11, 0 },
		{ "a 15-byte functionId",
		  "\x81\x0f\xc4\x0f" "012345678901234", 19, 1 },
		{ "a time after 9999",
		  "\x81\x04\xcf\x00\x00\x01\x00\x00\x00\x00\x00", 11, 1 },
		{ "NUL in a masked secret",
		  "\x81\x05\x81\x09\x81\x01\x81\x01\xa7" "secr\x00" "et", 16, 0 },
		{ "a number as a layer", "\x81\x1e\x91\x01", 4, 0 },
		{ "nested 40 deep (msgpack-c stops at 32)",
		  "\x81\xa1x\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
		  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
		  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
		  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x90", 43, 0 },
	};
	uint8_t buf[128];
	fcdb__envelope env;
	fcdb__node *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		size_t len = FCDB__ENVELOPE_SIZE + payloads[i].len;
		fcdb__summary sum;

		memset(buf, 0, FCDB__ENVELOPE_SIZE);
		buf[0] = FCDB__FORMAT_VERSION;
		buf[2] = 1;
		buf[3] = 1;
		memcpy(buf + FCDB__ENVELOPE_SIZE, payloads[i].bytes,
		       payloads[i].len);
		fcdb__codec_set_revision(buf, len, 1);
		assert_int_equal(fcdb__codec_verify(buf, len, &env), 0);
		if (fcdb__codec_decode(&arena, &env, &CTX, &out) != FCDB_ECORRUPT)
			fail_msg("%s: the decoder took it", payloads[i].label);
		for (int mask = 0; mask < 2; mask++) {
			fcdb__render_opts ro = { mask, mask, mask };
			fcdb__buf b;
			int rc;

			fcdb__buf_init(&b);
			rc = fcdb__codec_render(&b, &env, &CTX, &ro);
			fcdb__buf_cstr(&b);
			if (rc != FCDB_ECORRUPT)
				fail_msg("%s: rendered as %s", payloads[i].label,
				         b.data ? b.data : "");
			/* the one-pass renderer leaves damage to msgpack-c */
			ro.pretty = 0;
			if (fcdb__render_fast(&b, &env, &CTX, &ro))
				fail_msg("%s: the one-pass renderer took it",
				         payloads[i].label);
			fcdb__buf_free(&b);
		}
		if (payloads[i].top_string &&
		    fcdb__codec_summary(&arena, &env, &CTX, &sum) != FCDB_ECORRUPT)
			fail_msg("%s: the summary took it", payloads[i].label);
	}
}

/* A payload in a valid envelope in buf (room for 20 + len bytes). */
static void seal(uint8_t *buf, const void *payload, size_t len,
                 fcdb__envelope *env)
{
	memset(buf, 0, FCDB__ENVELOPE_SIZE);
	buf[0] = FCDB__FORMAT_VERSION;
	buf[2] = 2;
	buf[3] = 2;
	memcpy(buf + FCDB__ENVELOPE_SIZE, payload, len);
	fcdb__codec_set_revision(buf, FCDB__ENVELOPE_SIZE + len, 5);
	assert_int_equal(fcdb__codec_verify(buf, FCDB__ENVELOPE_SIZE + len, env),
	                 0);
}

/*
 * fcdb__codec_render, which tries the one-pass renderer first, gives the
 * same result and bytes as the msgpack-c path with every option; the
 * one-pass renderer takes the record (compact) when `fast` says it must.
 */
static void render_paths_agree(const fcdb__envelope *env, int fast,
                               const char *label)
{
	for (int f = 0; f < 8; f++) {
		fcdb__render_opts ro = { f & 1, (f >> 1) & 1, (f >> 2) & 1 };
		fcdb__buf a, b;
		int rc_a, rc_b, took;

		fcdb__buf_init(&a);
		fcdb__buf_init(&b);
		rc_a = fcdb__codec_render(&a, env, &CTX, &ro);
		rc_b = fcdb__codec_render_unpacked(&b, env, &CTX, &ro);
		if (rc_a != rc_b)
			fail_msg("%s, options %d: %d, through msgpack-c %d", label,
			         f, rc_a, rc_b);
		fcdb__buf_cstr(&a);
		fcdb__buf_cstr(&b);
		if (rc_a == 0 && strcmp(a.data, b.data) != 0)
			fail_msg("%s, options %d:\n%s\nthrough msgpack-c:\n%s",
			         label, f, a.data, b.data);
		a.len = 0;
		took = fcdb__render_fast(&a, env, &CTX, &ro);
		if (!ro.pretty && took != fast)
			fail_msg("%s, options %d: the one-pass renderer %s it",
			         label, f, took ? "took" : "declined");
		if (ro.pretty && took)
			fail_msg("%s: the one-pass renderer took pretty output",
			         label);
		fcdb__buf_free(&a);
		fcdb__buf_free(&b);
	}
}

static void encoded_paths_agree(const fcdb__node *rec, const char *label)
{
	fcdb__envelope env;
	fcdb__buf enc;

	fcdb__buf_init(&enc);
	assert_int_equal(fcdb__codec_encode(&enc, rec, 3), 0);
	assert_int_equal(fcdb__codec_verify(enc.data, enc.len, &env), 0);
	render_paths_agree(&env, 1, label);
	fcdb__buf_free(&enc);
}

/*
 * The one-pass renderer (render.c) takes every record the encoder writes
 * and hand-made payloads of every type msgpack-c maps, and renders them
 * to the bytes the msgpack-c path does; payloads in another shape it
 * declines and the msgpack-c path renders them.
 */
static void test_one_pass_render(void **state)
{
	/* a literal and its length without the final NUL */
#define P(lit) lit, sizeof(lit) - 1
	static const struct {
		const char *label, *bytes;
		size_t len;
		int fast;
	} payloads[] = {
		{ "no members", P("\x80"), 1 },
		{ "every generic type in an unknown field",
		  P("\x84\x10\xa1" "f" "\xa1x\x99\xc0\xc3\xc2\xfb\xcd\x01\x2c"
		  "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xca\x3e\x80\x00\x00"
		  "\x81\xa1k\xa1v\xa2\xc3\xa9"
		  "\xa1y\xd3\xff\xff\xff\xff\xff\xff\xff\xfe"
		  "\xa1z\xd0\x05"), 1 },
		{ "a key as int8, cpu as float32, escapes, 4-byte UTF-8",
		  P("\x83\xd0\x03\xca\x3e\x80\x00\x00"
		  "\x08\xa6" "a\"\\\x01\n\x7f" "\x10\xa4\xf0\x9f\x98\x80"), 1 },
		{ "a stored functionArn and no name",
		  P("\x82\x08\xa0\x0e\xa3" "arn"), 1 },
		{ "compact time, UUID, checksum; cpu in hundredths",
		  P("\x85\x01\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x03\x19"
		  "\x04\xce\x64\x28\x4f\xcf"
		  "\x0f\xc4\x10" "0123456789abcdef" "\x10\xa1g"), 1 },
		{ "integers: uint16, negative",
		  P("\x82\x21\xcd\x04\x00\x2e\xff"), 1 },
		{ "a secret", P("\x81\x05\x81\x09\x81\x01\x81\x01\xab"
		  "pass\xc3\xa9word!"), 1 },
		{ "a short secret", P("\x81\x05\x81\x09\x81\x01\x81\x01\xa3"
		  "abc"), 1 },
		{ "env and layers", P("\x82\x0d\x82\xa1" "A\xa0\xa1" "B\xa1" "b"
		  "\x1e\x92\x82\x01\xa1" "l\x02\x07\x80"), 1 },
		/* valid, but not the encoder's shape: msgpack-c renders it */
		{ "keys out of order", P("\x82\x10\xa1" "f\x08\xa0"), 0 },
		{ "a numbered key after a string key",
		  P("\x82\xa1x\xc0\x08\xa0"), 0 },
		{ "nested 20 deep",
		  P("\x81\xa1x\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
		  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x90"), 0 },
	};
#undef P
	char names[16][128], rel[256];
	size_t n = tu_list_json("valid", names, 16);
	uint8_t buf[FCDB__ENVELOPE_SIZE + 1024];
	char big[5 + 700];
	fcdb__envelope env;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		encoded_paths_agree(record_from(rel, 0), rel);
	}
	encoded_paths_agree(record_from("import/function-full.json", 1),
	                    "import/function-full.json");
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		seal(buf, payloads[i].bytes, payloads[i].len, &env);
		render_paths_agree(&env, payloads[i].fast, payloads[i].label);
	}
	/* long names: both renderers write the whole derived ARN */
	for (size_t len = 600; len <= 700; len += 100) {
		big[0] = '\x81';
		big[1] = '\x10';
		big[2] = '\xd9';
		big[3] = (char)len;
		if (len > 255) {
			big[2] = '\xda';
			big[3] = (char)(len >> 8);
			big[4] = (char)len;
		}
		memset(big + (len > 255 ? 5 : 4), 'n', len);
		seal(buf, big, len + (len > 255 ? 5 : 4), &env);
		render_paths_agree(&env, 1, "a long name");
	}
}

/*
 * However long a (forged) name is, the decoded tree, the summary and the
 * renderers give the same derived ARN: the renderers used to leave it out
 * from 700 bytes on while decode kept it (found by review of render.c).
 */
static void test_long_name_arn_paths_agree(void **state)
{
	static const size_t lens[] = { 60, 654, 667, 668, 5000 };
	static uint8_t payload[5 + 5000], buf[FCDB__ENVELOPE_SIZE + 5 + 5000];
	fcdb__render_opts ro = { 0, 0, 0 };
	fcdb__json_opts jo;
	fcdb__envelope env;
	fcdb__node *root;
	fcdb__buf a, b;

	(void)state;
	memset(&jo, 0, sizeof(jo));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];

		payload[0] = 0x81;
		payload[1] = 0x10;
		payload[2] = 0xda;
		payload[3] = (uint8_t)(len >> 8);
		payload[4] = (uint8_t)len;
		memset(payload + 5, 'n', len);
		seal(buf, payload, 5 + len, &env);
		assert_int_equal(fcdb__codec_decode(&arena, &env, &CTX, &root), 0);
		fcdb__buf_init(&a);
		fcdb__buf_init(&b);
		fcdb__json_write(&a, root, &jo);
		assert_int_equal(fcdb__codec_render(&b, &env, &CTX, &ro), 0);
		fcdb__buf_cstr(&a);
		fcdb__buf_cstr(&b);
		assert_string_equal(a.data, b.data);
		assert_non_null(strstr(b.data, "\"functionArn\":\"acs:fc:"));
		render_paths_agree(&env, 1, "a long name");
		fcdb__buf_free(&a);
		fcdb__buf_free(&b);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip_fixtures),
		T(test_long_name_arn_paths_agree),
		T(test_render_matches_tree),
		T(test_compact_fields),
		T(test_time_format_round_trip),
		T(test_full_record_is_small),
		T(test_every_flipped_byte_is_caught),
		T(test_version_checked_first),
		T(test_render_field_order),
		T(test_rehashed_garbage_never_crashes),
		T(test_huge_claims_refused_without_allocating),
		T(test_record_limit),
		T(test_unknown_fields_kept),
		T(test_empty_strings),
		T(test_read_paths_agree),
		T(test_one_pass_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
