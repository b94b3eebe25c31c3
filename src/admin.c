/* admin.c: store-wide inspection and maintenance: stats, check, backup. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "db.h"
#include "error.h"
#include "function.h"
#include "schema.h"
#include "store.h"

static void count_runtime(fcdb_stats *st, const char *rt)
{
	const char *const *r;
	const char *name = NULL;
	size_t i;

	for (r = fcdb__runtimes; *r && rt; r++)
		if (strcmp(*r, rt) == 0)
			name = *r;
	if (!name)
		name = "(other)";
	for (i = 0; i < st->runtime_count; i++)
		if (strcmp(st->runtimes[i].runtime, name) == 0) {
			st->runtimes[i].count++;
			return;
		}
	if (st->runtime_count == FCDB_STATS_RUNTIMES_MAX)
		return;
	/* keep the list sorted by name */
	for (i = st->runtime_count; i > 0 &&
	     strcmp(st->runtimes[i - 1].runtime, name) > 0; i--)
		st->runtimes[i] = st->runtimes[i - 1];
	st->runtimes[i].runtime = name;
	st->runtimes[i].count = 1;
	st->runtime_count++;
}

int fcdb_stats_get(fcdb *db, fcdb_stats *out)
{
	fcdb__store_stat ss;
	fcdb__cursor *cur = NULL;
	fcdb__txn *t = NULL;
	fcdb__val k, v;
	fcdb_function fn;
	fcdb__codec_ctx cctx;
	int rc, i;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_stats_get: out is NULL");
	rc = fcdb__check_handle(db, "fcdb_stats_get");
	if (rc)
		return rc;
	cctx.region = db->region;
	cctx.account = db->account;
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	rc = fcdb__meta_revision(t, &out->revision);
	if (rc == 0)
		rc = fcdb__store_stat_get(db->store, t, &ss);
	if (rc == 0)
		rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
	memset(&fn, 0, sizeof(fn));
	fcdb__arena_init(&fn.own, 8192);
	fn.arena = &fn.own;
	if (rc == 0)
		rc = fcdb__cursor_seek(cur, NULL, 0, &k, &v);
	for (; rc == 0; rc = fcdb__cursor_next(cur, &k, &v)) {
		fcdb__arena_reset(fn.arena);
		rc = fcdb__function_load(&fn, v.data, v.len, k.data, k.len, &cctx);
		if (rc)
			break;
		out->functions++;
		out->record_bytes += v.len;
		out->by_state[fn.state]++;
		out->by_update_status[fn.status]++;
		count_runtime(out, fcdb_function_runtime(&fn));
	}
	if (rc == FCDB_ENOTFOUND)
		rc = FCDB_OK;
	fcdb__arena_free(&fn.own);
	fcdb__cursor_close(cur);
	fcdb__store_read_end(db->store, t);
	if (rc)
		return rc;
	out->file_bytes = ss.file_bytes;
	out->map_bytes = ss.map_size;
	out->page_size = ss.page_size;
	out->pages_used = ss.last_page + 1;
	out->tree_depth = ss.db[FCDB__DB_FUNCTIONS].depth;
	for (i = 0; i < FCDB__DB_COUNT; i++) {
		out->branch_pages += ss.db[i].branch_pages;
		out->leaf_pages += ss.db[i].leaf_pages;
		out->overflow_pages += ss.db[i].overflow_pages;
	}
	out->arn_entries = ss.db[FCDB__DB_BY_ARN].entries;
	out->id_entries = ss.db[FCDB__DB_BY_ID].entries;
	out->readers_used = ss.readers_used;
	out->readers_max = ss.max_readers;
	return FCDB_OK;
}

/* ---- check ---- */

struct checker {
	fcdb_check_fn report;
	void *ctx;
	uint64_t problems;
};

static void problem(struct checker *c, const void *name, size_t nlen,
                    const char *phase, const char *fmt, ...)
	FCDB__PRINTF(5, 6);

