/*
 * codec.c: record <-> MessagePack, through msgpack-c (included here only).
 *
 * Integer field numbers instead of names keep a full record near 1 KB, well
 * under LMDB's inline-value limit, and let the decoder map keys with one
 * table lookup.
 */
#include "codec.h"

#include <msgpack.h>
#include <string.h>

#include "checksum.h"
#include "error.h"
#include "fcdb.h"
#include "json.h"
#include "schema.h"

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t record_hash(const uint8_t *rec, size_t len)
{
	return fcdb__xxh3(rec + 16, len - 16, load_be64(rec));
}

int fcdb__codec_verify(const void *data, size_t len, fcdb__envelope *env)
{
	const uint8_t *rec = data;

	if (len < FCDB__ENVELOPE_SIZE)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "record is %zu bytes, shorter than its "
		                       "%d-byte envelope", len,
		                       FCDB__ENVELOPE_SIZE);
	if (rec[0] != FCDB__FORMAT_VERSION)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "record format version %u is not %u",
		                       rec[0], FCDB__FORMAT_VERSION);
	if (record_hash(rec, len) != load_be64(rec + 8))
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "record checksum (XXH3) does not match");
	if (rec[2] < FCDB_STATE_PENDING || rec[2] > FCDB_STATE_FAILED ||
	    rec[3] < FCDB_UPDATE_IN_PROGRESS || rec[3] > FCDB_UPDATE_FAILED ||
	    rec[1] != 0)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "record envelope holds an unknown state "
		                       "or flag");
	env->version = rec[0];
	env->flags = rec[1];
	env->state = rec[2];
	env->status = rec[3];
	env->revision = load_be64(rec + 16);
	env->payload = rec + FCDB__ENVELOPE_SIZE;
	env->payload_len = len - FCDB__ENVELOPE_SIZE;
	return FCDB_OK;
}

void fcdb__codec_set_revision(void *data, size_t len, uint64_t revision)
{
	uint8_t *rec = data;

	store_be64(rec + 16, revision);
	store_be64(rec + 8, record_hash(rec, len));
}

/* ---- encoding ---- */

