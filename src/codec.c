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

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t record_hash(const uint8_t *rec, size_t len)
{
	return fcdb__xxh3(rec + 12, len - 12, load_be32(rec));
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
	if (record_hash(rec, len) != load_be64(rec + 4))
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
	env->revision = load_be64(rec + 12);
	env->payload = rec + FCDB__ENVELOPE_SIZE;
	env->payload_len = len - FCDB__ENVELOPE_SIZE;
	return FCDB_OK;
}

void fcdb__codec_set_revision(void *data, size_t len, uint64_t revision)
{
	uint8_t *rec = data;

	store_be64(rec + 12, revision);
	store_be64(rec + 4, record_hash(rec, len));
}

/* ---- compact encodings ----
 *
 * Some strings of the service's shape have a fixed syntax and are stored
 * smaller: times as seconds since the epoch (5 bytes instead of 21), a
 * lower-case functionId as 16 binary bytes (18 instead of 37), a
 * codeChecksum as an unsigned integer (9 instead of up to 21), and the
 * functionArn not at all: it is derived from the store's region and
 * account and the functionName.  Each compact form is used only when it
 * renders back to exactly the same text; otherwise the string is kept.
 */

int fcdb__codec_field_enc(const fcdb__field *f, int top)
{
	switch (f->rule) {
	case FCDB__R_TIME:
		return FCDB__ENC_TIME;
	case FCDB__R_UUID:
		return FCDB__ENC_UUID;
	case FCDB__R_CHECKSUM:
		return FCDB__ENC_CHECKSUM;
	case FCDB__R_FUNCTION_ARN:
		return top ? FCDB__ENC_DERIVED : FCDB__ENC_PLAIN;
	default:
		return FCDB__ENC_PLAIN;
	}
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void fcdb__codec_format_time(char out[21], uint64_t t)
{
	int64_t z = (int64_t)(t / 86400) + 719468, era, yy;
	unsigned doe, yoe, doy, mp, d, m, sec = (unsigned)(t % 86400);
	unsigned v[6];
	int i, k;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	yy += m <= 2;
	if (yy > 9999)
		yy = 9999;
	v[0] = (unsigned)yy;
	v[1] = m;
	v[2] = d;
	v[3] = sec / 3600;
	v[4] = sec / 60 % 60;
	v[5] = sec % 60;
	out[0] = (char)('0' + v[0] / 1000);
	out[1] = (char)('0' + v[0] / 100 % 10);
	out[2] = (char)('0' + v[0] / 10 % 10);
	out[3] = (char)('0' + v[0] % 10);
	for (i = 1, k = 4; i < 6; i++) {
		out[k++] = "--T::"[i - 1];
		out[k++] = (char)('0' + v[i] / 10);
		out[k++] = (char)('0' + v[i] % 10);
	}
	out[19] = 'Z';
	out[20] = '\0';
}

/* "YYYY-MM-DDThh:mm:ssZ" from 1970 on, when it renders back exactly. */
static int time_pack(const char *s, size_t len, uint64_t *out)
{
	char back[21];
	unsigned v[6];
	int64_t days;
	static const int at[6] = { 0, 5, 8, 11, 14, 17 };
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };

	if (len != 20)
		return 0;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int k = 0; k < width[i]; k++) {
			char c = s[at[i] + k];

			if (c < '0' || c > '9')
				return 0;
			v[i] = v[i] * 10 + (unsigned)(c - '0');
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return 0;
	days = days_from_civil(v[0], v[1], v[2]);
	if (days < 0)
		return 0;
	*out = (uint64_t)days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	fcdb__codec_format_time(back, *out);
	return memcmp(back, s, 20) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A lower-case 8-4-4-4-12 UUID as 16 bytes. */
int fcdb__uuid_pack(const char *s, size_t len, uint8_t out[16])
{
	size_t i, k = 0;

	if (len != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return k == 16;
}

void fcdb__uuid_unpack(char out[37], const uint8_t in[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[in[i] >> 4];
		out[k++] = hex[in[i] & 15];
	}
	out[36] = '\0';
}

/* A canonical unsigned decimal (no leading zeros) as an integer. */
static int checksum_pack(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len < 1 || len > 20 || (len > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/* The text of a compact value (time, uuid, checksum) into out (>= 40). */
static int compact_text(int enc, const msgpack_object *o, char *out,
                        size_t *len)
{
	if (enc == FCDB__ENC_TIME && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= FCDB__TIME_MAX) {
		fcdb__codec_format_time(out, o->via.u64);
		*len = 20;
		return 1;
	}
	if (enc == FCDB__ENC_UUID && o->type == MSGPACK_OBJECT_BIN &&
	    o->via.bin.size == 16) {
		fcdb__uuid_unpack(out, (const uint8_t *)o->via.bin.ptr);
		*len = 36;
		return 1;
	}
	if (enc == FCDB__ENC_CHECKSUM && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*len = fcdb__u64_to_dec(out, o->via.u64);
		return 1;
	}
	return 0;
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
                        const fcdb__node *obj, int top);

static void pack_value(msgpack_packer *pk, const fcdb__field *f,
                       const fcdb__node *n, int top)
{
	uint32_t i;
	uint64_t u;
	uint8_t id[16];

	switch (f->type) {
	case FCDB__T_STR:
		if (n->type == FCDB__STR) {
			switch (fcdb__codec_field_enc(f, top)) {
			case FCDB__ENC_TIME:
				if (time_pack(n->v.s, n->len, &u)) {
					msgpack_pack_uint64(pk, u);
					return;
				}
				break;
			case FCDB__ENC_UUID:
				if (fcdb__uuid_pack(n->v.s, n->len, id)) {
					msgpack_pack_bin(pk, 16);
					msgpack_pack_bin_body(pk, id, 16);
					return;
				}
				break;
			case FCDB__ENC_CHECKSUM:
				if (checksum_pack(n->v.s, n->len, &u)) {
					msgpack_pack_uint64(pk, u);
					return;
				}
				break;
			default:
				break;
			}
		}
		pack_generic(pk, n);
		break;
	case FCDB__T_NUM: {
		/* cpu: whole hundredths of a vCPU as an integer (1-3 bytes
		   instead of 9) when that reads back exactly */
		double d = n->type == FCDB__INT ? (double)n->v.i : n->v.d;
		double h = d * 100.0;

		if (h >= 0 && h < 1e9 && (double)(uint64_t)h == h &&
		    (double)(uint64_t)h / 100.0 == d)
			msgpack_pack_uint64(pk, (uint64_t)h);
		else
			msgpack_pack_double(pk, d);
		break;
	}
	case FCDB__T_OBJ:
		pack_object(pk, f->sub, n, 0);
		break;
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		msgpack_pack_array(pk, n->len);
		for (i = 0; i < n->len; i++)
			pack_object(pk, f->sub, &n->v.kids[i], 0);
		break;
	default:
		/* integers, booleans, string arrays and maps have the same
		   shape stored as in JSON */
		pack_generic(pk, n);
	}
}

/*
 * Members are written in schema order whatever order the input had, then
 * unknown members in input order: one record has one encoding, so equal
 * records have equal bytes.  The envelope's fields and the derived ARN are
 * not written.
 */
static void pack_object(msgpack_packer *pk, const fcdb__schema *s,
                        const fcdb__node *obj, int top)
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
		f = fcdb__schema_find_n(s, m->key, m->keylen);
		if (!f) {
			unknown++;
			continue;
		}
		if ((f->flags & (FCDB__F_HEADER | FCDB__F_INPUT)) ||
		    fcdb__codec_field_enc(f, top) == FCDB__ENC_DERIVED)
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
		pack_value(pk, slots[j].f, slots[j].m, top);
	}
	for (i = 0; i < obj->len && unknown; i++) {
		const fcdb__node *m = &obj->v.kids[i];

		if (m->type == FCDB__NULL || fcdb__schema_find_n(s, m->key, m->keylen))
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
	pack_object(&pk, &fcdb__schema_function, record, 1);
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

/* ---- unpacking, shared by decode, summary and render ---- */

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

/* Unpack a verified payload into zone; *root is its top-level map. */
static int unpack(const fcdb__envelope *env, msgpack_zone *zone,
                  msgpack_object *root)
{
	msgpack_unpack_return ur;
	size_t off = 0;

	if (!payload_bounded(env->payload, env->payload_len))
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "record payload: "
		                       "it claims more than it holds");
	ur = msgpack_unpack((const char *)env->payload, env->payload_len, &off,
	                    zone, root);
	if (ur == MSGPACK_UNPACK_SUCCESS && root->type == MSGPACK_OBJECT_MAP)
		return FCDB_OK;
	/* msgpack's out-of-memory on a payload of at most 1 MiB also means
	   it claims more elements than it holds */
	return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "record payload: %s",
	                       ur == MSGPACK_UNPACK_EXTRA_BYTES
	                       ? "trailing bytes after the payload"
	                       : ur == MSGPACK_UNPACK_SUCCESS
	                       ? "not a map" : "not valid MessagePack");
}

/* The top-level functionName of an unpacked record, or NULL. */
static const msgpack_object *find_num(const msgpack_object *map, unsigned num)
{
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER && k->via.u64 == num)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

/* "acs:fc:<region>:<account>:functions/<name>" into the arena. */
/*
 * The derived ARN into `stack` (of `cap` bytes) when it fits, else into
 * memory of its own: the caller frees the result when it is not `stack`.
 * NULL: out of memory.  Every path builds the same ARN, however long a
 * (forged) name is, so decode, summary and both renderers agree.
 */
char *fcdb__codec_arn(char *stack, size_t cap, const fcdb__codec_ctx *ctx,
                      const char *name, size_t nlen, size_t *len)
{
	size_t r = strlen(ctx->region), c = strlen(ctx->account);
	char *out;

	*len = 19 + r + c + nlen;
	out = *len < cap ? stack : malloc(*len + 1);
	if (!out)
		return NULL;
	memcpy(out, "acs:fc:", 7);
	memcpy(out + 7, ctx->region, r);
	out[7 + r] = ':';
	memcpy(out + 8 + r, ctx->account, c);
	memcpy(out + 8 + r + c, ":functions/", 11);
	if (nlen)
		memcpy(out + 19 + r + c, name, nlen);
	out[*len] = '\0';
	return out;
}

static char *derive_arn(fcdb__arena *a, const fcdb__codec_ctx *ctx,
                        const char *name, size_t nlen, size_t *len)
{
	size_t r = strlen(ctx->region), c = strlen(ctx->account);
	char *out;

	*len = 19 + r + c + nlen;
	out = fcdb__arena_alloc(a, *len + 1);
	if (!out)
		return NULL;
	memcpy(out, "acs:fc:", 7);
	memcpy(out + 7, ctx->region, r);
	out[7 + r] = ':';
	memcpy(out + 8 + r, ctx->account, c);
	memcpy(out + 8 + r + c, ":functions/", 11);
	memcpy(out + 19 + r + c, name, nlen);
	out[*len] = '\0';
	return out;
}

/* ---- decoding into a node tree ---- */

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

/* Stored text is UTF-8 without NUL: what the decoder, the summary and
   the renderer all require of a string object. */
static int text_ok(const msgpack_object *o)
{
	return !memchr(str_bytes(o), '\0', o->via.str.size) &&
	       fcdb__utf8_valid(str_bytes(o), o->via.str.size);
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

static int dec_object_ex(struct dec *d, const fcdb__schema *s,
                         const msgpack_object *o, fcdb__node *n,
                         const fcdb__node *extra, size_t nextra, int top);

static int dec_value(struct dec *d, const fcdb__field *f,
                     const msgpack_object *o, fcdb__node *n, int top)
{
	char text[40];
	size_t len;
	uint32_t i;
	int rc;

	switch (f->type) {
	case FCDB__T_STR:
		if (compact_text(fcdb__codec_field_enc(f, top), o, text, &len)) {
			char *copy = fcdb__arena_strndup(d->a, text, len);

			if (!copy)
				return fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                       "out of memory");
			fcdb__node_set_str(n, copy, len);
			return 0;
		}
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
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			n->type = FCDB__DOUBLE;
			n->v.d = (double)o->via.u64 / 100.0;
			return 0;
		}
		if (o->type != MSGPACK_OBJECT_FLOAT64 &&
		    o->type != MSGPACK_OBJECT_FLOAT32)
			return corrupt(d, "expected a number");
		return dec_generic(d, o, n);
	case FCDB__T_OBJ:
		return dec_object_ex(d, f->sub, o, n, NULL, 0, 0);
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
			rc = dec_object_ex(d, f->sub, &o->via.array.ptr[i],
			                   &n->v.kids[i], NULL, 0, 0);
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

/* Stored values of a map by field number; *unknown counts string keys. */
static int slot_map(struct dec *d, const fcdb__schema *s,
                    const msgpack_object *o, const msgpack_object **slot,
                    uint32_t *count, uint32_t *unknown)
{
	const fcdb__field *f;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_MAP)
		return corrupt(d, "expected a map");
	memset(slot, 0, sizeof(*slot) * 64);
	*count = *unknown = 0;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *key = &o->via.map.ptr[i].key;

		if (key->type == MSGPACK_OBJECT_STR) {
			(*unknown)++;
			continue;
		}
		if (key->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    key->via.u64 >= 64 ||
		    !(f = fcdb__schema_by_num(s, (unsigned)key->via.u64)) ||
		    (f->flags & FCDB__F_HEADER))
			return corrupt(d, "unknown field number");
		if (slot[key->via.u64])
			return corrupt(d, "field stored twice");
		slot[key->via.u64] = &o->via.map.ptr[i].val;
		(*count)++;
	}
	return 0;
}

/*
 * Decode a map keyed by field numbers into members in schema order; for
 * the Function, `extra` members (state, lastUpdateStatus from the
 * envelope, the derived functionArn) are slotted in by name.
 */
static int dec_object_ex(struct dec *d, const fcdb__schema *s,
                         const msgpack_object *o, fcdb__node *n,
                         const fcdb__node *extra, size_t nextra, int top)
{
	const msgpack_object *slot_val[64];
	const char *saved = d->what;
	uint32_t i, count, unknown, k;
	const fcdb__field *f;
	int rc;

	rc = slot_map(d, s, o, slot_val, &count, &unknown);
	if (rc)
		return rc;
	rc = alloc_kids(d, n, count + unknown + (uint32_t)nextra, FCDB__OBJ);
	if (rc)
		return rc;
	k = 0;
	for (i = 0; i < s->count; i++) {
		f = &s->fields[i];
		if (!f->num)
			continue;
		if (!slot_val[f->num]) {
			for (size_t e = 0; e < nextra; e++)
				if (strcmp(extra[e].key, f->name) == 0)
					n->v.kids[k++] = extra[e];
			continue;
		}
		n->v.kids[k].key = f->name;
		n->v.kids[k].keylen = f->namelen;
		d->what = f->name;
		rc = dec_value(d, f, slot_val[f->num], &n->v.kids[k], top);
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

int fcdb__codec_decode(fcdb__arena *a, const fcdb__envelope *env,
                       const fcdb__codec_ctx *ctx, fcdb__node **out)
{
	msgpack_zone zone;
	msgpack_object obj;
	const msgpack_object *name;
	fcdb__node extra[3], *root;
	struct dec d = { a, "" };
	size_t nextra = 2, len;
	const char *st = fcdb_state_name((fcdb_state)env->state);
	const char *us = fcdb_update_status_name((fcdb_update_status)env->status);
	int rc;

	*out = NULL;
	memset(extra, 0, sizeof(extra));
	fcdb__node_set_key(&extra[0], "lastUpdateStatus");
	fcdb__node_set_str(&extra[0], us, strlen(us));
	fcdb__node_set_key(&extra[1], "state");
	fcdb__node_set_str(&extra[1], st, strlen(st));
	root = fcdb__arena_alloc(a, sizeof(*root));
	if (!root)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	memset(root, 0, sizeof(*root));
	if (!msgpack_zone_init(&zone, 4096))
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	rc = unpack(env, &zone, &obj);
	if (rc == 0) {
		name = find_num(&obj, FCDB__FN_FUNCTION_NAME);
		if (name && name->type == MSGPACK_OBJECT_STR &&
		    !find_num(&obj, FCDB__FN_FUNCTION_ARN)) {
			char *arn = derive_arn(a, ctx, str_bytes(name),
			                       name->via.str.size, &len);

			if (!arn) {
				rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                     "out of memory");
			} else {
				fcdb__node_set_key(&extra[2], "functionArn");
				fcdb__node_set_str(&extra[2], arn, len);
				nextra = 3;
			}
		}
	}
	if (rc == 0)
		rc = dec_object_ex(&d, &fcdb__schema_function, &obj, root, extra,
		                   nextra, 1);
	msgpack_zone_destroy(&zone);
	if (rc == 0)
		*out = root;
	return rc;
}

/* ---- the summary: top-level scalars only ---- */

int fcdb__codec_summary(fcdb__arena *a, const fcdb__envelope *env,
                        const fcdb__codec_ctx *ctx, fcdb__summary *out)
{
	msgpack_zone zone;
	msgpack_object obj;
	uint32_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!msgpack_zone_init(&zone, 4096))
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	rc = unpack(env, &zone, &obj);
	for (i = 0; rc == 0 && i < obj.via.map.size; i++) {
		const msgpack_object *key = &obj.via.map.ptr[i].key;
		const msgpack_object *val = &obj.via.map.ptr[i].val;
		const fcdb__field *f = NULL;
		unsigned num;
		char text[40], *copy;
		size_t len;

		if (key->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			continue; /* unknown fields have string keys */
		if (key->via.u64 > FCDB__FN_MAX ||
		    !(f = fcdb__schema_by_num(&fcdb__schema_function,
		                              (unsigned)key->via.u64)))
			rc = fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "record "
			                     "payload: unknown field number");
		if (rc || !f)
			break;
		num = f->num;
		switch (f->type) {
		case FCDB__T_STR:
			if (compact_text(fcdb__codec_field_enc(f, 1), val, text, &len)) {
				copy = fcdb__arena_strndup(a, text, len);
			} else if (val->type == MSGPACK_OBJECT_STR &&
			           text_ok(val)) {
				copy = fcdb__arena_strndup(a, str_bytes(val),
				                           val->via.str.size);
			} else if (val->type == MSGPACK_OBJECT_STR) {
				rc = fcdb__error_set(FCDB_ECORRUPT, f->name, 0,
				                     "record payload: %s is not "
				                     "valid UTF-8 text", f->name);
				break;
			} else {
				rc = fcdb__error_set(FCDB_ECORRUPT, f->name, 0,
				                     "record payload: expected a "
				                     "string in %s", f->name);
				break;
			}
			if (!copy)
				rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                     "out of memory");
			out->str[num] = copy;
			break;
		case FCDB__T_INT:
			if (val->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				out->i[num] = (int64_t)val->via.u64;
			else if (val->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
				out->i[num] = val->via.i64;
			else
				rc = fcdb__error_set(FCDB_ECORRUPT, f->name, 0,
				                     "record payload: expected an "
				                     "integer in %s", f->name);
			break;
		case FCDB__T_NUM:
			if (val->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				out->cpu = (double)val->via.u64 / 100.0;
			else if (val->type == MSGPACK_OBJECT_FLOAT64 ||
			         val->type == MSGPACK_OBJECT_FLOAT32)
				out->cpu = val->via.f64;
			else
				rc = fcdb__error_set(FCDB_ECORRUPT, f->name, 0,
				                     "record payload: expected a "
				                     "number in %s", f->name);
			break;
		case FCDB__T_BOOL:
			out->i[num] = val->type == MSGPACK_OBJECT_BOOLEAN &&
			              val->via.boolean;
			break;
		default:
			break;
		}
		out->has |= 1ull << num;
	}
	if (rc == 0 && out->str[FCDB__FN_FUNCTION_NAME] &&
	    !out->str[FCDB__FN_FUNCTION_ARN]) {
		size_t len;
		const char *name = out->str[FCDB__FN_FUNCTION_NAME];

		out->str[FCDB__FN_FUNCTION_ARN] = derive_arn(a, ctx, name,
		                                             strlen(name), &len);
		if (!out->str[FCDB__FN_FUNCTION_ARN])
			rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		out->has |= 1ull << FCDB__FN_FUNCTION_ARN;
	}
	msgpack_zone_destroy(&zone);
	return rc;
}

/* ---- rendering JSON straight from the payload ---- */

struct ren {
	fcdb__jw *w;
	int mask;
	int depth;
};

static int ren_corrupt(const char *why)
{
	return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "record payload: %s", why);
}

static int ren_generic(struct ren *r, const msgpack_object *o)
{
	uint32_t i;
	int rc;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fcdb__jw_null(r->w);
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		fcdb__jw_bool(r->w, o->via.boolean);
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX) /* the encoder writes int64 */
			return ren_corrupt("integer out of range");
		fcdb__jw_uint(r->w, o->via.u64);
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fcdb__jw_int(r->w, o->via.i64);
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		fcdb__jw_double(r->w, o->via.f64);
		return 0;
	case MSGPACK_OBJECT_STR:
		if (!text_ok(o))
			return ren_corrupt("string is not valid UTF-8 text");
		fcdb__jw_str(r->w, str_bytes(o), o->via.str.size);
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		fcdb__jw_open(r->w, '[');
		for (i = 0; i < o->via.array.size; i++)
			if ((rc = ren_generic(r, &o->via.array.ptr[i])))
				return rc;
		fcdb__jw_close(r->w, ']');
		return 0;
	case MSGPACK_OBJECT_MAP:
		fcdb__jw_open(r->w, '{');
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;

			if (k->type != MSGPACK_OBJECT_STR)
				return ren_corrupt("a map key is not a string");
			if (!text_ok(k))
				return ren_corrupt("key is not valid UTF-8 text");
			fcdb__jw_key(r->w, str_bytes(k), k->via.str.size);
			if ((rc = ren_generic(r, &o->via.map.ptr[i].val)))
				return rc;
		}
		fcdb__jw_close(r->w, '}');
		return 0;
	default:
		return ren_corrupt("unexpected MessagePack type");
	}
}

