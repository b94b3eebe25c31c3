/*
 * function.c: create, get, update, delete, list and the state moves,
 * each composed from validate, codec and store in one transaction.
 */
#include "function.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "base64.h"
#include "buf.h"
#include "checksum.h"
#include "db.h"
#include "error.h"
#include "json.h"
#include "state.h"
#include "validate.h"

#define ARENA_CHUNK 8192

/* ---- the handle ---- */

static fcdb_function *function_new(void)
{
	fcdb_function *fn = calloc(1, sizeof(*fn));

	if (!fn) {
		fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		return NULL;
	}
	fcdb__arena_init(&fn->own, ARENA_CHUNK);
	fn->arena = &fn->own;
	return fn;
}

void fcdb_function_free(fcdb_function *fn)
{
	if (!fn)
		return;
	fcdb__arena_free(&fn->own);
	free(fn);
}

int fcdb__function_load(fcdb_function *fn, const void *rec, size_t len,
                        const char *name, size_t nlen,
                        const fcdb__codec_ctx *ctx)
{
	uint8_t *copy;
	char *region, *account;
	int rc;

	fn->root = NULL;
	copy = fcdb__arena_alloc(fn->arena, len ? len : 1);
	region = fcdb__arena_strndup(fn->arena, ctx->region, strlen(ctx->region));
	account = fcdb__arena_strndup(fn->arena, ctx->account,
	                              strlen(ctx->account));
	if (!copy || !region || !account)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	memcpy(copy, rec, len);
	fn->rec = copy;
	fn->rec_len = len;
	fn->ctx.region = region;
	fn->ctx.account = account;
	rc = fcdb__codec_verify(copy, len, &fn->env);
	if (rc == 0)
		rc = fcdb__codec_summary(fn->arena, &fn->env, &fn->ctx, &fn->sum);
	if (rc == FCDB_ECORRUPT) {
		fcdb__error_prefix("function \"%.*s\": ", (int)nlen, name);
		fcdb__error_field("");
	}
	if (rc)
		return rc;
	fn->revision = fn->env.revision;
	fn->state = (fcdb_state)fn->env.state;
	fn->status = (fcdb_update_status)fn->env.status;
	return FCDB_OK;
}

int fcdb__function_tree(fcdb_function *fn)
{
	int rc = fcdb__codec_decode(fn->arena, &fn->env, &fn->ctx, &fn->root);
	const char *name = fn->sum.str[FCDB__FN_FUNCTION_NAME];

	if (rc == FCDB_ECORRUPT) {
		fcdb__error_prefix("function \"%s\": ", name ? name : "?");
		fcdb__error_field("");
	}
	return rc;
}

static fcdb__codec_ctx db_ctx(const fcdb *db)
{
	fcdb__codec_ctx c = { db->region, db->account };

	return c;
}

/* ---- accessors ---- */

static const char *top_str(const fcdb_function *fn, int num)
{
	return fn ? fn->sum.str[num] : NULL;
}

static int64_t top_int(const fcdb_function *fn, int num)
{
	return fn ? fn->sum.i[num] : 0;
}

const char *fcdb_function_name(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_FUNCTION_NAME);
}

const char *fcdb_function_arn(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_FUNCTION_ARN);
}

const char *fcdb_function_id(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_FUNCTION_ID);
}

const char *fcdb_function_runtime(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_RUNTIME);
}

const char *fcdb_function_handler(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_HANDLER);
}

const char *fcdb_function_description(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_DESCRIPTION);
}

fcdb_state fcdb_function_state(const fcdb_function *fn)
{
	return fn ? fn->state : FCDB_STATE_NONE;
}

const char *fcdb_function_state_reason_code(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_STATE_REASON_CODE);
}

const char *fcdb_function_state_reason(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_STATE_REASON);
}

fcdb_update_status fcdb_function_update_status(const fcdb_function *fn)
{
	return fn ? fn->status : FCDB_UPDATE_NONE;
}

const char *fcdb_function_update_status_reason_code(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_LAST_UPDATE_STATUS_REASON_CODE);
}

const char *fcdb_function_update_status_reason(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_LAST_UPDATE_STATUS_REASON);
}

uint64_t fcdb_function_revision(const fcdb_function *fn)
{
	return fn ? fn->revision : 0;
}

int32_t fcdb_function_memory_size(const fcdb_function *fn)
{
	return (int32_t)top_int(fn, FCDB__FN_MEMORY_SIZE);
}

double fcdb_function_cpu(const fcdb_function *fn)
{
	return fn ? fn->sum.cpu : 0;
}

int32_t fcdb_function_timeout(const fcdb_function *fn)
{
	return (int32_t)top_int(fn, FCDB__FN_TIMEOUT);
}

int32_t fcdb_function_disk_size(const fcdb_function *fn)
{
	return (int32_t)top_int(fn, FCDB__FN_DISK_SIZE);
}

int32_t fcdb_function_instance_concurrency(const fcdb_function *fn)
{
	return (int32_t)top_int(fn, FCDB__FN_INSTANCE_CONCURRENCY);
}

const char *fcdb_function_code_checksum(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_CODE_CHECKSUM);
}

int64_t fcdb_function_code_size(const fcdb_function *fn)
{
	return top_int(fn, FCDB__FN_CODE_SIZE);
}

int fcdb_function_has_code_size(const fcdb_function *fn)
{
	return fn && (fn->sum.has >> FCDB__FN_CODE_SIZE & 1);
}

const char *fcdb_function_created_time(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_CREATED_TIME);
}

const char *fcdb_function_last_modified_time(const fcdb_function *fn)
{
	return top_str(fn, FCDB__FN_LAST_MODIFIED_TIME);
}

/* ---- JSON ---- */