static void pack_str(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

/* Any node, with string keys: used for fields the schema does not know. */
static void pack_generic(msgpack_packer *pk, const fcdb__node *n)
{
	uint32_t i;

	switch (n->type) {
	case FCDB__NULL:
		msgpack_pack_nil(pk);
		break;
	case FCDB__BOOL:
		if (n->v.b)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case FCDB__INT:
		msgpack_pack_int64(pk, n->v.i);
		break;
	case FCDB__DOUBLE:
		msgpack_pack_double(pk, n->v.d);
		break;
	case FCDB__STR:
		pack_str(pk, n->v.s, n->len);
		break;
	case FCDB__ARR:
		msgpack_pack_array(pk, n->len);
		for (i = 0; i < n->len; i++)
			pack_generic(pk, &n->v.kids[i]);
		break;
	case FCDB__OBJ:
		msgpack_pack_map(pk, n->len);
		for (i = 0; i < n->len; i++) {
			pack_str(pk, n->v.kids[i].key, n->v.kids[i].keylen);
			pack_generic(pk, &n->v.kids[i]);
		}
		break;
	}
}

static void pack_object(msgpack_packer *pk, const fcdb__schema *s,
                        const fcdb__node *obj);

static void pack_value(msgpack_packer *pk, const fcdb__field *f,
                       const fcdb__node *n)
{
	uint32_t i;

	switch (f->type) {
	case FCDB__T_NUM:
		msgpack_pack_double(pk, n->type == FCDB__INT ? (double)n->v.i
		                                             : n->v.d);
		break;
	case FCDB__T_OBJ:
		pack_object(pk, f->sub, n);
		break;
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		msgpack_pack_array(pk, n->len);
		for (i = 0; i < n->len; i++)
			pack_object(pk, f->sub, &n->v.kids[i]);
		break;
	default:
		/* strings, integers, booleans, string arrays and maps have
		   the same shape stored as in JSON */
		pack_generic(pk, n);
	}
}

/*
 * Members are written in schema order whatever order the input had, then
 * unknown members in input order: one record has one encoding, so equal
 * records have equal bytes.
 */
static void pack_object(msgpack_packer *pk, const fcdb__schema *s,
                        const fcdb__node *obj)
{
	struct slot {
		const fcdb__field *f;
		const fcdb__node *m;
	} slots[64], tmp;
	uint32_t i, count = 0, unknown = 0;
	size_t n = 0, j;

	for (i = 0; i < obj->len; i++) {
		const fcdb__node *m = &obj->v.kids[i];
		const fcdb__field *f;

		if (m->type == FCDB__NULL)
			continue;
		f = fcdb__schema_find(s, m->key);
		if (!f) {
			unknown++;
			continue;
		}
		if (f->flags & (FCDB__F_HEADER | FCDB__F_INPUT))
			continue;
		if (n < sizeof(slots) / sizeof(slots[0])) {
			/* insertion sort by field number: objects are small */
			tmp.f = f;
			tmp.m = m;
			for (j = n; j > 0 && slots[j - 1].f->num > f->num; j--)
				slots[j] = slots[j - 1];
			slots[j] = tmp;
			n++;
		}
	}
	count = (uint32_t)n + unknown;
	msgpack_pack_map(pk, count);
	for (j = 0; j < n; j++) {
		msgpack_pack_uint8(pk, slots[j].f->num);
		pack_value(pk, slots[j].f, slots[j].m);
	}
	for (i = 0; i < obj->len && unknown; i++) {
		const fcdb__node *m = &obj->v.kids[i];

		if (m->type == FCDB__NULL || fcdb__schema_find(s, m->key))
			continue;
		pack_str(pk, m->key, m->keylen);
		pack_generic(pk, m);
	}
}

static int buf_write(void *data, const char *p, size_t n)
{
	fcdb__buf *b = data;

	fcdb__buf_add(b, p, n);
	return b->failed ? -1 : 0;
}

int fcdb__codec_encode(fcdb__buf *out, const fcdb__node *record,
                       uint64_t revision)
{
	static const uint8_t zero[FCDB__ENVELOPE_SIZE];
	const fcdb__node *st, *us;
	msgpack_packer pk;
	fcdb_state state = FCDB_STATE_NONE;
	fcdb_update_status status = FCDB_UPDATE_NONE;
	uint8_t *rec;

	out->len = 0;
	st = fcdb__node_get(record, "state");
	us = fcdb__node_get(record, "lastUpdateStatus");
	if (!st || st->type != FCDB__STR || fcdb_state_parse(&state, st->v.s) ||
	    !us || us->type != FCDB__STR ||
	    fcdb_update_status_parse(&status, us->v.s))
		return fcdb__error_set(FCDB_EINTERNAL, "state", 0,
		                       "record to encode has no valid state");
	fcdb__buf_add(out, zero, sizeof(zero));
	msgpack_packer_init(&pk, out, buf_write);
	pack_object(&pk, &fcdb__schema_function, record);
	if (out->failed)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	if (out->len > FCDB__RECORD_MAX)
		return fcdb__error_set(FCDB_EINVAL, "", 0,
		                       "the record is %zu bytes encoded, more "
		                       "than the 1 MiB limit", out->len);
	rec = (uint8_t *)out->data;
	rec[0] = FCDB__FORMAT_VERSION;
	rec[2] = (uint8_t)state;
	rec[3] = (uint8_t)status;
	fcdb__codec_set_revision(rec, out->len, revision);
	return FCDB_OK;
}

/* ---- decoding ---- */

struct dec {
	fcdb__arena *a;
	const char *what; /* for messages: the field being decoded */
};

static int corrupt(const struct dec *d, const char *why)
{
	return fcdb__error_set(FCDB_ECORRUPT, d->what, 0,
	                       "record payload: %s%s%s", why,
	                       d->what[0] ? " in " : "", d->what);
}

/* The bytes of a string object: msgpack-c leaves ptr NULL for an empty
   string, which memchr and pointer arithmetic must not see. */
static const char *str_bytes(const msgpack_object *o)
{
	return o->via.str.size ? o->via.str.ptr : "";
}

static int dec_str(struct dec *d, const msgpack_object *o, fcdb__node *n)
{
	const char *s;

	if (o->type != MSGPACK_OBJECT_STR)
		return corrupt(d, "expected a string");
	s = str_bytes(o);
	if (memchr(s, '\0', o->via.str.size) ||
	    !fcdb__utf8_valid(s, o->via.str.size))
		return corrupt(d, "string is not valid UTF-8 text");
	n->type = FCDB__STR;
	n->len = o->via.str.size;
	n->v.s = fcdb__arena_strndup(d->a, s, o->via.str.size);
	return n->v.s ? 0 : fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
}

static int alloc_kids(struct dec *d, fcdb__node *n, uint32_t count, int type)
{
	n->type = (uint8_t)type;
	n->len = count;
	n->v.kids = NULL;
	if (!count)
		return 0;
	n->v.kids = fcdb__arena_alloc(d->a, sizeof(fcdb__node) * count);
	if (!n->v.kids)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	memset(n->v.kids, 0, sizeof(fcdb__node) * count);
	return 0;
}

static int dec_key_str(struct dec *d, const msgpack_object *k, fcdb__node *m)
{
	if (k->type != MSGPACK_OBJECT_STR)
		return corrupt(d, "expected a string key");
	if (memchr(str_bytes(k), '\0', k->via.str.size) ||
	    !fcdb__utf8_valid(str_bytes(k), k->via.str.size))
		return corrupt(d, "key is not valid UTF-8 text");
	m->key = fcdb__arena_strndup(d->a, str_bytes(k), k->via.str.size);
	m->keylen = k->via.str.size;
	return m->key ? 0 : fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
}

static int dec_generic(struct dec *d, const msgpack_object *o, fcdb__node *n)
{
	uint32_t i;
	int rc;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		n->type = FCDB__NULL;
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		n->type = FCDB__BOOL;
		n->v.b = o->via.boolean;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX)
			return corrupt(d, "integer out of range");
		fcdb__node_set_int(n, (int64_t)o->via.u64);
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fcdb__node_set_int(n, o->via.i64);
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		n->type = FCDB__DOUBLE;
		n->v.d = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_STR:
		return dec_str(d, o, n);
	case MSGPACK_OBJECT_ARRAY:
		rc = alloc_kids(d, n, o->via.array.size, FCDB__ARR);
		for (i = 0; !rc && i < o->via.array.size; i++)
			rc = dec_generic(d, &o->via.array.ptr[i], &n->v.kids[i]);
		return rc;
	case MSGPACK_OBJECT_MAP:
		rc = alloc_kids(d, n, o->via.map.size, FCDB__OBJ);
		for (i = 0; !rc && i < o->via.map.size; i++) {
			rc = dec_key_str(d, &o->via.map.ptr[i].key, &n->v.kids[i]);
			if (!rc)
				rc = dec_generic(d, &o->via.map.ptr[i].val,
				                 &n->v.kids[i]);
		}
		return rc;
	default:
		return corrupt(d, "unexpected MessagePack type");
	}
}

