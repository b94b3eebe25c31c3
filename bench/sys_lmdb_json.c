/*
 * sys_lmdb_json.c: the lmdb-json baseline: fcdb's LMDB layout (named
 * databases functions, by_arn, by_id: name -> value, arn -> (nothing: the
 * name is in the ARN),
 * id -> name) holding compact JSON text, parsed with cJSON for typed reads.
 */
#include "system.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include <cjson/cJSON.h>

#include "baseline_json.h"

struct bench_sys {
	MDB_env *env;
	MDB_dbi fn, arn, id;
	char *path;
};

struct bench_reader {
	bench_sys *s;
	MDB_txn *txn;     /* reset between reads, renewed for the next */
	MDB_cursor *cur;  /* for list_page, renewed with the txn */
};

static int fail(const char *what, int rc)
{
	fprintf(stderr, "bench: lmdb-json: %s: %s\n", what, mdb_strerror(rc));
	return -1;
}

static void j_close(bench_sys *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	free(s->path);
	free(s);
}

static int j_open(bench_sys **out, const char *path)
{
	bench_sys *s = calloc(1, sizeof(*s));
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (!s)
		return -1;
	s->path = strdup(path);
	if ((rc = mdb_env_create(&s->env)) ||
	    (rc = mdb_env_set_maxdbs(s->env, 4)) ||
	    (rc = mdb_env_set_mapsize(s->env, BENCH_MAP_SIZE)) ||
	    /* default flags: every commit is durable, as in fcdb */
	    (rc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600)) ||
	    (rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
		j_close(s);
		return fail("open", rc);
	}
	if ((rc = mdb_dbi_open(txn, "functions", MDB_CREATE, &s->fn)) ||
	    (rc = mdb_dbi_open(txn, "by_arn", MDB_CREATE, &s->arn)) ||
	    (rc = mdb_dbi_open(txn, "by_id", MDB_CREATE, &s->id)) ||
	    (rc = mdb_txn_commit(txn))) {
		j_close(s);
		return fail("open databases", rc);
	}
	*out = s;
	return 0;
}

static MDB_val val(const char *s, size_t len)
{
	MDB_val v = { len, (void *)s };

	return v;
}

/* Put one Function (compact JSON) with its two index entries. */
static int put_function(bench_sys *s, MDB_txn *txn, const char *json,
                        size_t len, const char *name, const char *arn,
                        const char *id)
{
	MDB_val k = val(name, strlen(name)), v = val(json, len);
	MDB_val nv = k;
	int rc;

	if ((rc = mdb_put(txn, s->fn, &k, &v, MDB_NOOVERWRITE)))
		return fail(rc == MDB_KEYEXIST ? "function exists" : "put", rc);
	/* fcdb's layout: an ARN entry with no value, the name being in
	   the ARN */
	k = val(arn, strlen(arn));
	v = val("", 0);
	if ((rc = mdb_put(txn, s->arn, &k, &v, MDB_NOOVERWRITE)))
		return fail("put by_arn", rc);
	k = val(id, strlen(id));
	if ((rc = mdb_put(txn, s->id, &k, &nv, MDB_NOOVERWRITE)))
		return fail("put by_id", rc);
	return 0;
}

struct load {
	bench_sys *s;
	MDB_txn *txn;
};

static int load_line(void *ctx, char *line, size_t len)
{
	struct load *l = ctx;
	const char *name, *arn, *id;
	cJSON *doc = cJSON_ParseWithLength(line, len);
	int rc;

	if (!doc || !bj_keys(doc, &name, &arn, &id)) {
		cJSON_Delete(doc);
		fprintf(stderr, "bench: lmdb-json: import: a record without "
		        "functionName, functionArn or functionId\n");
		return -1;
	}
	/* the corpus is compact JSON already: store the text as it came */
	rc = put_function(l->s, l->txn, line, len, name, arn, id);
	cJSON_Delete(doc);
	return rc;
}