static int render(char **out, size_t *len, const fcdb__envelope *env,
                  const fcdb__codec_ctx *ctx, unsigned flags)
{
	fcdb__render_opts o;
	fcdb__buf b;
	int rc;

	o.pretty = (flags & FCDB_JSON_PRETTY) != 0;
	o.with_revision = (flags & FCDB_JSON_REVISION) != 0;
	o.mask_secrets = (flags & FCDB_JSON_MASK_SECRETS) != 0;
	fcdb__buf_init(&b);
	fcdb__buf_reserve(&b, env->payload_len * 2 + 256);
	rc = fcdb__codec_render(&b, env, ctx, &o);
	if (rc == 0)
		*out = fcdb__buf_take(&b, len);
	if (rc || !*out) {
		fcdb__buf_free(&b);
		if (len)
			*len = 0;
		*out = NULL;
		return rc ? rc : fcdb__error_set(FCDB_ENOMEM, NULL, 0,
		                                 "out of memory");
	}
	return FCDB_OK;
}

int fcdb_function_json(char **out, size_t *len, const fcdb_function *fn,
                       unsigned int flags)
{
	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!out || !fn || !fn->rec)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_json: out and fn are "
		                       "required");
	return render(out, len, &fn->env, &fn->ctx, flags);
}

void fcdb_json_free(char *json)
{
	free(json);
}

/* ---- reading ---- */

static int check_name_arg(const fcdb *db, const char *name, const char *fn)
{
	int rc = fcdb__check_handle(db, fn);

	if (rc)
		return rc;
	if (!name)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: the name is NULL", fn);
	return FCDB_OK;
}

static int not_found(const char *what, const char *key)
{
	return fcdb__error_set(FCDB_ENOTFOUND, NULL, 0,
	                       "function %s\"%.200s\" does not exist", what, key);
}

/* Load the record `name` from t into a new function. */
static int load_named(const fcdb *db, fcdb__txn *t, const char *name,
                      size_t nlen, fcdb_function **out)
{
	fcdb__codec_ctx ctx = db_ctx(db);
	fcdb_function *fn;
	fcdb__val rec;
	int rc;

	*out = NULL;
	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, nlen, &rec);
	if (rc == FCDB_ENOTFOUND)
		return fcdb__error_set(FCDB_ENOTFOUND, NULL, 0,
		                       "function \"%.*s\" does not exist",
		                       (int)(nlen > 200 ? 200 : nlen), name);
	if (rc)
		return rc;
	fn = function_new();
	if (!fn)
		return FCDB_ENOMEM;
	rc = fcdb__function_load(fn, rec.data, rec.len, name, nlen, &ctx);
	if (rc) {
		fcdb_function_free(fn);
		return rc;
	}
	*out = fn;
	return FCDB_OK;
}

/* Get by ARN: the name is in the ARN; the ARN index only tells a missing
   record (damage) from a function that does not exist. */
static int get_arn(fcdb *db, fcdb__txn *t, const char *arn,
                   fcdb_function **out)
{
	size_t alen = strlen(arn), nlen;
	const char *name = fcdb__arn_name(db, arn, alen, &nlen);
	fcdb__val v;
	int rc;

	if (!name) {
		/* an ARN of another region or account; if the index has it
		   anyway, the store's own region or account is damaged */
		if (fcdb__txn_get(t, FCDB__DB_BY_ARN, arn, alen, &v) == 0)
			return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
			                       "index by_arn: \"%.200s\" is not an "
			                       "ARN of this store's region %s and "
			                       "account %s", arn, db->region,
			                       db->account);
		return not_found("with ARN ", arn);
	}
	rc = load_named(db, t, name, nlen, out);
	if (rc != FCDB_ENOTFOUND)
		return rc;
	if (fcdb__txn_get(t, FCDB__DB_BY_ARN, arn, alen, &v) == 0)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "index by_arn: "
		                       "\"%.200s\" exists but its function "
		                       "does not", arn);
	return not_found("with ARN ", arn);
}

/* Get by functionId through the by_id index; the record must name the id
   back. */
static int get_id(fcdb *db, fcdb__txn *t, const char *id, fcdb_function **out)
{
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen = fcdb__id_key(id, strlen(id), key);
	fcdb__val name;
	const char *back;
	int rc;

	if (!klen)
		return not_found("with id ", id);
	rc = fcdb__txn_get(t, FCDB__DB_BY_ID, key, klen, &name);
	if (rc == FCDB_ENOTFOUND)
		return not_found("with id ", id);
	if (rc)
		return rc;
	rc = load_named(db, t, name.data, name.len, out);
	if (rc == FCDB_ENOTFOUND)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "index by_id: "
		                       "\"%.200s\" points at function \"%.*s\", "
		                       "which does not exist", id,
		                       (int)(name.len > 200 ? 200 : name.len),
		                       (const char *)name.data);
	if (rc)
		return rc;
	back = fcdb_function_id(*out);
	if (!back || strcmp(back, id) != 0) {
		rc = fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "index by_id: "
		                     "\"%.200s\" points at function \"%.200s\", "
		                     "which does not name it back", id,
		                     fcdb_function_name(*out));
		fcdb_function_free(*out);
		*out = NULL;
	}
	return rc;
}

static int get_by(fcdb *db, fcdb_function **out, int index, const char *key,
                  const char *api)
{
	fcdb__txn *t;
	int rc;

	if (out)
		*out = NULL;
	if (!out)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0, "%s: out is NULL",
		                       api);
	rc = check_name_arg(db, key, api);
	if (rc)
		return rc;
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	if (index == FCDB__DB_FUNCTIONS)
		rc = load_named(db, t, key, strlen(key), out);
	else if (index == FCDB__DB_BY_ARN)
		rc = get_arn(db, t, key, out);
	else
		rc = get_id(db, t, key, out);
	fcdb__store_read_end(db->store, t);
	return rc;
}

int fcdb_function_get(fcdb *db, fcdb_function **out, const char *name)
{
	return get_by(db, out, FCDB__DB_FUNCTIONS, name, "fcdb_function_get");
}

