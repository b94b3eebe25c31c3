/*
 * io.c: export and import streams.
 *
 * Export walks one read snapshot in name order and writes each Function as
 * it goes.  Import reads its input through a small buffer, cuts it into
 * records with a bracket-and-string scanner (the parsing proper is still
 * cJSON's, one record at a time), detects the shape of the input from its
 * first bytes, and writes everything in one write transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "buf.h"
#include "checksum.h"
#include "codec.h"
#include "db.h"
#include "error.h"
#include "function.h"
#include "json.h"
#include "validate.h"

#define IN_BUF 65536
#define PROGRESS_EVERY 4096
#define RECORD_TEXT_MAX FCDB__RECORD_MAX

/* ---- export ---- */

void fcdb_export_options_init(fcdb_export_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->version = FCDB_EXPORT_OPTIONS_VERSION;
}

static int sink(fcdb_write_fn write, void *ctx, fcdb__buf *b)
{
	if (b->failed)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	if (b->len && write(ctx, b->data, b->len))
		return fcdb__error_set(FCDB_EIO, NULL, 0,
		                       "export: the output refused the data");
	b->len = 0;
	return FCDB_OK;
}

int fcdb_export(fcdb *db, fcdb_write_fn write, void *write_ctx,
                const fcdb_export_options *opts, uint64_t *count)
{
	fcdb_export_options defaults;
	fcdb__render_opts ro = { 0, 0, 0 };
	fcdb__codec_ctx cctx;
	fcdb__envelope env;
	fcdb__cursor *cur = NULL;
	fcdb__txn *t = NULL;
	fcdb__val k, v;
	fcdb__buf out;
	uint64_t n = 0;
	size_t plen;
	int rc;

	if (count)
		*count = 0;
	rc = fcdb__check_handle(db, "fcdb_export");
	if (rc)
		return rc;
	if (!write)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_export: write is NULL");
	if (!opts) {
		fcdb_export_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->version < 1 || opts->version > FCDB_EXPORT_OPTIONS_VERSION ||
	    (opts->format != FCDB_FORMAT_NDJSON &&
	     opts->format != FCDB_FORMAT_JSON))
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_export: bad options (version or "
		                       "format)");
	plen = opts->prefix ? strlen(opts->prefix) : 0;
	cctx.region = db->region;
	cctx.account = db->account;
	fcdb__buf_init(&out);
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		goto done;
	if (opts->format == FCDB_FORMAT_JSON) {
		fcdb__buf_adds(&out, "{\"version\":1,\"region\":");
		fcdb__json_write_str(&out, db->region, strlen(db->region));
		fcdb__buf_adds(&out, ",\"accountId\":");
		fcdb__json_write_str(&out, db->account, strlen(db->account));
		fcdb__buf_adds(&out, ",\"functions\":[");
	}
	rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
	if (rc)
		goto done;
	for (rc = fcdb__cursor_seek(cur, opts->prefix, plen, &k, &v); rc == 0;
	     rc = fcdb__cursor_next(cur, &k, &v)) {
		if (plen && (k.len < plen || memcmp(k.data, opts->prefix, plen)))
			break;
		rc = fcdb__codec_verify(v.data, v.len, &env);
		if (rc == 0 && opts->format == FCDB_FORMAT_JSON)
			fcdb__buf_adds(&out, n ? ",\n" : "\n");
		/* rendered straight from the map: no copy, no tree */
		if (rc == 0)
			rc = fcdb__codec_render(&out, &env, &cctx, &ro);
		if (rc) {
			if (rc == FCDB_ECORRUPT)
				fcdb__error_prefix("function \"%.*s\": ",
				                   (int)(k.len > 200 ? 200 : k.len),
				                   (const char *)k.data);
			break;
		}
		if (opts->format == FCDB_FORMAT_NDJSON)
			fcdb__buf_addc(&out, '\n');
		n++;
		if (out.len >= 60000) {
			rc = sink(write, write_ctx, &out);
			if (rc)
				break;
		}
		if (opts->progress && n % PROGRESS_EVERY == 0)
			opts->progress(opts->progress_ctx, n);
	}
	if (rc == FCDB_ENOTFOUND)
		rc = FCDB_OK;
	if (rc == 0 && opts->format == FCDB_FORMAT_JSON)
		fcdb__buf_adds(&out, n ? "\n]}\n" : "]}\n");
	if (rc == 0)
		rc = sink(write, write_ctx, &out);
done:
	fcdb__cursor_close(cur);
	if (t)
		fcdb__store_read_end(db->store, t);
	fcdb__buf_free(&out);
	if (rc == 0 && count)
		*count = n;
	return rc;
}

