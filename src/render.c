/*
 * render.c: a stored record's JSON in one pass over its MessagePack bytes.
 *
 * Export and get render every record they read.  Through msgpack-c that
 * meant a bounds walk, then an object tree built in a fresh zone, then a
 * walk of the tree with a separate UTF-8 pass per string: over a third of
 * an export's time before a byte of JSON.  This renderer reads the
 * payload itself and writes as it reads.
 *
 * It takes only the shape the encoder writes (numbered keys in increasing
 * order, string keys after them) and only compact output.  Anything else
 * (damage, another key order, pretty printing, deep nesting) it declines,
 * and codec.c renders that record through msgpack-c as before.  So what is
 * refused, and the message saying why, stay the decoder's; this file only
 * has to be right about what it accepts: exactly what msgpack-c and
 * ren_object accept, rendered to the same bytes (tests/unit_codec.c and
 * tests/fuzz/fuzz_record.c compare the two).
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "fcdb.h"
#include "json.h"
#include "schema.h"

/*
 * Containers open at once.  msgpack-c refuses a 33rd; declining well
 * before that leaves the deep cases to it.
 */
#define FAST_DEPTH 16

/* A value's type as msgpack-c classifies it: an integer is "positive"
   when it is >= 0, whatever its encoding. */
enum { MP_NIL, MP_BOOL, MP_POS, MP_NEG, MP_FLOAT, MP_STR, MP_BIN, MP_ARR,
       MP_MAP };

/* One value's header; a string's or bin's bytes. */
struct mp {
	int type;
	uint32_t len;     /* STR, BIN: bytes; ARR: items; MAP: pairs */
	const char *s;    /* STR, BIN */
	union {
		uint64_t u;   /* POS */
		int64_t i;    /* NEG */
		double d;     /* FLOAT */
		int b;        /* BOOL */
	} v;
};

struct fast {
	fcdb__buf *b;
	const uint8_t *p, *end; /* the bytes not read yet */
	int mask;               /* mask secrets */
	int depth;
};

/* What only the top-level object renders. */
struct top {
	const fcdb__envelope *env;
	const fcdb__codec_ctx *ctx;
	int with_revision;
};