int fcdb_function_get_by_arn(fcdb *db, fcdb_function **out, const char *arn)
{
	return get_by(db, out, FCDB__DB_BY_ARN, arn, "fcdb_function_get_by_arn");
}

int fcdb_function_get_by_id(fcdb *db, fcdb_function **out, const char *id)
{
	return get_by(db, out, FCDB__DB_BY_ID, id, "fcdb_function_get_by_id");
}

int fcdb_function_get_json(fcdb *db, char **out, size_t *len,
                           const char *name, unsigned int flags)
{
	fcdb__codec_ctx ctx;
	fcdb__envelope env;
	fcdb__txn *t;
	fcdb__val rec;
	int rc;

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!out)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_get_json: out is NULL");
	rc = check_name_arg(db, name, "fcdb_function_get_json");
	if (rc)
		return rc;
	ctx = db_ctx(db);
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, strlen(name), &rec);
	if (rc == FCDB_ENOTFOUND)
		rc = not_found("", name);
	if (rc == 0)
		rc = fcdb__codec_verify(rec.data, rec.len, &env);
	/* rendered straight from the map, inside the read transaction */
	if (rc == 0)
		rc = render(out, len, &env, &ctx, flags);
	if (rc == FCDB_ECORRUPT)
		fcdb__error_prefix("function \"%.200s\": ", name);
	fcdb__store_read_end(db->store, t);
	return rc;
}

int fcdb_function_read_state(fcdb *db, const char *name, fcdb_state *state,
                             fcdb_update_status *status, uint64_t *revision)
{
	fcdb__envelope env;
	fcdb__txn *t;
	fcdb__val rec;
	int rc;

	if (state)
		*state = FCDB_STATE_NONE;
	if (status)
		*status = FCDB_UPDATE_NONE;
	if (revision)
		*revision = 0;
	rc = check_name_arg(db, name, "fcdb_function_read_state");
	if (rc)
		return rc;
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, strlen(name), &rec);
	if (rc == FCDB_ENOTFOUND)
		rc = not_found("", name);
	if (rc == 0) {
		rc = fcdb__codec_verify(rec.data, rec.len, &env);
		if (rc)
			fcdb__error_prefix("function \"%.200s\": ", name);
	}
	fcdb__store_read_end(db->store, t);
	if (rc)
		return rc;
	if (state)
		*state = (fcdb_state)env.state;
	if (status)
		*status = (fcdb_update_status)env.status;
	if (revision)
		*revision = env.revision;
	return FCDB_OK;
}

/* ---- writing ---- */

static void write_options_default(fcdb_write_options *o)
{
	memset(o, 0, sizeof(*o));
	o->version = FCDB_WRITE_OPTIONS_VERSION;
}

void fcdb_write_options_init(fcdb_write_options *opts)
{
	if (opts)
		write_options_default(opts);
}

static int check_write(fcdb *db, const fcdb_write_options **opts,
                       fcdb_write_options *defaults, const char *api)
{
	int rc = fcdb__check_handle(db, api);

	if (rc)
		return rc;
	if (!*opts) {
		write_options_default(defaults);
		*opts = defaults;
	}
	if ((*opts)->version < 1 || (*opts)->version > FCDB_WRITE_OPTIONS_VERSION)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: write options version %u is not "
		                       "supported (use fcdb_write_options_init)",
		                       api, (*opts)->version);
	if ((*opts)->flags & ~FCDB_WRITE_ASYNC)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: unknown write flags", api);
	if ((*opts)->code_len && !(*opts)->code)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: code_len without code", api);
	if (db->flags & FCDB_OPEN_READONLY)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: the store was opened read-only", api);
	return FCDB_OK;
}

/*
 * The largest create or update document: code.zipFile may carry 100 MiB of
 * base64 text, as the service allows, and the rest of a Function fits in
 * the 1 MiB record limit.  Refused before parsing, so a runaway document
 * never costs the three times its size that parsing it would.
 */
#define DOCUMENT_MAX ((size_t)101 * 1024 * 1024)
/* Package bytes given outside the JSON: the service's limit for a package
   that comes from OSS rather than inline base64. */
#define CODE_MAX ((size_t)500 * 1024 * 1024)

static int check_sizes(size_t len, const fcdb_write_options *opts)
{
	if (len > DOCUMENT_MAX)
		return fcdb__error_set(FCDB_EINVAL, NULL, 0,
		                       "the document is %zu bytes; at most %zu "
		                       "(101 MiB: a 100 MiB code.zipFile and the "
		                       "rest)", len, DOCUMENT_MAX);
	if (opts->code_len > CODE_MAX)
		return fcdb__error_set(FCDB_EINVAL, "code", 0,
		                       "code: the package is %zu bytes; at most "
		                       "%zu (500 MiB)", opts->code_len, CODE_MAX);
	return FCDB_OK;
}

/*
 * Hand the written record to the caller, decoded from its stored bytes so
 * that what a write returns is exactly what a later get returns.
 */
static int hand_out(const fcdb *db, fcdb_function **out,
                    const fcdb__buf *enc, const char *name)
{
	fcdb__codec_ctx ctx = db_ctx(db);
	fcdb_function *fn;
	int rc;

	if (!out)
		return FCDB_OK;
	fn = function_new();
	if (!fn)
		return FCDB_ENOMEM;
	rc = fcdb__function_load(fn, enc->data, enc->len, name, strlen(name),
	                         &ctx);
	if (rc) {
		fcdb_function_free(fn);
		return rc;
	}
	*out = fn;
	return FCDB_OK;
}

static void new_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

struct create_ctx {
	const char *name;
	const char *arn;
	const char *id;
	fcdb__buf *rec;
	uint64_t revision;
};