/* ---- import: reading ---- */

struct in {
	fcdb_read_fn read;
	void *ctx;
	char *buf;
	size_t pos, len;
	int eof;
	uint64_t line;   /* 1-based line of the next byte */
};

static int in_fill(struct in *in)
{
	size_t got = 0;

	if (in->eof)
		return 0;
	if (in->read(in->ctx, in->buf, IN_BUF, &got))
		return fcdb__error_set(FCDB_EIO, NULL, 0, "import: reading the "
		                       "input failed");
	if (got > IN_BUF)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0, "import: the read "
		                       "callback returned more than asked");
	in->pos = 0;
	in->len = got;
	if (!got)
		in->eof = 1;
	return 0;
}

/* Next byte without consuming it: 0..255, -1 at the end, -2 on error. */
static int in_peek(struct in *in)
{
	if (in->pos == in->len) {
		if (in_fill(in))
			return -2;
		if (in->eof)
			return -1;
	}
	return (unsigned char)in->buf[in->pos];
}

static int in_get(struct in *in)
{
	int c = in_peek(in);

	if (c >= 0) {
		in->pos++;
		if (c == '\n')
			in->line++;
	}
	return c;
}

static int skip_ws(struct in *in)
{
	int c;

	while ((c = in_peek(in)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		in_get(in);
	return c;
}

struct import {
	fcdb *db;
	fcdb__codec_ctx cctx;
	const fcdb_import_options *opts;
	struct in in;
	fcdb__buf text;       /* one record's JSON */
	fcdb__buf enc;        /* its encoding */
	fcdb__arena arena;    /* per record */
	fcdb__vctx v;
	char id[37];
	char now[21];
	uint64_t revision;    /* the import's store revision */
	fcdb_import_report rep;
	/* where we are, for messages */
	char where[96];
	uint64_t where_line;
	uint64_t index;
	int array;
};

/*
 * Names seen in this import (upsert and replace modes), as XXH3 hashes
 * in the write transaction's marks: in the store's pages, not in our
 * memory, which then does not grow with the import.  seen_add: 0 new,
 * 1 seen before, or an error.
 */
static uint64_t name_hash(const char *name, size_t len)
{
	return fcdb__xxh3(name, len, 0x66636462);
}

static int seen_add(fcdb__txn *t, const char *name, size_t len)
{
	return fcdb__txn_mark(t, name_hash(name, len));
}

static int seen_has(fcdb__txn *t, const char *name, size_t len)
{
	return fcdb__txn_marked(t, name_hash(name, len));
}

/* Where we are, for messages: formatted only when an error needs it. */
static void set_where(struct import *im, uint64_t line)
{
	im->where_line = line;
	im->where[0] = '\0';
}

static const char *where(struct import *im)
{
	if (im->where[0])
		return im->where;
	if (im->array)
		snprintf(im->where, sizeof(im->where), "record %llu (array index "
		         "%llu, line %llu)", (unsigned long long)im->index + 1,
		         (unsigned long long)im->index,
		         (unsigned long long)im->where_line);
	else
		snprintf(im->where, sizeof(im->where), "record %llu (line %llu)",
		         (unsigned long long)im->index + 1,
		         (unsigned long long)im->where_line);
	return im->where;
}

static int shape_error(struct import *im, const char *what)
{
	return fcdb__error_set(FCDB_EINVAL, "", 0, "import: line %llu: %s",
	                       (unsigned long long)im->in.line, what);
}

/*
 * Copy one JSON value from the input into im->text (the scanner only
 * tracks strings and brackets; cJSON parses the result).  `depth` > 0
 * continues an object whose start is already in the buffer.  Containers
 * are copied a buffer span at a time; scalars (only in wrappers and in
 * malformed input) byte by byte.
 */
static int scan_value(struct import *im, int depth)
{
	struct in *in = &im->in;
	int c, in_str = 0, esc = 0;

	if (depth == 0) {
		c = in_peek(in);
		if (c == -2)
			return fcdb__error_code();
		if (c != '{' && c != '[') {
			for (;;) {
				c = in_peek(in);
				if (c == -2)
					return fcdb__error_code();
				if (im->text.len && !in_str &&
				    (c < 0 || c == ',' || c == ']' || c == '}' ||
				     c == ' ' || c == '\n' || c == '\r' ||
				     c == '\t'))
					return 0;
				if (c < 0)
					goto truncated;
				in_get(in);
				fcdb__buf_addc(&im->text, (char)c);
				if (im->text.len > 4096)
					return fcdb__error_set(FCDB_EINVAL, "", 0,
					                       "import: %s: a value "
					                       "too long", where(im));
				if (in_str) {
					if (esc)
						esc = 0;
					else if (c == '\\')
						esc = 1;
					else if (c == '"')
						in_str = 0;
				} else if (c == '"') {
					in_str = 1;
				}
			}
		}
	}
	for (;;) {
		const char *p, *q, *end;
		int done = 0;

		if (in->pos == in->len) {
			if (in_fill(in))
				return fcdb__error_code();
			if (in->eof)
				goto truncated;
		}
		p = q = in->buf + in->pos;
		end = in->buf + in->len;
		while (q < end) {
			if (in_str) {
				if (esc) {
					/* the escaped character, whatever it
					   is: \n and \u0001 as much as \" */
					esc = 0;
					if (*q++ == '\n')
						in->line++;
					continue;
				}
				while (end - q >= 8 && fcdb__json_plain8(q))
					q += 8;
				while (q < end && *q != '"' && *q != '\\' &&
				       *q != '\n')
					q++;
				if (q == end)
					break;
				c = *q++;
				if (c == '\\')
					esc = 1;
				else if (c == '"')
					in_str = 0;
				if (c == '\n')
					in->line++;
				continue;
			}
			c = *q++;
			if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth <= 0) {
					done = 1;
					break;
				}
			} else if (c == '\n') {
				in->line++;
			}
		}
		fcdb__buf_add(&im->text, p, (size_t)(q - p));
		in->pos = (size_t)(q - in->buf);
		if (im->text.failed)
			return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		if (im->text.len > RECORD_TEXT_MAX)
			return fcdb__error_set(FCDB_EINVAL, "", 0, "import: %s is "
			                       "larger than the 1 MiB record limit",
			                       where(im));
		if (done)
			return 0;
	}
truncated:
	return fcdb__error_set(FCDB_EINVAL, "", 0, "import: %s: unexpected end "
	                       "of input (truncated file?)", where(im));
}

