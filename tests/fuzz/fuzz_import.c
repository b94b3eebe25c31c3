/*
 * fuzz_import.c: libFuzzer target for fcdb_import: the input is whatever
 * an import may be fed (NDJSON, an array, a single Function, an fcdb
 * export, a ListFunctions page, or garbage).  Each input is
 *
 *  - a dry run in upsert mode, strict, over a store holding functions the
 *    input may name (nothing may change);
 *  - when the input is one JSON object that is not a wrapper, the same
 *    dry run of the object inside an array: the two shapes must agree;
 *  - a real import in replace mode into a second store (strict for inputs
 *    of even length, lenient for odd), so that store is always exactly
 *    the last input that imported.  After a real import the store checks
 *    clean, and its export (JSON, and NDJSON unless the store is empty:
 *    import refuses an empty input on purpose) imports again with every
 *    record unchanged and exports the same bytes.
 *
 * Import returns OK or InvalidArgument and nothing else in these modes.
 */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char seed[] =
	"{\"functionName\":\"hello\",\"runtime\":\"python3.10\","
	"\"handler\":\"index.handler\",\"code\":{\"ossBucketName\":\"b\","
	"\"ossObjectName\":\"o\"}}";

static void expect_ok_or_einval(int rc, const char *what)
{
	if (rc != FCDB_OK && rc != FCDB_EINVAL)
		fz_fail("%s returned %d %s, want OK or InvalidArgument", what, rc,
		        fcdb_error_name(rc));
	if (rc)
		fz_check_error(rc, what);
}

/* Is the input one JSON object that is a Function, not a wrapper? */
static int single_function(const uint8_t *data, size_t size)
{
	static const char *const wrapper[] = {
		"functions", "version", "region", "accountId", "nextToken", NULL
	};
	fcdb__arena a;
	fcdb__node *n = NULL;
	int yes;

	fcdb__arena_init(&a, 4096);
	yes = fcdb__json_parse(&a, (const char *)data, size, &n) == 0 &&
	      n->type == FCDB__OBJ;
	for (size_t i = 0; yes && wrapper[i]; i++)
		if (fcdb__node_get(n, wrapper[i]))
			yes = 0;
	fcdb__arena_free(&a);
	return yes;
}

static void export_all(fcdb *db, int format, fz_text *out)
{
	fcdb_export_options eo;

	fcdb_export_options_init(&eo);
	eo.format = format;
	out->len = 0;
	if (fcdb_export(db, fz_write, out, &eo, NULL))
		fz_fail("export after an import");
	fz_write(out, "", 0); /* NUL-terminated even when empty */
}

/* export -> import -> export: nothing changes, same bytes. */
static void round_trip(fcdb *db, int format, unsigned flags)
{
	static fz_text first, second;
	fcdb_import_report rep;
	int rc;

	export_all(db, format, &first);
	if (first.len == 0)
		return; /* an empty NDJSON export: refused as empty input */
	rc = fz_import(db, first.data, first.len, FCDB_IMPORT_REPLACE, flags,
	               &rep);
	if (rc)
		fz_fail("the store's own export does not import:\n%s",
		        first.data);
	if (rep.created || rep.updated || rep.deleted)
		fz_fail("re-importing the export changed records (created %llu, "
		        "updated %llu, deleted %llu):\n%s",
		        (unsigned long long)rep.created,
		        (unsigned long long)rep.updated,
		        (unsigned long long)rep.deleted, first.data);
	export_all(db, format, &second);
	if (first.len != second.len ||
	    memcmp(first.data, second.data, first.len) != 0)
		fz_fail("export -> import -> export differs:\n%s\n%s",
		        first.data, second.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fcdb *held, *scratch;
	fcdb_import_report rep;
	uint64_t rev, problems = 0;
	unsigned lenient = size & 1 ? FCDB_IMPORT_LENIENT : 0;
	int rc;

	if (!held) {
		held = fz_open("held.fcdb");
		scratch = fz_open("scratch.fcdb");
		if (fcdb_function_create(held, NULL, seed, strlen(seed), NULL))
			fz_fail("creating the held function");
	}

	/* a dry run changes nothing */
	if (fcdb_revision(held, &rev))
		fz_fail("revision");
	rc = fz_import(held, (const char *)data, size, FCDB_IMPORT_UPSERT,
	               FCDB_IMPORT_DRY_RUN, &rep);
	expect_ok_or_einval(rc, "dry-run import");
	{
		uint64_t now;

		if (fcdb_revision(held, &now) || now != rev)
			fz_fail("a dry run changed the store revision");
	}

	/* a single Function and an array of it are the same import */
	if (single_function(data, size)) {
		char *arr = malloc(size + 2);
		int rc2;

		if (!arr)
			return 0;
		arr[0] = '[';
		memcpy(arr + 1, data, size);
		arr[size + 1] = ']';
		rc2 = fz_import(held, arr, size + 2, FCDB_IMPORT_UPSERT,
		                FCDB_IMPORT_DRY_RUN, &rep);
		free(arr);
		if (rc2 != rc)
			fz_fail("a Function imports with %d alone and with %d in an "
			        "array", rc, rc2);
	}

	/* a real one replaces the scratch store's contents */
	rc = fz_import(scratch, (const char *)data, size, FCDB_IMPORT_REPLACE,
	               lenient, &rep);
	expect_ok_or_einval(rc, "replace import");
	if (rc)
		return 0;
	rc = fcdb_check(scratch, NULL, NULL, &problems);
	if (rc || problems)
		fz_fail("the store does not check clean after an import "
		        "(%llu problems)", (unsigned long long)problems);

	round_trip(scratch, FCDB_FORMAT_NDJSON, lenient);
	round_trip(scratch, FCDB_FORMAT_JSON, lenient);
	return 0;
}
