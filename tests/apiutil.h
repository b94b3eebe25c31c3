/*
 * apiutil.h: helpers shared by the API suites (tests/api_*.c).
 *
 * The API suites see libfcdb only through include/fcdb.h, so everything
 * here is built on the public header, libc and cJSON (used to compare
 * JSON by meaning, never by text layout).  Header-only, all static inline:
 * each suite uses a different subset.
 */
#ifndef FCDB_APIUTIL_H
#define FCDB_APIUTIL_H

#include <fcdb.h>

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Every API store is made for this region and account. */
#define AU_REGION "cn-shanghai"
#define AU_ACCOUNT "123"
#define AU_ARN_PREFIX "acs:fc:" AU_REGION ":" AU_ACCOUNT ":functions/"

/* The pinned clock: 2023-04-01T08:15:27Z. */
#define AU_NOW 1680336927
#define AU_NOW_TEXT "2023-04-01T08:15:27Z"

/* tests/data/code/hello.zip as base64, its CRC-64/XZ and size. */
#define AU_HELLO_B64 \
	"UEsDBBQAAAAIAAAAIVhBhpGhNgAAADYAAAAIAAAAaW5kZXgucHlLSU1TyEjMS8lJLdJI" \
	"LUvNK9FRSM7PK0mtKNG04lIAgqLUktKiPAX1jNScnHyF8vyinBR1LgBQSwECFAMUAAAA" \
	"CAAAACFYQYaRoTYAAAA2AAAACAAAAAAAAAAAAAAAgAEAAAAAaW5kZXgucHlQSwUGAAAA" \
	"AAEAAQA2AAAAXAAAAAAA"
#define AU_HELLO_CRC "15509210073434968621"
#define AU_HELLO_SIZE 168

/* The seed used when FCDB_TEST_SEED is not set: fixed, so every run is
   the same unless the caller asks for another; tu_seed() prints it. */
#define AU_DEFAULT_SEED "20230401"

static inline void au_fixed_seed(void)
{
	setenv("FCDB_TEST_SEED", AU_DEFAULT_SEED, 0);
	(void)tu_seed();
}

/* Group teardown: remove what failed tests left behind. */
static inline int au_sweep(void **state)
{
	(void)state;
	tu_sandbox_sweep();
	return 0;
}

/* ---- result codes ---- */

/* Fail with the library's own explanation when `call` is not `want`. */
#define au_expect(call, want)                                                \
	do {                                                                  \
		int au_rc_ = (call);                                          \
		int au_want_ = (want);                                        \
		if (au_rc_ != au_want_)                                       \
			fail_msg("%s returned %d %s, want %d %s: %s", #call,  \
			         au_rc_, fcdb_error_name(au_rc_), au_want_,   \
			         fcdb_error_name(au_want_),                   \
			         fcdb_error_last()->message);                 \
	} while (0)
#define au_ok(call) au_expect(call, FCDB_OK)

/* The last error's field must be `want`. */
#define au_field(want)                                                       \
	do {                                                                  \
		const char *au_f_ = fcdb_error_last()->field;                 \
		if (strcmp(au_f_, (want)) != 0)                               \
			fail_msg("error field is \"%s\", want \"%s\" (%s)",   \
			         au_f_, (want), fcdb_error_last()->message);  \
	} while (0)

/* The last error's message must contain `needle`. */
#define au_message_has(needle)                                               \
	do {                                                                  \
		const char *au_m_ = fcdb_error_last()->message;               \
		if (!strstr(au_m_, (needle)))                                 \
			fail_msg("error message \"%s\" does not mention "     \
			         "\"%s\"", au_m_, (needle));                  \
	} while (0)

/* ---- opening stores ---- */

static int64_t au_clock_value = AU_NOW;

static inline int64_t au_clock(void *ctx)
{
	return ctx ? *(const int64_t *)ctx : au_clock_value;
}

/* Open `path` for AU_REGION/AU_ACCOUNT with the pinned clock.  NOSYNC
   keeps the suites fast; durability is not what they test. */
static inline fcdb *au_open_flags(const char *path, unsigned flags)
{
	fcdb_options o;
	fcdb *db = NULL;

	fcdb_options_init(&o);
	o.flags = flags;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.clock = au_clock;
	au_ok(fcdb_open(&db, path, &o));
	assert_non_null(db);
	return db;
}

static inline fcdb *au_open(const char *path)
{
	return au_open_flags(path, FCDB_OPEN_NOSYNC);
}

static inline uint64_t au_revision(fcdb *db)
{
	uint64_t r = 0;

	au_ok(fcdb_revision(db, &r));
	return r;
}

/* ---- function documents ---- */

/*
 * A CreateFunctionInput for `name` (python3.10 with hello.zip), with
 * `extra` (already-formatted members, may be NULL or "") appended.
 * free() the result.
 */