/* ---- import: writing ---- */

static int same_bytes(const fcdb__val *a, const fcdb__buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, b->len) == 0;
}

/* Does the id index map `id` to `name`? */
static int id_is(fcdb__txn *t, const char *id, const char *name)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen = fcdb__id_key(id, strlen(id), key);
	fcdb__val v;

	if (!klen || fcdb__txn_get(t, FCDB__DB_BY_ID, key, klen, &v))
		return 0;
	return v.len == strlen(name) && memcmp(v.data, name, v.len) == 0;
}

static int put_id(fcdb__txn *t, const char *id, const char *name)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen = fcdb__id_key(id, strlen(id), key);

	if (!klen)
		return fcdb__error_set(FCDB_EINVAL, "functionId", 0,
		                       "functionId \"%.64s\" cannot be indexed", id);
	return fcdb__txn_put(t, FCDB__DB_BY_ID, key, klen, name, strlen(name), 0);
}

static int del_id_if(fcdb__txn *t, const char *id, const char *name)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen;

	if (!id || !id_is(t, id, name))
		return FCDB_OK;
	klen = fcdb__id_key(id, strlen(id), key);
	return fcdb__txn_del(t, FCDB__DB_BY_ID, key, klen);
}

static int del_arn(fcdb__txn *t, const char *arn)
{
	int rc;

	if (!arn)
		return FCDB_OK;
	rc = fcdb__txn_del(t, FCDB__DB_BY_ARN, arn, strlen(arn));
	return rc == FCDB_ENOTFOUND ? FCDB_OK : rc;
}

static int twice(struct import *im, const char *name)
{
	return fcdb__error_set(FCDB_EINVAL, "functionName", 0, "import: %s: "
	                       "function \"%s\" appears twice in this import",
	                       where(im), name);
}

/*
 * Create mode: every name must be new, so the puts themselves are the
 * existence checks (LMDB's MDB_NOOVERWRITE hands back what is there),
 * with no lookups before them.
 */
