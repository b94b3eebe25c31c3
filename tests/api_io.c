/* api_io.c: export and import through fcdb.h: shapes, modes, refusals. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "fcdb.h"

#define REGION "cn-shanghai"
#define ACCOUNT "123"

static tu_sandbox sb;

static int setup(void **state)
{
	(void)state;
	tu_sandbox_new(&sb);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_sandbox_free(&sb);
	return 0;
}

static fcdb *open_store(const char *file, unsigned flags)
{
	char path[400];
	fcdb_options o;
	fcdb *db = NULL;

	snprintf(path, sizeof(path), "%s/%s", sb.dir, file);
	fcdb_options_init(&o);
	o.region = REGION;
	o.account_id = ACCOUNT;
	o.flags = flags;
	if (fcdb_open(&db, path, &o))
		fail_msg("open %s: %s", path, fcdb_error_last()->message);
	return db;
}

/* ---- memory streams ---- */

struct mem {
	char *data;
	size_t len, cap, pos;
	size_t chunk; /* read at most this much per call (0: any) */
};

static int mem_write(void *ctx, const char *d, size_t n)
{
	struct mem *m = ctx;

	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		m->data = realloc(m->data, m->cap);
		assert_non_null(m->data);
	}
	memcpy(m->data + m->len, d, n);
	m->len += n;
	m->data[m->len] = '\0';
	return 0;
}

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n > cap)
		n = cap;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int mem_rewind(void *ctx)
{
	((struct mem *)ctx)->pos = 0;
	return 0;
}

static struct mem mem_of(const char *text)
{
	struct mem m = { 0 };

	mem_write(&m, text, strlen(text));
	return m;
}

static char *export_all(fcdb *db, int format)
{
	fcdb_export_options o;
	struct mem m = { 0 };

	fcdb_export_options_init(&o);
	o.format = format;
	mem_write(&m, "", 0);
	if (fcdb_export(db, mem_write, &m, &o, NULL))
		fail_msg("export: %s", fcdb_error_last()->message);
	return m.data;
}

static int import_text(fcdb *db, const char *text, int mode, unsigned flags,
                       fcdb_import_report *rep)
{
	fcdb_import_options o;
	struct mem m = mem_of(text);
	int rc;

	fcdb_import_options_init(&o);
	o.mode = mode;
	o.flags = flags;
	o.rewind = mem_rewind;
	m.chunk = 7; /* tiny reads: records straddle every buffer edge */
	rc = fcdb_import(db, mem_read, &m, &o, rep);
	free(m.data);
	return rc;
}

static void import_ok(fcdb *db, const char *text, int mode,
                      fcdb_import_report *rep)
{
	if (import_text(db, text, mode, 0, rep))
		fail_msg("import: %s", fcdb_error_last()->message);
}

/* A refused import names what it must and leaves the export unchanged. */
static void import_refused(fcdb *db, const char *text, int mode, int code,
                           const char *field, const char *part)
{
	char *before = export_all(db, FCDB_FORMAT_NDJSON), *after;
	uint64_t rev0, rev1;
	int rc;

	assert_int_equal(fcdb_revision(db, &rev0), 0);
	rc = import_text(db, text, mode, 0, NULL);
	if (rc != code)
		fail_msg("import: rc %d, want %d (%s)", rc, code,
		         fcdb_error_last()->message);
	if (field && strcmp(fcdb_error_last()->field, field))
		fail_msg("field \"%s\", want \"%s\": %s", fcdb_error_last()->field,
		         field, fcdb_error_last()->message);
	if (part && !strstr(fcdb_error_last()->message, part))
		fail_msg("message \"%s\" lacks \"%s\"", fcdb_error_last()->message,
		         part);
	after = export_all(db, FCDB_FORMAT_NDJSON);
	assert_string_equal(before, after);
	assert_int_equal(fcdb_revision(db, &rev1), 0);
	assert_int_equal(rev0, rev1);
	free(before);
	free(after);
}

static char *corpus_ndjson(uint64_t seed, uint64_t n)
{
	corpus_buf one = { 0 };
	struct mem m = { 0 };

	mem_write(&m, "", 0);
	for (uint64_t i = 0; i < n; i++) {
		one.len = 0;
		corpus_function(&one, seed, i, CORPUS_FUNCTION, REGION, ACCOUNT);
		mem_write(&m, one.data, one.len);
		mem_write(&m, "\n", 1);
	}
	corpus_buf_free(&one);
	return m.data;
}

