/*
 * api_update.c: fcdb_function_update through the public API: merge
 * semantics, refused fields, code, compare-and-swap, asynchronous updates,
 * the state an update leaves, and revisions.
 */
#include "apiutil.h"

/* The README's empty ZIP: 22 bytes. */
#define EMPTY_ZIP_B64 "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="

static fcdb *open_sb(tu_sandbox *sb)
{
	tu_sandbox_new(sb);
	au_clock_value = AU_NOW;
	return au_open(sb->store);
}

static int update(fcdb *db, fcdb_function **out, const char *name,
                  const char *doc, const fcdb_write_options *wo)
{
	return fcdb_function_update(db, out, name, doc, strlen(doc), wo);
}

/* Update must refuse `doc` with `code` (and `field` unless NULL) and
   leave the store file and revision as they were. */
static void refuse_update(fcdb *db, const char *store, const char *name,
                          const char *doc, const fcdb_write_options *wo,
                          int code, const char *field)
{
	au_bytes before = au_read(store);
	uint64_t rev = au_revision(db);
	fcdb_function *fn = (fcdb_function *)&before;
	int rc = update(db, &fn, name, doc, wo);

	if (rc != code)
		fail_msg("update %s with %.200s returned %d %s, want %s: %s",
		         name, doc, rc, fcdb_error_name(rc),
		         fcdb_error_name(code), fcdb_error_last()->message);
	assert_null(fn);
	if (field && strcmp(fcdb_error_last()->field, field) != 0)
		fail_msg("update with %.200s: field \"%s\", want \"%s\" (%s)",
		         doc, fcdb_error_last()->field, field,
		         fcdb_error_last()->message);
	assert_int_equal(au_revision(db), rev);
	au_assert_file_is(store, &before);
	au_bytes_free(&before);
}

/* Drop the members an update always touches. */
static void strip_volatile(cJSON *j)
{
	cJSON_DeleteItemFromObjectCaseSensitive(j, "lastModifiedTime");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "lastUpdateStatus");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "lastUpdateStatusReason");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "lastUpdateStatusReasonCode");
}

static void assert_json_equal(const cJSON *want, const cJSON *got)
{
	if (!cJSON_Compare(want, got, 1)) {
		char *a = cJSON_PrintUnformatted(want);
		char *b = cJSON_PrintUnformatted(got);

		fail_msg("JSON differs:\nwant %s\n got %s", a, b);
	}
}

/* ---- merge ---- */