static int ren_object(struct ren *r, const fcdb__schema *s,
                      const msgpack_object *o, const fcdb__envelope *env,
                      const char *arn, size_t arn_len, int with_revision);

static int ren_value(struct ren *r, const fcdb__field *f,
                     const msgpack_object *o, int top)
{
	char text[40];
	size_t len;
	uint32_t i;
	int rc;

	switch (f->type) {
	case FCDB__T_STR:
		if (compact_text(fcdb__codec_field_enc(f, top), o, text, &len)) {
			fcdb__jw_str(r->w, text, len);
			return 0;
		}
		if (o->type != MSGPACK_OBJECT_STR)
			return ren_corrupt("expected a string");
		if (!text_ok(o))
			return ren_corrupt("string is not valid UTF-8 text");
		if (r->mask && (f->flags & FCDB__F_SECRET))
			fcdb__jw_masked(r->w, str_bytes(o), o->via.str.size);
		else
			fcdb__jw_str(r->w, str_bytes(o), o->via.str.size);
		return 0;
	case FCDB__T_INT:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
			return ren_corrupt("expected an integer");
		return ren_generic(r, o);
	case FCDB__T_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return ren_corrupt("expected a boolean");
		return ren_generic(r, o);
	case FCDB__T_NUM:
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			fcdb__jw_double(r->w, (double)o->via.u64 / 100.0);
			return 0;
		}
		if (o->type != MSGPACK_OBJECT_FLOAT64 &&
		    o->type != MSGPACK_OBJECT_FLOAT32)
			return ren_corrupt("expected a number");
		return ren_generic(r, o);
	case FCDB__T_OBJ:
		return ren_object(r, f->sub, o, NULL, NULL, 0, 0);
	case FCDB__T_ARR_STR:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return ren_corrupt("expected an array");
		fcdb__jw_open(r->w, '[');
		for (i = 0; i < o->via.array.size; i++) {
			const msgpack_object *e = &o->via.array.ptr[i];

			if (e->type != MSGPACK_OBJECT_STR)
				return ren_corrupt("expected a string");
			if (!text_ok(e))
				return ren_corrupt("string is not valid UTF-8 "
				                   "text");
			fcdb__jw_str(r->w, str_bytes(e), e->via.str.size);
		}
		fcdb__jw_close(r->w, ']');
		return 0;
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return ren_corrupt("expected an array");
		fcdb__jw_open(r->w, '[');
		for (i = 0; i < o->via.array.size; i++)
			if ((rc = ren_object(r, f->sub, &o->via.array.ptr[i], NULL,
			                     NULL, 0, 0)))
				return rc;
		fcdb__jw_close(r->w, ']');
		return 0;
	case FCDB__T_MAP:
		if (o->type != MSGPACK_OBJECT_MAP)
			return ren_corrupt("expected a map");
		for (i = 0; i < o->via.map.size; i++)
			if (o->via.map.ptr[i].val.type != MSGPACK_OBJECT_STR)
				return ren_corrupt("expected a string");
		return ren_generic(r, o);
	default:
		return ren_corrupt("unknown field type");
	}
}