static uint64_t load_be(const uint8_t *p, int width)
{
	uint64_t v = 0;

	for (int i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

/* A signed integer of `width` bytes, classified as msgpack-c does. */
static void set_int(struct mp *m, uint64_t raw, int width)
{
	int64_t v;

	if (width < 8 && (raw >> (width * 8 - 1)) & 1)
		raw |= ~0ull << (width * 8);   /* sign-extend */
	v = (int64_t)raw;
	m->type = v < 0 ? MP_NEG : MP_POS;
	if (v < 0)
		m->v.i = v;
	else
		m->v.u = (uint64_t)v;
}

/* The header (and bytes) of a string, bin, array or map of a length that
   takes `width` bytes after the type byte. */
static int read_sized(struct fast *f, struct mp *m, int type, int width)
{
	size_t left = (size_t)(f->end - f->p);
	uint64_t n;

	if (left < (size_t)width)
		return -1;
	n = load_be(f->p, width);
	f->p += width;
	left -= (size_t)width;
	m->type = type;
	m->len = (uint32_t)n;
	if (type == MP_STR || type == MP_BIN) {
		if (n > left)
			return -1;
		m->s = (const char *)f->p;
		f->p += n;
	}
	return 0;
}

/* A fixed-width number after the type byte. */
static int read_num(struct fast *f, struct mp *m, uint8_t b)
{
	static const int width[] = { 4, 8, 1, 2, 4, 8, 1, 2, 4, 8 };
	int w = width[b - 0xca];
	uint64_t raw;

	if ((size_t)(f->end - f->p) < (size_t)w)
		return -1;
	raw = load_be(f->p, w);
	f->p += w;
	if (b == 0xca) {          /* float32, widened like msgpack-c */
		uint32_t bits = (uint32_t)raw;
		float x;

		memcpy(&x, &bits, 4);
		m->type = MP_FLOAT;
		m->v.d = x;
	} else if (b == 0xcb) {
		m->type = MP_FLOAT;
		memcpy(&m->v.d, &raw, 8);
	} else if (b <= 0xcf) {   /* uint 8..64 */
		m->type = MP_POS;
		m->v.u = raw;
	} else {                  /* int 8..64 */
		set_int(m, raw, w);
	}
	return 0;
}

/* The next value's header; -1 at the end of the bytes, on ext and 0xc1
   (types no stored record holds: the fallback judges them). */
static int next(struct fast *f, struct mp *m)
{
	uint8_t b;

	if (f->p == f->end)
		return -1;
	b = *f->p++;
	if (b <= 0x7f) {
		m->type = MP_POS;
		m->v.u = b;
		return 0;
	}
	if (b >= 0xe0) {
		m->type = MP_NEG;
		m->v.i = (int8_t)b;
		return 0;
	}
	if (b <= 0x9f) {           /* fixmap, fixarray */
		m->type = b <= 0x8f ? MP_MAP : MP_ARR;
		m->len = b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {           /* fixstr */
		m->type = MP_STR;
		m->len = b & 0x1f;
		if (m->len > (size_t)(f->end - f->p))
			return -1;
		m->s = (const char *)f->p;
		f->p += m->len;
		return 0;
	}
	switch (b) {
	case 0xc0: m->type = MP_NIL; return 0;
	case 0xc2: case 0xc3: m->type = MP_BOOL; m->v.b = b & 1; return 0;
	case 0xc4: return read_sized(f, m, MP_BIN, 1);
	case 0xc5: return read_sized(f, m, MP_BIN, 2);
	case 0xc6: return read_sized(f, m, MP_BIN, 4);
	case 0xd9: return read_sized(f, m, MP_STR, 1);
	case 0xda: return read_sized(f, m, MP_STR, 2);
	case 0xdb: return read_sized(f, m, MP_STR, 4);
	case 0xdc: return read_sized(f, m, MP_ARR, 2);
	case 0xdd: return read_sized(f, m, MP_ARR, 4);
	case 0xde: return read_sized(f, m, MP_MAP, 2);
	case 0xdf: return read_sized(f, m, MP_MAP, 4);
	default:
		if (b >= 0xca && b <= 0xd3)
			return read_num(f, m, b);
		return -1;
	}
}

/* Skip one value (for the look-ahead to functionName). */
static int skip(struct fast *f, int depth)
{
	struct mp m;
	uint64_t items;

	if (depth > FAST_DEPTH || next(f, &m))
		return -1;
	if (m.type != MP_ARR && m.type != MP_MAP)
		return 0;
	items = m.type == MP_MAP ? 2ull * m.len : m.len;
	for (uint64_t i = 0; i < items; i++)
		if (skip(f, depth + 1))
			return -1;
	return 0;
}

/* ---- writing ---- */

static void put(struct fast *f, const char *s, size_t n)
{
	fcdb__buf_add(f->b, s, n);
}

static void putc_(struct fast *f, char c)
{
	fcdb__buf_addc(f->b, c);
}

/* `"name":` of a schema field, after a comma unless it is the first. */
static void put_field_key(struct fast *f, const fcdb__field *fd, int first)
{
	char *o;

	if (fcdb__buf_reserve(f->b, (size_t)fd->namelen + 4))
		return;
	o = f->b->data + f->b->len;
	if (!first)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, fd->name, fd->namelen);
	o += fd->namelen;
	*o++ = '"';
	*o++ = ':';
	f->b->len = (size_t)(o - f->b->data);
}

/* A string value: text the decoder takes (UTF-8, no NUL), or decline. */
static int put_text(struct fast *f, const struct mp *m)
{
	if (m->type != MP_STR)
		return -1;
	return fcdb__json_write_text(f->b, m->s, m->len);
}

/* A string key of a map, after a comma unless it is the first. */
static int put_str_key(struct fast *f, const struct mp *k, int first)
{
	if (!first)
		putc_(f, ',');
	if (put_text(f, k))
		return -1;
	putc_(f, ':');
	return 0;
}

/* An integer as ren_generic writes it: int64 range only. */
static int put_int(struct fast *f, const struct mp *m)
{
	if (m->type == MP_NEG) {
		fcdb__buf_add_i64(f->b, m->v.i);
		return 0;
	}
	if (m->type != MP_POS || m->v.u > INT64_MAX)
		return -1;
	fcdb__buf_add_u64(f->b, m->v.u);
	return 0;
}

/* ---- values ---- */

static int value_generic(struct fast *f, const struct mp *m);

/* The members of a generic array or map; m is its header. */
static int container_generic(struct fast *f, const struct mp *m)
{
	struct mp k, v;
	uint32_t i;

	if (++f->depth > FAST_DEPTH)
		return -1;
	putc_(f, m->type == MP_MAP ? '{' : '[');
	for (i = 0; i < m->len; i++) {
		if (m->type == MP_MAP) {
			if (next(f, &k) || put_str_key(f, &k, i == 0))
				return -1;
		} else if (i) {
			putc_(f, ',');
		}
		if (next(f, &v) || value_generic(f, &v))
			return -1;
	}
	putc_(f, m->type == MP_MAP ? '}' : ']');
	f->depth--;
	return 0;
}

/* Any value, as ren_generic renders it (unknown fields, their insides). */
static int value_generic(struct fast *f, const struct mp *m)
{
	switch (m->type) {
	case MP_NIL:
		put(f, "null", 4);
		return 0;
	case MP_BOOL:
		if (m->v.b)
			put(f, "true", 4);
		else
			put(f, "false", 5);
		return 0;
	case MP_POS:
	case MP_NEG:
		return put_int(f, m);
	case MP_FLOAT:
		fcdb__json_write_double(f->b, m->v.d);
		return 0;
	case MP_STR:
		return put_text(f, m);
	case MP_ARR:
	case MP_MAP:
		return container_generic(f, m);
	default:
		return -1;
	}
}

/* A stored compact string (time, UUID, checksum) as its text; 1 when m
   is one, as compact_text in codec.c decides. */
static int put_compact(struct fast *f, int enc, const struct mp *m)
{
	char text[40];
	size_t len;

	if (enc == FCDB__ENC_TIME && m->type == MP_POS &&
	    m->v.u <= FCDB__TIME_MAX) {
		fcdb__codec_format_time(text, m->v.u);
		len = 20;
	} else if (enc == FCDB__ENC_UUID && m->type == MP_BIN && m->len == 16) {
		fcdb__uuid_unpack(text, (const uint8_t *)m->s);
		len = 36;
	} else if (enc == FCDB__ENC_CHECKSUM && m->type == MP_POS) {
		len = fcdb__u64_to_dec(text, m->v.u);
	} else {
		return 0;
	}
	/* plain ASCII: nothing to escape or check */
	putc_(f, '"');
	put(f, text, len);
	putc_(f, '"');
	return 1;
}

static int value_str(struct fast *f, const fcdb__field *fd,
                     const struct mp *m, int top)
{
	if (put_compact(f, fcdb__codec_field_enc(fd, top), m))
		return 0;
	if (!(f->mask && (fd->flags & FCDB__F_SECRET)))
		return put_text(f, m);
	/* masked: the whole secret must still be text */
	if (m->type != MP_STR || memchr(m->s, '\0', m->len) ||
	    !fcdb__utf8_valid(m->s, m->len))
		return -1;
	fcdb__json_write_masked(f->b, m->s, m->len);
	return 0;
}

static int object(struct fast *f, const fcdb__schema *s, const struct mp *m,
                  const struct top *t);

/* An array of strings (ARR_STR) or of objects of schema sub. */
static int value_array(struct fast *f, const fcdb__field *fd,
                       const struct mp *m)
{
	struct mp e;

	if (m->type != MP_ARR || ++f->depth > FAST_DEPTH)
		return -1;
	putc_(f, '[');
	for (uint32_t i = 0; i < m->len; i++) {
		if (i)
			putc_(f, ',');
		if (next(f, &e))
			return -1;
		if (fd->type == FCDB__T_ARR_STR ? put_text(f, &e)
		                                : object(f, fd->sub, &e, NULL))
			return -1;
	}
	putc_(f, ']');
	f->depth--;
	return 0;
}

/* A map of string to string (environmentVariables and the like). */
static int value_map(struct fast *f, const struct mp *m)
{
	struct mp k, v;

	if (m->type != MP_MAP)
		return -1;
	putc_(f, '{');
	for (uint32_t i = 0; i < m->len; i++)
		if (next(f, &k) || put_str_key(f, &k, i == 0) || next(f, &v) ||
		    put_text(f, &v))
			return -1;
	putc_(f, '}');
	return 0;
}

/* A schema field's value, as ren_value renders it. */
static int value(struct fast *f, const fcdb__field *fd, const struct mp *m,
                 int top)
{
	switch (fd->type) {
	case FCDB__T_STR:
		return value_str(f, fd, m, top);
	case FCDB__T_INT:
		return put_int(f, m);
	case FCDB__T_BOOL:
		return m->type == MP_BOOL ? value_generic(f, m) : -1;
	case FCDB__T_NUM:
		/* cpu: whole hundredths stored as an integer */
		if (m->type == MP_POS)
			fcdb__json_write_double(f->b, (double)m->v.u / 100.0);
		else if (m->type == MP_FLOAT)
			fcdb__json_write_double(f->b, m->v.d);
		else
			return -1;
		return 0;
	case FCDB__T_OBJ:
		return object(f, fd->sub, m, NULL);
	case FCDB__T_ARR_STR:
	case FCDB__T_ARR_OBJ:
	case FCDB__T_LAYERS:
		return value_array(f, fd, m);
	case FCDB__T_MAP:
		return value_map(f, m);
	default:
		return -1;
	}
}

/* ---- objects ---- */

/*
 * The functionName of the top-level map, for the derived ARN, which comes
 * before it.  The reader is at the value of field `num` with `left` pairs
 * after it; a copy reads ahead while the numbers are below the name's.
 * NULL when there is none; damage here the real walk declines later.
 */
static const struct mp *find_name(struct fast ahead, uint64_t num,
                                  uint32_t left, struct mp *name)
{
	struct mp k;

	while (num < FCDB__FN_FUNCTION_NAME) {
		if (!left-- || skip(&ahead, 1) || next(&ahead, &k) ||
		    k.type != MP_POS)
			return NULL;
		num = k.v.u;
	}
	if (num != FCDB__FN_FUNCTION_NAME || next(&ahead, name) ||
	    name->type != MP_STR)
		return NULL;
	return name;
}

/* "functionArn": the derived ARN, built as every other path builds it,
   however long the name. */
static int put_arn(struct fast *f, const fcdb__field *fd, const struct top *t,
                   const struct mp *name, int first)
{
	char stack[256], *arn;
	size_t len;

	arn = fcdb__codec_arn(stack, sizeof(stack), t->ctx, name->s, name->len,
	                      &len);
	if (!arn) {
		f->b->failed = 1; /* the caller falls back, which says ENOMEM */
		return 0;
	}
	put_field_key(f, fd, first);
	fcdb__json_write_str(f->b, arn, len);
	if (arn != stack)
		free(arn);
	return 1;
}

/*
 * Top-level fields that are not in the payload, up to (not including)
 * field number `upto`: the envelope's states always, the derived ARN when
 * there is a name.  `num`/`left` place the reader for find_name.
 */
static void put_virtual(struct fast *f, const fcdb__field **fd,
                        const fcdb__field *end, unsigned upto,
                        const struct top *t, int *written,
                        uint64_t num, uint32_t left)
{
	const fcdb__field *x = *fd;
	struct mp name;

	if (!t) {   /* nested: nothing to put, only fields to pass */
		while (x < end && x->num < upto)
			x++;
		*fd = x;
		return;
	}
	for (; x < end && x->num < upto; x++) {
		const char *v;

		if (!x->num)
			continue;
		if (x->flags & FCDB__F_HEADER) {
			v = x->num == FCDB__FN_STATE
			    ? fcdb_state_name((fcdb_state)t->env->state)
			    : fcdb_update_status_name(
			              (fcdb_update_status)t->env->status);
			put_field_key(f, x, !*written);
			fcdb__json_write_str(f->b, v, strlen(v));
			++*written;
		} else if (x->num == FCDB__FN_FUNCTION_ARN &&
		           find_name(*f, num, left, &name)) {
			*written += put_arn(f, x, t, &name, !*written);
		}
	}
	*fd = x;
}

/*
 * A map keyed by field numbers in increasing order, then string keys:
 * members in schema order, unknown members after them, as ren_object
 * renders the same map.  At the top (t), the envelope's states and the
 * derived ARN in their places and the revision when asked.
 */
static int object(struct fast *f, const fcdb__schema *s, const struct mp *m,
                  const struct top *t)
{
	const fcdb__field *fd = s->fields, *end = s->fields + s->count;
	uint64_t last = 0;
	uint32_t i = 0;
	int written = 0, pending;
	struct mp k, v;

	if (m->type != MP_MAP || ++f->depth > FAST_DEPTH)
		return -1;
	putc_(f, '{');
	for (; i < m->len; i++) {
		if (next(f, &k))
			return -1;
		if (k.type != MP_POS)
			break;
		if (k.v.u <= last || k.v.u >= 64)
			return -1;
		last = k.v.u;
		if (fd < end && fd->num != k.v.u) /* fields not stored */
			put_virtual(f, &fd, end, (unsigned)k.v.u, t, &written,
			            k.v.u, m->len - i - 1);
		if (fd == end || fd->num != k.v.u ||
		    (t && (fd->flags & FCDB__F_HEADER)))
			return -1;  /* a number the schema does not know here */
		put_field_key(f, fd, !written++);
		if (next(f, &v) || value(f, fd, &v, t != NULL))
			return -1;
		fd++;
	}
	pending = i < m->len;   /* the loop above stopped at a key it read */
	put_virtual(f, &fd, end, 64, t, &written, 64, 0);
	/* unknown members: string keys, nothing numbered after them */
	for (; i < m->len; i++) {
		if (!pending && next(f, &k))
			return -1;
		pending = 0;
		if (put_str_key(f, &k, !written++) || next(f, &v) ||
		    value_generic(f, &v))
			return -1;
	}
	if (t && t->with_revision) {
		put(f, written ? ",\"revision\":" : "\"revision\":",
		    written ? 12 : 11);
		fcdb__buf_add_u64(f->b, t->env->revision);
	}
	putc_(f, '}');
	f->depth--;
	return 0;
}

int fcdb__render_fast(fcdb__buf *out, const fcdb__envelope *env,
                      const fcdb__codec_ctx *ctx, const fcdb__render_opts *o)
{
	struct fast f = { out, env->payload, env->payload + env->payload_len,
	                  o->mask_secrets, 0 };
	struct top t = { env, ctx, o->with_revision };
	struct mp root;

	if (o->pretty || next(&f, &root) || object(&f, &fcdb__schema_function,
	                                           &root, &t))
		return 0;
	/* trailing bytes: msgpack-c refuses them */
	return f.p == f.end;
}