/* Store with every valid fixture, function-full.json and a corpus. */
static fcdb *fill(const char *file, uint64_t n)
{
	fcdb *db = open_store(file, FCDB_OPEN_NOSYNC);
	char names[16][128], rel[256], *text;
	size_t count = tu_list_json("valid", names, 16), len;
	fcdb_import_report rep;

	for (size_t i = 0; i < count; i++) {
		snprintf(rel, sizeof(rel), "valid/%s", names[i]);
		text = tu_slurp(tu_data(rel), &len);
		if (fcdb_function_create(db, NULL, text, len, NULL))
			fail_msg("%s: %s", names[i], fcdb_error_last()->message);
		free(text);
	}
	text = tu_slurp(tu_data("import/function-full.json"), NULL);
	import_ok(db, text, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 1);
	free(text);
	if (n) {
		text = corpus_ndjson(tu_seed(), n);
		import_ok(db, text, FCDB_IMPORT_CREATE, &rep);
		assert_int_equal(rep.created, n);
		free(text);
	}
	return db;
}

/* export -> import into an empty store -> export: identical bytes. */
static void test_round_trip_10k(void **state)
{
	fcdb *a = fill("a.fcdb", 10000), *b, *c;
	char *nd1, *nd2, *js1, *js2;
	fcdb_import_report rep;

	(void)state;
	nd1 = export_all(a, FCDB_FORMAT_NDJSON);
	js1 = export_all(a, FCDB_FORMAT_JSON);
	b = open_store("b.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(b, nd1, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 10000 + 5);
	nd2 = export_all(b, FCDB_FORMAT_NDJSON);
	assert_int_equal(strlen(nd1), strlen(nd2));
	assert_string_equal(nd1, nd2);
	c = open_store("c.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(c, js1, FCDB_IMPORT_CREATE, &rep);
	js2 = export_all(c, FCDB_FORMAT_JSON);
	assert_string_equal(js1, js2);
	/* JSON export has the wrapper of DESIGN section 6 */
	{
		const char *head = "{\"version\":1,\"region\":\"cn-shanghai\","
		                   "\"accountId\":\"123\",\"functions\":[";
		assert_true(strncmp(js1, head, strlen(head)) == 0);
	}
	/* no store-local revision in exports */
	assert_null(strstr(nd1, "\"revision\""));
	/* the password is exported whole */
	assert_non_null(strstr(nd1, "\"password\":\"abc123\""));
	free(nd1);
	free(nd2);
	free(js1);
	free(js2);
	fcdb_close(a);
	fcdb_close(b);
	fcdb_close(c);
}

static void test_full_fixture_exports_unchanged(void **state)
{
	fcdb *db = open_store("f.fcdb", FCDB_OPEN_NOSYNC);
	char *text = tu_slurp(tu_data("import/function-full.json"), NULL);
	char *out, *json;
	fcdb_function *fn;
	fcdb_import_report rep;

	(void)state;
	import_ok(db, text, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(fcdb_function_get(db, &fn, "my-function-1"), 0);
	assert_int_equal(fcdb_function_state(fn), FCDB_STATE_PENDING);
	assert_int_equal(fcdb_function_update_status(fn), FCDB_UPDATE_IN_PROGRESS);
	assert_string_equal(fcdb_function_id(fn),
	                    "aa715851-1c20-4b89-a8fb-5cd2e1a0b7f3");
	assert_int_equal(fcdb_function_json(&json, NULL, fn, FCDB_JSON_PRETTY), 0);
	/* every line of the fixture but vpcConfig's reordered member comes back */
	out = export_all(db, FCDB_FORMAT_NDJSON);
	assert_non_null(strstr(out, "\"codeChecksum\":\"15509210073434968621\""));
	assert_non_null(strstr(out, "\"layers\":[{\"arn\":\"acs:fc:cn-beijing:"
	                       "186824000000:layers/fc_layer/versions/1\","
	                       "\"size\":421}]"));
	assert_non_null(strstr(out, "\"resolvedImageUri\""));
	assert_non_null(strstr(out, "\"cpu\":0.5,"));
	fcdb_json_free(json);
	fcdb_function_free(fn);
	free(out);
	free(text);
	fcdb_close(db);
}

static void test_input_shapes(void **state)
{
	fcdb *src = fill("src.fcdb", 50), *db;
	char *nd = export_all(src, FCDB_FORMAT_NDJSON), *back;
	fcdb_import_report rep;
	corpus_buf arr = { 0 }, list = { 0 };
	size_t i, start;

	(void)state;
	/* a JSON array of the same functions, pretty-ish, and a ListFunctions
	   page of them */
	{
		struct mem a = { 0 }, l = { 0 };
		mem_write(&a, "[\n", 2);
		mem_write(&l, "{\"functions\": [", 15);
		for (i = 0, start = 0; nd[i]; i++)
			if (nd[i] == '\n') {
				if (start) {
					mem_write(&a, ",\n  ", 4);
					mem_write(&l, ",", 1);
				}
				mem_write(&a, nd + start, i - start);
				mem_write(&l, nd + start, i - start);
				start = i + 1;
			}
		mem_write(&a, "\n]\n", 3);
		mem_write(&l, "], \"nextToken\": \"abc\"}", 22);
		arr.data = a.data;
		list.data = l.data;
	}
	db = open_store("arr.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(db, arr.data, FCDB_IMPORT_CREATE, &rep);
	back = export_all(db, FCDB_FORMAT_NDJSON);
	assert_string_equal(nd, back);
	free(back);
	fcdb_close(db);
	db = open_store("list.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(db, list.data, FCDB_IMPORT_CREATE, &rep);
	back = export_all(db, FCDB_FORMAT_NDJSON);
	assert_string_equal(nd, back);
	free(back);
	/* a ListFunctions item without states or ids gets settled defaults */
	import_ok(db, "{\"functions\":[{\"functionName\":\"listed\",\"runtime\":"
	          "\"nodejs20\",\"handler\":\"i.h\",\"codeChecksum\":\"1\","
	          "\"codeSize\":1}]}", FCDB_IMPORT_CREATE, &rep);
	{
		fcdb_function *fn;
		assert_int_equal(fcdb_function_get(db, &fn, "listed"), 0);
		assert_int_equal(fcdb_function_state(fn), FCDB_STATE_ACTIVE);
		assert_int_equal(fcdb_function_update_status(fn),
		                 FCDB_UPDATE_SUCCESSFUL);
		assert_string_equal(fcdb_function_arn(fn),
		                    "acs:fc:cn-shanghai:123:functions/listed");
		assert_int_equal(strlen(fcdb_function_id(fn)), 36);
		fcdb_function_free(fn);
	}
	fcdb_close(db);
	/* a single pretty-printed Function with a BOM and CRLF line ends */
	db = open_store("one.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(db, "\xef\xbb\xbf{\r\n  \"functionName\": \"solo\",\r\n"
	          "  \"runtime\": \"go1\",\r\n  \"handler\": \"main\",\r\n"
	          "  \"codeChecksum\": \"7\", \"codeSize\": 3\r\n}\r\n",
	          FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 1);
	fcdb_close(db);
	free(arr.data);
	free(list.data);
	free(nd);
	fcdb_close(src);
}

static void test_modes(void **state)
{
	fcdb *db = fill("m.fcdb", 20);
	char *all = export_all(db, FCDB_FORMAT_NDJSON), *after;
	char *first_line, *nl;
	fcdb_import_report rep;
	uint64_t rev0, rev1;

	(void)state;
	/* create: any existing name refuses the whole import */
	import_refused(db, all, FCDB_IMPORT_CREATE, FCDB_EEXISTS, "functionName",
	               "already exists");
	/* upsert of the same data: all unchanged, no revision */
	assert_int_equal(fcdb_revision(db, &rev0), 0);
	import_ok(db, all, FCDB_IMPORT_UPSERT, &rep);
	assert_int_equal(rep.unchanged, 25);
	assert_int_equal(rep.created + rep.updated + rep.deleted, 0);
	assert_int_equal(fcdb_revision(db, &rev1), 0);
	assert_int_equal(rev0, rev1);
	/* upsert with one changed record and one new */
	nl = strchr(all, '\n');
	first_line = strndup(all, (size_t)(nl - all));
	{
		/* flip internetAccess, a top-level-only field */
		char *p = strstr(first_line, "\"internetAccess\":");
		char buf[65536];
		int was_true;

		assert_non_null(p);
		was_true = strncmp(p + 17, "true", 4) == 0;
		snprintf(buf, sizeof(buf), "%.*s\"internetAccess\":%s%s\n"
		         "{\"functionName\":\"brand-new\",\"runtime\":\"go1\","
		         "\"handler\":\"main\",\"codeChecksum\":\"5\",\"codeSize\":5}\n",
		         (int)(p - first_line), first_line,
		         was_true ? "false" : "true", p + 17 + (was_true ? 4 : 5));
		import_ok(db, buf, FCDB_IMPORT_UPSERT, &rep);
	}
	assert_int_equal(rep.updated, 1);
	assert_int_equal(rep.created, 1);
	assert_int_equal(fcdb_revision(db, &rev1), 0);
	assert_int_equal(rev1, rev0 + 1);
	assert_int_equal(rep.revision, rev1);
	/* dry run of replace: reports, writes nothing */
	after = export_all(db, FCDB_FORMAT_NDJSON);
	assert_int_equal(import_text(db, all, FCDB_IMPORT_REPLACE,
	                             FCDB_IMPORT_DRY_RUN, &rep), 0);
	assert_int_equal(rep.deleted, 1);
	assert_int_equal(rep.updated, 1);
	{
		char *same = export_all(db, FCDB_FORMAT_NDJSON);
		assert_string_equal(after, same);
		free(same);
	}
	/* replace: the store becomes exactly the input */
	import_ok(db, all, FCDB_IMPORT_REPLACE, &rep);
	assert_int_equal(rep.deleted, 1);
	assert_int_equal(rep.updated, 1);
	assert_int_equal(rep.unchanged, 24);
	free(after);
	after = export_all(db, FCDB_FORMAT_NDJSON);
	assert_string_equal(all, after);
	{
		fcdb_function *fn;
		assert_int_equal(fcdb_function_get(db, &fn, "brand-new"),
		                 FCDB_ENOTFOUND);
		assert_int_equal(fcdb_function_get_by_arn(db, &fn,
		                 "acs:fc:cn-shanghai:123:functions/brand-new"),
		                 FCDB_ENOTFOUND);
	}
	assert_int_equal(fcdb_check(db, NULL, NULL, NULL), 0);
	free(after);
	free(first_line);
	free(all);
	fcdb_close(db);
}

static void test_bad_inputs(void **state)
{
	fcdb *db = fill("bad.fcdb", 0);
	char *nd, *seed, big[64];
	size_t n;

	(void)state;
	nd = corpus_ndjson(tu_seed() + 1, 30);
	/* one bad record (line 17) refuses the whole file, naming it */
	{
		char *p = nd;
		for (int line = 1; line < 17; line++)
			p = strchr(p, '\n') + 1;
		char *q = strstr(p, "\"memorySize\":");
		assert_non_null(q);
		memcpy(q + 13, "99", 2); /* not a multiple of 64 */
		import_refused(db, nd, FCDB_IMPORT_CREATE, FCDB_EINVAL,
		               "memorySize", "line 17");
	}
	free(nd);
	import_refused(db, "", FCDB_IMPORT_CREATE, FCDB_EINVAL, "", "empty");
	import_refused(db, " \n\t ", FCDB_IMPORT_CREATE, FCDB_EINVAL, "", "empty");
	import_refused(db, "hello world", FCDB_IMPORT_CREATE, FCDB_EINVAL, "",
	               "expected { or [");
	import_refused(db, "{\"functionName\":\"t\",\"runtime\":\"go1\",\"hand",
	               FCDB_IMPORT_CREATE, FCDB_EINVAL, "", "end of input");
	import_refused(db, "[{\"functionName\":\"t1\",\"runtime\":\"go1\","
	               "\"handler\":\"h\",\"codeChecksum\":\"1\"},", FCDB_IMPORT_CREATE,
	               FCDB_EINVAL, "", "truncated");
	import_refused(db, "[1,2,3]", FCDB_IMPORT_CREATE, FCDB_EINVAL, "",
	               "array index 0");
	import_refused(db, "{\"functionName\":\"d\",\"runtime\":\"go1\",\"handler\":"
	               "\"h\",\"codeChecksum\":\"1\"}\n{\"functionName\":\"d\","
	               "\"runtime\":\"go1\",\"handler\":\"h\",\"codeChecksum\":\"1\"}\n",
	               FCDB_IMPORT_CREATE, FCDB_EINVAL, "functionName",
	               "appears twice");
	import_refused(db, "{\"functionName\":\"w\",\"runtime\":\"go1\",\"handler\":"
	               "\"h\"}\n[1]\n", FCDB_IMPORT_CREATE, FCDB_EINVAL, "",
	               "line 2");
	import_refused(db, "{\"version\":2,\"functions\":[]}", FCDB_IMPORT_CREATE,
	               FCDB_EINVAL, "version", NULL);
	import_refused(db, "{\"version\":1,\"region\":\"us-west-1\",\"functions\":[]}",
	               FCDB_IMPORT_CREATE, FCDB_EINVAL, "region", "us-west-1");
	import_refused(db, "{\"functions\":[],\"extra\":1}", FCDB_IMPORT_CREATE,
	               FCDB_EINVAL, "extra", "unknown key");
	import_refused(db, "{\"functionName\":\"c\",\"runtime\":\"go1\",\"handler\":"
	               "\"h\",\"code\":{\"zipFile\":\"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\"}}",
	               FCDB_IMPORT_CREATE, FCDB_EINVAL, "code", NULL);
	/* the documentation's masked example, refused naming its fields */
	seed = tu_slurp(tu_data("import/seed-example-function.json"), &n);
	import_refused(db, seed, FCDB_IMPORT_CREATE, FCDB_EINVAL, "codeChecksum",
	               "functionArn");
	assert_non_null(strstr(fcdb_error_last()->message, "cpu"));
	assert_non_null(strstr(fcdb_error_last()->message, "functionId"));
	free(seed);
	/* a line over the record limit */
	{
		size_t big_len = 1200 * 1024;
		char *text = malloc(big_len + 200);
		snprintf(text, 200, "{\"functionName\":\"huge\",\"runtime\":\"go1\","
		         "\"handler\":\"h\",\"description\":\"");
		size_t at = strlen(text);
		memset(text + at, 'x', big_len);
		strcpy(text + at + big_len, "\"}\n");
		import_refused(db, text, FCDB_IMPORT_CREATE, FCDB_EINVAL, "",
		               "1 MiB");
		free(text);
	}
	/* a functionId already used by another function */
	{
		fcdb_function *fn;
		char text[512];
		assert_int_equal(fcdb_function_get(db, &fn, "my-function-1"), 0);
		snprintf(text, sizeof(text), "{\"functionName\":\"thief\",\"runtime\":"
		         "\"go1\",\"handler\":\"h\",\"codeChecksum\":\"1\","
		         "\"functionId\":\"%s\"}", fcdb_function_id(fn));
		fcdb_function_free(fn);
		import_refused(db, text, FCDB_IMPORT_UPSERT, FCDB_EINVAL,
		               "functionId", "already used");
	}
	(void)big;
	fcdb_close(db);
}

static void test_lenient(void **state)
{
	fcdb *db = open_store("len.fcdb", FCDB_OPEN_NOSYNC);
	const char *old = "{\"functionName\":\"legacy\",\"runtime\":\"python3.9\","
	                  "\"handler\":\"h\",\"cpu\":1,\"memorySize\":512,"
	                  "\"codeChecksum\":\"9\",\"oldToolField\":\"kept\"}\n";
	fcdb_import_report rep;
	char *out;

	(void)state;
	import_refused(db, old, FCDB_IMPORT_CREATE, FCDB_EINVAL, "oldToolField",
	               "ratio");
	assert_int_equal(import_text(db, old, FCDB_IMPORT_CREATE,
	                             FCDB_IMPORT_LENIENT, &rep), 0);
	assert_int_equal(rep.created, 1);
	out = export_all(db, FCDB_FORMAT_NDJSON);
	assert_non_null(strstr(out, "\"oldToolField\":\"kept\"}"));
	free(out);
	/* structural checks stay: a bad ARN is refused even when lenient */
	assert_int_equal(import_text(db, "{\"functionName\":\"x\",\"runtime\":\"go1\","
	                             "\"handler\":\"h\",\"functionArn\":\"acs:fc:"
	                             "cn-shanghai:123:functions/y\"}",
	                             FCDB_IMPORT_CREATE, FCDB_IMPORT_LENIENT, NULL),
	                 FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field, "functionArn");
	fcdb_close(db);
}

/* The map must grow mid-import: with rewind it restarts and succeeds,
   without it the import fails cleanly and writes nothing. */
static void test_map_growth_mid_import(void **state)
{
	char path[400];
	fcdb_options o;
	fcdb_import_options io;
	fcdb_import_report rep;
	struct mem m;
	char *text = corpus_ndjson(tu_seed() + 7, 3000);
	fcdb *db;
	uint64_t rev;

	(void)state;
	snprintf(path, sizeof(path), "%s/tiny.fcdb", sb.dir);
	fcdb_options_init(&o);
	o.region = REGION;
	o.account_id = ACCOUNT;
	o.map_size = 256 * 1024;
	o.flags = FCDB_OPEN_NOSYNC;
	assert_int_equal(fcdb_open(&db, path, &o), 0);
	fcdb_import_options_init(&io);
	m = mem_of(text);
	assert_int_equal(fcdb_import(db, mem_read, &m, &io, &rep), FCDB_EIO);
	assert_non_null(strstr(fcdb_error_last()->message, "map"));
	assert_int_equal(fcdb_revision(db, &rev), 0);
	assert_int_equal(rev, 0);
	m.pos = 0;
	io.rewind = mem_rewind;
	assert_int_equal(fcdb_import(db, mem_read, &m, &io, &rep), 0);
	assert_int_equal(rep.created, 3000);
	assert_int_equal(fcdb_check(db, NULL, NULL, NULL), 0);
	free(m.data);
	free(text);
	fcdb_close(db);
}

static void test_export_prefix_and_sink_failure(void **state)
{
	fcdb *db = fill("p.fcdb", 200);
	fcdb_export_options o;
	struct mem m = { 0 };
	uint64_t n = 0;
	char *line;

	(void)state;
	fcdb_export_options_init(&o);
	o.prefix = "api-";
	assert_int_equal(fcdb_export(db, mem_write, &m, &o, &n), 0);
	assert_true(n > 0 && n < 200);
	for (line = m.data; line && *line; line = strchr(line, '\n') + 1) {
		assert_non_null(strstr(line, "\"functionName\":\"api-"));
		if (!strchr(line, '\n'))
			break;
	}
	free(m.data);
	assert_int_equal(fcdb_export(db, NULL, NULL, NULL, NULL), FCDB_EMISUSE);
	fcdb_close(db);
}

static int failing_sink(void *ctx, const char *d, size_t n)
{
	(void)ctx;
	(void)d;
	(void)n;
	return -1;
}

static void test_export_sink_error(void **state)
{
	fcdb *db = fill("s.fcdb", 0);

	(void)state;
	assert_int_equal(fcdb_export(db, failing_sink, NULL, NULL, NULL), FCDB_EIO);
	fcdb_close(db);
}

/*
 * Strings with escapes: every escape the JSON writer emits (\n \t \r \b
 * \f \" \\ and \u00XX for the other control characters) survives
 * export -> import -> export, in NDJSON and JSON, read 7 bytes at a time
 * so escapes straddle the reader's buffer.  Regression: the record
 * scanner treated the quote after any escape other than \" and \\ as
 * escaped, so a function with a newline in its description exported
 * fine and could not be imported (found by fuzz_create).
 */
static void test_escapes_round_trip(void **state)
{
	static const char *const docs[] = {
		"{\"functionName\":\"esc1\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\",\"code\":{\"ossBucketName\":\"b\","
		"\"ossObjectName\":\"o\"},\"description\":\"line one\\nline two"
		"\\ttab\\r\\b\\f \\\"quoted\\\" back\\\\slash \\u0001\\u001f"
		" \\u00e4 \\\\\\n\"}",
		"{\"functionName\":\"esc2\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\",\"code\":{\"ossBucketName\":\"b\","
		"\"ossObjectName\":\"o\"},\"environmentVariables\":{\"A\":"
		"\"}\\n]\\\"{\",\"B\":\"\\\\\"},\"tags\":[{\"Key\":\"k\\u0002\","
		"\"Value\":\"\\n\"}]}",
	};
	fcdb *a = open_store("a.fcdb", FCDB_OPEN_NOSYNC), *b, *c;
	char *nd1, *nd2, *js1, *js2;
	fcdb_import_report rep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (fcdb_function_create(a, NULL, docs[i], strlen(docs[i]), NULL))
			fail_msg("create %zu: %s", i, fcdb_error_last()->message);
	nd1 = export_all(a, FCDB_FORMAT_NDJSON);
	js1 = export_all(a, FCDB_FORMAT_JSON);
	assert_non_null(strstr(nd1, "line one\\nline two"));
	b = open_store("b.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(b, nd1, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 2);
	nd2 = export_all(b, FCDB_FORMAT_NDJSON);
	assert_string_equal(nd1, nd2);
	c = open_store("c.fcdb", FCDB_OPEN_NOSYNC);
	import_ok(c, js1, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 2);
	js2 = export_all(c, FCDB_FORMAT_JSON);
	assert_string_equal(js1, js2);
	/* importing the export again changes nothing */
	import_ok(c, nd1, FCDB_IMPORT_UPSERT, &rep);
	assert_int_equal(rep.unchanged, 2);
	free(nd1);
	free(nd2);
	free(js1);
	free(js2);
	fcdb_close(a);
	fcdb_close(b);
	fcdb_close(c);
}

/*
 * The first key of the input decides whether it is fcdb's JSON export or
 * a ListFunctions page ({"functions":...}) or a Function.  A Function
 * whose first key is spelt with an escape, is long or is empty is still a
 * Function.  Regression: such a key was refused as "unexpected key in the
 * wrapper object", though the same record with its members in another
 * order imported.
 */
static void test_first_key_any_spelling(void **state)
{
	static const char rest[] =
		"\"runtime\":\"python3.10\",\"handler\":\"i.h\","
		"\"codeChecksum\":\"" "15509210073434968621" "\",\"codeSize\":168}";
	char doc[1024];
	fcdb *db = open_store("k.fcdb", FCDB_OPEN_NOSYNC);
	fcdb_import_report rep;
	fcdb_function *fn = NULL;

	(void)state;
	/* an escape in the first key: a single Function, then NDJSON */
	snprintf(doc, sizeof(doc), "{\"function\\u004eame\":\"k1\",%s", rest);
	import_ok(db, doc, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 1);
	snprintf(doc, sizeof(doc), "{\"function\\u004eame\":\"k2\",%s\n"
	         "{\"functionName\":\"k3\",%s\n", rest, rest);
	import_ok(db, doc, FCDB_IMPORT_CREATE, &rep);
	assert_int_equal(rep.created, 2);
	assert_int_equal(fcdb_function_get(db, &fn, "k2"), FCDB_OK);
	fcdb_function_free(fn);
	/* a long unknown first key: kept by a lenient import, named by a
	   strict one */
	snprintf(doc, sizeof(doc), "{\"anUnknownFieldWithAVeryLongNameIndeed\":1,"
	         "\"functionName\":\"k4\",%s", rest);
	assert_int_equal(import_text(db, doc, FCDB_IMPORT_CREATE, 0, NULL),
	                 FCDB_EINVAL);
	assert_string_equal(fcdb_error_last()->field,
	                    "anUnknownFieldWithAVeryLongNameIndeed");
	assert_int_equal(import_text(db, doc, FCDB_IMPORT_CREATE,
	                             FCDB_IMPORT_LENIENT, &rep), FCDB_OK);
	assert_int_equal(rep.created, 1);
	/* an empty first key is an unknown field, not a broken wrapper */
	snprintf(doc, sizeof(doc), "{\"\":1,\"functionName\":\"k5\",%s", rest);
	assert_int_equal(import_text(db, doc, FCDB_IMPORT_CREATE, 0, NULL),
	                 FCDB_EINVAL);
	assert_null(strstr(fcdb_error_last()->message, "wrapper"));
	assert_non_null(strstr(fcdb_error_last()->message, "unknown field"));
	fcdb_close(db);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip_10k),
		T(test_full_fixture_exports_unchanged),
		T(test_input_shapes),
		T(test_modes),
		T(test_bad_inputs),
		T(test_lenient),
		T(test_map_growth_mid_import),
		T(test_export_prefix_and_sink_failure),
		T(test_export_sink_error),
		T(test_escapes_round_trip),
		T(test_first_key_any_spelling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
