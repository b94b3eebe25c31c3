/*
 * codec.h: the stored record, envelope and MessagePack payload (internal).
 *
 * A record is a 20-byte envelope followed by a MessagePack map:
 *
 *   offset size  field
 *   0      1     format version (FCDB__FORMAT_VERSION)
 *   1      1     flags (0)
 *   2      1     state (fcdb_state)
 *   3      1     lastUpdateStatus (fcdb_update_status)
 *   4      8     XXH3-64 of bytes [12, end) seeded with bytes [0, 4) read
 *                as a big-endian integer: so version, flags and states are
 *                covered too
 *   12     8     revision, big-endian
 *   20     ...   payload: map of schema field number -> value; nested
 *                objects likewise; string keys for maps and for fields
 *                the schema does not know (kept so nothing is lost)
 *
 * Readers check the version, then the hash, then decode; any mismatch is
 * FCDB_ECORRUPT, never a crash.
 */
#ifndef FCDB_CODEC_H
#define FCDB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "node.h"

#define FCDB__FORMAT_VERSION 1
#define FCDB__ENVELOPE_SIZE 20
#define FCDB__RECORD_MAX (1024 * 1024)
#define FCDB__SUMMARY_FIELDS 49 /* top-level field numbers 0..48 */

typedef struct fcdb__envelope {
	uint8_t version;
	uint8_t flags;
	uint8_t state;
	uint8_t status;
	uint64_t revision;
	const uint8_t *payload;
	size_t payload_len;
} fcdb__envelope;

/* Check version, hash and states of a stored record; fill *env (its
   payload points into rec).  FCDB_OK or FCDB_ECORRUPT. */
int fcdb__codec_verify(const void *rec, size_t len, fcdb__envelope *env);

/* Encode a validated record tree (members in schema order) as envelope +
   payload into out (which is reset first).  FCDB_EINVAL when the result
   exceeds FCDB__RECORD_MAX, FCDB_ENOMEM. */
int fcdb__codec_encode(fcdb__buf *out, const fcdb__node *record,
                       uint64_t revision);

/* Write `revision` into an encoded record and rehash it. */
void fcdb__codec_set_revision(void *rec, size_t len, uint64_t revision);

/* What a record needs from its store to render: the derived ARN is
   acs:fc:<region>:<account>:functions/<functionName>. */
typedef struct fcdb__codec_ctx {
	const char *region;
	const char *account;
} fcdb__codec_ctx;

/* Decode a verified record into a tree in schema order with state and
   lastUpdateStatus put back from the envelope and functionArn derived.
   FCDB_ECORRUPT when the payload does not match the schema, FCDB_ENOMEM. */
int fcdb__codec_decode(fcdb__arena *a, const fcdb__envelope *env,
                       const fcdb__codec_ctx *ctx, fcdb__node **out);

/*
 * The top-level scalars of a verified record, without decoding nested
 * objects: strings (compact ones as their text, the derived ARN too) as
 * NUL-terminated copies in `a`, integers, cpu, and a bit per field number
 * present.  For typed access on hot read paths.
 */
typedef struct fcdb__summary {
	const char *str[FCDB__SUMMARY_FIELDS];
	int64_t i[FCDB__SUMMARY_FIELDS];
	double cpu;
	uint64_t has;
} fcdb__summary;

int fcdb__codec_summary(fcdb__arena *a, const fcdb__envelope *env,
                        const fcdb__codec_ctx *ctx, fcdb__summary *out);

typedef struct fcdb__render_opts {
	int pretty;
	int mask_secrets;
	int with_revision;
} fcdb__render_opts;

/* Append the record's JSON to `out`, straight from the MessagePack
   payload (no node tree).  FCDB_OK, FCDB_ECORRUPT, FCDB_ENOMEM. */
int fcdb__codec_render(fcdb__buf *out, const fcdb__envelope *env,
                       const fcdb__codec_ctx *ctx,
                       const fcdb__render_opts *o);

/* The derived ARN of `name`: in `stack` when it fits in `cap` bytes, else
   malloc'd (free it when it is not `stack`); NUL-terminated; NULL when out
   of memory.  *len excludes the NUL. */
char *fcdb__codec_arn(char *stack, size_t cap, const fcdb__codec_ctx *ctx,
                      const char *name, size_t nlen, size_t *len);

/* The same through msgpack-c's object tree, never the one-pass renderer:
   what fcdb__codec_render falls back on, and what tests compare it with. */
int fcdb__codec_render_unpacked(fcdb__buf *out, const fcdb__envelope *env,
                                const fcdb__codec_ctx *ctx,
                                const fcdb__render_opts *o);

/*
 * The one-pass renderer (render.c): the JSON of a payload in the shape the
 * encoder writes, read byte by byte.  1 when it rendered the record; 0 when
 * it declines (pretty output, damage, any other shape), leaving `out` as it
 * found it or with bytes past its old length that the caller drops.
 */
int fcdb__render_fast(fcdb__buf *out, const fcdb__envelope *env,
                      const fcdb__codec_ctx *ctx, const fcdb__render_opts *o);

/* How a top-level (top = 1) or nested string field is stored. */
enum {
	FCDB__ENC_PLAIN = 0, /* as the string */
	FCDB__ENC_TIME,      /* seconds since the epoch */
	FCDB__ENC_UUID,      /* 16 bytes of bin */
	FCDB__ENC_CHECKSUM,  /* an unsigned integer */
	FCDB__ENC_DERIVED    /* not at all: the functionArn */
};
struct fcdb__field;
int fcdb__codec_field_enc(const struct fcdb__field *f, int top);

/* Times past 9999-12-31T23:59:59Z are not stored compact. */
#define FCDB__TIME_MAX 253402300799ull

/* A lower-case 8-4-4-4-12 UUID as 16 bytes: 1, or 0 when s is not one. */
int fcdb__uuid_pack(const char *s, size_t len, uint8_t out[16]);
void fcdb__uuid_unpack(char out[37], const uint8_t in[16]);

/* "YYYY-MM-DDThh:mm:ssZ" of seconds since the epoch (out: 21 bytes). */
void fcdb__codec_format_time(char out[21], uint64_t t);

#endif