static int j_import(bench_sys *s, const bench_input *in, uint64_t *records)
{
	struct load l = { s, NULL };
	int rc = mdb_txn_begin(s->env, NULL, 0, &l.txn);

	if (rc)
		return fail("begin", rc);
	if (bench_ndjson_each(in, load_line, &l, records)) {
		mdb_txn_abort(l.txn);
		return -1;
	}
	rc = mdb_txn_commit(l.txn);
	return rc ? fail("commit", rc) : 0;
}

static int j_create(bench_sys *s, const char *json, size_t len)
{
	const char *name, *arn, *id;
	cJSON *doc = cJSON_ParseWithLength(json, len);
	char *text;
	MDB_txn *txn;
	int rc;

	if (!doc || bj_complete(doc) || !bj_keys(doc, &name, &arn, &id)) {
		cJSON_Delete(doc);
		fprintf(stderr, "bench: lmdb-json: create: bad input\n");
		return -1;
	}
	text = cJSON_PrintUnformatted(doc);
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc) {
		rc = fail("begin", rc);
	} else if (put_function(s, txn, text, strlen(text), name, arn, id)) {
		mdb_txn_abort(txn);
		rc = -1;
	} else if ((rc = mdb_txn_commit(txn))) {
		rc = fail("commit", rc);
	}
	free(text);
	cJSON_Delete(doc);
	return rc;
}

static int j_set_state(bench_sys *s, const char *name, int state)
{
	MDB_val k = val(name, strlen(name)), v;
	MDB_txn *txn;
	cJSON *doc = NULL;
	char *text = NULL;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);

	if (rc)
		return fail("begin", rc);
	rc = mdb_get(txn, s->fn, &k, &v);
	if (rc) {
		rc = fail("get", rc);
		goto out;
	}
	doc = cJSON_ParseWithLength(v.mv_data, v.mv_size);
	if (!doc || bj_set_state(doc, state)) {
		fprintf(stderr, "bench: lmdb-json: set_state %s: refused\n", name);
		rc = -1;
		goto out;
	}
	text = cJSON_PrintUnformatted(doc);
	v = val(text, strlen(text));
	rc = mdb_put(txn, s->fn, &k, &v, 0);
	if (rc) {
		rc = fail("put", rc);
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		rc = fail("commit", rc);
out:
	if (txn)
		mdb_txn_abort(txn);
	free(text);
	cJSON_Delete(doc);
	return rc;
}

static int j_export(bench_sys *s, FILE *out, uint64_t *records)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t n = 0;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);

	if (rc)
		return fail("begin", rc);
	rc = mdb_cursor_open(txn, s->fn, &cur);
	if (rc) {
		mdb_txn_abort(txn);
		return fail("cursor", rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		fwrite(v.mv_data, 1, v.mv_size, out);
		putc('\n', out);
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != MDB_NOTFOUND)
		return fail("export", rc);
	*records = n;
	return ferror(out) ? -1 : 0;
}

static int j_size(bench_sys *s, uint64_t *out)
{
	struct stat st;

	if (stat(s->path, &st)) {
		perror(s->path);
		return -1;
	}
	*out = (uint64_t)st.st_size;
	return 0;
}

/* ---- reads ---- */

static int j_reader_open(bench_sys *s, bench_reader **out)
{
	bench_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return -1;
	r->s = s;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn)) ||
	    (rc = mdb_cursor_open(r->txn, s->fn, &r->cur))) {
		if (r->txn)
			mdb_txn_abort(r->txn);
		free(r);
		return fail("reader", rc);
	}
	mdb_txn_reset(r->txn);
	*out = r;
	return 0;
}

static void j_reader_close(bench_reader *r)
{
	if (!r)
		return;
	mdb_cursor_close(r->cur);
	mdb_txn_abort(r->txn);
	free(r);
}

/* Parse the record `name` in a renewed snapshot; NULL on failure. */
static cJSON *load(bench_reader *r, MDB_dbi index, const char *key)
{
	MDB_val k = val(key, strlen(key)), v;
	cJSON *doc = NULL;
	int rc = mdb_txn_renew(r->txn);

	if (rc) {
		fail("renew", rc);
		return NULL;
	}
	if (index != r->s->fn)
		rc = mdb_get(r->txn, index, &k, &k);
	if (rc == 0)
		rc = mdb_get(r->txn, r->s->fn, &k, &v);
	if (rc == 0)
		doc = cJSON_ParseWithLength(v.mv_data, v.mv_size);
	mdb_txn_reset(r->txn);
	if (rc)
		fail(key, rc);
	else if (!doc)
		fprintf(stderr, "bench: lmdb-json: %s: bad JSON\n", key);
	return doc;
}

