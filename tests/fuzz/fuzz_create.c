/*
 * fuzz_create.c: libFuzzer target for fcdb_function_create: the input is a
 * CreateFunctionInput document.  Whatever it holds, create returns OK or
 * InvalidArgument, never crashes, leaks or hangs; a function it accepts
 * reads back the same and its JSON imports again unchanged.  It is then
 * deleted, so the store stays small.
 */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fcdb *db;
	fcdb_function *fn = (fcdb_function *)&db; /* must become NULL */
	int rc;

	if (!db)
		db = fz_open("create.fcdb");
	rc = fcdb_function_create(db, &fn, (const char *)data, size, NULL);
	if (rc) {
		if (fn)
			fz_fail("create failed with %d but handed out a function",
			        rc);
		if (rc != FCDB_EINVAL)
			fz_fail("create returned %d %s, want OK or "
			        "InvalidArgument", rc, fcdb_error_name(rc));
		fz_check_error(rc, "fcdb_function_create");
		return 0;
	}
	fz_check_stored(db, fn);
	rc = fcdb_function_delete(db, fcdb_function_name(fn), NULL);
	if (rc)
		fz_fail("delete of a function just created: %d", rc);
	fcdb_function_free(fn);
	return 0;
}