static int create_record(struct import *im, fcdb__txn *t,
                         const fcdb__node *rec, const char *name,
                         const char *arn, const char *id)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t nlen = strlen(name), klen;
	fcdb__envelope env;
	fcdb__val owner;
	int rc;

	rc = fcdb__codec_encode(&im->enc, rec, im->revision);
	if (rc) {
		if (rc == FCDB_EINVAL)
			fcdb__error_prefix("import: %s: ", where(im));
		return rc;
	}
	rc = fcdb__txn_put_new(t, FCDB__DB_FUNCTIONS, name, nlen, im->enc.data,
	                       im->enc.len, &owner);
	/* a record carrying this import's revision came from this import */
	if (rc == FCDB_EEXISTS && fcdb__codec_verify(owner.data, owner.len,
	                                             &env) == 0 &&
	    env.revision == im->revision)
		return twice(im, name);
	if (rc == FCDB_EEXISTS)
		return fcdb__error_set(FCDB_EEXISTS, "functionName", 0,
		                       "import: %s: function \"%s\" already exists "
		                       "(use --mode upsert or replace)", where(im),
		                       name);
	if (rc == 0)
		rc = fcdb__txn_put_new(t, FCDB__DB_BY_ARN, arn, strlen(arn), "", 0,
		                       NULL);
	if (rc == FCDB_EEXISTS)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "import: the ARN "
		                       "index already holds %s, whose function "
		                       "does not exist: run fcdb check", arn);
	if (rc)
		return rc;
	klen = fcdb__id_key(id, strlen(id), key);
	if (!klen)
		return fcdb__error_set(FCDB_EINVAL, "functionId", 0,
		                       "import: %s: functionId \"%.64s\" cannot "
		                       "be indexed", where(im), id);
	rc = fcdb__txn_put_new(t, FCDB__DB_BY_ID, key, klen, name, nlen, &owner);
	if (rc == FCDB_EEXISTS)
		return fcdb__error_set(FCDB_EINVAL, "functionId", 0,
		                       "import: %s: functionId %s is already used "
		                       "by function \"%.*s\"", where(im), id,
		                       (int)(owner.len > 200 ? 200 : owner.len),
		                       (const char *)owner.data);
	if (rc)
		return rc;
	im->rep.created++;
	return FCDB_OK;
}