/*
 * Do the map's numbered keys come in increasing order of valid field
 * numbers, string keys after them?  The encoder writes them so, and then
 * rendering is one walk down the schema and the map together.
 */
static int in_schema_order(const fcdb__schema *s, const msgpack_object *o,
                           uint32_t *numbered)
{
	uint64_t last = 0;
	int strings = 0;

	*numbered = 0;
	if (o->type != MSGPACK_OBJECT_MAP)
		return 0;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR) {
			strings = 1;
			continue;
		}
		if (strings || k->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    k->via.u64 <= last || k->via.u64 >= 64)
			return 0;
		last = k->via.u64;
		(*numbered)++;
	}
	return last == 0 || fcdb__schema_by_num(s, (unsigned)last) != NULL;
}

/* A map keyed by field numbers, members in schema order; at the top, the
   envelope's states and the derived ARN in their places. */
static int ren_object(struct ren *r, const fcdb__schema *s,
                      const msgpack_object *o, const fcdb__envelope *env,
                      const char *arn, size_t arn_len, int with_revision)
{
	const msgpack_object *slot[64];
	struct dec d = { NULL, "" };
	uint32_t count, unknown, i, e = 0, n, numbered;
	int top = env != NULL, rc, ordered;

	if (++r->depth > FCDB__JW_DEPTH - 4)
		return ren_corrupt("nested too deep");
	ordered = in_schema_order(s, o, &numbered);
	if (!ordered) {
		rc = slot_map(&d, s, o, slot, &count, &unknown);
		if (rc)
			return rc;
	}
	n = o->via.map.size;
	fcdb__jw_open(r->w, '{');
	for (i = 0; i < s->count; i++) {
		const fcdb__field *f = &s->fields[i];
		const msgpack_object *val = NULL;

		if (!f->num)
			continue;
		if (top && (f->flags & FCDB__F_HEADER)) {
			const char *v = f->num == FCDB__FN_STATE
			        ? fcdb_state_name((fcdb_state)env->state)
			        : fcdb_update_status_name(
			                  (fcdb_update_status)env->status);

			fcdb__jw_key_plain(r->w, f->name, f->namelen);
			fcdb__jw_str(r->w, v, strlen(v));
			continue;
		}
		if (ordered) {
			const msgpack_object *k = e < n ? &o->via.map.ptr[e].key
			                                : NULL;

			if (k && k->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
			    k->via.u64 == f->num)
				val = &o->via.map.ptr[e++].val;
		} else {
			val = slot[f->num];
		}
		if (!val) {
			if (top && f->num == FCDB__FN_FUNCTION_ARN && arn) {
				fcdb__jw_key_plain(r->w, f->name, f->namelen);
				fcdb__jw_str(r->w, arn, arn_len);
			}
			continue;
		}
		fcdb__jw_key_plain(r->w, f->name, f->namelen);
		if ((rc = ren_value(r, f, val, top)))
			return rc;
	}
	/* every numbered member must have found its field */
	if (ordered && e != numbered)
		return ren_corrupt("unknown field number");
	for (i = 0; i < n; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		if (!text_ok(k))
			return ren_corrupt("key is not valid UTF-8 text");
		fcdb__jw_key(r->w, str_bytes(k), k->via.str.size);
		if ((rc = ren_generic(r, &o->via.map.ptr[i].val)))
			return rc;
	}
	if (top && with_revision) {
		fcdb__jw_key(r->w, "revision", 8);
		fcdb__jw_uint(r->w, env->revision);
	}
	fcdb__jw_close(r->w, '}');
	r->depth--;
	return 0;
}

