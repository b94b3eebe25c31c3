/*
 * api_create.c: fcdb_function_create through the public API: fixtures,
 * computed fields, defaults, round trips, refusals and hostile input.
 */
#include "apiutil.h"

#include <ctype.h>

#define MAX_FIXTURES 64

/* ---- helpers ---- */

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	return au_open(sb->store);
}

/* Load tests/data/<rel> as parsed JSON. */
static cJSON *load_json(const char *rel)
{
	size_t len;
	char *text = tu_slurp(tu_data(rel), &len);
	cJSON *j = cJSON_ParseWithLength(text, len);

	if (!j)
		fail_msg("%s is not valid JSON", rel);
	free(text);
	return j;
}

static void assert_lower_uuid(const char *s)
{
	size_t i;

	assert_non_null(s);
	assert_int_equal(strlen(s), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			assert_int_equal(s[i], '-');
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			fail_msg("functionId %s is not a lower-case UUID", s);
	}
	/* libuuid random: version 4, RFC 4122 variant */
	assert_int_equal(s[14], '4');
	assert_non_null(strchr("89ab", s[19]));
}

/* Refuse `doc` with EINVAL (and `field` unless NULL), leaving the store
   file and revision exactly as they were. */
static void refuse_with(fcdb *db, const char *store, const char *doc,
                        size_t len, const fcdb_write_options *wo,
                        const char *field, const char *label)
{
	au_bytes before = au_read(store);
	uint64_t rev = au_revision(db);
	fcdb_function *fn = (fcdb_function *)&before; /* must become NULL */
	int rc;

	rc = fcdb_function_create(db, &fn, doc, len, wo);
	if (rc == FCDB_OK)
		fail_msg("%s: create accepted it, want InvalidArgument", label);
	if (rc != FCDB_EINVAL)
		fail_msg("%s: create returned %d %s, want InvalidArgument (%s)",
		         label, rc, fcdb_error_name(rc),
		         fcdb_error_last()->message);
	assert_null(fn);
	assert_int_equal(fcdb_error_last()->code, FCDB_EINVAL);
	assert_true(fcdb_error_last()->message[0] != '\0');
	if (field && strcmp(fcdb_error_last()->field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\" (%s)", label,
		         fcdb_error_last()->field, field,
		         fcdb_error_last()->message);
	assert_int_equal(au_revision(db), rev);
	au_assert_file_is(store, &before);
	au_bytes_free(&before);
}

static void refuse(fcdb *db, const char *store, const char *doc, size_t len,
                   const char *field, const char *label)
{
	refuse_with(db, store, doc, len, NULL, field, label);
}

/* ---- every valid fixture creates ---- */

static void test_valid_fixtures_create(void **state)
{
	char names[MAX_FIXTURES][128], rel[256];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t n = tu_list_json("valid", names, MAX_FIXTURES), i;
	fcdb_list *list = NULL;
	fcdb_list_options lo;

	(void)state;
	assert_true(n >= 4);
	for (i = 0; i < n; i++) {
		fcdb_function *fn = NULL;
		cJSON *in;
		size_t len;
		char *text;
		int rc;

		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		text = tu_slurp(tu_data(rel), &len);
		in = cJSON_Parse(text);
		assert_non_null(in);
		rc = fcdb_function_create(db, &fn, text, len, NULL);
		if (rc)
			fail_msg("%s: %s: %s", names[i], fcdb_error_name(rc),
			         fcdb_error_last()->message);
		assert_non_null(fn);
		assert_string_equal(fcdb_function_name(fn),
		                    au_jstr(in, "functionName"));
		assert_string_equal(fcdb_function_runtime(fn),
		                    au_jstr(in, "runtime"));
		assert_int_equal(fcdb_function_revision(fn), i + 1);
		fcdb_function_free(fn);
		cJSON_Delete(in);
		free(text);
	}
	assert_int_equal(au_revision(db), n);
	fcdb_list_options_init(&lo);
	lo.limit = FCDB_LIST_LIMIT_MAX;
	au_ok(fcdb_function_list(db, &list, &lo));
	assert_int_equal(fcdb_list_count(list), n);
	fcdb_list_free(list);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- computed fields ---- */

static void test_computed_fields(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = au_create_fn(db, "computed", NULL), *other;
	cJSON *j;

	(void)state;
	assert_lower_uuid(fcdb_function_id(fn));
	assert_string_equal(fcdb_function_arn(fn),
	                    "acs:fc:cn-shanghai:123:functions/computed");
	assert_string_equal(fcdb_function_created_time(fn), AU_NOW_TEXT);
	assert_string_equal(fcdb_function_last_modified_time(fn), AU_NOW_TEXT);
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_PENDING);
	assert_string_equal(fcdb_function_state_reason_code(fn), "Creating");
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_IN_PROGRESS);
	assert_string_equal(fcdb_function_code_checksum(fn), AU_HELLO_CRC);
	assert_true(fcdb_function_has_code_size(fn));
	assert_int_equal(fcdb_function_code_size(fn), AU_HELLO_SIZE);
	assert_int_equal(fcdb_function_revision(fn), 1);

	/* The same facts in the service's JSON. */
	j = au_json(fn);
	au_assert_jstr(j, "functionId", fcdb_function_id(fn));
	au_assert_jstr(j, "functionArn",
	               "acs:fc:cn-shanghai:123:functions/computed");
	au_assert_jstr(j, "createdTime", AU_NOW_TEXT);
	au_assert_jstr(j, "lastModifiedTime", AU_NOW_TEXT);
	au_assert_jstr(j, "state", "Pending");
	au_assert_jstr(j, "stateReasonCode", "Creating");
	au_assert_jstr(j, "lastUpdateStatus", "InProgress");
	au_assert_jstr(j, "codeChecksum", AU_HELLO_CRC);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j,
	                                                            "codeSize")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "codeSize")
	                     ->valuedouble, AU_HELLO_SIZE);
	/* code goes in, it never comes out */
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "code"));
	cJSON_Delete(j);

	/* Each function gets its own id. */
	other = au_create_fn(db, "computed2", NULL);
	assert_lower_uuid(fcdb_function_id(other));
	assert_string_not_equal(fcdb_function_id(fn), fcdb_function_id(other));
	fcdb_function_free(other);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The region and account of the ARN come from fcdb_options; the times
   from the clock hook. */
