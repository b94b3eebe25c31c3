/* db.c: opening and closing a store, its meta database and revision. */
#include "db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uuid/uuid.h>

#include "checksum.h"
#include "codec.h"
#include "error.h"
#include "validate.h"

#define DEFAULT_REGION "cn-hangzhou"
#define DEFAULT_ACCOUNT "1000000000000000"

const char *fcdb_version(void)
{
	return FCDB_VERSION_STRING;
}

void fcdb_options_init(fcdb_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->version = FCDB_OPTIONS_VERSION;
}

int fcdb__check_handle(const fcdb *db, const char *fn)
{
	if (!db)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "%s: the store handle is NULL", fn);
	return FCDB_OK;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Meta values carry their own check: the value, then the big-endian
 * XXH3-64 of it seeded with the XXH3-64 of its key.  LMDB checksums
 * nothing, and a flipped bit in the store revision would otherwise pass
 * unnoticed (a raised revision silently, a lowered one letting a stale
 * expected revision match again), as would one in the region or account
 * that every ARN derives from.  The key is in the seed, so a value moved
 * under another key does not verify either.
 */
#define META_SUM 8
#define META_VALUE_MAX 120

static uint64_t meta_sum(const char *key, const void *val, size_t len)
{
	return fcdb__xxh3(val, len, fcdb__xxh3(key, strlen(key), 0));
}

static int meta_get(fcdb__txn *t, const char *key, fcdb__val *v)
{
	int rc = fcdb__txn_get(t, FCDB__DB_META, key, strlen(key), v);

	if (rc)
		return rc;
	if (v->len < META_SUM ||
	    load_be64((const uint8_t *)v->data + v->len - META_SUM) !=
	    meta_sum(key, v->data, v->len - META_SUM))
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store's %s is damaged "
		                       "(checksum mismatch)", key);
	v->len -= META_SUM;
	return FCDB_OK;
}

static int meta_put(fcdb__txn *t, const char *key, const void *val, size_t len)
{
	uint8_t buf[META_VALUE_MAX + META_SUM];

	if (len > META_VALUE_MAX)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "meta: %s is %zu bytes, at most %d", key,
		                       len, META_VALUE_MAX);
	if (len)
		memcpy(buf, val, len);
	store_be64(buf + len, meta_sum(key, val, len));
	return fcdb__txn_put(t, FCDB__DB_META, key, strlen(key), buf,
	                     len + META_SUM, 0);
}

int fcdb__meta_revision(fcdb__txn *t, uint64_t *out)
{
	fcdb__val v;
	int rc = meta_get(t, "revision", &v);

	*out = 0;
	if (rc == FCDB_ENOTFOUND) {
		/* Only a store that never changed has no revision.  Read as
		   0, a damaged key would restart the revisions and let a stale
		   expected revision match again. */
		fcdb__cursor *cur = NULL;
		fcdb__val k;

		rc = fcdb__cursor_open(t, FCDB__DB_FUNCTIONS, &cur);
		if (rc == 0)
			rc = fcdb__cursor_seek(cur, NULL, 0, &k, NULL);
		fcdb__cursor_close(cur);
		if (rc == FCDB_ENOTFOUND)
			return FCDB_OK;
		if (rc)
			return rc;
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store revision is missing, "
		                       "but the store holds functions");
	}
	if (rc)
		return rc;
	if (v.len != 8)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store revision is damaged");
	*out = load_be64(v.data);
	return FCDB_OK;
}

int fcdb__meta_bump(fcdb__txn *t, uint64_t *out)
{
	uint64_t rev;
	int rc = fcdb__meta_revision(t, &rev);

	if (rc)
		return rc;
	rev++;
	rc = fcdb__meta_set_revision(t, rev);
	if (rc)
		return rc;
	*out = rev;
	return FCDB_OK;
}

int fcdb__meta_set_revision(fcdb__txn *t, uint64_t rev)
{
	uint8_t be[8];

	store_be64(be, rev);
	return meta_put(t, "revision", be, sizeof(be));
}

size_t fcdb__arn_for(const fcdb *db, const char *name, size_t nlen,
                     char *out)
{
	size_t r = strlen(db->region), c = strlen(db->account);
	size_t len = 19 + r + c + nlen;

	if (len >= FCDB__ARN_MAX)
		return 0;
	memcpy(out, "acs:fc:", 7);
	memcpy(out + 7, db->region, r);
	out[7 + r] = ':';
	memcpy(out + 8 + r, db->account, c);
	memcpy(out + 8 + r + c, ":functions/", 11);
	memcpy(out + 19 + r + c, name, nlen);
	out[len] = '\0';
	return len;
}