/* Validate and write the record in im->text. */
static int import_record(struct import *im, fcdb__txn *t, uint64_t line)
{
	fcdb__node *input, *rec;
	fcdb_function old;
	const char *name, *arn, *id, *old_id;
	fcdb__val cur, owner;
	int rc, exists;

	set_where(im, line);
	fcdb__arena_reset(&im->arena);
	rc = fcdb__json_parse(&im->arena, im->text.data, im->text.len, &input);
	if (rc == 0) {
		fcdb__vctx_free(&im->v);
		fcdb__vctx_init(&im->v, FCDB__V_IMPORT);
		im->v.lenient = (im->opts->flags & FCDB_IMPORT_LENIENT) != 0;
		im->v.region = im->db->region;
		im->v.account = im->db->account;
		im->v.now = im->now;
		im->v.function_id = NULL;
		if (!fcdb__node_get(input, "functionId")) {
			uuid_t u;

			uuid_generate_random(u);
			uuid_unparse_lower(u, im->id);
			im->v.function_id = im->id;
		}
		rc = fcdb__validate_import(&im->v, &im->arena, input, &rec);
	}
	if (rc) {
		if (rc == FCDB_EINVAL)
			fcdb__error_prefix("import: %s: ", where(im));
		return rc;
	}
	im->rep.records++;
	name = fcdb__node_get(rec, "functionName")->v.s;
	arn = fcdb__node_get(rec, "functionArn")->v.s;
	id = fcdb__node_get(rec, "functionId")->v.s;
	if (im->opts->mode == FCDB_IMPORT_CREATE)
		return create_record(im, t, rec, name, arn, id);
	rc = seen_add(t, name, strlen(name));
	if (rc < 0)
		return rc;
	if (rc == 1)
		return twice(im, name);
	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, strlen(name), &cur);
	if (rc && rc != FCDB_ENOTFOUND)
		return rc;
	exists = rc == 0;
	if (exists && im->opts->mode == FCDB_IMPORT_CREATE)
		return fcdb__error_set(FCDB_EEXISTS, "functionName", 0,
		                       "import: %s: function \"%s\" already exists "
		                       "(use --mode upsert or replace)", where(im),
		                       name);
	/* A functionId belongs to one function. */
	{
		uint8_t key[FCDB__ID_KEY_MAX];
		size_t klen = fcdb__id_key(id, strlen(id), key);

		rc = klen ? fcdb__txn_get(t, FCDB__DB_BY_ID, key, klen, &owner)
		          : FCDB_ENOTFOUND;
	}
	if (rc == 0 && !(owner.len == strlen(name) &&
	                 memcmp(owner.data, name, owner.len) == 0)) {
		char other[256];

		snprintf(other, sizeof(other), "%.*s",
		         (int)(owner.len > 200 ? 200 : owner.len),
		         (const char *)owner.data);
		/* replace mode may take an id from a function that this
		   import drops; one that the import keeps cannot share it */
		rc = im->opts->mode != FCDB_IMPORT_REPLACE ? 1
		     : seen_has(t, other, strlen(other));
		if (rc < 0)
			return rc;
		if (rc)
			return fcdb__error_set(FCDB_EINVAL, "functionId", 0,
			                       "import: %s: functionId %s is "
			                       "already used by function \"%s\"",
			                       where(im), id, other);
	} else if (rc && rc != FCDB_ENOTFOUND) {
		return rc;
	}
	rc = fcdb__codec_encode(&im->enc, rec, im->revision);
	if (rc) {
		if (rc == FCDB_EINVAL)
			fcdb__error_prefix("import: %s: ", where(im));
		return rc;
	}
	old_id = NULL;
	if (exists) {
		memset(&old, 0, sizeof(old));
		old.arena = &im->arena;
		rc = fcdb__function_load(&old, cur.data, cur.len, name,
		                         strlen(name), &im->cctx);
		if (rc)
			return rc;
		/* unchanged: same bytes at the old revision */
		fcdb__codec_set_revision(im->enc.data, im->enc.len, old.revision);
		if (same_bytes(&cur, &im->enc)) {
			im->rep.unchanged++;
			return FCDB_OK;
		}
		fcdb__codec_set_revision(im->enc.data, im->enc.len, im->revision);
		old_id = fcdb_function_id(&old);
	}
	rc = fcdb__txn_put(t, FCDB__DB_FUNCTIONS, name, strlen(name),
	                   im->enc.data, im->enc.len, 0);
	/* the ARN follows from the name: only a new name adds one */
	if (rc == 0 && !exists)
		rc = fcdb__txn_put(t, FCDB__DB_BY_ARN, arn, strlen(arn), "", 0, 0);
	if (rc == 0 && old_id && strcmp(old_id, id) != 0)
		rc = del_id_if(t, old_id, name);
	if (rc == 0 && (!old_id || strcmp(old_id, id) != 0))
		rc = put_id(t, id, name);
	if (rc)
		return rc;
	if (exists)
		im->rep.updated++;
	else
		im->rep.created++;
	return FCDB_OK;
}

/* Replace mode: drop every function the input did not name. */
static int drop_unseen(struct import *im, fcdb__txn *t)
{
	fcdb__cursor *cur;
	fcdb__val k, v;
	char name[512];
	int rc;

	size_t from = 0; /* go on after the last name dropped */

	for (;;) {
		int found = 0, seen;
		fcdb_function old;

		rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
		if (rc)
			return rc;
		for (rc = fcdb__cursor_seek(cur, from ? name : NULL, from, &k, &v);
		     rc == 0; rc = fcdb__cursor_next(cur, &k, &v)) {
			if (k.len >= sizeof(name))
				continue;
			seen = seen_has(t, k.data, k.len);
			if (seen < 0) {
				rc = seen;
				break;
			}
			if (!seen) {
				memcpy(name, k.data, k.len);
				name[k.len] = '\0';
				found = 1;
				break;
			}
		}
		fcdb__cursor_close(cur);
		if (rc && rc != FCDB_ENOTFOUND)
			return rc;
		if (!found)
			return FCDB_OK;
		memset(&old, 0, sizeof(old));
		old.arena = &im->arena;
		fcdb__arena_reset(&im->arena);
		rc = fcdb__function_load(&old, v.data, v.len, name, strlen(name),
		                         &im->cctx);
		if (rc)
			return rc;
		rc = del_arn(t, fcdb_function_arn(&old));
		if (rc == 0)
			rc = del_id_if(t, fcdb_function_id(&old), name);
		if (rc == 0)
			rc = fcdb__txn_del(t, FCDB__DB_FUNCTIONS, name, strlen(name));
		if (rc)
			return rc;
		im->rep.deleted++;
		from = strlen(name);
		rc = fcdb__txn_step(t, 0);
		if (rc)
			return rc;
	}
}