static int dec_object(struct dec *d, const fcdb__schema *s,
                      const msgpack_object *o, fcdb__node *n);

static int dec_value(struct dec *d, const fcdb__field *f,
                     const msgpack_object *o, fcdb__node *n)
{
	uint32_t i;
	int rc;

	switch (f->type) {
	case FCDB__T_STR:
		return dec_str(d, o, n);
	case FCDB__T_INT:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
			return corrupt(d, "expected an integer");
		return dec_generic(d, o, n);
	case FCDB__T_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return corrupt(d, "expected a boolean");
		return dec_generic(d, o, n);
	case FCDB__T_NUM:
		if (o->type != MSGPACK_OBJECT_FLOAT64 &&
		    o->type != MSGPACK_OBJECT_FLOAT32)
			return corrupt(d, "expected a number");
		return dec_generic(d, o, n);
	case FCDB__T_OBJ:
		return dec_object(d, f->sub, o, n);
	case FCDB__T_ARR_STR:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return corrupt(d, "expected an array");
		rc = alloc_kids(d, n, o->via.array.size, FCDB__ARR);
		for (i = 0; !rc && i < o->via.array.size; i++)
			rc = dec_str(d, &o->via.array.ptr[i], &n->v.kids[i]);
		return rc;
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return corrupt(d, "expected an array");
		rc = alloc_kids(d, n, o->via.array.size, FCDB__ARR);
		for (i = 0; !rc && i < o->via.array.size; i++)
			rc = dec_object(d, f->sub, &o->via.array.ptr[i],
			                &n->v.kids[i]);
		return rc;
	case FCDB__T_MAP:
		if (o->type != MSGPACK_OBJECT_MAP)
			return corrupt(d, "expected a map");
		rc = alloc_kids(d, n, o->via.map.size, FCDB__OBJ);
		for (i = 0; !rc && i < o->via.map.size; i++) {
			rc = dec_key_str(d, &o->via.map.ptr[i].key, &n->v.kids[i]);
			if (!rc)
				rc = dec_str(d, &o->via.map.ptr[i].val,
				             &n->v.kids[i]);
		}
		return rc;
	default:
		return corrupt(d, "unknown field type");
	}
}