static inline char *au_doc(const char *name, const char *extra)
{
	const char *fmt = "{\"functionName\":\"%s\",\"runtime\":\"python3.10\","
	                  "\"handler\":\"index.handler\","
	                  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}%s%s}";
	int has = extra && *extra;
	size_t n = strlen(fmt) + strlen(name) + (has ? strlen(extra) : 0) + 8;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, fmt, name, has ? "," : "", has ? extra : "");
	return s;
}

/* Create `name` (au_doc) and return the function (OWNED). */
static inline fcdb_function *au_create_fn(fcdb *db, const char *name,
                                          const char *extra)
{
	fcdb_function *fn = NULL;
	char *doc = au_doc(name, extra);

	au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
	free(doc);
	assert_non_null(fn);
	return fn;
}

static inline void au_create(fcdb *db, const char *name, const char *extra)
{
	fcdb_function_free(au_create_fn(db, name, extra));
}

/* Create `name` and move it to Active (lastUpdateStatus Successful), the
   shape a function has once provisioning is done. */
static inline void au_create_active(fcdb *db, const char *name,
                                    const char *extra)
{
	au_create(db, name, extra);
	au_ok(fcdb_function_set_state(db, NULL, name, FCDB_STATE_ACTIVE, NULL,
	                              NULL, NULL));
}

static inline int au_create_doc(fcdb *db, const char *doc)
{
	return fcdb_function_create(db, NULL, doc, strlen(doc), NULL);
}

/* ---- JSON ---- */

/* The function's JSON (compact) as text; fcdb_json_free() it. */
static inline char *au_json_text(const fcdb_function *fn, unsigned flags)
{
	char *s = NULL;
	size_t len = 0;

	au_ok(fcdb_function_json(&s, &len, fn, flags));
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	return s;
}

/* The function's JSON, parsed; cJSON_Delete() it. */
static inline cJSON *au_json(const fcdb_function *fn)
{
	char *s = au_json_text(fn, 0);
	cJSON *j = cJSON_Parse(s);

	if (!j)
		fail_msg("fcdb_function_json produced invalid JSON: %s", s);
	fcdb_json_free(s);
	return j;
}

/* The stored function `name` as parsed JSON. */
static inline cJSON *au_get_json(fcdb *db, const char *name)
{
	fcdb_function *fn = NULL;
	cJSON *j;

	au_ok(fcdb_function_get(db, &fn, name));
	j = au_json(fn);
	fcdb_function_free(fn);
	return j;
}

/* A string member, or NULL when absent or not a string. */
static inline const char *au_jstr(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Assert the string member `key` of obj equals `want` (NULL: absent). */
#define au_assert_jstr(obj, key, want)                                       \
	do {                                                                  \
		const char *au_got_ = au_jstr((obj), (key));                  \
		const char *au_w_ = (want);                                   \
		if (!au_w_ && cJSON_GetObjectItemCaseSensitive((obj), (key))) \
			fail_msg("\"%s\" should be absent", (key));           \
		if (au_w_ && (!au_got_ || strcmp(au_got_, au_w_) != 0))     \
			fail_msg("\"%s\" is \"%s\", want \"%s\"", (key),      \
			         au_got_ ? au_got_ : "(absent)", au_w_);      \
	} while (0)

/* ---- files ---- */

typedef struct au_bytes {
	char *data;
	size_t len;
} au_bytes;

static inline au_bytes au_read(const char *path)
{
	au_bytes b;

	b.data = tu_slurp(path, &b.len);
	return b;
}

static inline void au_bytes_free(au_bytes *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* The file at `path` must still hold exactly `before`. */
static inline void au_assert_file_is(const char *path, const au_bytes *before)
{
	au_bytes now = au_read(path);
	size_t i;

	if (now.len != before->len)
		fail_msg("%s changed size: %zu bytes, was %zu", path, now.len,
		         before->len);
	if (memcmp(now.data, before->data, now.len) != 0) {
		for (i = 0; i < now.len && now.data[i] == before->data[i]; i++)
			;
		fail_msg("%s changed at byte %zu", path, i);
	}
	au_bytes_free(&now);
}

/* ---- reference CRC-64/XZ (bitwise, independent of the library) ---- */

/*
 * The by_id index files a lower-case UUID functionId under its 16 bytes:
 * write them into out, so tests can find an index entry in the file.
 */
static inline void au_uuid_bytes(const char *id, unsigned char out[16])
{
	int k = 0;

	for (const char *p = id; *p && k < 16; p++) {
		int hi, lo;

		if (*p == '-')
			continue;
		hi = *p <= '9' ? *p - '0' : *p - 'a' + 10;
		lo = p[1] <= '9' ? p[1] - '0' : p[1] - 'a' + 10;
		out[k++] = (unsigned char)(hi << 4 | lo);
		p++;
	}
}

static inline uint64_t au_crc64_ref(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t crc = ~0ULL;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xC96C5795D7870F42ULL
			                : crc >> 1;
	}
	return ~crc;
}

#endif