/* Read a wrapper member's key; the opening quote is consumed. */
static int read_key(struct import *im, char *key, size_t cap)
{
	size_t n = 0;
	int c;

	while ((c = in_get(&im->in)) >= 0 && c != '"') {
		if (c == '\\' || n + 1 >= cap)
			return shape_error(im, "unexpected key in the wrapper "
			                   "object");
		key[n++] = (char)c;
	}
	if (c < 0)
		return c == -2 ? fcdb__error_code()
		               : shape_error(im, "unexpected end of input");
	key[n] = '\0';
	return 0;
}

/*
 * The first key of the input's top-level object, '{' and the key's
 * opening quote consumed: copied as written (escapes and all) into
 * im->text after `{"`, closing quote included, so that a Function's text
 * is whole.  *plain is set when the key is short and has no escape, the
 * only keys that may name a wrapper member; `key` then holds it.
 */
static int first_key(struct import *im, char *key, size_t cap, int *plain)
{
	size_t start, n;
	int c, esc = 0;

	im->text.len = 0;
	fcdb__buf_add(&im->text, "{\"", 2);
	start = im->text.len;
	*plain = 1;
	for (;;) {
		c = in_get(&im->in);
		if (c < 0)
			return c == -2 ? fcdb__error_code()
			               : shape_error(im, "unexpected end of input");
		fcdb__buf_addc(&im->text, (char)c);
		if (esc) {
			esc = 0;
		} else if (c == '\\') {
			esc = 1;
			*plain = 0;
		} else if (c == '"') {
			break;
		}
		if (im->text.len > RECORD_TEXT_MAX)
			return fcdb__error_set(FCDB_EINVAL, "", 0, "import: %s is "
			                       "larger than the 1 MiB record limit",
			                       where(im));
	}
	if (im->text.failed)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	n = im->text.len - start - 1;
	if (!*plain || n >= cap) {
		*plain = 0;
		return 0;
	}
	memcpy(key, im->text.data + start, n);
	key[n] = '\0';
	return 0;
}

static int is_wrapper_key(const char *k)
{
	return !strcmp(k, "functions") || !strcmp(k, "version") ||
	       !strcmp(k, "region") || !strcmp(k, "accountId") ||
	       !strcmp(k, "nextToken");
}

static void progress(struct import *im)
{
	if (im->opts->progress && im->rep.records % PROGRESS_EVERY == 0)
		im->opts->progress(im->opts->progress_ctx, im->rep.records);
}

/* The records of a JSON array, '[' already consumed. */
static int import_array(struct import *im, fcdb__txn *t)
{
	uint64_t line;
	int c, rc;

	im->array = 1;
	c = skip_ws(&im->in);
	if (c == ']') {
		in_get(&im->in);
		return 0;
	}
	for (;;) {
		c = skip_ws(&im->in);
		if (c < 0)
			return c == -2 ? fcdb__error_code()
			               : shape_error(im, "unexpected end of input "
			                             "inside the array (truncated "
			                             "file?)");
		line = im->in.line;
		set_where(im, line);
		im->text.len = 0;
		rc = scan_value(im, 0);
		if (rc)
			return rc;
		rc = import_record(im, t, line);
		if (rc == 0)
			rc = fcdb__txn_step(t, im->text.len);
		if (rc)
			return rc;
		im->index++;
		progress(im);
		c = skip_ws(&im->in);
		in_get(&im->in);
		if (c == ']')
			return 0;
		if (c != ',')
			return shape_error(im, c < 0 ? "unexpected end of input "
			                   "inside the array (truncated file?)"
			                   : "expected , or ] after an array "
			                   "element");
	}
}

/* Members of {"version":..,"functions":[..],..}; '{' and the first key's
   opening quote consumed. */