const char *fcdb__arn_name(const fcdb *db, const char *arn, size_t alen,
                           size_t *nlen)
{
	size_t r = strlen(db->region), c = strlen(db->account);
	size_t head = 19 + r + c;

	if (alen <= head || memcmp(arn, "acs:fc:", 7) ||
	    memcmp(arn + 7, db->region, r) || arn[7 + r] != ':' ||
	    memcmp(arn + 8 + r, db->account, c) ||
	    memcmp(arn + 8 + r + c, ":functions/", 11))
		return NULL;
	*nlen = alen - head;
	return arn + head;
}

size_t fcdb__id_key(const char *id, size_t len, uint8_t *out)
{
	if (fcdb__uuid_pack(id, len, out))
		return 16;
	if (len == 0 || len >= FCDB__ID_KEY_MAX || len == 16)
		return 0; /* 16 bytes of text would look like a packed UUID */
	memcpy(out, id, len);
	return len;
}

void fcdb__id_text(const void *key, size_t len, char *out)
{
	if (len == 16) {
		fcdb__uuid_unpack(out, key);
		return;
	}
	if (len > FCDB__ID_KEY_MAX)
		len = FCDB__ID_KEY_MAX;
	memcpy(out, key, len);
	out[len] = '\0';
}

void fcdb__now(const fcdb *db, char out[21])
{
	int64_t t = db->clock ? db->clock(db->clock_ctx) : (int64_t)time(NULL);

	fcdb__format_time(out, t);
}

static int valid_region(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return 0;
	return 1;
}

static int valid_account(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= 64)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

struct init_ctx {
	fcdb *db;
	const char *region;  /* for a new store */
	const char *account;
};

/* A meta entry every store has, of exactly `len` bytes (0: any). */
static int meta_need(fcdb__txn *t, const char *key, fcdb__val *v, size_t len)
{
	int rc = meta_get(t, key, v);

	if (rc == FCDB_ENOTFOUND)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store's %s is missing", key);
	if (rc == 0 && len && v->len != len)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store's %s is %zu bytes, not "
		                       "%zu", key, v->len, len);
	return rc;
}

/* A meta text entry into out[cap], NUL-terminated. */
static int meta_text(fcdb__txn *t, const char *key, char *out, size_t cap)
{
	fcdb__val v;
	int rc = meta_need(t, key, &v, 0);

	if (rc)
		return rc;
	if (v.len == 0 || v.len >= cap)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "meta: the store's %s is %zu bytes long",
		                       key, v.len);
	memcpy(out, v.data, v.len);
	out[v.len] = '\0';
	return FCDB_OK;
}

/* Create the meta entries of a new store, or read those of an old one. */
static int meta_load(fcdb__txn *t, struct init_ctx *c, int writable)
{
	fcdb *db = c->db;
	fcdb__val v;
	int rc = meta_get(t, "format", &v);

	if (rc == FCDB_ENOTFOUND && writable) {
		uuid_t u;
		char now[21];
		uint8_t seed[8];

		uuid_generate_random(u);
		memcpy(seed, u, sizeof(seed));
		fcdb__now(db, now);
		if ((rc = meta_put(t, "format", FCDB__META_FORMAT, 1)) ||
		    (rc = meta_put(t, "region", c->region, strlen(c->region))) ||
		    (rc = meta_put(t, "accountId", c->account,
		                   strlen(c->account))) ||
		    (rc = meta_put(t, "createdTime", now, strlen(now))) ||
		    (rc = meta_put(t, "tokenSeed", seed, sizeof(seed))))
			return rc;
		rc = meta_get(t, "format", &v);
	}
	if (rc == FCDB_ENOTFOUND)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "not an fcdb store: its meta database "
		                       "has no format");
	if (rc)
		return rc;
	if (v.len != 1 || memcmp(v.data, FCDB__META_FORMAT, 1) != 0)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "unsupported store format \"%.*s\"",
		                       (int)(v.len > 16 ? 16 : v.len),
		                       (const char *)v.data);
	rc = meta_text(t, "region", db->region, sizeof(db->region));
	if (rc == 0)
		rc = meta_text(t, "accountId", db->account, sizeof(db->account));
	if (rc == 0)
		rc = meta_need(t, "tokenSeed", &v, 8);
	if (rc)
		return rc;
	db->token_seed = load_be64(v.data);
	return FCDB_OK;
}

static int init_body(fcdb__txn *t, void *ctx)
{
	return meta_load(t, ctx, 1);
}

