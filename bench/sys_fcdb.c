/* sys_fcdb.c: fcdb as a bench system, through include/fcdb.h only. */
#include "system.h"

#include <stdlib.h>
#include <string.h>

#include "fcdb.h"

struct bench_sys {
	fcdb *db;
	char *path;
};

struct bench_reader {
	fcdb *db;
	char *token; /* next token of the listing in progress */
};

static int fail(const char *what, int rc)
{
	fprintf(stderr, "bench: fcdb: %s: %s: %s\n", what, fcdb_error_name(rc),
	        fcdb_error_last()->message);
	return -1;
}

static int open_with(bench_sys *s, unsigned int flags)
{
	fcdb_options o;
	int rc;

	fcdb_options_init(&o);
	o.region = BENCH_REGION;
	o.account_id = BENCH_ACCOUNT;
	/* every commit is durable (fsync); an exclusive map starts small
	   and grows allocated, so no map_size there */
	o.flags = flags;
	o.map_size = (flags & FCDB_OPEN_EXCLUSIVE) ? 0 : BENCH_MAP_SIZE;
	rc = fcdb_open(&s->db, s->path, &o);
	return rc ? fail("open", rc) : 0;
}

static int f_open(bench_sys **out, const char *path)
{
	bench_sys *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || !(s->path = strdup(path)) || open_with(s, 0)) {
		if (s)
			free(s->path);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void f_close(bench_sys *s)
{
	if (!s)
		return;
	fcdb_close(s->db);
	free(s->path);
	free(s);
}

/* ---- import: fcdb_import reads the file through a callback ---- */

struct src {
	FILE *f;
	uint64_t left, limit;
	const bench_input *in;
};

static int src_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct src *s = ctx;
	size_t want = cap < s->left ? cap : (size_t)s->left;
	size_t n = want ? fread(buf, 1, want, s->f) : 0;

	if (n < want && ferror(s->f))
		return -1;
	s->left -= n;
	*got = n;
	return 0;
}

static int src_rewind(void *ctx)
{
	struct src *s = ctx;

	s->left = s->limit;
	return fseek(s->f, 0, SEEK_SET);
}

static void src_progress(void *ctx, uint64_t records)
{
	struct src *s = ctx;

	s->in->progress(s->in->progress_ctx, records);
}

static int f_import(bench_sys *s, const bench_input *in, uint64_t *records)
{
	fcdb_import_options o;
	fcdb_import_report rep;
	struct src src;
	int rc;

	src.f = fopen(in->path, "rb");
	if (!src.f) {
		perror(in->path);
		return -1;
	}
	src.left = src.limit = in->bytes;
	src.in = in;
	fcdb_import_options_init(&o);
	o.mode = FCDB_IMPORT_CREATE;
	o.rewind = src_rewind;
	if (in->progress) {
		o.progress = src_progress;
		o.progress_ctx = &src;
	}
	/* as `fcdb import` does: the store to itself for the import, so
	   that its memory does not grow with the input (fcdb.h) */
	o.size_hint = in->bytes;
	fcdb_close(s->db);
	s->db = NULL;
	rc = open_with(s, FCDB_OPEN_EXCLUSIVE);
	if (rc == 0) {
		rc = fcdb_import(s->db, src_read, &src, &o, &rep);
		if (rc)
			fail("import", rc);
		fcdb_close(s->db);
		s->db = NULL;
	}
	fclose(src.f);
	if (open_with(s, 0) || rc)
		return -1;
	*records = rep.created;
	return 0;
}

static int f_create(bench_sys *s, const char *json, size_t len)
{
	int rc = fcdb_function_create(s->db, NULL, json, len, NULL);

	return rc ? fail("create", rc) : 0;
}

static int f_set_state(bench_sys *s, const char *name, int state)
{
	int rc = fcdb_function_set_state(s->db, NULL, name, (fcdb_state)state,
	                                 NULL, NULL, NULL);

	return rc ? fail("set_state", rc) : 0;
}