/*
 * Decode a map keyed by field numbers into members in schema order; for
 * the Function, `extra` members (state, lastUpdateStatus from the
 * envelope) are slotted in by their field numbers.
 */
static int dec_object_ex(struct dec *d, const fcdb__schema *s,
                         const msgpack_object *o, fcdb__node *n,
                         const fcdb__node *extra, size_t nextra)
{
	const msgpack_object *slot_val[64];
	const char *saved = d->what;
	uint32_t i, count = 0, unknown = 0, k;
	const fcdb__field *f;
	int rc;

	if (o->type != MSGPACK_OBJECT_MAP)
		return corrupt(d, "expected a map");
	memset(slot_val, 0, sizeof(slot_val));
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *key = &o->via.map.ptr[i].key;

		if (key->type == MSGPACK_OBJECT_STR) {
			unknown++;
			continue;
		}
		if (key->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    key->via.u64 >= 64 ||
		    !(f = fcdb__schema_by_num(s, (unsigned)key->via.u64)) ||
		    (f->flags & FCDB__F_HEADER))
			return corrupt(d, "unknown field number");
		if (slot_val[key->via.u64])
			return corrupt(d, "field stored twice");
		slot_val[key->via.u64] = &o->via.map.ptr[i].val;
		count++;
	}
	rc = alloc_kids(d, n, count + unknown + (uint32_t)nextra, FCDB__OBJ);
	if (rc)
		return rc;
	/* Schema order: walk the table, taking stored values and extras. */
	k = 0;
	for (i = 0; i < s->count; i++) {
		f = &s->fields[i];
		if (f->flags & FCDB__F_HEADER) {
			for (size_t e = 0; e < nextra; e++)
				if (strcmp(extra[e].key, f->name) == 0)
					n->v.kids[k++] = extra[e];
			continue;
		}
		if (!f->num || !slot_val[f->num])
			continue;
		n->v.kids[k].key = f->name;
		n->v.kids[k].keylen = (uint32_t)strlen(f->name);
		d->what = f->name;
		rc = dec_value(d, f, slot_val[f->num], &n->v.kids[k]);
		d->what = saved;
		if (rc)
			return rc;
		k++;
	}
	for (i = 0; i < o->via.map.size && unknown; i++) {
		const msgpack_object *key = &o->via.map.ptr[i].key;

		if (key->type != MSGPACK_OBJECT_STR)
			continue;
		rc = dec_key_str(d, key, &n->v.kids[k]);
		if (!rc)
			rc = dec_generic(d, &o->via.map.ptr[i].val, &n->v.kids[k]);
		if (rc)
			return rc;
		k++;
	}
	n->len = k;
	return 0;
}

static int dec_object(struct dec *d, const fcdb__schema *s,
                      const msgpack_object *o, fcdb__node *n)
{
	return dec_object_ex(d, s, o, n, NULL, 0);
}

/*
 * Bounds check before msgpack-c sees a payload.  msgpack_unpack allocates
 * an array for the element count a header claims before it reads a single
 * element, so 30 bytes of garbage claiming 2^31 elements ask for 32 GB.
 * Every element takes at least one byte, so a payload that claims more
 * elements (or longer strings) than it has bytes left is damaged: this
 * walk refuses it without allocating anything.  It only measures; the
 * decoding proper stays msgpack-c's.
 */
