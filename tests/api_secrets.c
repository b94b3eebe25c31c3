/*
 * api_secrets.c: the registry password through fcdb.h: masked the way
 * the service masks it when FCDB_JSON_MASK_SECRETS asks (and only then),
 * whole in exports, and never quoted by an error message, however the
 * input that carries it fails.  (File modes: api_misuse.c and
 * tests/cli/test_secrets.sh.)
 */
#include "apiutil.h"

/* A password nobody would type by accident; the checks look for any
   six bytes of it in a row. */
#define SECRET "Pw7f3a9cSECRETd41d8cZ"

static const char secret[] = SECRET;

/* Does `s` contain six consecutive bytes of the secret? */
static int leaks(const char *s, const char *pw)
{
	size_t n = strlen(pw), i;
	char piece[8];

	if (!s)
		return 0;
	for (i = 0; i + 6 <= n; i++) {
		memcpy(piece, pw + i, 6);
		piece[6] = '\0';
		if (strstr(s, piece))
			return 1;
	}
	return 0;
}

static void assert_no_leak(const char *label, const char *pw)
{
	const fcdb_error *e = fcdb_error_last();

	if (leaks(e->message, pw) || leaks(e->field, pw))
		fail_msg("%s: the error quotes the password: \"%s\" (field "
		         "\"%s\")", label, e->message, e->field);
}

/* A container function document with `cc` (members of
   customContainerConfig) and `extra` (top-level members, may be ""). */
static char *container_doc(const char *name, const char *cc,
                           const char *extra)
{
	const char *fmt = "{\"functionName\":\"%s\",\"runtime\":\"custom-container\","
	                  "\"customContainerConfig\":{\"image\":\"r.example/i:1\"%s%s}"
	                  "%s%s}";
	size_t n = strlen(fmt) + strlen(name) + strlen(cc) + strlen(extra) + 8;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, fmt, name, *cc ? "," : "", cc, *extra ? "," : "", extra);
	return s;
}

#define AUTH(pw) "\"registryConfig\":{\"authConfig\":{\"userName\":\"u\"," \
	"\"password\":" pw "}}"

/* ---- masking ---- */

/* The JSON of `name` with `flags`; fcdb_json_free() it. */
static char *json_of(fcdb *db, const char *name, unsigned flags)
{
	char *s = NULL;

	au_ok(fcdb_function_get_json(db, &s, NULL, name, flags));
	return s;
}