int fcdb_open(fcdb **out, const char *path, const fcdb_options *opts)
{
	fcdb_options defaults;
	struct init_ctx ic;
	struct stat st;
	fcdb__txn *t;
	fcdb *db;
	unsigned sflags = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !path || !*path)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_open: out and path are required");
	if (!opts) {
		fcdb_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->version < 1 || opts->version > FCDB_OPTIONS_VERSION)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_open: options version %u is not "
		                       "supported (initialise with "
		                       "fcdb_options_init)", opts->version);
	if ((opts->flags & FCDB_OPEN_EXCLUSIVE) &&
	    (opts->flags & FCDB_OPEN_READONLY))
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_open: FCDB_OPEN_EXCLUSIVE is for "
		                       "writing; it cannot go with "
		                       "FCDB_OPEN_READONLY");
	if (opts->region && !valid_region(opts->region))
		return fcdb__error_set(FCDB_EINVAL, "region", 0,
		                       "region: \"%.64s\" must be lower-case "
		                       "letters, digits and -", opts->region);
	if (opts->account_id && !valid_account(opts->account_id))
		return fcdb__error_set(FCDB_EINVAL, "accountId", 0,
		                       "accountId: \"%.64s\" must be digits",
		                       opts->account_id);
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return fcdb__error_set(FCDB_EIO, NULL, errno,
			                       "cannot open %s: %s", path,
			                       strerror(errno));
		if (opts->flags & (FCDB_OPEN_READONLY | FCDB_OPEN_NOCREATE))
			return fcdb__error_set(FCDB_EIO, NULL, ENOENT,
			                       "no store at %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		return fcdb__error_set(FCDB_EIO, NULL, EISDIR,
		                       "%s is a directory, not a store file",
		                       path);
	} else if (st.st_size == 0 && (opts->flags & FCDB_OPEN_READONLY)) {
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "%s is empty: not an fcdb store", path);
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	db->flags = opts->flags;
	db->clock = opts->clock;
	db->clock_ctx = opts->clock_ctx;
	if (opts->flags & FCDB_OPEN_READONLY)
		sflags |= FCDB__STORE_READONLY;
	if (opts->flags & FCDB_OPEN_NOSYNC)
		sflags |= FCDB__STORE_NOSYNC;
	if (opts->flags & FCDB_OPEN_EXCLUSIVE)
		sflags |= FCDB__STORE_EXCLUSIVE;
	rc = fcdb__store_open(&db->store, path, sflags, opts->map_size,
	                      opts->max_readers);
	if (rc)
		goto fail;
	ic.db = db;
	ic.region = opts->region ? opts->region : DEFAULT_REGION;
	ic.account = opts->account_id ? opts->account_id : DEFAULT_ACCOUNT;
	if (opts->flags & FCDB_OPEN_READONLY) {
		rc = fcdb__store_read_begin(db->store, &t);
		if (rc)
			goto fail;
		rc = meta_load(t, &ic, 0);
		fcdb__store_read_end(db->store, t);
	} else {
		rc = fcdb__store_write(db->store, init_body, &ic);
	}
	if (rc)
		goto fail;
	if (opts->region && strcmp(opts->region, db->region) != 0) {
		rc = fcdb__error_set(FCDB_EINVAL, "region", 0,
		                     "region: the store at %s belongs to region "
		                     "%s, not %s", path, db->region, opts->region);
		goto fail;
	}
	if (opts->account_id && strcmp(opts->account_id, db->account) != 0) {
		rc = fcdb__error_set(FCDB_EINVAL, "accountId", 0,
		                     "accountId: the store at %s belongs to "
		                     "account %s, not %s", path, db->account,
		                     opts->account_id);
		goto fail;
	}
	*out = db;
	return FCDB_OK;
fail:
	fcdb_close(db);
	return rc;
}

void fcdb_close(fcdb *db)
{
	if (!db)
		return;
	fcdb__store_close(db->store);
	free(db);
}

const char *fcdb_region(const fcdb *db)
{
	return db ? db->region : NULL;
}

const char *fcdb_account_id(const fcdb *db)
{
	return db ? db->account : NULL;
}

int fcdb_revision(fcdb *db, uint64_t *out)
{
	fcdb__txn *t;
	int rc;

	if (out)
		*out = 0;
	if (!out)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "fcdb_revision: out is NULL");
	rc = fcdb__check_handle(db, "fcdb_revision");
	if (rc)
		return rc;
	rc = fcdb__store_read_begin(db->store, &t);
	if (rc)
		return rc;
	rc = fcdb__meta_revision(t, out);
	fcdb__store_read_end(db->store, t);
	return rc;
}