static int create_body(fcdb__txn *t, void *arg)
{
	struct create_ctx *c = arg;
	size_t nlen = strlen(c->name);
	fcdb__val v;
	int rc;

	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, c->name, nlen, &v);
	if (rc == 0)
		return fcdb__error_set(FCDB_EEXISTS, "functionName", 0,
		                       "function \"%s\" already exists", c->name);
	if (rc != FCDB_ENOTFOUND)
		return rc;
	rc = fcdb__meta_bump(t, &c->revision);
	if (rc)
		return rc;
	fcdb__codec_set_revision(c->rec->data, c->rec->len, c->revision);
	rc = fcdb__txn_put(t, FCDB__DB_FUNCTIONS, c->name, nlen, c->rec->data,
	                   c->rec->len, 1);
	if (rc == 0)
		rc = fcdb__txn_put(t, FCDB__DB_BY_ARN, c->arn, strlen(c->arn),
		                   "", 0, 1);
	if (rc == 0) {
		uint8_t key[FCDB__ID_KEY_MAX];
		size_t klen = fcdb__id_key(c->id, strlen(c->id), key);

		rc = fcdb__txn_put(t, FCDB__DB_BY_ID, key, klen, c->name, nlen, 1);
	}
	if (rc == FCDB_EEXISTS)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "an index entry for function \"%s\" exists "
		                       "without its record: run fcdb check",
		                       c->name);
	return rc;
}

int fcdb_function_create(fcdb *db, fcdb_function **out, const char *json,
                         size_t len, const fcdb_write_options *opts)
{
	fcdb_write_options defaults;
	struct create_ctx c;
	fcdb_function *fn = NULL;
	fcdb__node *input, *rec;
	fcdb__vctx v;
	fcdb__buf enc;
	char id[37], now[21];
	int rc;

	if (out)
		*out = NULL;
	rc = check_write(db, &opts, &defaults, "fcdb_function_create");
	if (rc)
		return rc;
	if (!json)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_create: json is NULL");
	rc = check_sizes(len, opts);
	if (rc)
		return rc;
	fn = function_new();
	if (!fn)
		return FCDB_ENOMEM;
	fcdb__buf_init(&enc);
	fcdb__vctx_init(&v, FCDB__V_CREATE);
	rc = fcdb__json_parse(fn->arena, json, len, &input);
	if (rc)
		goto done;
	new_uuid(id);
	fcdb__now(db, now);
	v.region = db->region;
	v.account = db->account;
	v.function_id = id;
	v.now = now;
	v.code = opts->code;
	v.code_len = opts->code_len;
	rc = fcdb__validate_create(&v, fn->arena, input, &rec);
	if (rc)
		goto done;
	rc = fcdb__codec_encode(&enc, rec, 0);
	if (rc)
		goto done;
	c.name = fcdb__node_get(rec, "functionName")->v.s;
	c.arn = fcdb__node_get(rec, "functionArn")->v.s;
	c.id = id;
	c.rec = &enc;
	c.revision = 0;
	rc = fcdb__store_write(db->store, create_body, &c);
	if (rc)
		goto done;
	rc = hand_out(db, out, &enc, c.name);
done:
	fcdb__vctx_free(&v);
	fcdb__buf_free(&enc);
	fcdb_function_free(fn);
	return rc;
}

/*
 * Load `name` for a change inside a write transaction: existence, then the
 * expected revision.  The decoded tree goes into fn.
 */
static int load_for_write(const fcdb *db, fcdb__txn *t, const char *name,
                          uint64_t expected, fcdb_function *fn, int tree)
{
	fcdb__codec_ctx ctx = db_ctx(db);
	fcdb__val rec;
	size_t nlen = strlen(name);
	int rc;

	rc = fcdb__txn_get(t, FCDB__DB_FUNCTIONS, name, nlen, &rec);
	if (rc == FCDB_ENOTFOUND)
		return not_found("", name);
	if (rc)
		return rc;
	fcdb__arena_reset(fn->arena);
	rc = fcdb__function_load(fn, rec.data, rec.len, name, nlen, &ctx);
	if (rc == 0 && tree)
		rc = fcdb__function_tree(fn);
	if (rc)
		return rc;
	if (expected && fn->revision != expected)
		return fcdb__error_set(FCDB_EPRECONDITION, "revision", 0,
		                       "function \"%s\" is at revision %llu, not "
		                       "the expected %llu", name,
		                       (unsigned long long)fn->revision,
		                       (unsigned long long)expected);
	return FCDB_OK;
}

/* Encode `rec` at a new store revision and write it over `name`. */
static int store_change(fcdb__txn *t, const char *name, fcdb__node *rec,
                        fcdb__buf *enc, uint64_t *revision)
{
	int rc = fcdb__codec_encode(enc, rec, 0);

	if (rc)
		return rc;
	rc = fcdb__meta_bump(t, revision);
	if (rc)
		return rc;
	fcdb__codec_set_revision(enc->data, enc->len, *revision);
	return fcdb__txn_put(t, FCDB__DB_FUNCTIONS, name, strlen(name),
	                     enc->data, enc->len, 0);
}

struct update_ctx {
	fcdb *db;
	const char *name;
	const char *json;
	size_t len;
	const fcdb_write_options *opts;
	fcdb_function *fn;   /* stored, then the result */
	fcdb__buf enc;
	uint64_t revision;
};