static void test_masking(void **state)
{
	static const struct {
		const char *pw_json; /* as written in the input */
		const char *masked;  /* as FCDB_JSON_MASK_SECRETS shows it */
		const char *whole;   /* as it is stored and exported */
	} cases[] = {
		{ "\"" SECRET "\"", "Pw7***", SECRET },
		{ "\"abcdef\"", "abc***", "abcdef" },
		/* fewer than six characters show nothing of themselves */
		{ "\"abcde\"", "***", "abcde" },
		{ "\"\"", "***", "" },
		/* characters, not bytes: six two-byte characters keep three
		   whole ones (regression: three bytes cut the second "ä") */
		{ "\"\\u00e4\\u00e4\\u00e4\\u00e4\\u00e4\\u00e4\"",
		  "\xc3\xa4\xc3\xa4\xc3\xa4***",
		  "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4" },
		/* three bytes of text are five characters: all hidden */
		{ "\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\"",
		  "***", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac" },
		/* four-byte characters */
		{ "\"\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91k3y!\"",
		  "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91***",
		  "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91k3y!" },
	};
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[16], want[128], *doc, *cc, *s;
		size_t n = strlen(cases[i].pw_json) + 128;

		snprintf(name, sizeof(name), "m%zu", i);
		cc = malloc(n);
		assert_non_null(cc);
		snprintf(cc, n, "\"registryConfig\":{\"authConfig\":{\"userName\":"
		         "\"u\",\"password\":%s}}", cases[i].pw_json);
		doc = container_doc(name, cc, "");
		au_ok(au_create_doc(db, doc));

		snprintf(want, sizeof(want), "\"password\":\"%s\"",
		         cases[i].masked);
		s = json_of(db, name, FCDB_JSON_MASK_SECRETS);
		if (!strstr(s, want))
			fail_msg("case %zu: masked JSON lacks %s: %s", i, want, s);
		fcdb_json_free(s);
		s = json_of(db, name, FCDB_JSON_MASK_SECRETS | FCDB_JSON_PRETTY);
		snprintf(want, sizeof(want), "\"password\": \"%s\"",
		         cases[i].masked);
		if (!strstr(s, want))
			fail_msg("case %zu: pretty masked JSON lacks %s", i, want);
		fcdb_json_free(s);

		/* unmasked unless asked */
		snprintf(want, sizeof(want), "\"password\":\"%s\"",
		         cases[i].whole);
		s = json_of(db, name, 0);
		if (!strstr(s, want))
			fail_msg("case %zu: plain JSON lacks %s: %s", i, want, s);
		fcdb_json_free(s);
		free(doc);
		free(cc);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The masked JSON is valid UTF-8 JSON that cJSON reads back, with the
   mask in the place of the password and everything else unchanged. */
static void test_masked_json_reads_back(void **state)
{
	tu_sandbox sb;
	fcdb *db;
	char *doc, *plain, *masked;
	cJSON *a, *b, *pa, *pb;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	doc = container_doc("mb", AUTH("\"\\u00e9t\\u00e9-\\u00e9t\\u00e9\""),
	                    "\"description\":\"x\"");
	au_ok(au_create_doc(db, doc));
	plain = json_of(db, "mb", 0);
	masked = json_of(db, "mb", FCDB_JSON_MASK_SECRETS);
	a = cJSON_Parse(plain);
	b = cJSON_Parse(masked);
	assert_non_null(a);
	assert_non_null(b);
	pa = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	     a, "customContainerConfig"), "registryConfig"), "authConfig"),
	     "password");
	pb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	     b, "customContainerConfig"), "registryConfig"), "authConfig"),
	     "password");
	assert_string_equal(pa->valuestring, "\xc3\xa9t\xc3\xa9-\xc3\xa9t\xc3\xa9");
	assert_string_equal(pb->valuestring, "\xc3\xa9t\xc3\xa9***");
	cJSON_SetValuestring(pb, pa->valuestring);
	assert_true(cJSON_Compare(a, b, 1));
	cJSON_Delete(a);
	cJSON_Delete(b);
	fcdb_json_free(plain);
	fcdb_json_free(masked);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Export writes the password whole (documented: keep exports private). */