static void problem(struct checker *c, const void *name, size_t nlen,
                    const char *phase, const char *fmt, ...)
{
	char who[520], text[1024];
	va_list ap;

	c->problems++;
	if (!c->report)
		return;
	snprintf(who, sizeof(who), "%.*s", (int)(nlen > 511 ? 511 : nlen),
	         (const char *)name);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	c->report(c->ctx, who, phase, text);
}

/* Does index `db` map `key` to exactly `name`? */
/* Is the ARN in the ARN index? */
static int arn_indexed(fcdb__txn *t, const char *arn)
{
	fcdb__val v;

	return fcdb__txn_get(t, FCDB__DB_BY_ARN, arn, strlen(arn), &v) == 0;
}

/* Does the id index map `id` to exactly `name`? */
static int id_points(fcdb__txn *t, const char *id, const void *name,
                     size_t nlen)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen = fcdb__id_key(id, strlen(id), key);
	fcdb__val v;

	if (!klen || fcdb__txn_get(t, FCDB__DB_BY_ID, key, klen, &v))
		return 0;
	return v.len == nlen && memcmp(v.data, name, nlen) == 0;
}

static int check_records(fcdb__txn *t, struct checker *c, uint64_t store_rev,
                         const fcdb__codec_ctx *cctx)
{
	fcdb__cursor *cur;
	fcdb__envelope env;
	fcdb__val k, v;
	fcdb_function fn;
	int rc;

	rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
	if (rc)
		return rc;
	memset(&fn, 0, sizeof(fn));
	fcdb__arena_init(&fn.own, 8192);
	fn.arena = &fn.own;
	for (rc = fcdb__cursor_seek(cur, NULL, 0, &k, &v); rc == 0;
	     rc = fcdb__cursor_next(cur, &k, &v)) {
		const char *name, *arn, *id;

		if (fcdb__codec_verify(v.data, v.len, &env)) {
			problem(c, k.data, k.len, "envelope", "%s",
			        fcdb_error_last()->message);
			continue;
		}
		fcdb__arena_reset(fn.arena);
		/* the summary for the names, the whole tree to check every
		   value (types, UTF-8) */
		if (fcdb__function_load(&fn, v.data, v.len, k.data, k.len,
		                        cctx) ||
		    fcdb__function_tree(&fn)) {
			problem(c, k.data, k.len, "decode", "%s",
			        fcdb_error_last()->message);
			continue;
		}
		name = fcdb_function_name(&fn);
		arn = fcdb_function_arn(&fn);
		id = fcdb_function_id(&fn);
		if (!name || strlen(name) != k.len || memcmp(name, k.data, k.len))
			problem(c, k.data, k.len, "record",
			        "the record names itself \"%.200s\"",
			        name ? name : "(nothing)");
		if (env.revision > store_rev)
			problem(c, k.data, k.len, "meta", "record revision %llu is "
			        "newer than the store revision %llu",
			        (unsigned long long)env.revision,
			        (unsigned long long)store_rev);
		if (!arn)
			problem(c, k.data, k.len, "record", "the record has no "
			        "functionArn");
		else if (!arn_indexed(t, arn))
			problem(c, k.data, k.len, "by_arn", "the by_arn index has "
			        "no entry for \"%.200s\"", arn);
		if (!id)
			problem(c, k.data, k.len, "record", "the record has no "
			        "functionId");
		else if (!id_points(t, id, k.data, k.len))
			problem(c, k.data, k.len, "by_id", "no by_id entry maps "
			        "\"%.200s\" to this function", id);
	}
	fcdb__arena_free(&fn.own);
	fcdb__cursor_close(cur);
	return rc == FCDB_ENOTFOUND ? FCDB_OK : rc;
}