static int sink(void *ctx, const char *data, size_t len)
{
	return fwrite(data, 1, len, ctx) != len;
}

static int f_export(bench_sys *s, FILE *out, uint64_t *records)
{
	int rc = fcdb_export(s->db, sink, out, NULL, records);

	return rc ? fail("export", rc) : 0;
}

static int f_size(bench_sys *s, uint64_t *out)
{
	fcdb_stats st;
	int rc = fcdb_stats_get(s->db, &st);

	if (rc)
		return fail("stats", rc);
	*out = st.file_bytes;
	return 0;
}

/* ---- reads: the fcdb handle is thread-safe; a reader is a view ---- */

static int f_reader_open(bench_sys *s, bench_reader **out)
{
	bench_reader *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -1;
	r->db = s->db;
	return 0;
}

static void f_reader_close(bench_reader *r)
{
	if (!r)
		return;
	free(r->token);
	free(r);
}

static uint64_t typed(const fcdb_function *fn)
{
	return (uint64_t)fcdb_function_memory_size(fn) * 8 +
	       (uint64_t)fcdb_function_state(fn);
}

static int f_get_by_name(bench_reader *r, const char *name, uint64_t *ck)
{
	fcdb_function *fn;
	int rc = fcdb_function_get(r->db, &fn, name);

	if (rc)
		return fail("get", rc);
	*ck += typed(fn);
	fcdb_function_free(fn);
	return 0;
}

static int f_get_by_arn(bench_reader *r, const char *arn, uint64_t *ck)
{
	fcdb_function *fn;
	int rc = fcdb_function_get_by_arn(r->db, &fn, arn);

	if (rc)
		return fail("get_by_arn", rc);
	*ck += typed(fn);
	fcdb_function_free(fn);
	return 0;
}

static int f_get_json(bench_reader *r, const char *name, uint64_t *ck)
{
	char *json;
	size_t len;
	int rc = fcdb_function_get_json(r->db, &json, &len, name, 0);

	if (rc)
		return fail("get_json", rc);
	*ck += len + (unsigned char)json[len / 2];
	fcdb_json_free(json);
	return 0;
}

static int f_read_state(bench_reader *r, const char *name, uint64_t *ck)
{
	fcdb_state st;
	fcdb_update_status us;
	int rc = fcdb_function_read_state(r->db, name, &st, &us, NULL);

	if (rc)
		return fail("read_state", rc);
	*ck += (uint64_t)st * 4 + (uint64_t)us;
	return 0;
}

static int f_list_page(bench_reader *r, const char *after, unsigned limit,
                       char *last, unsigned *got, int *more, uint64_t *ck)
{
	fcdb_list_options o;
	fcdb_list *list;
	const char *tok;
	size_t i, n;
	int rc;

	if (!*after) {
		free(r->token);
		r->token = NULL;
	}
	fcdb_list_options_init(&o);
	o.limit = limit;
	o.next_token = r->token;
	rc = fcdb_function_list(r->db, &list, &o);
	if (rc)
		return fail("list", rc);
	n = fcdb_list_count(list);
	for (i = 0; i < n; i++)
		*ck += typed(fcdb_list_at(list, i));
	if (n)
		snprintf(last, 256, "%s",
		         fcdb_function_name(fcdb_list_at(list, n - 1)));
	tok = fcdb_list_next_token(list);
	free(r->token);
	r->token = tok ? strdup(tok) : NULL;
	*got = (unsigned)n;
	*more = tok != NULL;
	fcdb_list_free(list);
	return 0;
}

const bench_system sys_fcdb = {
	.name = "fcdb",
	.open = f_open,
	.close = f_close,
	.import_ndjson = f_import,
	.create = f_create,
	.set_state = f_set_state,
	.export_ndjson = f_export,
	.size_bytes = f_size,
	.reader_open = f_reader_open,
	.reader_close = f_reader_close,
	.get_by_name = f_get_by_name,
	.get_by_arn = f_get_by_arn,
	.get_json = f_get_json,
	.read_state = f_read_state,
	.list_page = f_list_page,
};
