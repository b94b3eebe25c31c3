/* unit_validate.c: create/update/import rules, defaults and computed fields. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fcdb.h"
#include "json.h"
#include "validate.h"

#define HELLO_B64 "UEsDBBQAAAAIAAAAIVhBhpGhNgAAADYAAAAIAAAAaW5kZXgucHlLSU1TyEjMS8lJLdJ" \
	"ILUvNK9FRSM7PK0mtKNG04lIAgqLUktKiPAX1jNScnHyF8vyinBR1LgBQSwECFAMUAAAACAAAA" \
	"CFYQYaRoTYAAAA2AAAACAAAAAAAAAAAAAAAgAEAAAAAaW5kZXgucHlQSwUGAAAAAAEAAQA2AAAA" \
	"XAAAAAAA"
#define CODE "\"code\":{\"zipFile\":\"" HELLO_B64 "\"}"
#define BASE "\"functionName\":\"f\",\"runtime\":\"python3.10\",\"handler\":\"i.h\"," CODE

static fcdb__arena arena;
static fcdb__vctx v;

static int setup(void **state)
{
	(void)state;
	fcdb__arena_init(&arena, 4096);
	fcdb__vctx_init(&v, FCDB__V_CREATE);
	v.region = "cn-shanghai";
	v.account = "123";
	v.function_id = "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3";
	v.now = "2023-04-01T08:15:27Z";
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fcdb__vctx_free(&v);
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

static fcdb__node *create_ok(const char *json)
{
	fcdb__node *rec = NULL;
	int rc = fcdb__validate_create(&v, &arena, parse(json, strlen(json)), &rec);

	if (rc)
		fail_msg("create refused: %s", fcdb_error_last()->message);
	return rec;
}

/* Refused with EINVAL naming `field` (and, if given, a message part). */
static void create_bad(const char *json, const char *field, const char *part)
{
	fcdb__vctx w;
	fcdb__node *rec = NULL;
	int rc;

	fcdb__vctx_init(&w, FCDB__V_CREATE);
	w.region = "cn-shanghai";
	w.account = "123";
	w.function_id = v.function_id;
	w.now = v.now;
	rc = fcdb__validate_create(&w, &arena, parse(json, strlen(json)), &rec);
	fcdb__vctx_free(&w);
	if (rc != FCDB_EINVAL)
		fail_msg("%s: expected EINVAL, got %d", json, rc);
	assert_null(rec);
	if (strcmp(fcdb_error_last()->field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\" (%s)", json,
		         fcdb_error_last()->field, field, fcdb_error_last()->message);
	if (part && !strstr(fcdb_error_last()->message, part))
		fail_msg("message \"%s\" lacks \"%s\"", fcdb_error_last()->message,
		         part);
}

static int64_t get_int(const fcdb__node *rec, const char *name)
{
	const fcdb__node *m = fcdb__node_get(rec, name);

	assert_non_null(m);
	assert_int_equal(m->type, FCDB__INT);
	return m->v.i;
}

static double get_num(const fcdb__node *rec, const char *name)
{
	const fcdb__node *m = fcdb__node_get(rec, name);

	assert_non_null(m);
	assert_int_equal(m->type, FCDB__DOUBLE);
	return m->v.d;
}

static const char *get_str(const fcdb__node *rec, const char *name)
{
	const fcdb__node *m = fcdb__node_get(rec, name);

	if (!m)
		fail_msg("no member %s", name);
	assert_int_equal(m->type, FCDB__STR);
	return m->v.s;
}

static void test_defaults_and_computed(void **state)
{
	fcdb__node *rec = create_ok("{" BASE "}");

	(void)state;
	assert_int_equal(get_int(rec, "timeout"), 3);
	assert_int_equal(get_int(rec, "diskSize"), 512);
	assert_int_equal(get_int(rec, "instanceConcurrency"), 1);
	assert_int_equal(get_int(rec, "memorySize"), 512);
	assert_true(get_num(rec, "cpu") == 0.35);
	assert_true(fcdb__node_get(rec, "internetAccess")->v.b);
	assert_string_equal(get_str(rec, "functionArn"),
	                    "acs:fc:cn-shanghai:123:functions/f");
	assert_string_equal(get_str(rec, "functionId"), v.function_id);
	assert_string_equal(get_str(rec, "createdTime"), v.now);
	assert_string_equal(get_str(rec, "lastModifiedTime"), v.now);
	assert_string_equal(get_str(rec, "codeChecksum"), "15509210073434968621");
	assert_int_equal(get_int(rec, "codeSize"), 168);
	assert_string_equal(get_str(rec, "state"), "Pending");
	assert_string_equal(get_str(rec, "stateReasonCode"), "Creating");
	assert_string_equal(get_str(rec, "lastUpdateStatus"), "InProgress");
	assert_null(fcdb__node_get(rec, "code"));
	/* members come out in schema order */
	for (uint32_t i = 1; i < rec->len; i++)
		assert_true(strcmp(rec->v.kids[i - 1].key, rec->v.kids[i].key) < 0);
}

static void test_cpu_memory_derivation(void **state)
{
	fcdb__node *rec;

	(void)state;
	rec = create_ok("{" BASE ",\"memorySize\":4096}");
	assert_true(get_num(rec, "cpu") == 2.0);
	rec = create_ok("{" BASE ",\"cpu\":1}");
	assert_int_equal(get_int(rec, "memorySize"), 2048);
	assert_true(get_num(rec, "cpu") == 1.0);
	rec = create_ok("{" BASE ",\"memorySize\":128}");
	assert_true(get_num(rec, "cpu") == 0.1);
	rec = create_ok("{" BASE ",\"cpu\":0.05}");
	assert_int_equal(get_int(rec, "memorySize"), 128);
	rec = create_ok("{" BASE ",\"cpu\":16}");
	assert_int_equal(get_int(rec, "memorySize"), 32768);
	rec = create_ok("{" BASE ",\"memorySize\":32768}");
	assert_true(get_num(rec, "cpu") == 16.0);
	rec = create_ok("{" BASE ",\"cpu\":0.35,\"memorySize\":1024}");
	assert_true(get_num(rec, "cpu") == 0.35);
	/* every memory size derives a cpu that satisfies the ratio */
	for (int m = 128; m <= 32768; m += 64) {
		char json[512];
		snprintf(json, sizeof(json), "{" BASE ",\"memorySize\":%d}", m);
		create_ok(json);
	}
	for (int h = 5; h <= 1600; h += 5) {
		char json[512];
		snprintf(json, sizeof(json), "{" BASE ",\"cpu\":%d.%02d}", h / 100,
		         h % 100);
		create_ok(json);
	}
}

static void test_rules(void **state)
{
	(void)state;
	create_bad("{" BASE ",\"cpu\":0.33}", "cpu", "multiple of 0.05");
	create_bad("{" BASE ",\"cpu\":0}", "cpu", "0.05 to 16");
	create_bad("{" BASE ",\"cpu\":16.05}", "cpu", "0.05 to 16");
	create_bad("{" BASE ",\"cpu\":\"1\"}", "cpu", "must be a number");
	create_bad("{" BASE ",\"cpu\":4,\"memorySize\":2048}", "cpu", "ratio");
	create_bad("{" BASE ",\"cpu\":0.5,\"memorySize\":4096}", "cpu", "ratio");
	create_bad("{" BASE ",\"memorySize\":-0.5}", "memorySize", "integer");
	create_bad("{" BASE ",\"timeout\":1.5}", "timeout", "integer");
	create_bad("{" BASE ",\"internetAccess\":\"yes\"}", "internetAccess",
	           "true or false");
	create_bad("{" BASE ",\"memorysize\":512}", "memorysize", "unknown field");
	create_bad("{" BASE ",\"state\":\"Active\"}", "state", "set by the store");
	create_bad("{" BASE ",\"codeSize\":1}", "codeSize", "set by the store");
	create_bad("{\"functionName\":\"f\",\"runtime\":\"custom-container\","
	           "\"customContainerConfig\":{\"image\":\"x\",\"resolvedImageUri\":\"y\"}}",
	           "customContainerConfig.resolvedImageUri", "set by the store");
	create_bad("{" BASE ",\"environmentVariables\":{\"A\":1}}",
	           "environmentVariables.A", "must be a string");
	create_bad("{" BASE ",\"environmentVariables\":{\"A-B\":\"1\"}}",
	           "environmentVariables", "A-B");
	create_bad("{" BASE ",\"layers\":[\"not-an-arn\"]}", "layers[0]",
	           "layer version ARN");
	create_bad("{" BASE ",\"layers\":[{\"arn\":\"acs:fc:cn-shanghai:official:"
	           "layers/x/versions/1\"}]}", "layers[0]", "string");
	create_bad("{" BASE ",\"role\":\"admin\"}", "role", "RAM role ARN");
	create_bad("{" BASE ",\"logConfig\":{\"logBeginRule\":\"Always\"}}",
	           "logConfig.logBeginRule", "DefaultRegex");
	create_bad("{" BASE ",\"gpuConfig\":{\"gpuMemorySize\":1500}}",
	           "gpuConfig.gpuMemorySize", "multiple of 1024");
	create_bad("{" BASE ",\"instanceLifecycleConfig\":{\"initializer\":"
	           "{\"handler\":\"a\",\"command\":[\"b\"]}}}",
	           "instanceLifecycleConfig.initializer", "mutually exclusive");
	create_bad("{" BASE ",\"instanceLifecycleConfig\":{\"preStop\":"
	           "{\"timeout\":91}}}", "instanceLifecycleConfig.preStop.timeout",
	           "1 to 90");
	create_bad("{" BASE ",\"nasConfig\":{\"mountPoints\":[{},{},{},{},{},{}]}}",
	           "nasConfig.mountPoints", "at most 5");
	create_bad("{" BASE ",\"tags\":[{\"Value\":\"x\"}]}", "tags[0].Key",
	           "required");
	create_bad("{" BASE ",\"vpcConfig\":{\"vSwitchIds\":[1]}}",
	           "vpcConfig.vSwitchIds[0]", "must be a string");
	create_bad("{" BASE ",\"customDNS\":[]}", "customDNS", "must be an object");
	create_bad("{\"functionName\":\"f\",\"runtime\":\"python3.10\"," CODE "}",
	           "handler", "required");
	create_bad("{\"functionName\":\"f\",\"runtime\":\"python3.10\","
	           "\"handler\":\"h\",\"code\":{\"zipFile\":\"\"}}",
	           "code.zipFile", "empty");
	create_bad("{\"functionName\":\"f\",\"runtime\":\"python3.10\","
	           "\"handler\":\"h\",\"code\":{\"ossBucketName\":\"b\"}}",
	           "code.ossObjectName", "required");
	create_bad("{\"functionName\":\"f\",\"runtime\":\"python3.10\","
	           "\"handler\":\"h\",\"code\":{\"zipFile\":\"" HELLO_B64 "\","
	           "\"checksum\":\"015509210073434968621\"}}",
	           "code.checksum", "unsigned decimal");
}

static void test_custom_runtime_needs_no_handler(void **state)
{
	(void)state;
	create_ok("{\"functionName\":\"f\",\"runtime\":\"custom.debian10\"," CODE "}");
	create_ok("{\"functionName\":\"c\",\"runtime\":\"custom-container\","
	          "\"customContainerConfig\":{\"image\":\"r/x:1\"}}");
}

static void test_oss_code_and_out_of_band_package(void **state)
{
	fcdb__node *rec;
	char pkg[] = "123456789";

	(void)state;
	rec = create_ok("{\"functionName\":\"f\",\"runtime\":\"python3.10\","
	                "\"handler\":\"h\",\"code\":{\"ossBucketName\":\"b\","
	                "\"ossObjectName\":\"o.zip\",\"checksum\":\"42\"}}");
	assert_string_equal(get_str(rec, "codeChecksum"), "42");
	assert_null(fcdb__node_get(rec, "codeSize"));
	v.code = pkg;
	v.code_len = 9;
	rec = create_ok("{\"functionName\":\"f\",\"runtime\":\"python3.10\","
	                "\"handler\":\"h\"}");
	assert_string_equal(get_str(rec, "codeChecksum"), "11051210869376104954");
	assert_int_equal(get_int(rec, "codeSize"), 9);
	v.code = NULL;
	v.code_len = 0;
}

static void test_layers_become_objects(void **state)
{
	fcdb__node *rec = create_ok("{" BASE ",\"layers\":[\"acs:fc:cn-shanghai:"
	                            "official:layers/Python39-Aliyun-SDK/versions/3\"]}");
	const fcdb__node *l = fcdb__node_get(rec, "layers");

	(void)state;
	assert_int_equal(l->type, FCDB__ARR);
	assert_int_equal(l->len, 1);
	assert_int_equal(l->v.kids[0].type, FCDB__OBJ);
	assert_string_equal(fcdb__node_get(&l->v.kids[0], "arn")->v.s,
	                    "acs:fc:cn-shanghai:official:layers/Python39-Aliyun-SDK/versions/3");
}

/* Every invalid fixture is refused naming the manifest's field. */
static void test_invalid_fixtures(void **state)
{
	size_t mlen;
	char *manifest = tu_slurp(tu_data("invalid/manifest.json"), &mlen);
	const fcdb__node *cases = fcdb__node_get(parse(manifest, mlen), "cases");
	char path[256];

	(void)state;
	assert_non_null(cases);
	assert_true(cases->len >= 30);
	for (uint32_t i = 0; i < cases->len; i++) {
		const char *file = fcdb__node_get(&cases->v.kids[i], "file")->v.s;
		const char *field = fcdb__node_get(&cases->v.kids[i], "field")->v.s;
		fcdb__node *input = NULL, *rec = NULL;
		fcdb__vctx w;
		size_t len;
		char *json;
		int rc;

		snprintf(path, sizeof(path), "invalid/%s", file);
		json = tu_slurp(tu_data(path), &len);
		fcdb__vctx_init(&w, FCDB__V_CREATE);
		w.region = "cn-shanghai";
		w.account = "123";
		w.function_id = v.function_id;
		w.now = v.now;
		rc = fcdb__json_parse(&arena, json, len, &input);
		if (rc == 0)
			rc = fcdb__validate_create(&w, &arena, input, &rec);
		fcdb__vctx_free(&w);
		if (rc != FCDB_EINVAL)
			fail_msg("%s: accepted (rc %d)", file, rc);
		if (strcmp(fcdb_error_last()->field, field) != 0)
			fail_msg("%s: names \"%s\", want \"%s\": %s", file,
			         fcdb_error_last()->field, field,
			         fcdb_error_last()->message);
		if (!*field && !strstr(fcdb_error_last()->message, "JSON object") &&
		    !strstr(fcdb_error_last()->message, "line"))
			fail_msg("%s: %s", file, fcdb_error_last()->message);
		free(json);
	}
	free(manifest);
}

static void test_valid_fixtures(void **state)
{
	char names[16][128], path[256];
	size_t n = tu_list_json("valid", names, 16);

	(void)state;
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *json;
		fcdb__node *rec = NULL;

		snprintf(path, sizeof(path), "valid/%s", names[i]);
		json = tu_slurp(tu_data(path), &len);
		if (fcdb__validate_create(&v, &arena, parse(json, len), &rec))
			fail_msg("%s: %s", names[i], fcdb_error_last()->message);
		free(json);
	}
}