static int payload_bounded(const uint8_t *p, size_t len)
{
	size_t i = 0, need = 1;

	while (need) {
		uint64_t n = 0, skip = 0, add = 0;
		uint8_t b;
		int w = 0;

		if (i >= len)
			return 0;
		need--;
		b = p[i++];
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
			continue;
		if (b >= 0x80 && b <= 0x8f) {
			add = 2u * (b & 0x0fu);
		} else if (b >= 0x90 && b <= 0x9f) {
			add = b & 0x0fu;
		} else if (b >= 0xa0 && b <= 0xbf) {
			skip = b & 0x1fu;
		} else {
			switch (b) {
			case 0xc4: case 0xd9: w = 1; break;          /* bin8, str8 */
			case 0xc5: case 0xda: w = 2; break;          /* bin16, str16 */
			case 0xc6: case 0xdb: w = 4; break;          /* bin32, str32 */
			case 0xc7: w = 1; skip = 1; break;           /* ext8 */
			case 0xc8: w = 2; skip = 1; break;           /* ext16 */
			case 0xc9: w = 4; skip = 1; break;           /* ext32 */
			case 0xca: case 0xce: case 0xd2: skip = 4; break;
			case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xd4: skip = 2; break;                  /* fixext 1..16 */
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xdc: w = 2; add = 1; break;            /* array16 */
			case 0xdd: w = 4; add = 1; break;            /* array32 */
			case 0xde: w = 2; add = 2; break;            /* map16 */
			case 0xdf: w = 4; add = 2; break;            /* map32 */
			default: return 0;                           /* 0xc1 */
			}
			if (w) {
				if (len - i < (size_t)w)
					return 0;
				for (int k = 0; k < w; k++)
					n = (n << 8) | p[i++];
				if (add)
					add *= n;
				else
					skip += n;
			}
		}
		if (skip > len - i)
			return 0;
		i += (size_t)skip;
		need += (size_t)add;
		if (need > len - i)
			return 0;
	}
	return 1;
}

int fcdb__codec_decode(fcdb__arena *a, const fcdb__envelope *env,
                       fcdb__node **out)
{
	msgpack_zone zone;
	msgpack_object obj;
	msgpack_unpack_return ur;
	fcdb__node extra[2], *root;
	struct dec d = { a, "" };
	size_t off = 0;
	int rc;

	*out = NULL;
	memset(extra, 0, sizeof(extra));
	fcdb__node_set_key(&extra[0], "lastUpdateStatus");
	fcdb__node_set_str(&extra[0],
	                   fcdb_update_status_name((fcdb_update_status)env->status),
	                   strlen(fcdb_update_status_name(
	                          (fcdb_update_status)env->status)));
	fcdb__node_set_key(&extra[1], "state");
	fcdb__node_set_str(&extra[1], fcdb_state_name((fcdb_state)env->state),
	                   strlen(fcdb_state_name((fcdb_state)env->state)));
	root = fcdb__arena_alloc(a, sizeof(*root));
	if (!root)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	memset(root, 0, sizeof(*root));
	if (!msgpack_zone_init(&zone, 4096))
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	if (!payload_bounded(env->payload, env->payload_len)) {
		msgpack_zone_destroy(&zone);
		return corrupt(&d, "payload claims more than it holds");
	}
	ur = msgpack_unpack((const char *)env->payload, env->payload_len, &off,
	                    &zone, &obj);
	if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
		/* a payload of at most 1 MiB that needs more memory than we
		   have claims more elements than it holds */
		rc = corrupt(&d, "payload claims more elements than it holds");
	} else if (ur != MSGPACK_UNPACK_SUCCESS) {
		rc = corrupt(&d, ur == MSGPACK_UNPACK_EXTRA_BYTES
		                 ? "trailing bytes after the payload"
		                 : "payload is not valid MessagePack");
	} else {
		rc = dec_object_ex(&d, &fcdb__schema_function, &obj, root,
		                   extra, 2);
	}
	msgpack_zone_destroy(&zone);
	if (rc == 0)
		*out = root;
	return rc;
}