static int j_get_by_name(bench_reader *r, const char *name, uint64_t *ck)
{
	cJSON *doc = load(r, r->s->fn, name);

	if (!doc)
		return -1;
	*ck += bj_typed(doc);
	cJSON_Delete(doc);
	return 0;
}

static int j_get_by_arn(bench_reader *r, const char *arn, uint64_t *ck)
{
	/* as fcdb does: the name is in the ARN */
	const char *name = strstr(arn, ":functions/");
	cJSON *doc = name ? load(r, r->s->fn, name + 11) : NULL;

	if (!doc)
		return -1;
	*ck += bj_typed(doc);
	cJSON_Delete(doc);
	return 0;
}

static int j_read_state(bench_reader *r, const char *name, uint64_t *ck)
{
	cJSON *doc = load(r, r->s->fn, name);

	if (!doc)
		return -1;
	*ck += bj_state(doc);
	cJSON_Delete(doc);
	return 0;
}

static int j_get_json(bench_reader *r, const char *name, uint64_t *ck)
{
	MDB_val k = val(name, strlen(name)), v;
	char *text = NULL;
	int rc = mdb_txn_renew(r->txn);

	if (rc)
		return fail("renew", rc);
	rc = mdb_get(r->txn, r->s->fn, &k, &v);
	if (rc == 0) {
		/* hand out text the caller owns, as fcdb_function_get_json does */
		text = malloc(v.mv_size + 1);
		if (text) {
			memcpy(text, v.mv_data, v.mv_size);
			text[v.mv_size] = '\0';
		}
	}
	mdb_txn_reset(r->txn);
	if (rc)
		return fail(name, rc);
	if (!text)
		return -1;
	*ck += v.mv_size + (unsigned char)text[v.mv_size / 2];
	free(text);
	return 0;
}

static int j_list_page(bench_reader *r, const char *after, unsigned limit,
                       char *last, unsigned *got, int *more, uint64_t *ck)
{
	MDB_val k = val(after, strlen(after)), v;
	unsigned n = 0;
	int rc = mdb_txn_renew(r->txn);

	if (rc)
		return fail("renew", rc);
	rc = mdb_cursor_renew(r->txn, r->cur);
	if (rc == 0)
		rc = mdb_cursor_get(r->cur, &k, &v,
		                    k.mv_size ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && *after && k.mv_size == strlen(after) &&
	    memcmp(k.mv_data, after, k.mv_size) == 0)
		rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < limit;
	     rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT)) {
		cJSON *doc = cJSON_ParseWithLength(v.mv_data, v.mv_size);

		if (!doc) {
			rc = -1;
			break;
		}
		*ck += bj_typed(doc);
		cJSON_Delete(doc);
		if (++n == limit)
			snprintf(last, 256, "%.*s", (int)k.mv_size,
			         (const char *)k.mv_data);
	}
	/* rc is 0 when one more record follows the page */
	*more = rc == 0;
	mdb_txn_reset(r->txn);
	if (rc && rc != MDB_NOTFOUND)
		return rc == -1 ? -1 : fail("list", rc);
	*got = n;
	return 0;
}

const bench_system sys_lmdb_json = {
	.name = "lmdb-json",
	.open = j_open,
	.close = j_close,
	.import_ndjson = j_import,
	.create = j_create,
	.set_state = j_set_state,
	.export_ndjson = j_export,
	.size_bytes = j_size,
	.reader_open = j_reader_open,
	.reader_close = j_reader_close,
	.get_by_name = j_get_by_name,
	.get_by_arn = j_get_by_arn,
	.get_json = j_get_json,
	.read_state = j_read_state,
	.list_page = j_list_page,
};