static void test_many_problems_reported_together(void **state)
{
	(void)state;
	create_bad("{\"functionName\":\"1x\",\"runtime\":\"cobol\",\"handler\":\"h\","
	           "\"timeout\":0," CODE "}", "functionName", "3 problems");
	assert_non_null(strstr(fcdb_error_last()->message, "runtime"));
	assert_non_null(strstr(fcdb_error_last()->message, "timeout"));
}

/* ---- update ---- */

static fcdb__node *stored_record(void)
{
	return create_ok("{" BASE ",\"memorySize\":1024,\"description\":\"d\","
	                 "\"tags\":[{\"Key\":\"a\",\"Value\":\"b\"}]}");
}

static int update(const char *json, fcdb__node **out)
{
	fcdb__node *stored = stored_record();
	fcdb__vctx w;
	int rc;

	fcdb__vctx_init(&w, FCDB__V_UPDATE);
	w.region = "cn-shanghai";
	w.account = "123";
	w.now = "2024-01-01T00:00:00Z";
	rc = fcdb__validate_update(&w, &arena, parse(json, strlen(json)), stored,
	                           out);
	fcdb__vctx_free(&w);
	return rc;
}

static void test_update_merge(void **state)
{
	fcdb__node *rec = NULL;

	(void)state;
	assert_int_equal(update("{\"timeout\":60,\"description\":null}", &rec), 0);
	assert_int_equal(get_int(rec, "timeout"), 60);
	assert_null(fcdb__node_get(rec, "description"));
	assert_int_equal(get_int(rec, "memorySize"), 1024);   /* kept */
	assert_non_null(fcdb__node_get(rec, "tags"));         /* kept */
	assert_string_equal(get_str(rec, "lastModifiedTime"), "2024-01-01T00:00:00Z");
	assert_string_equal(get_str(rec, "createdTime"), v.now);
	for (uint32_t i = 1; i < rec->len; i++)
		assert_true(strcmp(rec->v.kids[i - 1].key, rec->v.kids[i].key) < 0);
	/* code recomputes the checksum */
	assert_int_equal(update("{\"code\":{\"zipFile\":\"MTIzNDU2Nzg5\"}}", &rec), 0);
	assert_string_equal(get_str(rec, "codeChecksum"), "11051210869376104954");
	assert_int_equal(get_int(rec, "codeSize"), 9);
}