static void test_arn_region_and_clock(void **state)
{
	int64_t when = 4102444799; /* 2099-12-31T23:59:59Z */
	fcdb_options o;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = NULL;
	char *doc = au_doc("elsewhere", NULL);

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.region = "ap-southeast-1";
	o.account_id = "5551234";
	o.clock = au_clock;
	o.clock_ctx = &when;
	au_ok(fcdb_open(&db, sb.store, &o));
	assert_string_equal(fcdb_region(db), "ap-southeast-1");
	assert_string_equal(fcdb_account_id(db), "5551234");
	au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
	assert_string_equal(fcdb_function_arn(fn),
	                    "acs:fc:ap-southeast-1:5551234:functions/elsewhere");
	assert_string_equal(fcdb_function_created_time(fn),
	                    "2099-12-31T23:59:59Z");
	assert_string_equal(fcdb_function_last_modified_time(fn),
	                    "2099-12-31T23:59:59Z");
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_get_by_arn(db, &fn,
	      "acs:fc:ap-southeast-1:5551234:functions/elsewhere"));
	fcdb_function_free(fn);
	free(doc);
	fcdb_close(db);

	/* The defaults when no region and account are given. */
	tu_sandbox_free(&sb);
	tu_sandbox_new(&sb);
	au_ok(fcdb_open(&db, sb.store, NULL));
	assert_string_equal(fcdb_region(db), "cn-hangzhou");
	assert_string_equal(fcdb_account_id(db), "1000000000000000");
	fn = NULL;
	doc = au_doc("default-place", NULL);
	au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
	assert_string_equal(fcdb_function_arn(fn),
	        "acs:fc:cn-hangzhou:1000000000000000:functions/default-place");
	fcdb_function_free(fn);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- code package ---- */

static void expected_hello(char *crc, size_t cap, int64_t *size)
{
	cJSON *j = load_json("code/hello.zip.expected.json");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "code.zip");

	assert_non_null(e);
	snprintf(crc, cap, "%s", au_jstr(e, "codeChecksum"));
	*size = (int64_t)cJSON_GetObjectItemCaseSensitive(e, "size")->valuedouble;
	cJSON_Delete(j);
}