static int update_body(fcdb__txn *t, void *arg)
{
	struct update_ctx *c = arg;
	fcdb_function *fn = c->fn;
	fcdb__node *input, *rec;
	fcdb__vctx v;
	char now[21];
	int rc;

	rc = load_for_write(c->db, t, c->name, c->opts->expected_revision, fn, 1);
	if (rc)
		return rc;
	if (fn->status == FCDB_UPDATE_IN_PROGRESS)
		return fcdb__error_set(FCDB_ECONCURRENT, "lastUpdateStatus", 0,
		                       "function \"%s\" has an update in progress "
		                       "(lastUpdateStatus InProgress); update it "
		                       "after that one ends", c->name);
	rc = fcdb__json_parse(fn->arena, c->json, c->len, &input);
	if (rc)
		return rc;
	fcdb__now(c->db, now);
	fcdb__vctx_init(&v, FCDB__V_UPDATE);
	v.region = c->db->region;
	v.account = c->db->account;
	v.now = now;
	v.code = c->opts->code;
	v.code_len = c->opts->code_len;
	rc = fcdb__validate_update(&v, fn->arena, input, fn->root, &rec);
	fcdb__vctx_free(&v);
	if (rc)
		return rc;
	if (c->opts->flags & FCDB_WRITE_ASYNC) {
		rc |= fcdb__record_set_str(fn->arena, rec, "lastUpdateStatus",
		                           "InProgress");
	} else {
		rc |= fcdb__record_set_str(fn->arena, rec, "lastUpdateStatus",
		                           "Successful");
	}
	rc |= fcdb__record_set_str(fn->arena, rec, "lastUpdateStatusReason", NULL);
	rc |= fcdb__record_set_str(fn->arena, rec, "lastUpdateStatusReasonCode",
	                           NULL);
	if (fn->state == FCDB_STATE_FAILED) {
		rc |= fcdb__record_set_str(fn->arena, rec, "state", "Pending");
		rc |= fcdb__record_set_str(fn->arena, rec, "stateReasonCode",
		                           "Restoring");
		rc |= fcdb__record_set_str(fn->arena, rec, "stateReason",
		                           "Function restoring after an update");
	}
	if (rc)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	rc = store_change(t, c->name, rec, &c->enc, &c->revision);
	if (rc)
		return rc;
	return FCDB_OK;
}

int fcdb_function_update(fcdb *db, fcdb_function **out, const char *name,
                         const char *json, size_t len,
                         const fcdb_write_options *opts)
{
	fcdb_write_options defaults;
	struct update_ctx c;
	int rc;

	if (out)
		*out = NULL;
	rc = check_write(db, &opts, &defaults, "fcdb_function_update");
	if (rc)
		return rc;
	if (!name || !json)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_update: name and json are "
		                       "required");
	rc = check_sizes(len, opts);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.name = name;
	c.json = json;
	c.len = len;
	c.opts = opts;
	c.fn = function_new();
	if (!c.fn)
		return FCDB_ENOMEM;
	fcdb__buf_init(&c.enc);
	rc = fcdb__store_write(db->store, update_body, &c);
	if (rc == 0)
		rc = hand_out(db, out, &c.enc, name);
	fcdb__buf_free(&c.enc);
	fcdb_function_free(c.fn);
	return rc;
}

struct delete_ctx {
	fcdb *db;
	const char *name;
	uint64_t expected;
	fcdb_function *fn;
};

/* Remove every entry of index `db` whose value is `name` (a damaged
   record cannot tell us its keys). */
static int unindex_scan(fcdb__txn *t, int db, const char *name, size_t nlen)
{
	fcdb__cursor *cur;
	fcdb__val k, v;
	char keys[8][512];
	size_t klen[8];
	int rc, n, i;

	do {
		n = 0;
		rc = fcdb__cursor_open(t, db, &cur);
		if (rc)
			return rc;
		for (rc = fcdb__cursor_seek(cur, NULL, 0, &k, &v); rc == 0 && n < 8;
		     rc = fcdb__cursor_next(cur, &k, &v)) {
			if (v.len == nlen && memcmp(v.data, name, nlen) == 0 &&
			    k.len < sizeof(keys[0])) {
				memcpy(keys[n], k.data, k.len);
				klen[n++] = k.len;
			}
		}
		fcdb__cursor_close(cur);
		if (rc && rc != FCDB_ENOTFOUND)
			return rc;
		for (i = 0; i < n; i++) {
			rc = fcdb__txn_del(t, db, keys[i], klen[i]);
			if (rc && rc != FCDB_ENOTFOUND)
				return rc;
		}
	} while (n == 8);
	return FCDB_OK;
}

/*
 * Find and delete, with a cursor walk, every record that is filed under
 * `name` or names itself `name`: a record whose key was damaged is out of
 * key order, and no lookup can reach it.  Returns the number removed.
 */
static int unfile_scan(const fcdb *db, fcdb__txn *t, const char *name,
                       size_t nlen, fcdb__arena *scratch, int *removed)
{
	fcdb__codec_ctx ctx = db_ctx(db);
	fcdb__cursor *cur;
	fcdb__val k, v;
	fcdb_function fn;
	int rc, hit;

	*removed = 0;
	do {
		hit = 0;
		rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
		if (rc)
			return rc;
		for (rc = fcdb__cursor_seek(cur, NULL, 0, &k, &v); rc == 0;
		     rc = fcdb__cursor_next(cur, &k, &v)) {
			const char *self = NULL;

			if (k.len == nlen && memcmp(k.data, name, nlen) == 0) {
				hit = 1;
			} else {
				memset(&fn, 0, sizeof(fn));
				fn.arena = scratch;
				fcdb__arena_reset(scratch);
				if (fcdb__function_load(&fn, v.data, v.len, k.data,
				                        k.len, &ctx) == 0)
					self = fcdb_function_name(&fn);
				hit = self && strcmp(self, name) == 0;
			}
			if (hit)
				break;
		}
		if (hit) {
			rc = fcdb__cursor_del(cur);
			if (rc == 0)
				(*removed)++;
		}
		fcdb__cursor_close(cur);
		if (rc && rc != FCDB_ENOTFOUND)
			return rc;
	} while (hit);
	return FCDB_OK;
}

/*
 * delete of a name with no record: if the ARN index still names it, the
 * store is damaged (a record filed under a broken key, or an index entry
 * left behind); remove what belongs to the name so it can be used again.
 */