int fcdb__codec_render_unpacked(fcdb__buf *out, const fcdb__envelope *env,
                                const fcdb__codec_ctx *ctx,
                                const fcdb__render_opts *o)
{
	msgpack_zone zone;
	msgpack_object obj;
	const msgpack_object *name;
	fcdb__jw w;
	struct ren r;
	char stack[256], *arn = NULL;
	size_t arn_len = 0;
	int rc;

	if (!msgpack_zone_init(&zone, 4096))
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	rc = unpack(env, &zone, &obj);
	if (rc == 0) {
		name = find_num(&obj, FCDB__FN_FUNCTION_NAME);
		if (name && name->type == MSGPACK_OBJECT_STR) {
			arn = fcdb__codec_arn(stack, sizeof(stack), ctx,
			                      str_bytes(name), name->via.str.size,
			                      &arn_len);
			if (!arn)
				rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                     "out of memory");
		}
	}
	if (rc == 0) {
		memset(&w, 0, sizeof(w));
		fcdb__jw_init(&w, out, o->pretty);
		r.w = &w;
		r.mask = o->mask_secrets;
		r.depth = 0;
		rc = ren_object(&r, &fcdb__schema_function, &obj, env,
		                arn, arn_len, o->with_revision);
		if (rc == 0)
			fcdb__jw_end(&w);
	}
	msgpack_zone_destroy(&zone);
	if (arn != stack)
		free(arn);
	if (rc == 0 && out->failed)
		rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	return rc;
}

/*
 * The one-pass renderer takes the records the encoder wrote; whatever it
 * declines (damage above all) goes through msgpack-c and ren_object, so
 * what is refused, and the message that says why, stay the decoder's.
 */
int fcdb__codec_render(fcdb__buf *out, const fcdb__envelope *env,
                       const fcdb__codec_ctx *ctx,
                       const fcdb__render_opts *o)
{
	size_t start = out->len;

	if (fcdb__render_fast(out, env, ctx, o) && !out->failed)
		return FCDB_OK;
	out->len = start;
	return fcdb__codec_render_unpacked(out, env, ctx, o);
}