static void test_code_checksum_zipfile(void **state)
{
	char crc[32], ref[32];
	int64_t size;
	size_t zlen;
	char *zip = tu_slurp(tu_data("code/hello.zip"), &zlen);
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn;

	(void)state;
	expected_hello(crc, sizeof(crc), &size);
	/* The fixture's facts agree with an independent CRC-64/XZ. */
	snprintf(ref, sizeof(ref), "%llu",
	         (unsigned long long)au_crc64_ref(zip, zlen));
	assert_string_equal(ref, crc);
	assert_int_equal(zlen, size);
	assert_string_equal(crc, AU_HELLO_CRC);

	fn = au_create_fn(db, "zipped", NULL);
	assert_string_equal(fcdb_function_code_checksum(fn), crc);
	assert_int_equal(fcdb_function_code_size(fn), size);
	fcdb_function_free(fn);

	/* A supplied checksum that matches is accepted. */
	fn = NULL;
	{
		const char *doc =
			"{\"functionName\":\"zipped-sum\",\"runtime\":\"python3.10\","
			"\"handler\":\"index.handler\",\"code\":{\"zipFile\":\""
			AU_HELLO_B64 "\",\"checksum\":\"" AU_HELLO_CRC "\"}}";
		au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
		assert_string_equal(fcdb_function_code_checksum(fn), crc);
		fcdb_function_free(fn);
	}
	free(zip);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/*
 * Size limits come before parsing: a document over 101 MiB and a package
 * over 500 MiB are refused by their size alone, naming it, and the store
 * is unchanged.  The oversized package is a short buffer with a long
 * length: reading it would be a bug ASan and valgrind report.
 */
static void test_size_limits(void **state)
{
	const size_t doc_max = (size_t)101 * 1024 * 1024;
	const char *doc = "{\"functionName\":\"big\",\"runtime\":"
	                  "\"python3.10\",\"handler\":\"index.handler\"}";
	char *zeros = calloc(doc_max + 1, 1);
	char small[16] = { 0 };
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	assert_non_null(zeros);
	assert_int_equal(fcdb_function_create(db, &fn, zeros, doc_max + 1,
	                                      NULL), FCDB_EINVAL);
	assert_null(fn);
	assert_non_null(strstr(fcdb_error_last()->message, "101 MiB"));
	assert_int_equal(fcdb_function_update(db, NULL, "big", zeros,
	                                      doc_max + 1, NULL), FCDB_EINVAL);
	assert_non_null(strstr(fcdb_error_last()->message, "101 MiB"));
	/* at the limit the document is parsed (and these zeros refused) */
	assert_int_equal(fcdb_function_create(db, NULL, zeros, doc_max, NULL),
	                 FCDB_EINVAL);
	assert_null(strstr(fcdb_error_last()->message, "101 MiB"));
	free(zeros);

	fcdb_write_options_init(&wo);
	wo.code = small;
	wo.code_len = (size_t)500 * 1024 * 1024 + 1;
	assert_int_equal(fcdb_function_create(db, NULL, doc, strlen(doc), &wo),
	                 FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "code");
	assert_non_null(strstr(fcdb_error_last()->message, "500 MiB"));
	assert_int_equal(au_revision(db), 0);
	assert_int_equal(fcdb_function_get(db, &fn, "big"), FCDB_ENOTFOUND);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_code_checksum_bytes(void **state)
{
	const char *doc = "{\"functionName\":\"from-bytes\",\"runtime\":"
	                  "\"python3.10\",\"handler\":\"index.handler\"}";
	const char *doc_sum =
		"{\"functionName\":\"from-bytes-sum\",\"runtime\":\"python3.10\","
		"\"handler\":\"index.handler\",\"code\":{\"checksum\":\""
		AU_HELLO_CRC "\"}}";
	const char *doc_badsum =
		"{\"functionName\":\"from-bytes-bad\",\"runtime\":\"python3.10\","
		"\"handler\":\"index.handler\",\"code\":{\"checksum\":\"1\"}}";
	const char *doc_both =
		"{\"functionName\":\"from-both\",\"runtime\":\"python3.10\","
		"\"handler\":\"index.handler\",\"code\":{\"zipFile\":\""
		AU_HELLO_B64 "\"}}";
	const char *doc_container =
		"{\"functionName\":\"bytes-container\",\"runtime\":"
		"\"custom-container\",\"customContainerConfig\":{\"image\":"
		"\"registry.example/x:1\"}}";
	char crc[32];
	int64_t size;
	size_t zlen;
	char *zip = tu_slurp(tu_data("code/hello.zip"), &zlen);
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	expected_hello(crc, sizeof(crc), &size);
	fcdb_write_options_init(&wo);
	wo.code = zip;
	wo.code_len = zlen;
	au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), &wo));
	assert_string_equal(fcdb_function_code_checksum(fn), crc);
	assert_int_equal(fcdb_function_code_size(fn), size);
	fcdb_function_free(fn);
	fn = NULL;

	/* The same package both ways gives the same facts. */
	au_ok(fcdb_function_create(db, &fn, doc_sum, strlen(doc_sum), &wo));
	assert_string_equal(fcdb_function_code_checksum(fn), crc);
	fcdb_function_free(fn);
	fn = NULL;

	/* The bytes are not retained: scribbling on them afterwards changes
	   nothing stored. */
	memset(zip, 0, zlen);
	au_ok(fcdb_function_get(db, &fn, "from-bytes"));
	assert_string_equal(fcdb_function_code_checksum(fn), crc);
	fcdb_function_free(fn);
	free(zip);
	zip = tu_slurp(tu_data("code/hello.zip"), &zlen);
	wo.code = zip;

	refuse_with(db, sb.store, doc_badsum, strlen(doc_badsum), &wo,
	            "code.checksum", "bytes with a wrong checksum");
	/* two package sources at once */
	refuse_with(db, sb.store, doc_both, strlen(doc_both), &wo, NULL,
	            "bytes and code.zipFile");
	assert_true(strncmp(fcdb_error_last()->field, "code", 4) == 0);
	refuse_with(db, sb.store, doc_container, strlen(doc_container), &wo,
	            "code", "bytes and customContainerConfig");
	/* a package of no bytes at all is no package */
	refuse(db, sb.store, doc_sum, strlen(doc_sum), "code",
	       "checksum without a package");
	free(zip);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = au_create_fn(db, "defaults", NULL);
	cJSON *j = au_json(fn);
	char *text = au_json_text(fn, 0);

	(void)state;
	assert_int_equal(fcdb_function_timeout(fn), 3);
	assert_int_equal(fcdb_function_disk_size(fn), 512);
	assert_int_equal(fcdb_function_instance_concurrency(fn), 1);
	assert_int_equal(fcdb_function_memory_size(fn), 512);
	assert_true(fcdb_function_cpu(fn) == 0.35);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	                                                  "internetAccess")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "timeout")
	                     ->valuedouble, 3);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "diskSize")
	                     ->valuedouble, 512);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j,
	                     "instanceConcurrency")->valuedouble, 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "memorySize")
	                     ->valuedouble, 512);
	/* cpu keeps its value: 0.35 prints as 0.35 */
	if (!strstr(text, "\"cpu\":0.35,") && !strstr(text, "\"cpu\":0.35}"))
		fail_msg("cpu does not print as 0.35: %s", text);
	/* integers stay integers */
	assert_non_null(strstr(text, "\"memorySize\":512"));
	assert_null(strstr(text, "\"memorySize\":512."));
	assert_non_null(strstr(text, "\"timeout\":3"));
	fcdb_json_free(text);
	cJSON_Delete(j);
	fcdb_function_free(fn);

	/* Given values are not overridden by the defaults. */
	fn = au_create_fn(db, "given", "\"timeout\":60,\"internetAccess\":false,"
	                  "\"diskSize\":10240,\"instanceConcurrency\":5,"
	                  "\"memorySize\":1024,\"cpu\":0.5");
	j = au_json(fn);
	assert_int_equal(fcdb_function_timeout(fn), 60);
	assert_int_equal(fcdb_function_disk_size(fn), 10240);
	assert_int_equal(fcdb_function_instance_concurrency(fn), 5);
	assert_int_equal(fcdb_function_memory_size(fn), 1024);
	assert_true(fcdb_function_cpu(fn) == 0.5);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j,
	                                                   "internetAccess")));
	cJSON_Delete(j);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_derived_memory_and_cpu(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn;
	char *text;

	(void)state;
	fn = au_create_fn(db, "mem-only", "\"memorySize\":4096");
	assert_int_equal(fcdb_function_memory_size(fn), 4096);
	assert_true(fcdb_function_cpu(fn) == 2.0);
	fcdb_function_free(fn);

	fn = au_create_fn(db, "cpu-only", "\"cpu\":1");
	assert_int_equal(fcdb_function_memory_size(fn), 2048);
	assert_true(fcdb_function_cpu(fn) == 1.0);
	text = au_json_text(fn, 0);
	assert_non_null(strstr(text, "\"memorySize\":2048"));
	fcdb_json_free(text);
	fcdb_function_free(fn);

	fn = au_create_fn(db, "cpu-0_35", "\"cpu\":0.35,\"memorySize\":1024");
	text = au_json_text(fn, 0);
	assert_non_null(strstr(text, "\"cpu\":0.35"));
	assert_null(strstr(text, "0.34999"));
	assert_null(strstr(text, "0.35000"));
	fcdb_json_free(text);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Whichever one of memorySize and cpu is given, the derived other keeps
   the ratio rule (1 to 4 GB per vCPU) and the multiples. */
static void test_derivation_sweep(void **state)
{
	char name[64], extra[64];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn;
	int m, h, i = 0;

	(void)state;
	for (m = 128; m <= 32768; m += 64 * 7) {
		double cpu, ratio;
		long hh;

		snprintf(name, sizeof(name), "m%d", m);
		snprintf(extra, sizeof(extra), "\"memorySize\":%d", m);
		fn = au_create_fn(db, name, extra);
		cpu = fcdb_function_cpu(fn);
		hh = (long)(cpu * 100 + 0.5);
		assert_true(hh % 5 == 0 && hh >= 5 && hh <= 1600);
		assert_true(cpu * 100 - (double)hh < 1e-9 &&
		            (double)hh - cpu * 100 < 1e-9);
		ratio = (m / 1024.0) / cpu;
		if (ratio < 1.0 || ratio > 4.0)
			fail_msg("memorySize %d derived cpu %g: ratio %g", m, cpu,
			         ratio);
		/* cpu = memory GB / 2, rounded up to a multiple of 0.05 */
		assert_true(cpu + 1e-9 >= m / 2048.0);
		assert_true(cpu - 0.05 < m / 2048.0);
		fcdb_function_free(fn);
		i++;
	}
	for (h = 5; h <= 1600; h += 5 * 3) {
		int mem;
		double ratio;

		snprintf(name, sizeof(name), "c%d", h);
		snprintf(extra, sizeof(extra), "\"cpu\":%d.%02d", h / 100,
		         h % 100);
		fn = au_create_fn(db, name, extra);
		mem = fcdb_function_memory_size(fn);
		assert_true(mem % 64 == 0 && mem >= 128 && mem <= 32768);
		ratio = (mem / 1024.0) / (h / 100.0);
		if (ratio < 1.0 || ratio > 4.0)
			fail_msg("cpu %g derived memorySize %d: ratio %g",
			         h / 100.0, mem, ratio);
		assert_true(fcdb_function_cpu(fn) * 100 - h < 1e-9 &&
		            h - fcdb_function_cpu(fn) * 100 < 1e-9);
		fcdb_function_free(fn);
		i++;
	}
	assert_int_equal(au_revision(db), i);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- round trip ---- */

static const char *const computed_or_default[] = {
	"codeChecksum", "codeSize", "cpu", "createdTime", "diskSize",
	"functionArn", "functionId", "instanceConcurrency", "internetAccess",
	"lastModifiedTime", "lastUpdateStatus", "lastUpdateStatusReason",
	"lastUpdateStatusReasonCode", "memorySize", "state", "stateReason",
	"stateReasonCode", "timeout", NULL
};

static int listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Every input field but code comes out with an equal value; nothing
   comes out that was neither given, computed nor defaulted; fields are
   in the SDK's (alphabetical) order. */
static void assert_round_trip(const char *label, const cJSON *in,
                              const cJSON *out)
{
	const cJSON *m, *o, *prev = NULL;
	int i;

	cJSON_ArrayForEach(m, in) {
		if (strcmp(m->string, "code") == 0)
			continue;
		o = cJSON_GetObjectItemCaseSensitive(out, m->string);
		if (!o)
			fail_msg("%s: input field %s is missing from the output",
			         label, m->string);
		if (strcmp(m->string, "layers") == 0) {
			assert_true(cJSON_IsArray(o));
			assert_int_equal(cJSON_GetArraySize(o),
			                 cJSON_GetArraySize(m));
			for (i = 0; i < cJSON_GetArraySize(m); i++) {
				const cJSON *l = cJSON_GetArrayItem(o, i);
				const cJSON *arn;

				assert_true(cJSON_IsObject(l));
				arn = cJSON_GetObjectItemCaseSensitive(l, "arn");
				assert_true(cJSON_IsString(arn));
				assert_string_equal(arn->valuestring,
				        cJSON_GetArrayItem(m, i)->valuestring);
			}
			continue;
		}
		if (!cJSON_Compare(m, o, 1)) {
			char *a = cJSON_PrintUnformatted(m);
			char *b = cJSON_PrintUnformatted(o);

			fail_msg("%s: %s went in as %s and came out as %s", label,
			         m->string, a, b);
		}
	}
	cJSON_ArrayForEach(o, out) {
		if (!cJSON_GetObjectItemCaseSensitive(in, o->string) &&
		    !listed(computed_or_default, o->string))
			fail_msg("%s: output has field %s that was not given",
			         label, o->string);
		if (prev && strcmp(prev->string, o->string) >= 0)
			fail_msg("%s: output field %s comes after %s", label,
			         o->string, prev->string);
		prev = o;
	}
}

static void test_round_trip_valid_fixtures(void **state)
{
	char names[MAX_FIXTURES][128], rel[256];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t n = tu_list_json("valid", names, MAX_FIXTURES), i;

	(void)state;
	for (i = 0; i < n; i++) {
		fcdb_function *fn = NULL, *byname = NULL, *byarn = NULL,
		              *byid = NULL;
		char *t_fn, *t_name, *t_arn, *t_id, *t_get;
		cJSON *in, *out;
		size_t len;
		char *text;

		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		text = tu_slurp(tu_data(rel), &len);
		in = cJSON_Parse(text);
		assert_non_null(in);
		au_ok(fcdb_function_create(db, &fn, text, len, NULL));
		out = au_json(fn);
		assert_round_trip(names[i], in, out);

		/* Every way of reading it gives the same document. */
		au_ok(fcdb_function_get(db, &byname, fcdb_function_name(fn)));
		au_ok(fcdb_function_get_by_arn(db, &byarn, fcdb_function_arn(fn)));
		au_ok(fcdb_function_get_by_id(db, &byid, fcdb_function_id(fn)));
		au_ok(fcdb_function_get_json(db, &t_get, NULL,
		                             fcdb_function_name(fn), 0));
		t_fn = au_json_text(fn, 0);
		t_name = au_json_text(byname, 0);
		t_arn = au_json_text(byarn, 0);
		t_id = au_json_text(byid, 0);
		assert_string_equal(t_fn, t_name);
		assert_string_equal(t_name, t_arn);
		assert_string_equal(t_name, t_id);
		assert_string_equal(t_name, t_get);
		assert_int_equal(fcdb_function_revision(byname),
		                 fcdb_function_revision(fn));

		fcdb_json_free(t_fn);
		fcdb_json_free(t_name);
		fcdb_json_free(t_arn);
		fcdb_json_free(t_id);
		fcdb_json_free(t_get);
		fcdb_function_free(fn);
		fcdb_function_free(byname);
		fcdb_function_free(byarn);
		fcdb_function_free(byid);
		cJSON_Delete(out);
		cJSON_Delete(in);
		free(text);
	}

	/* And again after closing and reopening the store. */
	fcdb_close(db);
	db = au_open(sb.store);
	for (i = 0; i < n; i++) {
		cJSON *in, *out;

		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		in = load_json(rel);
		out = au_get_json(db, au_jstr(in, "functionName"));
		assert_round_trip(names[i], in, out);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The rendering flags: pretty, revision, masked secrets. */
static void test_json_flags(void **state)
{
	size_t len;
	char *text = tu_slurp(tu_data("valid/create-container.json"), &len);
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	char *compact, *pretty, *withrev, *masked;
	cJSON *a, *b, *r;

	(void)state;
	au_ok(fcdb_function_create(db, &fn, text, len, NULL));
	compact = au_json_text(fn, 0);
	pretty = au_json_text(fn, FCDB_JSON_PRETTY);
	withrev = au_json_text(fn, FCDB_JSON_REVISION);
	masked = au_json_text(fn, FCDB_JSON_MASK_SECRETS);

	assert_null(strchr(compact, '\n'));
	assert_true(pretty[strlen(pretty) - 1] == '\n');
	assert_non_null(strstr(pretty, "\n  \"functionName\": "));
	a = cJSON_Parse(compact);
	b = cJSON_Parse(pretty);
	assert_true(cJSON_Compare(a, b, 1));
	assert_null(cJSON_GetObjectItemCaseSensitive(a, "revision"));
	cJSON_Delete(b);

	r = cJSON_Parse(withrev);
	assert_non_null(r);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "revision")
	                     ->valuedouble, fcdb_function_revision(fn));
	cJSON_DeleteItemFromObjectCaseSensitive(r, "revision");
	assert_true(cJSON_Compare(a, r, 1));
	cJSON_Delete(r);

	/* the fixture's password is "abc***" already; mask a real one */
	assert_non_null(strstr(masked, "\"password\":\"abc***\""));
	cJSON_Delete(a);
	fcdb_json_free(compact);
	fcdb_json_free(pretty);
	fcdb_json_free(withrev);
	fcdb_json_free(masked);
	fcdb_function_free(fn);
	fn = NULL;
	{
		const char *doc =
			"{\"functionName\":\"secret\",\"runtime\":\"custom-container\","
			"\"customContainerConfig\":{\"image\":\"r.example/i:1\","
			"\"registryConfig\":{\"authConfig\":{\"userName\":\"u\","
			"\"password\":\"hunter2-is-long\"}}}}";
		au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
		masked = au_json_text(fn, FCDB_JSON_MASK_SECRETS);
		compact = au_json_text(fn, 0);
		assert_null(strstr(masked, "hunter2-is-long"));
		assert_non_null(strstr(masked, "\"password\":\"hun***\""));
		assert_non_null(strstr(compact, "hunter2-is-long"));
		fcdb_json_free(masked);
		fcdb_json_free(compact);
		fcdb_function_free(fn);
	}
	free(text);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- refusals ---- */

static void test_invalid_fixtures(void **state)
{
	cJSON *manifest = load_json("invalid/manifest.json");
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(manifest, "cases");
	const cJSON *c;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	int n = 0;

	(void)state;
	assert_true(cJSON_IsArray(cases));
	/* a store with something in it, so "unchanged" means something */
	au_create(db, "already-here", NULL);
	cJSON_ArrayForEach(c, cases) {
		const char *file = au_jstr(c, "file");
		const char *field = au_jstr(c, "field");
		char rel[256];
		size_t len;
		char *text;

		assert_non_null(file);
		assert_non_null(field);
		snprintf(rel, sizeof(rel), "invalid/%s", file);
		text = tu_slurp(tu_data(rel), &len);
		refuse(db, sb.store, text, len, field, file);
		free(text);
		n++;
	}
	assert_true(n >= 30);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	cJSON_Delete(manifest);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Every invalid fixture is in the manifest and the other way round, so
   no fixture goes untested. */
static void test_invalid_manifest_complete(void **state)
{
	char names[MAX_FIXTURES][128];
	cJSON *manifest = load_json("invalid/manifest.json");
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(manifest, "cases");
	size_t n = tu_list_json("invalid", names, MAX_FIXTURES), i;
	const cJSON *c;

	(void)state;
	for (i = 0; i < n; i++) {
		int found = 0;

		cJSON_ArrayForEach(c, cases)
			found += strcmp(au_jstr(c, "file"), names[i]) == 0;
		if (found != 1)
			fail_msg("invalid/%s is listed %d times in the manifest",
			         names[i], found);
	}
	assert_int_equal((size_t)cJSON_GetArraySize(cases), n);
	cJSON_Delete(manifest);
}

static void test_duplicate_create(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = au_create_fn(db, "twice", "\"description\":\"one\"");
	char *first = au_json_text(fn, 0), *now;
	char *doc = au_doc("twice", "\"description\":\"two\"");
	fcdb_function *again = (fcdb_function *)doc;
	au_bytes before = au_read(sb.store);

	(void)state;
	au_expect(fcdb_function_create(db, &again, doc, strlen(doc), NULL),
	          FCDB_EEXISTS);
	assert_null(again);
	au_message_has("twice");
	assert_int_equal(au_revision(db), 1);
	au_assert_file_is(sb.store, &before);
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_get(db, &fn, "twice"));
	now = au_json_text(fn, 0);
	assert_string_equal(now, first);
	fcdb_json_free(now);
	fcdb_json_free(first);
	fcdb_function_free(fn);
	au_bytes_free(&before);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Messages locate a syntax error by line and column. */
static void expect_position(fcdb *db, const char *store, const char *doc,
                            int line, int col)
{
	char want[64];

	refuse(db, store, doc, strlen(doc), "", "syntax error");
	snprintf(want, sizeof(want), "line %d", line);
	au_message_has(want);
	snprintf(want, sizeof(want), "column %d", col);
	au_message_has(want);
}

static void test_truncated_json_position(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t len;
	char *text = tu_slurp(tu_data("invalid/truncated-json.json"), &len);

	(void)state;
	refuse(db, sb.store, text, len, "", "truncated fixture");
	au_message_has("line ");
	au_message_has("column ");
	free(text);

	/* Cut off after "handler": on line 4, column 13 is the end. */
	expect_position(db, sb.store,
	                "{\n  \"functionName\": \"x\",\n"
	                "  \"runtime\": \"python3.10\",\n  \"handler\":",
	                4, 13);
	/* Cut off inside a string on line 2. */
	expect_position(db, sb.store, "{\n  \"functionName\": \"abc", 2, 23);
	/* A missing colon: the unexpected string starts on line 3, column 13. */
	expect_position(db, sb.store,
	                "{\n  \"functionName\": \"x\",\n"
	                "  \"runtime\" \"python3.10\"\n}", 3, 13);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Text that must be refused as InvalidArgument, never crash. */
static void test_hostile_input(void **state)
{
	const size_t deep = 10000, big = 2u << 20;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	char *doc, *p;
	size_t i;

	(void)state;
	au_create(db, "bystander", NULL);

	/* nesting 10,000 deep, inside a field and as the whole document */
	doc = malloc(2 * deep + 256);
	assert_non_null(doc);
	p = doc + sprintf(doc, "{\"functionName\":\"deep\",\"runtime\":"
	                  "\"python3.10\",\"handler\":\"i.h\",\"description\":");
	for (i = 0; i < deep; i++)
		*p++ = '[';
	for (i = 0; i < deep; i++)
		*p++ = ']';
	*p++ = '}';
	refuse(db, sb.store, doc, (size_t)(p - doc), NULL, "10,000 deep");
	for (i = 0; i < deep; i++)
		doc[i] = '{', doc[deep + i] = '}';
	refuse(db, sb.store, doc, 2 * deep, NULL, "10,000 deep objects");
	for (i = 0; i < deep; i++)
		doc[i] = '[';
	refuse(db, sb.store, doc, deep, NULL, "10,000 unclosed");
	free(doc);

	{
		static const struct {
			const char *label, *doc, *field;
		} cases[] = {
			{ "NUL escape in a name",
			  "{\"functionName\":\"ab\\u0000cd\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"code\":{\"zipFile\":\"" AU_HELLO_B64
			  "\"}}", NULL },
			{ "invalid UTF-8 in a name",
			  "{\"functionName\":\"ab\xff\xfe\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"code\":{\"zipFile\":\"" AU_HELLO_B64
			  "\"}}", NULL },
			{ "invalid UTF-8 in a description",
			  "{\"functionName\":\"utf\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"description\":\"\xc3\x28\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "overlong UTF-8",
			  "{\"functionName\":\"utf\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"description\":\"\xc0\xaf\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "UTF-8 surrogate",
			  "{\"functionName\":\"utf\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"description\":\"\xed\xa0\x80\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "invalid UTF-8 in a key",
			  "{\"functionName\":\"utf\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"environmentVariables\":{\"A\xff\":"
			  "\"x\"},\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "raw control character",
			  "{\"functionName\":\"ctl\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"description\":\"a\x01z\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "duplicate key",
			  "{\"functionName\":\"dup\",\"functionName\":\"dup2\","
			  "\"runtime\":\"python3.10\",\"handler\":\"i.h\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "functionName" },
			{ "duplicate key spelt with an escape",
			  "{\"functionName\":\"dup\",\"functionN\\u0061me\":\"dup2\","
			  "\"runtime\":\"python3.10\",\"handler\":\"i.h\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "functionName" },
			{ "lone surrogate escape",
			  "{\"functionName\":\"sur\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"description\":\"\\ud83d\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", NULL },
			{ "duplicate nested key",
			  "{\"functionName\":\"dup\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"code\":{\"zipFile\":\"" AU_HELLO_B64
			  "\",\"zipFile\":\"" AU_HELLO_B64 "\"}}", "code.zipFile" },
			{ "1e400",
			  "{\"functionName\":\"huge\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"timeout\":1e400,"
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", "timeout" },
			{ "-1e400",
			  "{\"functionName\":\"huge\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"cpu\":-1e400,"
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", "cpu" },
			{ "integer beyond int32",
			  "{\"functionName\":\"huge\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"timeout\":4294967299,"
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", "timeout" },
			{ "unknown field memorysize",
			  "{\"functionName\":\"typo\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"memorysize\":1024,"
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "memorysize" },
			{ "computed functionId",
			  "{\"functionName\":\"comp\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"functionId\":"
			  "\"aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "functionId" },
			{ "computed state",
			  "{\"functionName\":\"comp\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"state\":\"Active\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", "state" },
			{ "computed codeChecksum",
			  "{\"functionName\":\"comp\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"codeChecksum\":\"" AU_HELLO_CRC "\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "codeChecksum" },
			{ "computed createdTime",
			  "{\"functionName\":\"comp\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"createdTime\":\"" AU_NOW_TEXT "\","
			  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
			  "createdTime" },
			{ "computed nested resolvedImageUri",
			  "{\"functionName\":\"comp\",\"runtime\":\"custom-container\","
			  "\"customContainerConfig\":{\"image\":\"r.example/i:1\","
			  "\"resolvedImageUri\":\"r.example/i@sha256:00\"}}",
			  "customContainerConfig.resolvedImageUri" },
			{ "empty document", "", "" },
			{ "only spaces", "  \n\t ", "" },
			{ "a bare string", "\"functionName\"", "" },
			{ "an array", "[{\"functionName\":\"x\"}]", "" },
			{ "null", "null", "" },
			{ "trailing garbage",
			  "{\"functionName\":\"tg\",\"runtime\":\"python3.10\","
			  "\"handler\":\"i.h\",\"code\":{\"zipFile\":\"" AU_HELLO_B64
			  "\"}} {}", "" },
		};

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			refuse(db, sb.store, cases[i].doc, strlen(cases[i].doc),
			       cases[i].field, cases[i].label);
	}

	/* A 2 MiB description: over the 1 MiB record limit. */
	doc = malloc(big + 512);
	assert_non_null(doc);
	p = doc + sprintf(doc, "{\"functionName\":\"big\",\"runtime\":"
	                  "\"python3.10\",\"handler\":\"i.h\",\"code\":{\"zipFile\":"
	                  "\"" AU_HELLO_B64 "\"},\"description\":\"");
	memset(p, 'd', big);
	p += big;
	p += sprintf(p, "\"}");
	refuse(db, sb.store, doc, (size_t)(p - doc), NULL, "2 MiB description");
	free(doc);

	/* Nothing of it got in; the bystander is still fine. */
	au_expect(fcdb_function_get(db, &(fcdb_function *){ NULL }, "big"),
	          FCDB_ENOTFOUND);
	assert_int_equal(au_revision(db), 1);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Number syntax RFC 8259 does not allow is not JSON, whatever value a
   lenient parser would read into it. */
static void test_strict_json_numbers(void **state)
{
	static const char *const bad[] = {
		/* each would read as a valid timeout if it were JSON */
		"010", "10.", "1.e3", "0010", "0x10", "+10", "1e", "10e+",
	};
	char doc[1024];
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc),
		         "{\"functionName\":\"num\",\"runtime\":\"python3.10\","
		         "\"handler\":\"i.h\",\"timeout\":%s,\"code\":{\"zipFile\":"
		         "\"" AU_HELLO_B64 "\"}}", bad[i]);
		refuse(db, sb.store, doc, strlen(doc), NULL, bad[i]);
	}
	/* while these are numbers, and whole ones at that */
	au_ok(au_create_doc(db, "{\"functionName\":\"n1\",\"runtime\":"
	      "\"python3.10\",\"handler\":\"i.h\",\"timeout\":1e1,\"code\":"
	      "{\"zipFile\":\"" AU_HELLO_B64 "\"}}"));
	au_ok(au_create_doc(db, "{\"functionName\":\"n2\",\"runtime\":"
	      "\"python3.10\",\"handler\":\"i.h\",\"timeout\":10.0,\"code\":"
	      "{\"zipFile\":\"" AU_HELLO_B64 "\"}}"));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* The document is `len` bytes and need not end in a NUL: bytes past it
   are never read. */
static void test_length_bounded_input(void **state)
{
	char *doc = au_doc("bounded", NULL);
	size_t len = strlen(doc);
	char *exact = malloc(len), *padded = malloc(len + 64);
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	assert_non_null(exact);
	assert_non_null(padded);
	memcpy(exact, doc, len); /* no NUL: ASan catches an over-read */
	au_ok(fcdb_function_create(db, &fn, exact, len, NULL));
	assert_string_equal(fcdb_function_name(fn), "bounded");
	fcdb_function_free(fn);

	/* garbage after `len` is not part of the document */
	free(doc);
	doc = au_doc("bounded2", NULL);
	len = strlen(doc);
	memcpy(padded, doc, len);
	memcpy(padded + len, "garbage,}}}]]\"\\", 16);
	au_ok(fcdb_function_create(db, NULL, padded, len, NULL));

	/* one byte short is truncated JSON */
	free(doc);
	doc = au_doc("bounded3", NULL);
	refuse(db, sb.store, doc, strlen(doc) - 1, "", "one byte short");

	free(doc);
	free(exact);
	free(padded);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_fixtures_create),
		cmocka_unit_test(test_computed_fields),
		cmocka_unit_test(test_arn_region_and_clock),
		cmocka_unit_test(test_code_checksum_zipfile),
		cmocka_unit_test(test_code_checksum_bytes),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_derived_memory_and_cpu),
		cmocka_unit_test(test_derivation_sweep),
		cmocka_unit_test(test_round_trip_valid_fixtures),
		cmocka_unit_test(test_json_flags),
		cmocka_unit_test(test_invalid_fixtures),
		cmocka_unit_test(test_invalid_manifest_complete),
		cmocka_unit_test(test_duplicate_create),
		cmocka_unit_test(test_truncated_json_position),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_strict_json_numbers),
		cmocka_unit_test(test_length_bounded_input),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_create", tests, NULL, au_sweep);
}