static void test_merge_semantics(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_function *fn = NULL;
	cJSON *before, *after, *env;

	(void)state;
	au_create_active(db, "merge",
	        "\"description\":\"one\",\"timeout\":10,"
	        "\"environmentVariables\":{\"A\":\"1\",\"B\":\"2\"},"
	        "\"logConfig\":{\"project\":\"p\",\"logstore\":\"l\"},"
	        "\"vpcConfig\":{\"vpcId\":\"vpc-1\",\"vSwitchIds\":[\"vsw-1\"]}");
	before = au_get_json(db, "merge");

	/* absent fields keep their values, present ones are replaced whole
	   (a nested object is not merged key by key) */
	au_ok(update(db, &fn, "merge", "{\"timeout\":20,"
	             "\"environmentVariables\":{\"C\":\"3\"},"
	             "\"logConfig\":{\"project\":\"q\"}}", NULL));
	after = au_json(fn);
	fcdb_function_free(fn);
	fn = NULL;
	cJSON_ReplaceItemInObjectCaseSensitive(before, "timeout",
	                                       cJSON_CreateNumber(20));
	env = cJSON_CreateObject();
	cJSON_AddStringToObject(env, "C", "3");
	cJSON_ReplaceItemInObjectCaseSensitive(before, "environmentVariables",
	                                       env);
	env = cJSON_CreateObject();
	cJSON_AddStringToObject(env, "project", "q");
	cJSON_ReplaceItemInObjectCaseSensitive(before, "logConfig", env);
	au_assert_jstr(after, "lastUpdateStatus", "Successful");
	strip_volatile(before);
	strip_volatile(after);
	assert_json_equal(before, after);
	cJSON_Delete(after);

	/* what update hands back is what get reads */
	after = au_get_json(db, "merge");
	strip_volatile(after);
	assert_json_equal(before, after);
	cJSON_Delete(after);

	/* an empty update changes only the bookkeeping */
	au_ok(update(db, NULL, "merge", "{}", NULL));
	after = au_get_json(db, "merge");
	strip_volatile(after);
	assert_json_equal(before, after);
	cJSON_Delete(after);
	cJSON_Delete(before);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_null_removes_optional_field(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	cJSON *j;

	(void)state;
	au_create_active(db, "nulls",
	        "\"description\":\"going\",\"role\":\"acs:ram::123:role/fc\","
	        "\"vpcConfig\":{\"vpcId\":\"vpc-1\"},\"layers\":["
	        "\"acs:fc:cn-shanghai:official:layers/Py/versions/3\"]");
	au_ok(update(db, NULL, "nulls", "{\"description\":null,"
	             "\"vpcConfig\":null,\"layers\":null}", NULL));
	j = au_get_json(db, "nulls");
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "description"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "vpcConfig"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "layers"));
	au_assert_jstr(j, "role", "acs:ram::123:role/fc");
	cJSON_Delete(j);

	/* null on a field that is not there is harmless */
	au_ok(update(db, NULL, "nulls", "{\"description\":null}", NULL));

	/* a required field cannot be removed */
	refuse_update(db, sb.store, "nulls", "{\"runtime\":null}", NULL,
	              FCDB_EINVAL, "runtime");
	refuse_update(db, sb.store, "nulls", "{\"handler\":null}", NULL,
	              FCDB_EINVAL, "handler");
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_refused_fields(void **state)
{
	static const struct {
		const char *doc, *field;
	} cases[] = {
		{ "{\"functionName\":\"renamed\"}", "functionName" },
		{ "{\"functionName\":\"fixed\"}", "functionName" },
		{ "{\"tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}", "tags" },
		{ "{\"resourceGroupId\":\"rg-1\"}", "resourceGroupId" },
		{ "{\"functionArn\":\"acs:fc:cn-shanghai:123:functions/fixed\"}",
		  "functionArn" },
		{ "{\"functionId\":\"aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3\"}",
		  "functionId" },
		{ "{\"createdTime\":\"2023-04-01T08:15:27Z\"}", "createdTime" },
		{ "{\"lastModifiedTime\":\"2023-04-01T08:15:27Z\"}",
		  "lastModifiedTime" },
		{ "{\"codeChecksum\":\"" AU_HELLO_CRC "\"}", "codeChecksum" },
		{ "{\"codeSize\":168}", "codeSize" },
		{ "{\"state\":\"Active\"}", "state" },
		{ "{\"stateReason\":\"x\"}", "stateReason" },
		{ "{\"stateReasonCode\":\"x\"}", "stateReasonCode" },
		{ "{\"lastUpdateStatus\":\"Successful\"}", "lastUpdateStatus" },
		{ "{\"lastUpdateStatusReasonCode\":\"x\"}",
		  "lastUpdateStatusReasonCode" },
		{ "{\"memorysize\":1024}", "memorysize" },
		{ "{\"timeout\":0}", "timeout" },
		{ "{\"timeout\":\"10\"}", "timeout" },
		{ "{\"runtime\":\"cobol85\"}", "runtime" },
		{ "{\"diskSize\":1024}", "diskSize" },
		{ "{\"environmentVariables\":{\"1X\":\"y\"}}",
		  "environmentVariables" },
		{ "{\"code\":{\"zipFile\":\"not base64!\"}}", "code.zipFile" },
		{ "{\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\",\"checksum\":\"1\"}}",
		  "code.checksum" },
		{ "{\"customContainerConfig\":{\"image\":\"r.example/i:1\"},"
		  "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}", "code" },
		{ "[]", "" },
		{ "{\"timeout\":", "" },
		{ "{\"timeout\":1,\"timeout\":2}", "timeout" },
	};
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	size_t i;

	(void)state;
	au_create_active(db, "fixed", "\"tags\":[{\"Key\":\"a\",\"Value\":\"b\"}]");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refuse_update(db, sb.store, "fixed", cases[i].doc, NULL,
		              FCDB_EINVAL, cases[i].field);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_update_missing(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create_active(db, "present", NULL);
	refuse_update(db, sb.store, "absent", "{\"timeout\":5}", NULL,
	              FCDB_ENOTFOUND, NULL);
	au_message_has("absent");
	refuse_update(db, sb.store, "", "{\"timeout\":5}", NULL,
	              FCDB_ENOTFOUND, NULL);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_update_too_large(void **state)
{
	const size_t big = 2u << 20;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	char *doc = malloc(big + 64), *p;

	(void)state;
	assert_non_null(doc);
	au_create_active(db, "small", NULL);
	p = doc + sprintf(doc, "{\"description\":\"");
	memset(p, 'x', big);
	strcpy(p + big, "\"}");
	refuse_update(db, sb.store, "small", doc, NULL, FCDB_EINVAL, NULL);
	free(doc);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- code ---- */

static void test_code_recomputes_checksum(void **state)
{
	char want[32];
	unsigned char empty_zip[22] = { 'P', 'K', 5, 6 };
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create_active(db, "code", NULL);
	au_ok(update(db, &fn, "code", "{\"code\":{\"zipFile\":\""
	             EMPTY_ZIP_B64 "\"}}", NULL));
	snprintf(want, sizeof(want), "%llu",
	         (unsigned long long)au_crc64_ref(empty_zip, sizeof(empty_zip)));
	assert_string_equal(fcdb_function_code_checksum(fn), want);
	assert_int_equal(fcdb_function_code_size(fn), 22);
	fcdb_function_free(fn);
	fn = NULL;

	/* an update without code keeps the package facts */
	au_ok(update(db, &fn, "code", "{\"timeout\":9}", NULL));
	assert_string_equal(fcdb_function_code_checksum(fn), want);
	assert_int_equal(fcdb_function_code_size(fn), 22);
	fcdb_function_free(fn);
	fn = NULL;

	/* the package as bytes */
	{
		size_t zlen;
		char *zip = tu_slurp(tu_data("code/hello.zip"), &zlen);

		fcdb_write_options_init(&wo);
		wo.code = zip;
		wo.code_len = zlen;
		au_ok(update(db, &fn, "code", "{}", &wo));
		assert_string_equal(fcdb_function_code_checksum(fn),
		                    AU_HELLO_CRC);
		assert_int_equal(fcdb_function_code_size(fn), AU_HELLO_SIZE);
		fcdb_function_free(fn);
		fn = NULL;
		/* bytes and code.zipFile together are refused */
		refuse_update(db, sb.store, "code", "{\"code\":{\"zipFile\":\""
		              EMPTY_ZIP_B64 "\"}}", &wo, FCDB_EINVAL, NULL);
		free(zip);
	}
	au_ok(fcdb_function_get(db, &fn, "code"));
	assert_string_equal(fcdb_function_code_checksum(fn), AU_HELLO_CRC);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- compare-and-swap ---- */

static void test_expected_revision(void **state)
{
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	uint64_t rev;

	(void)state;
	au_create_active(db, "cas", NULL);
	au_create_active(db, "other", NULL);
	au_ok(fcdb_function_get(db, &fn, "cas"));
	rev = fcdb_function_revision(fn);
	assert_int_equal(rev, 2);
	fcdb_function_free(fn);
	fn = NULL;

	fcdb_write_options_init(&wo);
	wo.expected_revision = rev;
	au_ok(update(db, &fn, "cas", "{\"timeout\":11}", &wo));
	assert_int_equal(fcdb_function_revision(fn), 5);
	fcdb_function_free(fn);
	fn = NULL;

	/* the same expectation is now stale */
	refuse_update(db, sb.store, "cas", "{\"timeout\":12}", &wo,
	              FCDB_EPRECONDITION, NULL);
	au_message_has("cas");
	/* so is one from the future, and another function's revision */
	wo.expected_revision = 99;
	refuse_update(db, sb.store, "cas", "{\"timeout\":12}", &wo,
	              FCDB_EPRECONDITION, NULL);
	wo.expected_revision = 4;
	refuse_update(db, sb.store, "cas", "{\"timeout\":12}", &wo,
	              FCDB_EPRECONDITION, NULL);
	au_ok(fcdb_function_get(db, &fn, "cas"));
	assert_int_equal(fcdb_function_timeout(fn), 11);
	fcdb_function_free(fn);
	fn = NULL;

	/* the current revision works again */
	wo.expected_revision = 5;
	au_ok(update(db, NULL, "cas", "{\"timeout\":12}", &wo));
	/* a missing function is not found, whatever the expectation */
	refuse_update(db, sb.store, "ghost", "{\"timeout\":12}", &wo,
	              FCDB_ENOTFOUND, NULL);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- synchronous and asynchronous updates ---- */

static void test_sync_update_successful(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	fcdb_update_status us;

	(void)state;
	au_create_active(db, "sync", NULL);
	au_ok(fcdb_function_set_update_status(db, NULL, "sync",
	      FCDB_UPDATE_IN_PROGRESS, NULL, NULL, NULL));
	au_ok(fcdb_function_set_update_status(db, NULL, "sync",
	      FCDB_UPDATE_FAILED, "ImageOptimizingFailed", "no", NULL));
	au_ok(update(db, &fn, "sync", "{\"timeout\":30}", NULL));
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_SUCCESSFUL);
	/* the previous update's reasons do not linger */
	assert_null(fcdb_function_update_status_reason_code(fn));
	assert_null(fcdb_function_update_status_reason(fn));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
	au_ok(fcdb_function_read_state(db, "sync", NULL, &us, NULL));
	assert_int_equal(us, FCDB_UPDATE_SUCCESSFUL);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_async_update_then_concurrent(void **state)
{
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	/* A fresh create is InProgress until provisioned. */
	au_create(db, "async", NULL);
	refuse_update(db, sb.store, "async", "{\"timeout\":4}", NULL,
	              FCDB_ECONCURRENT, NULL);
	au_message_has("async");
	au_ok(fcdb_function_set_state(db, NULL, "async", FCDB_STATE_ACTIVE,
	                              NULL, NULL, NULL));

	fcdb_write_options_init(&wo);
	wo.flags = FCDB_WRITE_ASYNC;
	au_ok(update(db, &fn, "async", "{\"timeout\":5}", &wo));
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_IN_PROGRESS);
	assert_int_equal(fcdb_function_timeout(fn), 5);
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
	fcdb_function_free(fn);
	fn = NULL;

	/* Any further update waits for that one to end, sync or async. */
	refuse_update(db, sb.store, "async", "{\"timeout\":6}", NULL,
	              FCDB_ECONCURRENT, NULL);
	refuse_update(db, sb.store, "async", "{\"timeout\":6}", &wo,
	              FCDB_ECONCURRENT, NULL);

	/* The provisioner ends it; updates are welcome again. */
	au_ok(fcdb_function_set_update_status(db, NULL, "async",
	      FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL));
	au_ok(update(db, &fn, "async", "{\"timeout\":7}", NULL));
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_SUCCESSFUL);
	fcdb_function_free(fn);
	fn = NULL;

	/* An asynchronous update that failed also allows the next one. */
	au_ok(update(db, NULL, "async", "{\"timeout\":8}", &wo));
	au_ok(fcdb_function_set_update_status(db, NULL, "async",
	      FCDB_UPDATE_FAILED, "ImagePullFailed", NULL, NULL));
	au_ok(update(db, &fn, "async", "{\"timeout\":9}", NULL));
	assert_int_equal(fcdb_function_timeout(fn), 9);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- state after an update ---- */

static void test_failed_moves_to_pending(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	/* Active -> Failed, then an update redeploys it. */
	au_create_active(db, "broken", NULL);
	au_ok(fcdb_function_set_state(db, NULL, "broken", FCDB_STATE_FAILED,
	                              "ImageDeleted", "the image is gone",
	                              NULL));
	au_ok(update(db, &fn, "broken", "{\"timeout\":10}", NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_PENDING);
	assert_string_equal(fcdb_function_state_reason_code(fn), "Restoring");
	assert_int_equal(fcdb_function_update_status(fn),
	                 FCDB_UPDATE_SUCCESSFUL);
	fcdb_function_free(fn);
	fn = NULL;

	/* A create that failed (Pending -> Failed makes lastUpdateStatus
	   Failed) can be updated and moves to Pending as well. */
	au_create(db, "never-worked", NULL);
	au_ok(fcdb_function_set_state(db, NULL, "never-worked",
	                              FCDB_STATE_FAILED, "InvalidImage", NULL,
	                              NULL));
	au_ok(update(db, &fn, "never-worked", "{\"timeout\":10}", NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_PENDING);
	fcdb_function_free(fn);
	fn = NULL;

	/* Other states stay where they are. */
	au_create_active(db, "idle", NULL);
	au_ok(fcdb_function_set_state(db, NULL, "idle", FCDB_STATE_INACTIVE,
	                              NULL, NULL, NULL));
	au_ok(update(db, &fn, "idle", "{\"timeout\":10}", NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_INACTIVE);
	assert_string_equal(fcdb_function_state_reason_code(fn), "Idle");
	fcdb_function_free(fn);
	fn = NULL;
	au_create_active(db, "busy", NULL);
	au_ok(update(db, &fn, "busy", "{\"timeout\":10}", NULL));
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_ratio_checked_after_merge(void **state)
{
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create_active(db, "ratio", NULL); /* 512 MB, 0.35 vCPU */
	/* 4 GB on 0.35 vCPU is 11.4 GB per vCPU */
	refuse_update(db, sb.store, "ratio", "{\"memorySize\":4096}", NULL,
	              FCDB_EINVAL, "memorySize");
	/* 0.5 GB on 4 vCPU is 0.125 GB per vCPU */
	refuse_update(db, sb.store, "ratio", "{\"cpu\":4}", NULL, FCDB_EINVAL,
	              "cpu");
	refuse_update(db, sb.store, "ratio", "{\"cpu\":4,\"memorySize\":1024}",
	              NULL, FCDB_EINVAL, NULL);
	/* both together, in ratio */
	au_ok(update(db, &fn, "ratio", "{\"memorySize\":4096,\"cpu\":2}", NULL));
	assert_int_equal(fcdb_function_memory_size(fn), 4096);
	assert_true(fcdb_function_cpu(fn) == 2.0);
	fcdb_function_free(fn);
	fn = NULL;
	/* one alone, still in ratio (4 GB on 1 vCPU) */
	au_ok(update(db, &fn, "ratio", "{\"cpu\":1}", NULL));
	assert_int_equal(fcdb_function_memory_size(fn), 4096);
	assert_true(fcdb_function_cpu(fn) == 1.0);
	fcdb_function_free(fn);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_times_and_identity(void **state)
{
	fcdb_function *before = NULL, *after = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);

	(void)state;
	au_create_active(db, "timed", NULL);
	au_ok(fcdb_function_get(db, &before, "timed"));
	au_clock_value = AU_NOW + 3600;
	au_ok(update(db, &after, "timed", "{\"description\":\"later\"}", NULL));
	assert_string_equal(fcdb_function_created_time(after), AU_NOW_TEXT);
	assert_string_equal(fcdb_function_last_modified_time(after),
	                    "2023-04-01T09:15:27Z");
	assert_string_equal(fcdb_function_id(after), fcdb_function_id(before));
	assert_string_equal(fcdb_function_arn(after), fcdb_function_arn(before));
	assert_string_equal(fcdb_function_name(after), "timed");
	assert_string_equal(fcdb_function_description(after), "later");
	fcdb_function_free(before);
	fcdb_function_free(after);
	before = after = NULL;
	/* the indexes still lead to it */
	au_ok(fcdb_function_get_by_arn(db, &before,
	                               AU_ARN_PREFIX "timed"));
	assert_string_equal(fcdb_function_description(before), "later");
	fcdb_function_free(before);
	au_clock_value = AU_NOW;
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- revisions ---- */

/* The last write made the store revision `rev`, and `name` carries it. */
static void assert_at(fcdb *db, const char *name, uint64_t rev)
{
	fcdb_function *fn = NULL;
	uint64_t r = 0;

	assert_int_equal(au_revision(db), rev);
	au_ok(fcdb_function_get(db, &fn, name));
	assert_int_equal(fcdb_function_revision(fn), rev);
	fcdb_function_free(fn);
	au_ok(fcdb_function_read_state(db, name, NULL, NULL, &r));
	assert_int_equal(r, rev);
}

static void test_revisions(void **state)
{
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	tu_sandbox sb;
	fcdb *db = open_sb(&sb);
	au_bytes before;
	uint64_t r = 0;

	(void)state;
	fcdb_write_options_init(&wo);
	wo.flags = FCDB_WRITE_ASYNC;
	assert_int_equal(au_revision(db), 0);
	au_create(db, "rev", NULL);
	assert_at(db, "rev", 1);
	au_ok(fcdb_function_set_state(db, &fn, "rev", FCDB_STATE_ACTIVE, NULL,
	                              NULL, NULL));
	assert_int_equal(fcdb_function_revision(fn), 2);
	fcdb_function_free(fn);
	fn = NULL;
	assert_at(db, "rev", 2);
	au_ok(update(db, &fn, "rev", "{\"timeout\":4}", NULL));
	assert_int_equal(fcdb_function_revision(fn), 3);
	fcdb_function_free(fn);
	fn = NULL;
	assert_at(db, "rev", 3);
	au_ok(update(db, NULL, "rev", "{\"timeout\":5}", &wo));
	assert_at(db, "rev", 4);
	au_ok(fcdb_function_set_update_status(db, NULL, "rev",
	      FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL));
	assert_at(db, "rev", 5);
	au_ok(fcdb_function_set_state(db, NULL, "rev", FCDB_STATE_INACTIVE,
	                              NULL, NULL, NULL));
	assert_at(db, "rev", 6);

	/* Writes to another function move the store, not this record. */
	au_create(db, "bystander", NULL);
	assert_int_equal(au_revision(db), 7);
	au_ok(fcdb_function_read_state(db, "rev", NULL, NULL, &r));
	assert_int_equal(r, 6);

	/* A no-op set-state changes neither revision nor a byte. */
	before = au_read(sb.store);
	au_ok(fcdb_function_set_state(db, &fn, "rev", FCDB_STATE_INACTIVE,
	                              NULL, NULL, NULL));
	assert_non_null(fn);
	assert_int_equal(fcdb_function_revision(fn), 6);
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_INACTIVE);
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_set_update_status(db, NULL, "rev",
	      FCDB_UPDATE_SUCCESSFUL, NULL, NULL, NULL));
	assert_int_equal(au_revision(db), 7);
	au_assert_file_is(sb.store, &before);
	au_bytes_free(&before);

	/* Refused writes do not count either. */
	refuse_update(db, sb.store, "rev", "{\"timeout\":0}", NULL,
	              FCDB_EINVAL, "timeout");
	assert_int_equal(au_revision(db), 7);

	/* Delete counts. */
	au_ok(fcdb_function_delete(db, "bystander", NULL));
	assert_int_equal(au_revision(db), 8);
	au_ok(update(db, NULL, "rev", "{\"timeout\":6}", NULL));
	assert_at(db, "rev", 9);

	/* And revisions survive closing the store. */
	fcdb_close(db);
	db = au_open(sb.store);
	assert_at(db, "rev", 9);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- the merged record is validated as a whole ---- */

/*
 * An update may not leave behind a function that create would refuse:
 * exactly one code source (code or customContainerConfig), a handler for
 * a runtime that needs one, and memorySize and cpu in ratio.  Each case
 * is either refused (InvalidArgument, nothing written) or accepted with
 * the invariant intact.
 */
static void assert_update_keeps_invariant(fcdb *db, const char *store,
                                          const char *name, const char *doc,
                                          const char *what)
{
	au_bytes before = au_read(store);
	fcdb_function *fn = NULL;
	int rc = update(db, &fn, name, doc, NULL);
	cJSON *j;

	if (rc == FCDB_EINVAL) {
		au_assert_file_is(store, &before);
		au_bytes_free(&before);
		return;
	}
	au_bytes_free(&before);
	if (rc)
		fail_msg("%s: update %s returned %s: %s", what, doc,
		         fcdb_error_name(rc), fcdb_error_last()->message);
	j = au_json(fn);
	if (strcmp(what, "one code source") == 0) {
		int has_code = cJSON_GetObjectItemCaseSensitive(j, "codeChecksum") ||
		               cJSON_GetObjectItemCaseSensitive(j, "codeSize");
		int has_container =
			cJSON_GetObjectItemCaseSensitive(j, "customContainerConfig") !=
			NULL;

		if (has_code == has_container)
			fail_msg("update %s on %s left %s code package and %s "
			         "container image", doc, name,
			         has_code ? "a" : "no", has_code ? "a" : "no");
	} else if (strcmp(what, "a handler") == 0) {
		const char *rt = au_jstr(j, "runtime");

		if (rt && strncmp(rt, "custom", 6) != 0 && !au_jstr(j, "handler"))
			fail_msg("update %s on %s left runtime %s without a "
			         "handler", doc, name, rt);
	} else {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "memorySize");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "cpu");
		double ratio;

		if (!cJSON_IsNumber(m) || !cJSON_IsNumber(c))
			fail_msg("update %s on %s left memorySize %s and cpu %s",
			         doc, name, m ? "set" : "absent",
			         c ? "set" : "absent");
		ratio = m->valuedouble / 1024.0 / c->valuedouble;
		if (ratio < 1.0 || ratio > 4.0)
			fail_msg("update %s on %s left %g GB per vCPU", doc, name,
			         ratio);
	}
	cJSON_Delete(j);
	fcdb_function_free(fn);
}

static fcdb *open_with_kinds(tu_sandbox *sb)
{
	const char *container =
		"{\"functionName\":\"boxed\",\"runtime\":\"custom-container\","
		"\"customContainerConfig\":{\"image\":\"r.example/i:1\"}}";
	const char *custom =
		"{\"functionName\":\"custom\",\"runtime\":\"custom.debian10\","
		"\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}";
	fcdb *db = open_sb(sb);

	au_ok(au_create_doc(db, container));
	au_ok(fcdb_function_set_state(db, NULL, "boxed", FCDB_STATE_ACTIVE,
	                              NULL, NULL, NULL));
	au_ok(au_create_doc(db, custom));
	au_ok(fcdb_function_set_state(db, NULL, "custom", FCDB_STATE_ACTIVE,
	                              NULL, NULL, NULL));
	au_create_active(db, "zipped", NULL);
	return db;
}

static void test_update_keeps_one_code_source(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_with_kinds(&sb);

	(void)state;
	/* a container function losing its image has no code at all */
	assert_update_keeps_invariant(db, sb.store, "boxed",
	        "{\"customContainerConfig\":null}", "one code source");
	/* a code package gaining an image, or an image gaining a package */
	assert_update_keeps_invariant(db, sb.store, "zipped",
	        "{\"customContainerConfig\":{\"image\":\"r.example/i:2\"}}",
	        "one code source");
	assert_update_keeps_invariant(db, sb.store, "boxed",
	        "{\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}}",
	        "one code source");
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_update_keeps_handler(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_with_kinds(&sb);

	(void)state;
	/* a custom runtime may go without a handler, python may not */
	assert_update_keeps_invariant(db, sb.store, "custom",
	        "{\"runtime\":\"python3.10\"}", "a handler");
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

static void test_update_keeps_memory_and_cpu(void **state)
{
	tu_sandbox sb;
	fcdb *db = open_with_kinds(&sb);

	(void)state;
	/* removing one of memorySize and cpu leaves no ratio to check */
	assert_update_keeps_invariant(db, sb.store, "zipped",
	        "{\"cpu\":null}", "ratio");
	assert_update_keeps_invariant(db, sb.store, "zipped",
	        "{\"memorySize\":null}", "ratio");
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_semantics),
		cmocka_unit_test(test_null_removes_optional_field),
		cmocka_unit_test(test_refused_fields),
		cmocka_unit_test(test_update_missing),
		cmocka_unit_test(test_update_too_large),
		cmocka_unit_test(test_code_recomputes_checksum),
		cmocka_unit_test(test_expected_revision),
		cmocka_unit_test(test_sync_update_successful),
		cmocka_unit_test(test_async_update_then_concurrent),
		cmocka_unit_test(test_failed_moves_to_pending),
		cmocka_unit_test(test_ratio_checked_after_merge),
		cmocka_unit_test(test_update_keeps_one_code_source),
		cmocka_unit_test(test_update_keeps_handler),
		cmocka_unit_test(test_update_keeps_memory_and_cpu),
		cmocka_unit_test(test_times_and_identity),
		cmocka_unit_test(test_revisions),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_update", tests, NULL, au_sweep);
}
