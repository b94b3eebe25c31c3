/*
 * sys_lmdb_raw.c: the floor.  mdb_get of the bytes fcdb stored, with no
 * decoding and no checksum check, from fcdb's own store file opened
 * read-only with LMDB directly.  Only reads: it has nothing to write.
 *
 * What it touches of a record: its length, and for read_state the state
 * and update-status bytes of fcdb's envelope (bytes 2 and 3), which is
 * the least any reader of that format could do.
 *
 * MDB_NOLOCK: LMDB must not have one file open twice in a process with
 * locking on (the second environment takes the process's own lock as
 * "first user" and resets the reader table under fcdb's feet).  Without
 * the lock file this environment registers no readers, which is safe here
 * because nothing writes the store while lmdb-raw reads it.
 */
#include "system.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

struct bench_sys {
	MDB_env *env;
	MDB_dbi fn, arn;
};

struct bench_reader {
	bench_sys *s;
	MDB_txn *txn;
	MDB_cursor *cur;
};

static int fail(const char *what, int rc)
{
	fprintf(stderr, "bench: lmdb-raw: %s: %s\n", what, mdb_strerror(rc));
	return -1;
}

static void r_close(bench_sys *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	free(s);
}

static int r_open(bench_sys **out, const char *path)
{
	bench_sys *s = calloc(1, sizeof(*s));
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (!s)
		return -1;
	if ((rc = mdb_env_create(&s->env)) ||
	    (rc = mdb_env_set_maxdbs(s->env, 4)) ||
	    (rc = mdb_env_open(s->env, path,
	                       MDB_NOSUBDIR | MDB_RDONLY | MDB_NOTLS |
	                       MDB_NOLOCK, 0600)) ||
	    (rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))) {
		r_close(s);
		return fail("open", rc);
	}
	if ((rc = mdb_dbi_open(txn, "functions", 0, &s->fn)) ||
	    (rc = mdb_dbi_open(txn, "by_arn", 0, &s->arn))) {
		mdb_txn_abort(txn);
		r_close(s);
		return fail("open databases", rc);
	}
	/* commit, not abort: an aborted txn would close the new handles */
	if ((rc = mdb_txn_commit(txn))) {
		r_close(s);
		return fail("open databases", rc);
	}
	*out = s;
	return 0;
}

static int r_reader_open(bench_sys *s, bench_reader **out)
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

static void r_reader_close(bench_reader *r)
{
	if (!r)
		return;
	mdb_cursor_close(r->cur);
	mdb_txn_abort(r->txn);
	free(r);
}

/* The record behind `key` in `index`: *term gets what the read feeds
   into the checksum, computed while the snapshot is open. */
static int get(bench_reader *r, MDB_dbi index, const char *key, int state,
               uint64_t *ck)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_txn_renew(r->txn);

	if (rc)
		return fail("renew", rc);
	if (index != r->s->fn)
		rc = mdb_get(r->txn, index, &k, &k);
	if (rc == 0)
		rc = mdb_get(r->txn, r->s->fn, &k, &v);
	if (rc == 0 && v.mv_size < 4)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		const unsigned char *p = v.mv_data;

		*ck += state ? (uint64_t)p[2] * 4 + p[3] : v.mv_size + p[2];
	}
	mdb_txn_reset(r->txn);
	return rc ? fail(key, rc) : 0;
}

static int r_get_by_name(bench_reader *r, const char *name, uint64_t *ck)
{
	return get(r, r->s->fn, name, 0, ck);
}

/* fcdb's layout: the name is the part of the ARN after ":functions/"
   (by_arn only records which ARNs exist), so the floor is the same
   mdb_get as by name, after finding the name in the ARN. */
static int r_get_by_arn(bench_reader *r, const char *arn, uint64_t *ck)
{
	const char *name = strstr(arn, ":functions/");

	if (!name)
		return fail(arn, MDB_NOTFOUND);
	return get(r, r->s->fn, name + 11, 0, ck);
}

static int r_read_state(bench_reader *r, const char *name, uint64_t *ck)
{
	return get(r, r->s->fn, name, 1, ck);
}

static int r_list_page(bench_reader *r, const char *after, unsigned limit,
                       char *last, unsigned *got, int *more, uint64_t *ck)
{
	MDB_val k = { strlen(after), (void *)after }, v;
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
		*ck += v.mv_size;
		if (++n == limit)
			snprintf(last, 256, "%.*s", (int)k.mv_size,
			         (const char *)k.mv_data);
	}
	*more = rc == 0;
	mdb_txn_reset(r->txn);
	if (rc && rc != MDB_NOTFOUND)
		return fail("list", rc);
	*got = n;
	return 0;
}

const bench_system sys_lmdb_raw = {
	.name = "lmdb-raw",
	.open = r_open,
	.close = r_close,
	.reader_open = r_reader_open,
	.reader_close = r_reader_close,
	.get_by_name = r_get_by_name,
	.get_by_arn = r_get_by_arn,
	.read_state = r_read_state,
	.list_page = r_list_page,
};