static int to_text(void *ctx, const char *data, size_t len)
{
	au_bytes *b = ctx;
	char *p = realloc(b->data, b->len + len + 1);

	if (!p)
		return -1;
	memcpy(p + b->len, data, len);
	b->data = p;
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

static void test_export_keeps_password(void **state)
{
	au_bytes out = { NULL, 0 };
	fcdb_export_options eo;
	tu_sandbox sb;
	fcdb *db;
	char *doc;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	doc = container_doc("ex", AUTH("\"" SECRET "\""), "");
	au_ok(au_create_doc(db, doc));
	au_ok(fcdb_export(db, to_text, &out, NULL, NULL));
	assert_non_null(strstr(out.data, "\"password\":\"" SECRET "\""));
	au_bytes_free(&out);
	fcdb_export_options_init(&eo);
	eo.format = FCDB_FORMAT_JSON;
	au_ok(fcdb_export(db, to_text, &out, &eo, NULL));
	assert_non_null(strstr(out.data, "\"password\":\"" SECRET "\""));
	au_bytes_free(&out);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- errors never quote the password ---- */

/*
 * Documents that carry the secret and fail, through create, through
 * update (the same members), and cut short anywhere after the password
 * begins.
 */
static const struct leak_case {
	const char *label;
	const char *cc;    /* customContainerConfig members */
	const char *extra; /* top-level members */
} leak_cases[] = {
	{ "timeout out of range", AUTH("\"" SECRET "\""), "\"timeout\":0" },
	{ "unknown top-level field", AUTH("\"" SECRET "\""), "\"memorysize\":1" },
	{ "unknown field beside the password",
	  "\"registryConfig\":{\"authConfig\":{\"password\":\"" SECRET "\","
	  "\"passwd\":\"" SECRET "\"}}", "" },
	{ "password one level too high",
	  "\"registryConfig\":{\"password\":\"" SECRET "\"}", "" },
	{ "password where an object goes",
	  "\"registryConfig\":{\"authConfig\":\"" SECRET "\"}", "" },
	{ "password where the image goes (unknown field)",
	  "\"imagePassword\":\"" SECRET "\"", "" },
	{ "the password twice (duplicate key)",
	  "\"registryConfig\":{\"authConfig\":{\"password\":\"" SECRET "\","
	  "\"password\":\"" SECRET "\"}}", "" },
	{ "the password as a number", AUTH("12345678901234567890"), "" },
	{ "the password as an array", AUTH("[\"" SECRET "\"]"), "" },
	{ "the password as an object", AUTH("{\"" SECRET "\":\"" SECRET "\"}"),
	  "" },
	{ "invalid UTF-8 in the password", AUTH("\"" SECRET "\xff\xfe\""), "" },
	{ "a control character in the password", AUTH("\"" SECRET "\x01\""),
	  "" },
	{ "a line break in the password", AUTH("\"" SECRET "\n\""), "" },
	{ "\\u0000 in the password", AUTH("\"" SECRET "\\u0000x\""), "" },
	{ "a lone surrogate in the password", AUTH("\"" SECRET "\\ud800\""), "" },
	{ "a bad escape in the password", AUTH("\"" SECRET "\\q\""), "" },
	{ "code and a container", AUTH("\"" SECRET "\""),
	  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}" },
	{ "a bad memory/cpu ratio", AUTH("\"" SECRET "\""),
	  "\"memorySize\":32768,\"cpu\":0.05" },
	{ "a computed field", AUTH("\"" SECRET "\""), "\"state\":\"Active\"" },
	{ "a bad role", AUTH("\"" SECRET "\""), "\"role\":\"" SECRET "\"" },
	{ "too many problems at once", AUTH("\"" SECRET "\""),
	  "\"timeout\":0,\"memorySize\":1,\"cpu\":99,\"diskSize\":3,"
	  "\"instanceConcurrency\":0,\"x1\":1,\"x2\":2,\"x3\":3,\"x4\":4,"
	  "\"x5\":5,\"x6\":6,\"x7\":7" },
};

static void test_errors_never_quote_the_password(void **state)
{
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "victim", NULL);
	for (i = 0; i < sizeof(leak_cases) / sizeof(leak_cases[0]); i++) {
		const struct leak_case *c = &leak_cases[i];
		char *doc = container_doc("leaky", c->cc, c->extra);
		char *upd, *cc_only;
		size_t n;
		int rc;

		rc = au_create_doc(db, doc);
		if (rc == FCDB_OK)
			fail_msg("%s: create accepted it", c->label);
		assert_no_leak(c->label, secret);

		/* the same through update */
		n = strlen(c->cc) + strlen(c->extra) + 64;
		upd = malloc(n);
		assert_non_null(upd);
		snprintf(upd, n, "{\"customContainerConfig\":{\"image\":\"r/i:2\"%s%s}"
		         "%s%s}", *c->cc ? "," : "", c->cc, *c->extra ? "," : "",
		         c->extra);
		rc = fcdb_function_update(db, NULL, "victim", upd, strlen(upd),
		                          NULL);
		if (rc == FCDB_OK) {
			/* fine as an update: put the victim back */
			au_ok(fcdb_function_delete(db, "victim", NULL));
			au_create_active(db, "victim", NULL);
		} else {
			assert_no_leak(c->label, secret);
		}
		free(upd);

		/* truncated anywhere after the password starts */
		cc_only = strstr(doc, SECRET);
		for (n = cc_only ? (size_t)(cc_only - doc) : strlen(doc);
		     n < strlen(doc); n += 7) {
			rc = fcdb_function_create(db, NULL, doc, n, NULL);
			assert_int_equal(rc, FCDB_EINVAL);
			assert_no_leak(c->label, secret);
		}
		free(doc);
	}
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The record limit, with the password itself the bulk of the record. */
static void test_huge_password(void **state)
{
	size_t big = 2u << 20, i;
	char *pw, *cc, *doc;
	tu_sandbox sb;
	fcdb *db;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	pw = malloc(big + 1);
	cc = malloc(big + 256);
	assert_non_null(pw);
	assert_non_null(cc);
	for (i = 0; i < big; i++)
		pw[i] = secret[i % (sizeof(secret) - 1)];
	pw[big] = '\0';
	snprintf(cc, big + 256, AUTH("\"%s\""), pw);
	doc = container_doc("huge", cc, "");
	au_expect(au_create_doc(db, doc), FCDB_EINVAL);
	au_message_has("1 MiB");
	assert_no_leak("a 2 MiB password", secret);
	free(doc);
	free(cc);
	free(pw);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Failures that are not about the input: conflicts and lookups. */
static void test_conflicts_never_quote_the_password(void **state)
{
	tu_sandbox sb;
	fcdb *db;
	char *doc = container_doc("taken", AUTH("\"" SECRET "\""), "");
	char upd[256];

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_ok(au_create_doc(db, doc));
	/* exists */
	au_expect(au_create_doc(db, doc), FCDB_EEXISTS);
	assert_no_leak("create over an existing name", secret);
	/* InProgress: an update is refused */
	snprintf(upd, sizeof(upd), "{\"customContainerConfig\":{\"image\":"
	         "\"r/i:2\"," AUTH("\"%s\"") "}}", SECRET);
	au_expect(fcdb_function_update(db, NULL, "taken", upd, strlen(upd),
	                               NULL), FCDB_ECONCURRENT);
	assert_no_leak("update while InProgress", secret);
	/* not found */
	au_expect(fcdb_function_update(db, NULL, "missing", upd, strlen(upd),
	                               NULL), FCDB_ENOTFOUND);
	assert_no_leak("update of a missing function", secret);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Import: records that carry the password and fail. */
struct mem_in {
	const char *data;
	size_t len, pos;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem_in *m = ctx;
	size_t n = m->len - m->pos;

	if (n > cap)
		n = cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static void test_import_never_quotes_the_password(void **state)
{
	static const char *const lines[] = {
		/* a bad ARN */
		"{\"functionName\":\"i1\",\"functionArn\":\"acs:fc:x:1:functions/i1\","
		"\"runtime\":\"custom-container\",\"customContainerConfig\":{"
		"\"image\":\"r/i:1\"," AUTH("\"" SECRET "\"") "}}\n",
		/* a password of the wrong type */
		"{\"functionName\":\"i2\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		AUTH("true") "},\"description\":\"" SECRET "x\"}\n",
		/* code is not an export field */
		"{\"functionName\":\"i3\",\"runtime\":\"custom-container\","
		"\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"},"
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		AUTH("\"" SECRET "\"") "}}\n",
		/* the same name twice */
		"{\"functionName\":\"i4\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		AUTH("\"" SECRET "\"") "}}\n"
		"{\"functionName\":\"i4\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		AUTH("\"" SECRET "\"") "}}\n",
		/* not JSON after the password */
		"{\"functionName\":\"i5\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		AUTH("\"" SECRET "\" x") "}}\n",
		/* truncated inside the password */
		"{\"functionName\":\"i6\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r/i:1\","
		"\"registryConfig\":{\"authConfig\":{\"password\":\"" SECRET,
		/* a ListFunctions page with a bad record */
		"{\"functions\":[{\"functionName\":\"i7\",\"runtime\":"
		"\"custom-container\",\"customContainerConfig\":{\"image\":"
		"\"r/i:1\",\"port\":-1," AUTH("\"" SECRET "\"") "}}],"
		"\"nextToken\":\"t\"}",
		NULL,
	};
	fcdb_import_options io;
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	fcdb_import_options_init(&io);
	for (i = 0; lines[i]; i++) {
		struct mem_in m = { lines[i], strlen(lines[i]), 0 };
		int rc;

		io.flags = 0;
		rc = fcdb_import(db, mem_read, &m, &io, NULL);
		if (rc == FCDB_OK)
			fail_msg("import %zu accepted it", i);
		assert_no_leak("import", secret);
		m.pos = 0;
		io.flags = FCDB_IMPORT_LENIENT | FCDB_IMPORT_DRY_RUN;
		rc = fcdb_import(db, mem_read, &m, &io, NULL);
		if (rc != FCDB_OK)
			assert_no_leak("lenient import", secret);
	}
	assert_int_equal(au_revision(db), 0);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masking),
		cmocka_unit_test(test_masked_json_reads_back),
		cmocka_unit_test(test_export_keeps_password),
		cmocka_unit_test(test_errors_never_quote_the_password),
		cmocka_unit_test(test_huge_password),
		cmocka_unit_test(test_conflicts_never_quote_the_password),
		cmocka_unit_test(test_import_never_quotes_the_password),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_secrets", tests, NULL,
	                                   au_sweep);
}