static int import_wrapper(struct import *im, fcdb__txn *t, const char *first)
{
	char key[32];
	int c, rc, have_functions = 0;

	snprintf(key, sizeof(key), "%s", first);
	for (;;) {
		if (skip_ws(&im->in) != ':' )
			return shape_error(im, "expected : after a key");
		in_get(&im->in);
		c = skip_ws(&im->in);
		if (!strcmp(key, "functions")) {
			if (c != '[')
				return shape_error(im, "\"functions\" must be an "
				                   "array");
			in_get(&im->in);
			rc = import_array(im, t);
			if (rc)
				return rc;
			have_functions = 1;
		} else if (is_wrapper_key(key)) {
			fcdb__node *n;

			snprintf(im->where, sizeof(im->where), "\"%s\"", key);
			im->text.len = 0;
			rc = scan_value(im, 0);
			if (rc)
				return rc;
			fcdb__arena_reset(&im->arena);
			rc = fcdb__json_parse(&im->arena, im->text.data,
			                      im->text.len, &n);
			if (rc)
				return rc;
			if (!strcmp(key, "version") &&
			    !(n->type == FCDB__INT && n->v.i == 1))
				return fcdb__error_set(FCDB_EINVAL, "version", 0,
				                       "import: export format "
				                       "version must be 1");
			if ((!strcmp(key, "region") &&
			     (n->type != FCDB__STR || strcmp(n->v.s, im->db->region))) ||
			    (!strcmp(key, "accountId") &&
			     (n->type != FCDB__STR || strcmp(n->v.s, im->db->account))))
				return fcdb__error_set(FCDB_EINVAL, key, 0,
				                       "import: the input's %s is %s%.64s%s,"
				                       " this store's is %s", key,
				                       n->type == FCDB__STR ? "\"" : "",
				                       n->type == FCDB__STR ? n->v.s
				                                            : "not a string",
				                       n->type == FCDB__STR ? "\"" : "",
				                       !strcmp(key, "region")
				                       ? im->db->region : im->db->account);
		} else {
			return fcdb__error_set(FCDB_EINVAL, key, 0, "import: line "
			                       "%llu: unknown key \"%s\" in the "
			                       "wrapper object",
			                       (unsigned long long)im->in.line, key);
		}
		c = skip_ws(&im->in);
		in_get(&im->in);
		if (c == '}')
			break;
		if (c != ',')
			return shape_error(im, "expected , or } in the wrapper "
			                   "object");
		if (skip_ws(&im->in) != '"')
			return shape_error(im, "expected a key");
		in_get(&im->in);
		rc = read_key(im, key, sizeof(key));
		if (rc)
			return rc;
		if (!is_wrapper_key(key))
			return fcdb__error_set(FCDB_EINVAL, key, 0, "import: line "
			                       "%llu: unknown key \"%s\" in the "
			                       "wrapper object",
			                       (unsigned long long)im->in.line, key);
	}
	if (!have_functions)
		return shape_error(im, "the wrapper object has no \"functions\" "
		                   "array");
	if (skip_ws(&im->in) != -1)
		return shape_error(im, "unexpected text after the JSON value");
	return 0;
}

/* A sequence of objects (NDJSON); the first object's text is in im->text
   when `have_first`. */
static int import_sequence(struct import *im, fcdb__txn *t, uint64_t line)
{
	int c, rc;

	for (;;) {
		rc = import_record(im, t, line);
		if (rc == 0)
			rc = fcdb__txn_step(t, im->text.len);
		if (rc)
			return rc;
		im->index++;
		progress(im);
		c = skip_ws(&im->in);
		if (c == -1)
			return 0;
		if (c == -2)
			return fcdb__error_code();
		line = im->in.line;
		set_where(im, line);
		if (c != '{')
			return fcdb__error_set(FCDB_EINVAL, "", 0, "import: line "
			                       "%llu: expected a JSON object (one "
			                       "Function per line)",
			                       (unsigned long long)line);
		im->text.len = 0;
		rc = scan_value(im, 0);
		if (rc)
			return rc;
	}
}

