/* unit_schema.c: the field tables are sorted, complete and stable (schema.c). */
#include "testutil.h"

#include <string.h>

#include "schema.h"

/* The stored field numbers are an on-disk format: pin every one. */
static const char *const pinned[] = {
	NULL, "codeChecksum", "codeSize", "cpu", "createdTime",
	"customContainerConfig", "customDNS", "customRuntimeConfig",
	"description", "disableInjectCredentials", "disableOndemand",
	"diskSize", "enableLongLiving", "environmentVariables", "functionArn",
	"functionId", "functionName", "gpuConfig", "handler", "idleTimeout",
	"instanceConcurrency", "instanceIsolationMode",
	"instanceLifecycleConfig", "internetAccess", "invocationRestriction",
	"juiceFsConfig", "lastModifiedTime", "lastUpdateStatus",
	"lastUpdateStatusReason", "lastUpdateStatusReasonCode", "layers",
	"lockInfo", "logConfig", "memorySize", "nasConfig", "ossMountConfig",
	"polarFsConfig", "resourceGroupId", "role", "runtime",
	"sessionAffinity", "sessionAffinityConfig", "state", "stateReason",
	"stateReasonCode", "tags", "timeout", "tracingConfig", "vpcConfig",
};

static void test_function_has_the_48_fields(void **state)
{
	const fcdb__schema *s = &fcdb__schema_function;
	size_t stored = 0;

	(void)state;
	for (size_t i = 0; i < s->count; i++)
		if (s->fields[i].num)
			stored++;
	assert_int_equal(stored, 48);
	for (unsigned n = 1; n <= 48; n++) {
		const fcdb__field *f = fcdb__schema_by_num(s, n);
		assert_non_null(f);
		assert_string_equal(f->name, pinned[n]);
		assert_ptr_equal(fcdb__schema_find(s, pinned[n]), f);
	}
	assert_int_equal(FCDB__FN_MAX, 48);
	assert_string_equal(fcdb__schema_by_num(s, FCDB__FN_MEMORY_SIZE)->name,
	                    "memorySize");
	assert_string_equal(fcdb__schema_by_num(s, FCDB__FN_STATE)->name, "state");
	assert_string_equal(fcdb__schema_by_num(s, FCDB__FN_RUNTIME)->name,
	                    "runtime");
	assert_string_equal(fcdb__schema_by_num(s, FCDB__FN_TIMEOUT)->name,
	                    "timeout");
	assert_null(fcdb__schema_by_num(s, 49));
	assert_null(fcdb__schema_by_num(s, 0));
}

static void test_every_schema_sorted_and_numbered(void **state)
{
	(void)state;
	for (const fcdb__schema *const *sp = fcdb__schemas; *sp; sp++) {
		const fcdb__schema *s = *sp;

		for (size_t i = 0; i < s->count; i++) {
			const fcdb__field *f = &s->fields[i];

			if (i)
				assert_true(strcmp(s->fields[i - 1].name, f->name) < 0);
			assert_ptr_equal(fcdb__schema_find(s, f->name), f);
			if (f->num) {
				/* the O(1) guess of schema_by_num must hit */
				size_t guess = f->num - 1 + (s->fields[0].num == 0);
				assert_ptr_equal(&s->fields[guess], f);
				assert_true(f->num < 64);
			}
			if (f->type == FCDB__T_OBJ || f->type == FCDB__T_ARR_OBJ ||
			    f->type == FCDB__T_LAYERS)
				assert_non_null(f->sub);
		}
		assert_null(fcdb__schema_find(s, "no-such-field"));
	}
}

static void test_flags(void **state)
{
	const fcdb__schema *s = &fcdb__schema_function;

	(void)state;
	assert_true(fcdb__schema_find(s, "code")->flags & FCDB__F_INPUT);
	assert_int_equal(fcdb__schema_find(s, "code")->num, 0);
	assert_true(fcdb__schema_find(s, "functionArn")->flags & FCDB__F_COMPUTED);
	assert_true(fcdb__schema_find(s, "state")->flags & FCDB__F_HEADER);
	assert_true(fcdb__schema_find(s, "lastUpdateStatus")->flags & FCDB__F_HEADER);
	assert_true(fcdb__schema_find(s, "tags")->flags & FCDB__F_NOUPDATE);
	assert_true(fcdb__schema_find(s, "functionName")->flags & FCDB__F_REQUIRED);
	assert_true(fcdb__schema_find(s, "runtime")->flags & FCDB__F_REQUIRED);
	assert_false(fcdb__schema_find(s, "memorySize")->flags & FCDB__F_COMPUTED);
	assert_int_equal(fcdb__schema_find(s, "customDNS")->type, FCDB__T_OBJ);
	assert_int_equal(fcdb__schema_find(s, "cpu")->type, FCDB__T_NUM);
}

static void test_runtimes(void **state)
{
	size_t n = 0;

	(void)state;
	for (const char *const *r = fcdb__runtimes; *r; r++) {
		if (n)
			assert_true(strcmp(r[-1], *r) < 0);
		n++;
	}
	assert_int_equal(n, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_has_the_48_fields),
		cmocka_unit_test(test_every_schema_sorted_and_numbered),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_runtimes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
