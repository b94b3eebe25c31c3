/* json.h: JSON text <-> node tree, and a JSON writer (internal). */
#ifndef FCDB_JSON_H
#define FCDB_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "node.h"

#define FCDB__JSON_MAX_DEPTH 32

/*
 * 1 when none of the 8 bytes at p is '"', '\\' or a control character
 * (< 0x20): a run of plain string text that scanners can skip at once.
 */
static inline int fcdb__json_plain8(const void *p)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x, q, bs;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	return !(((x - ones * 0x20) | (q - ones) | (bs - ones)) & ~x & high);
}

/*
 * Parse `len` bytes of JSON into a node tree allocated in `a`.  Refuses,
 * with FCDB_EINVAL and a message naming line and column: syntax errors,
 * nesting deeper than FCDB__JSON_MAX_DEPTH, control characters and \u0000
 * in strings, invalid UTF-8, duplicate keys, numbers outside double range.
 * Integral numbers within +-2^53 become FCDB__INT, others FCDB__DOUBLE.
 */
int fcdb__json_parse(fcdb__arena *a, const char *text, size_t len,
                     fcdb__node **out);

typedef struct fcdb__json_opts {
	int pretty;                /* two-space indent and a final newline */
	const fcdb__node *masked;  /* render this string node masked */
	int with_revision;         /* append "revision": revision to the root */
	uint64_t revision;
} fcdb__json_opts;

/*
 * A streaming JSON writer: values, keys and brackets in document order,
 * separators and (when pretty) two-space indentation handled here.
 */
#define FCDB__JW_DEPTH 40

typedef struct fcdb__jw {
	fcdb__buf *b;
	int pretty;
	int depth;
	int in_key;              /* a key was written, its value comes next */
	uint32_t count[FCDB__JW_DEPTH]; /* members written at each depth */
} fcdb__jw;

void fcdb__jw_init(fcdb__jw *w, fcdb__buf *b, int pretty);
void fcdb__jw_open(fcdb__jw *w, char bracket);   /* '{' or '[' */
void fcdb__jw_close(fcdb__jw *w, char bracket);  /* '}' or ']' */
void fcdb__jw_key(fcdb__jw *w, const char *key, size_t len);
/* A key known to need no escaping (the schema's names). */
void fcdb__jw_key_plain(fcdb__jw *w, const char *key, size_t len);
void fcdb__jw_str(fcdb__jw *w, const char *s, size_t len);
/* A secret as the service masks it: "abc***", or "***" when short. */
void fcdb__jw_masked(fcdb__jw *w, const char *s, size_t len);
void fcdb__jw_int(fcdb__jw *w, int64_t v);
void fcdb__jw_uint(fcdb__jw *w, uint64_t v);
void fcdb__jw_double(fcdb__jw *w, double d);
void fcdb__jw_bool(fcdb__jw *w, int v);
void fcdb__jw_null(fcdb__jw *w);
/* After the top-level value: a newline when pretty. */
void fcdb__jw_end(fcdb__jw *w);

/* Append the JSON text of `n` to `b` (check b->failed afterwards). */
void fcdb__json_write(fcdb__buf *b, const fcdb__node *n,
                      const fcdb__json_opts *opts);
/* Append a JSON string literal. */
void fcdb__json_write_str(fcdb__buf *b, const char *s, size_t len);
/* Append the shortest text that reads back as exactly d. */
void fcdb__json_write_double(fcdb__buf *b, double d);
/* 1 when s[0..len) is valid UTF-8 (no surrogates, overlongs, > U+10FFFF). */
int fcdb__utf8_valid(const char *s, size_t len);

/*
 * The length of the UTF-8 sequence that starts with the non-ASCII byte
 * p[0], within `avail` bytes, or 0 when it is not valid (a stray
 * continuation byte, overlong, a surrogate, beyond U+10FFFF, cut short).
 * The one definition of valid text: fcdb__utf8_valid and
 * fcdb__json_write_text both use it, so they refuse the same bytes.
 */
static inline size_t fcdb__utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	uint32_t cp;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail <= n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/*
 * Append a JSON string literal of s[0..len), checking as it goes that s is
 * text a stored record may hold: valid UTF-8 (fcdb__utf8_seq) without NUL.
 * One pass instead of a validation pass and an escaping pass.  0, or -1
 * when s is not such text (the buffer then holds part of the literal).
 */
int fcdb__json_write_text(fcdb__buf *b, const char *s, size_t len);
/* Append a secret as the service masks it: "abc***", or "***" if short. */
void fcdb__json_write_masked(fcdb__buf *b, const char *s, size_t len);

#endif