static void test_update_refusals(void **state)
{
	fcdb__node *rec = NULL;

	(void)state;
	assert_int_equal(update("{\"functionName\":\"g\"}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "functionName");
	assert_int_equal(update("{\"tags\":[]}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "tags");
	assert_int_equal(update("{\"resourceGroupId\":\"rg\"}", &rec), FCDB_EINVAL);
	assert_int_equal(update("{\"functionArn\":\"x\"}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "functionArn");
	assert_int_equal(update("{\"runtime\":null}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "runtime");
	/* memory alone breaking the ratio blames memorySize */
	assert_int_equal(update("{\"memorySize\":8192}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "memorySize");
	assert_int_equal(update("{\"cpu\":4}", &rec), FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "cpu");
	assert_int_equal(update("[]", &rec), FCDB_EINVAL);
	assert_int_equal(update("{\"code\":{\"zipFile\":\"x\"},"
	                        "\"customContainerConfig\":{}}", &rec), FCDB_EINVAL);
	assert_null(rec);
}

/* ---- import ---- */

static int import(const char *path, int lenient, fcdb__node **out)
{
	size_t len;
	char *json = tu_slurp(tu_data(path), &len);
	fcdb__vctx w;
	int rc;

	fcdb__vctx_init(&w, FCDB__V_IMPORT);
	w.lenient = lenient;
	w.region = "cn-shanghai";
	w.account = "123";
	w.function_id = "00000000-0000-4000-8000-000000000000";
	w.now = "2024-01-01T00:00:00Z";
	rc = fcdb__validate_import(&w, &arena, parse(json, len), out);
	fcdb__vctx_free(&w);
	free(json);
	return rc;
}

static void test_import_full_function(void **state)
{
	fcdb__node *rec = NULL;

	(void)state;
	assert_int_equal(import("import/function-full.json", 0, &rec), 0);
	assert_string_equal(get_str(rec, "functionId"),
	                    "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3");
	assert_string_equal(get_str(rec, "state"), "Pending");
	assert_string_equal(get_str(rec, "lastUpdateStatus"), "InProgress");
	assert_string_equal(get_str(rec, "createdTime"), "2023-04-01T08:15:27Z");
	assert_int_equal(get_int(rec, "codeSize"), 168);
}

static void test_import_seed_example_refused(void **state)
{
	static const char *const named[] = { "codeChecksum", "functionArn",
	                                     "functionId", "cpu", "role" };
	fcdb__node *rec = NULL;

	(void)state;
	assert_int_equal(import("import/seed-example-function.json", 0, &rec),
	                 FCDB_EINVAL);
	assert_null(rec);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strstr(fcdb_error_last()->message, named[i]))
			fail_msg("seed example: %s not named in: %s", named[i],
			         fcdb_error_last()->message);
}

static void test_import_lenient(void **state)
{
	fcdb__node *rec = NULL;
	const char *json = "{\"functionName\":\"old\",\"runtime\":\"python3.10\","
	                   "\"handler\":\"h\",\"cpu\":1,\"memorySize\":512,"
	                   "\"timeout\":100000,\"legacyField\":{\"x\":[1,2]}}";
	fcdb__vctx w;

	(void)state;
	fcdb__vctx_init(&w, FCDB__V_IMPORT);
	w.region = "cn-shanghai";
	w.account = "123";
	w.function_id = "00000000-0000-4000-8000-000000000000";
	w.now = "2024-01-01T00:00:00Z";
	assert_int_equal(fcdb__validate_import(&w, &arena,
	                 parse(json, strlen(json)), &rec), FCDB_EINVAL);
	fcdb__vctx_free(&w);
	fcdb__vctx_init(&w, FCDB__V_IMPORT);
	w.lenient = 1;
	w.region = "cn-shanghai";
	w.account = "123";
	w.function_id = "00000000-0000-4000-8000-000000000000";
	w.now = "2024-01-01T00:00:00Z";
	assert_int_equal(fcdb__validate_import(&w, &arena,
	                 parse(json, strlen(json)), &rec), 0);
	fcdb__vctx_free(&w);
	assert_non_null(fcdb__node_get(rec, "legacyField"));
	assert_string_equal(get_str(rec, "functionArn"),
	                    "acs:fc:cn-shanghai:123:functions/old");
	/* a page of ListFunctions has no states: settled defaults */
	assert_string_equal(get_str(rec, "state"), "Active");
	assert_string_equal(get_str(rec, "lastUpdateStatus"), "Successful");
}

static void test_format_time_clamps(void **state)
{
	char out[21];

	(void)state;
	fcdb__format_time(out, 1680336927);
	assert_string_equal(out, "2023-04-01T08:15:27Z");
	fcdb__format_time(out, -5);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	fcdb__format_time(out, 999999999999LL);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults_and_computed),
		T(test_cpu_memory_derivation),
		T(test_rules),
		T(test_custom_runtime_needs_no_handler),
		T(test_oss_code_and_out_of_band_package),
		T(test_layers_become_objects),
		T(test_invalid_fixtures),
		T(test_valid_fixtures),
		T(test_many_problems_reported_together),
		T(test_update_merge),
		T(test_update_refusals),
		T(test_import_full_function),
		T(test_import_seed_example_refused),
		T(test_import_lenient),
		cmocka_unit_test(test_format_time_clamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