/* Remove the ARN index entry of `name`, if there is one. */
static int unindex_arn(fcdb__txn *t, const fcdb *db, const char *name,
                       size_t nlen)
{
	char arn[FCDB__ARN_MAX];
	size_t alen = fcdb__arn_for(db, name, nlen, arn);
	int rc;

	if (!alen)
		return FCDB_OK;
	rc = fcdb__txn_del(t, FCDB__DB_BY_ARN, arn, alen);
	return rc == FCDB_ENOTFOUND ? FCDB_OK : rc;
}

static int delete_orphan(fcdb__txn *t, struct delete_ctx *c, size_t nlen)
{
	char arn[FCDB__ARN_MAX];
	size_t alen = fcdb__arn_for(c->db, c->name, nlen, arn);
	fcdb__val v;
	uint64_t rev;
	int removed = 0, rc;

	rc = alen ? fcdb__txn_get(t, FCDB__DB_BY_ARN, arn, alen, &v)
	          : FCDB_ENOTFOUND;
	if (rc == FCDB_ENOTFOUND)
		return not_found("", c->name);
	if (rc)
		return rc;
	rc = unfile_scan(c->db, t, c->name, nlen, c->fn->arena, &removed);
	if (rc == 0)
		rc = fcdb__txn_del(t, FCDB__DB_BY_ARN, arn, alen);
	if (rc == 0)
		rc = unindex_scan(t, FCDB__DB_BY_ID, c->name, nlen);
	if (rc == 0)
		rc = fcdb__meta_bump(t, &rev);
	return rc;
}

static int delete_body(fcdb__txn *t, void *arg)
{
	struct delete_ctx *c = arg;
	size_t nlen = strlen(c->name);
	const char *id;
	uint8_t key[FCDB__ID_KEY_MAX];
	size_t klen;
	uint64_t rev;
	int rc;

	rc = load_for_write(c->db, t, c->name, c->expected, c->fn, 0);
	if (rc == FCDB_ENOTFOUND && !c->expected)
		return delete_orphan(t, c, nlen);
	if (rc == FCDB_ECORRUPT && !c->expected) {
		/* Repair path: drop the damaged record and whatever indexes
		   point at it. */
		rc = fcdb__txn_del(t, FCDB__DB_FUNCTIONS, c->name, nlen);
		if (rc == 0)
			rc = unindex_arn(t, c->db, c->name, nlen);
		if (rc == 0)
			rc = unindex_scan(t, FCDB__DB_BY_ID, c->name, nlen);
		if (rc == 0)
			rc = fcdb__meta_bump(t, &rev);
		return rc;
	}
	if (rc)
		return rc;
	id = fcdb_function_id(c->fn);
	rc = fcdb__txn_del(t, FCDB__DB_FUNCTIONS, c->name, nlen);
	if (rc == 0) {
		char arn[FCDB__ARN_MAX];
		size_t alen = fcdb__arn_for(c->db, c->name, nlen, arn);

		rc = fcdb__txn_del(t, FCDB__DB_BY_ARN, arn, alen);
	}
	if (rc == 0 && id) {
		klen = fcdb__id_key(id, strlen(id), key);
		rc = klen ? fcdb__txn_del(t, FCDB__DB_BY_ID, key, klen)
		          : FCDB_ENOTFOUND;
	}
	if (rc == FCDB_ENOTFOUND)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "function \"%s\" lacks an index entry: "
		                       "run fcdb check", c->name);
	if (rc)
		return rc;
	return fcdb__meta_bump(t, &rev);
}

int fcdb_function_delete(fcdb *db, const char *name,
                         const fcdb_write_options *opts)
{
	fcdb_write_options defaults;
	struct delete_ctx c;
	int rc;

	rc = check_write(db, &opts, &defaults, "fcdb_function_delete");
	if (rc)
		return rc;
	if (!name)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_delete: name is NULL");
	c.db = db;
	c.name = name;
	c.expected = opts->expected_revision;
	c.fn = function_new();
	if (!c.fn)
		return FCDB_ENOMEM;
	rc = fcdb__store_write(db->store, delete_body, &c);
	fcdb_function_free(c.fn);
	return rc;
}

/* ---- state moves ---- */

struct move_ctx {
	fcdb *db;
	const char *name;
	int kind;            /* 0: state, 1: lastUpdateStatus */
	int to;
	const char *reason_code;
	const char *reason;
	uint64_t expected;
	fcdb_function *fn;
	fcdb__buf enc;
	uint64_t revision;
	int changed;
};