/* Every index entry must point at a record that names the key back. */
static int check_index(fcdb *db, fcdb__txn *t, struct checker *c, int index,
                       const fcdb__codec_ctx *cctx)
{
	const char *phase = index == FCDB__DB_BY_ARN ? "by_arn" : "by_id";
	fcdb__cursor *cur;
	fcdb__val k, v, rec;
	fcdb_function fn;
	int rc;

	rc = fcdb__cursor_open(t, index, &cur);
	if (rc)
		return rc;
	memset(&fn, 0, sizeof(fn));
	fcdb__arena_init(&fn.own, 8192);
	fn.arena = &fn.own;
	for (rc = fcdb__cursor_seek(cur, NULL, 0, &k, &v); rc == 0;
	     rc = fcdb__cursor_next(cur, &k, &v)) {
		char text[FCDB__ID_KEY_MAX + 1];
		const char *name, *back, *key = k.data;
		size_t nlen, klen = k.len;

		if (index == FCDB__DB_BY_ARN) {
			/* the name is in the ARN */
			name = fcdb__arn_name(db, k.data, k.len, &nlen);
			if (!name) {
				problem(c, k.data, k.len, phase, "is not an ARN "
				        "of this store's region and account");
				continue;
			}
		} else {
			name = v.data;
			nlen = v.len;
			fcdb__id_text(k.data, k.len, text);
			key = text;
			klen = strlen(text);
		}
		if (fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, nlen, &rec)) {
			problem(c, key, klen, phase, "points at function "
			        "\"%.*s\", which does not exist",
			        (int)(nlen > 200 ? 200 : nlen), name);
			continue;
		}
		fcdb__arena_reset(fn.arena);
		if (fcdb__function_load(&fn, rec.data, rec.len, name, nlen,
		                        cctx))
			continue; /* reported with the record */
		back = index == FCDB__DB_BY_ARN ? fcdb_function_arn(&fn)
		                                : fcdb_function_id(&fn);
		if (!back || strlen(back) != klen || memcmp(back, key, klen))
			problem(c, key, klen, phase, "points at function "
			        "\"%.*s\", which does not name it back",
			        (int)(nlen > 200 ? 200 : nlen), name);
	}
	fcdb__arena_free(&fn.own);
	fcdb__cursor_close(cur);
	return rc == FCDB_ENOTFOUND ? FCDB_OK : rc;
}

int fcdb_check(fcdb *db, fcdb_check_fn report, void *ctx, uint64_t *problems)
{
	struct checker c = { report, ctx, 0 };
	fcdb__codec_ctx cctx;
	uint64_t rev = 0;
	fcdb__txn *t;
	int rc;

	if (problems)
		*problems = 0;
	rc = fcdb__check_handle(db, "fcdb_check");
	if (rc)
		return rc;
	cctx.region = db->region;
	cctx.account = db->account;
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	rc = fcdb__meta_revision(t, &rev);
	if (rc) {
		problem(&c, "revision", 8, "meta", "%s",
		        fcdb_error_last()->message);
		rc = 0;
	}
	if (rc == 0)
		rc = check_records(t, &c, rev, &cctx);
	if (rc == 0)
		rc = check_index(db, t, &c, FCDB__DB_BY_ARN, &cctx);
	if (rc == 0)
		rc = check_index(db, t, &c, FCDB__DB_BY_ID, &cctx);
	fcdb__store_read_end(db->store, t);
	if (problems)
		*problems = c.problems;
	if (rc)
		return rc;
	if (c.problems)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "check found %llu problem%s",
		                       (unsigned long long)c.problems,
		                       c.problems == 1 ? "" : "s");
	return FCDB_OK;
}

/* ---- backup ---- */

int fcdb_backup(fcdb *db, const char *dest)
{
	int fd, rc;

	rc = fcdb__check_handle(db, "fcdb_backup");
	if (rc)
		return rc;
	if (!dest || !*dest)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_backup: dest is required");
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fcdb__error_set(FCDB_EIO, NULL, errno,
		                       "cannot create %s: %s", dest,
		                       strerror(errno));
	rc = fcdb__store_copy_fd(db->store, fd);
	if (rc == 0 && fsync(fd) != 0)
		rc = fcdb__error_set(FCDB_EIO, NULL, errno, "fsync %s: %s", dest,
		                     strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = fcdb__error_set(FCDB_EIO, NULL, errno, "close %s: %s", dest,
		                     strerror(errno));
	if (rc)
		unlink(dest);
	return rc;
}