static int import_body(fcdb__txn *t, void *arg)
{
	struct import *im = arg;
	char key[32];
	uint64_t line;
	int c, rc;

	/* a retry after the map grew starts the input again */
	if (im->in.line) {
		if (!im->opts->rewind || im->opts->rewind(im->in.ctx))
			return fcdb__error_set(FCDB_EIO, NULL, 0, "import: the map "
			                       "had to grow and the input cannot be "
			                       "read again; import from a file or "
			                       "open with a larger map_size");
	}
	im->in.pos = im->in.len = 0;
	im->in.eof = 0;
	im->in.line = 1;
	im->index = 0;
	im->array = 0;
	memset(&im->rep, 0, sizeof(im->rep));
	set_where(im, 1);
	rc = fcdb__meta_revision(t, &im->revision);
	if (rc)
		return rc;
	im->revision++;
	c = skip_ws(&im->in);
	if (c == 0xef) { /* UTF-8 byte order mark */
		in_get(&im->in);
		if (in_get(&im->in) != 0xbb || in_get(&im->in) != 0xbf)
			return shape_error(im, "not JSON");
		c = skip_ws(&im->in);
	}
	if (c == -2)
		return fcdb__error_code();
	if (c == -1)
		return fcdb__error_set(FCDB_EINVAL, "", 0,
		                       "import: the input is empty");
	line = im->in.line;
	if (c == '[') {
		in_get(&im->in);
		rc = import_array(im, t);
		if (rc == 0 && skip_ws(&im->in) != -1)
			rc = shape_error(im, "unexpected text after the JSON array");
	} else if (c == '{') {
		int plain = 0;

		in_get(&im->in);
		c = skip_ws(&im->in);
		if (c == '"') {
			in_get(&im->in);
			rc = first_key(im, key, sizeof(key), &plain);
			if (rc)
				return rc;
		} else {
			im->text.len = 0;
			fcdb__buf_addc(&im->text, '{');
		}
		if (plain && is_wrapper_key(key)) {
			rc = import_wrapper(im, t, key);
		} else {
			/* a Function: what was read is in im->text; scan on */
			set_where(im, line);
			rc = scan_value(im, 1);
			if (rc == 0)
				rc = import_sequence(im, t, line);
		}
	} else {
		return shape_error(im, "not a Function, an array of Functions, "
		                   "NDJSON or an fcdb export: expected { or [");
	}
	if (rc)
		return rc;
	if (im->opts->mode == FCDB_IMPORT_REPLACE) {
		rc = drop_unseen(im, t);
		if (rc)
			return rc;
	}
	if (im->rep.created + im->rep.updated + im->rep.deleted == 0) {
		im->rep.revision = im->revision - 1;
		return FCDB__NOCHANGE;
	}
	/* the functions are in: read before them, the revision is known */
	rc = fcdb__meta_set_revision(t, im->revision);
	if (rc)
		return rc;
	im->rep.revision = im->revision;
	if (im->opts->flags & FCDB_IMPORT_DRY_RUN)
		return FCDB__NOCHANGE;
	return FCDB_OK;
}

void fcdb_import_options_init(fcdb_import_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->version = FCDB_IMPORT_OPTIONS_VERSION;
}

int fcdb_import(fcdb *db, fcdb_read_fn read, void *read_ctx,
                const fcdb_import_options *opts, fcdb_import_report *report)
{
	fcdb_import_options defaults;
	struct import im;
	int rc;

	if (report)
		memset(report, 0, sizeof(*report));
	rc = fcdb__check_handle(db, "fcdb_import");
	if (rc)
		return rc;
	if (!read)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_import: read is NULL");
	if (!opts) {
		fcdb_import_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->version < 1 || opts->version > FCDB_IMPORT_OPTIONS_VERSION ||
	    opts->mode < FCDB_IMPORT_CREATE || opts->mode > FCDB_IMPORT_REPLACE ||
	    (opts->flags & ~(FCDB_IMPORT_DRY_RUN | FCDB_IMPORT_LENIENT)))
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_import: bad options (version, mode "
		                       "or flags)");
	if (db->flags & FCDB_OPEN_READONLY)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_import: the store was opened "
		                       "read-only (a dry run needs a writable "
		                       "handle too: it runs in a write "
		                       "transaction that it aborts)");
	memset(&im, 0, sizeof(im));
	im.db = db;
	im.cctx.region = db->region;
	im.cctx.account = db->account;
	im.opts = opts;
	im.in.read = read;
	im.in.ctx = read_ctx;
	im.in.buf = malloc(IN_BUF);
	if (!im.in.buf)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	fcdb__buf_init(&im.text);
	fcdb__buf_init(&im.enc);
	fcdb__arena_init(&im.arena, 16384);
	fcdb__vctx_init(&im.v, FCDB__V_IMPORT);
	fcdb__now(db, im.now);
	/* an exclusive store makes room first: a full map restarts */
	rc = fcdb__store_reserve(db->store, opts->version >= 2
	                                    ? opts->size_hint : 0);
	if (rc == 0)
		rc = fcdb__store_write_exact(db->store, import_body, &im);
	if (rc == 0 && report)
		*report = im.rep;
	fcdb__vctx_free(&im.v);
	fcdb__arena_free(&im.arena);
	fcdb__buf_free(&im.text);
	fcdb__buf_free(&im.enc);
	free(im.in.buf);
	return rc;
}