static int move_body(fcdb__txn *t, void *arg)
{
	struct move_ctx *c = arg;
	fcdb_function *fn = c->fn;
	fcdb__arena *a;
	fcdb__node *rec;
	int move, rc = 0;

	c->changed = 0;
	rc = load_for_write(c->db, t, c->name, c->expected, fn, 1);
	if (rc)
		return rc;
	a = fn->arena;
	rec = fn->root;
	if (c->kind == 0) {
		fcdb_state from = fn->state, to = (fcdb_state)c->to;
		const char *code = c->reason_code;

		move = fcdb__state_move(from, to);
		if (move == FCDB__MOVE_REFUSED)
			return fcdb__error_set(FCDB_ETRANSITION, "state", 0,
			                       "function \"%s\" cannot move from "
			                       "state %s to %s", c->name,
			                       fcdb_state_name(from),
			                       fcdb_state_name(to));
		if (move == FCDB__MOVE_SAME)
			return FCDB__NOCHANGE;
		/* after the same-state check: Failed -> Failed is a no-op
		   with or without a reason */
		if (!code && to == FCDB_STATE_FAILED)
			return fcdb__error_set(FCDB_EINVAL, "stateReasonCode", 0,
			                       "moving to Failed needs a reason "
			                       "code");
		if (!code && to == FCDB_STATE_INACTIVE)
			code = "Idle";
		if (!code && to == FCDB_STATE_PENDING)
			code = "Restoring";
		rc |= fcdb__record_set_str(a, rec, "state", fcdb_state_name(to));
		rc |= fcdb__record_set_str(a, rec, "stateReasonCode", code);
		rc |= fcdb__record_set_str(a, rec, "stateReason", c->reason);
		if (from == FCDB_STATE_PENDING &&
		    fn->status == FCDB_UPDATE_IN_PROGRESS &&
		    (to == FCDB_STATE_ACTIVE || to == FCDB_STATE_FAILED))
			rc |= fcdb__record_set_str(a, rec, "lastUpdateStatus",
				to == FCDB_STATE_ACTIVE ? "Successful" : "Failed");
	} else {
		fcdb_update_status from = fn->status;
		fcdb_update_status to = (fcdb_update_status)c->to;

		move = fcdb__update_status_move(from, to);
		if (move == FCDB__MOVE_REFUSED)
			return fcdb__error_set(FCDB_ETRANSITION, "lastUpdateStatus", 0,
			                       "function \"%s\" cannot move from "
			                       "lastUpdateStatus %s to %s", c->name,
			                       fcdb_update_status_name(from),
			                       fcdb_update_status_name(to));
		if (move == FCDB__MOVE_SAME)
			return FCDB__NOCHANGE;
		rc |= fcdb__record_set_str(a, rec, "lastUpdateStatus",
		                           fcdb_update_status_name(to));
		rc |= fcdb__record_set_str(a, rec, "lastUpdateStatusReasonCode",
		                           c->reason_code);
		rc |= fcdb__record_set_str(a, rec, "lastUpdateStatusReason",
		                           c->reason);
	}
	if (rc)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	rc = store_change(t, c->name, rec, &c->enc, &c->revision);
	if (rc)
		return rc;
	c->changed = 1;
	return FCDB_OK;
}

static int check_reason(const char *s, const char *field)
{
	size_t n;

	if (!s)
		return FCDB_OK;
	n = strlen(s);
	if (n > 1024 || !fcdb__utf8_valid(s, n))
		return fcdb__error_set(FCDB_EINVAL, field, 0,
		                       "%s must be UTF-8 text of at most 1024 "
		                       "bytes", field);
	return FCDB_OK;
}

static int do_move(fcdb *db, fcdb_function **out, const char *name, int kind,
                   int to, const char *reason_code, const char *reason,
                   const fcdb_write_options *opts, const char *api)
{
	fcdb_write_options defaults;
	struct move_ctx c;
	int rc;

	if (out)
		*out = NULL;
	rc = check_write(db, &opts, &defaults, api);
	if (rc)
		return rc;
	if (!name)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0, "%s: name is NULL",
		                       api);
	if (kind == 0 && (to < FCDB_STATE_PENDING || to > FCDB_STATE_FAILED))
		return fcdb__error_set(FCDB_EINVAL, "state", 0,
		                       "state must be Pending, Active, Inactive or "
		                       "Failed");
	if (kind == 1 &&
	    (to < FCDB_UPDATE_IN_PROGRESS || to > FCDB_UPDATE_FAILED))
		return fcdb__error_set(FCDB_EINVAL, "lastUpdateStatus", 0,
		                       "lastUpdateStatus must be InProgress, "
		                       "Successful or Failed");
	rc = check_reason(reason_code, kind ? "lastUpdateStatusReasonCode"
	                                    : "stateReasonCode");
	if (rc == 0)
		rc = check_reason(reason, kind ? "lastUpdateStatusReason"
		                               : "stateReason");
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.name = name;
	c.kind = kind;
	c.to = to;
	c.reason_code = reason_code && *reason_code ? reason_code : NULL;
	c.reason = reason && *reason ? reason : NULL;
	c.expected = opts->expected_revision;
	c.fn = function_new();
	if (!c.fn)
		return FCDB_ENOMEM;
	fcdb__buf_init(&c.enc);
	rc = fcdb__store_write(db->store, move_body, &c);
	if (rc == 0 && c.changed) {
		rc = hand_out(db, out, &c.enc, name);
	} else if (rc == 0 && out) {
		/* idempotent: hand back the function as it is */
		*out = c.fn;
		c.fn = NULL;
	}
	fcdb__buf_free(&c.enc);
	fcdb_function_free(c.fn);
	return rc;
}

int fcdb_function_set_state(fcdb *db, fcdb_function **out, const char *name,
                            fcdb_state state, const char *reason_code,
                            const char *reason,
                            const fcdb_write_options *opts)
{
	return do_move(db, out, name, 0, (int)state, reason_code, reason, opts,
	               "fcdb_function_set_state");
}

int fcdb_function_set_update_status(fcdb *db, fcdb_function **out,
                                    const char *name,
                                    fcdb_update_status status,
                                    const char *reason_code,
                                    const char *reason,
                                    const fcdb_write_options *opts)
{
	return do_move(db, out, name, 1, (int)status, reason_code, reason, opts,
	               "fcdb_function_set_update_status");
}

/* ---- listing ---- */

struct fcdb_list {
	fcdb__arena arena;
	fcdb_function *items;
	size_t count;
	char *next_token;
};

void fcdb_list_options_init(fcdb_list_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->version = FCDB_LIST_OPTIONS_VERSION;
}

size_t fcdb_list_count(const fcdb_list *list)
{
	return list ? list->count : 0;
}

const fcdb_function *fcdb_list_at(const fcdb_list *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

const char *fcdb_list_next_token(const fcdb_list *list)
{
	return list ? list->next_token : NULL;
}

void fcdb_list_free(fcdb_list *list)
{
	if (!list)
		return;
	fcdb__arena_free(&list->arena);
	free(list->items);
	free(list->next_token);
	free(list);
}

/*
 * Tokens: base64url(0x01 | name | XXH3(name) keyed by the store's seed).
 * The tag binds a token to its store; it is a guard against mistakes and
 * foreign tokens, not a secret.
 */
static char *token_make(const fcdb *db, const void *name, size_t nlen)
{
	uint8_t raw[1 + 511 + 8];
	uint64_t tag = fcdb__xxh3(name, nlen, db->token_seed);
	char *out;

	raw[0] = 1;
	memcpy(raw + 1, name, nlen);
	for (int i = 0; i < 8; i++)
		raw[1 + nlen + (size_t)i] = (uint8_t)(tag >> (56 - 8 * i));
	out = malloc(4 * ((nlen + 9 + 2) / 3) + 1);
	if (out)
		fcdb__base64url_encode(out, raw, nlen + 9);
	return out;
}

static int token_read(const fcdb *db, const char *token, uint8_t *name,
                      size_t *nlen)
{
	uint8_t raw[1 + 511 + 8 + 3];
	size_t len = strlen(token);
	long long n;
	uint64_t tag = 0;

	if (len > 4 * (sizeof(raw) - 3) / 3)
		goto bad;
	n = fcdb__base64url_decode(raw, token, len);
	if (n < 10 || raw[0] != 1)
		goto bad;
	*nlen = (size_t)n - 9;
	for (int i = 0; i < 8; i++)
		tag = (tag << 8) | raw[1 + *nlen + (size_t)i];
	if (tag != fcdb__xxh3(raw + 1, *nlen, db->token_seed))
		goto bad;
	memcpy(name, raw + 1, *nlen);
	return FCDB_OK;
bad:
	return fcdb__error_set(FCDB_EINVAL, "nextToken", 0,
	                       "nextToken was not issued by this store");
}

static int list_wanted(const fcdb_list_options *o, const fcdb_function *fn)
{
	const char *rt;

	if (o->state && fn->state != o->state)
		return 0;
	if (o->runtime) {
		rt = fcdb_function_runtime(fn);
		if (!rt || strcmp(rt, o->runtime) != 0)
			return 0;
	}
	return 1;
}

int fcdb_function_list(fcdb *db, fcdb_list **out, const fcdb_list_options *opts)
{
	fcdb_list_options defaults;
	uint8_t after[512];
	size_t after_len = 0, plen, cap;
	fcdb__cursor *cur = NULL;
	fcdb__txn *t = NULL;
	fcdb__val k, v;
	fcdb_list *list;
	fcdb_function probe;
	fcdb__arena_mark mark;
	fcdb__codec_ctx ctx;
	int rc, have_after = 0;

	if (out)
		*out = NULL;
	if (!out)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_list: out is NULL");
	rc = fcdb__check_handle(db, "fcdb_function_list");
	if (rc)
		return rc;
	if (!opts) {
		fcdb_list_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->version < 1 || opts->version > FCDB_LIST_OPTIONS_VERSION)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_function_list: options version %u is "
		                       "not supported", opts->version);
	if (opts->limit > FCDB_LIST_LIMIT_MAX)
		return fcdb__error_set(FCDB_EINVAL, "limit", 0,
		                       "limit must be 1 to 100 (got %u)",
		                       opts->limit);
	if ((unsigned)opts->state > FCDB_STATE_FAILED)
		return fcdb__error_set(FCDB_EINVAL, "state", 0,
		                       "state filter out of range");
	if (opts->next_token && *opts->next_token) {
		rc = token_read(db, opts->next_token, after, &after_len);
		if (rc)
			return rc;
		have_after = 1;
	}
	cap = opts->limit ? opts->limit : FCDB_LIST_LIMIT_DEFAULT;
	ctx = db_ctx(db);
	plen = opts->prefix ? strlen(opts->prefix) : 0;
	list = calloc(1, sizeof(*list));
	if (!list)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	fcdb__arena_init(&list->arena, 64 * 1024);
	list->items = calloc(cap, sizeof(*list->items));
	if (!list->items) {
		rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		goto done;
	rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
	if (rc)
		goto done;
	if (have_after && (!plen || (after_len >= plen &&
	                             memcmp(after, opts->prefix, plen) >= 0)))
		rc = fcdb__cursor_seek(cur, after, after_len, &k, &v);
	else
		rc = fcdb__cursor_seek(cur, opts->prefix, plen, &k, &v);
	memset(&probe, 0, sizeof(probe));
	for (; rc == 0; rc = fcdb__cursor_next(cur, &k, &v)) {
		fcdb_function *fn;

		if (plen && (k.len < plen || memcmp(k.data, opts->prefix, plen)))
			break;
		if (have_after && k.len == after_len &&
		    memcmp(k.data, after, after_len) == 0)
			continue;
		if (list->count == cap) {
			/* Look ahead: is there one more to list? */
			fcdb__arena probe_arena;

			fcdb__arena_init(&probe_arena, ARENA_CHUNK);
			probe.arena = &probe_arena;
			rc = fcdb__function_load(&probe, v.data, v.len, k.data,
			                         k.len, &ctx);
			if (rc == 0 && list_wanted(opts, &probe)) {
				const fcdb_function *last = &list->items[cap - 1];
				const char *ln = fcdb_function_name(last);

				fcdb__arena_free(&probe_arena);
				list->next_token = token_make(db, ln, strlen(ln));
				if (!list->next_token)
					rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0,
					                     "out of memory");
				break;
			}
			fcdb__arena_free(&probe_arena);
			if (rc)
				break;
			continue;
		}
		fn = &list->items[list->count];
		fn->arena = &list->arena;
		mark = fcdb__arena_save(&list->arena);
		rc = fcdb__function_load(fn, v.data, v.len, k.data, k.len, &ctx);
		if (rc)
			break;
		if (list_wanted(opts, fn))
			list->count++;
		else /* a filtered-out record leaves nothing behind */
			fcdb__arena_rollback(&list->arena, mark);
	}
	if (rc == FCDB_ENOTFOUND)
		rc = FCDB_OK;
done:
	fcdb__cursor_close(cur);
	if (t)
		fcdb__store_read_end(db->store, t);
	if (rc) {
		fcdb_list_free(list);
		return rc;
	}
	*out = list;
	return FCDB_OK;
}
