/* buf.h: a growable byte buffer (internal). */
#ifndef FCDB_BUF_H
#define FCDB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fcdb__buf {
	char *data;
	size_t len;
	size_t cap;
	int failed; /* an allocation failed; further appends are ignored */
} fcdb__buf;

void fcdb__buf_init(fcdb__buf *b);
void fcdb__buf_free(fcdb__buf *b);
/* Make room for `extra` more bytes; 0 or -1 (and b->failed set). */
int fcdb__buf_grow(fcdb__buf *b, size_t extra);

static inline int fcdb__buf_reserve(fcdb__buf *b, size_t extra)
{
	if (!b->failed && extra < b->cap - b->len)
		return 0;
	return fcdb__buf_grow(b, extra);
}
void fcdb__buf_add_slow(fcdb__buf *b, const void *p, size_t n);

/* Append n bytes (inline: the common case is a memcpy). */
static inline void fcdb__buf_add(fcdb__buf *b, const void *p, size_t n)
{
	if (b->len + n < b->cap) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
	} else {
		fcdb__buf_add_slow(b, p, n);
	}
}

static inline void fcdb__buf_addc(fcdb__buf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->data[b->len++] = c;
	else
		fcdb__buf_add_slow(b, &c, 1);
}
void fcdb__buf_adds(fcdb__buf *b, const char *s);
/* Append the decimal text of v. */
void fcdb__buf_add_i64(fcdb__buf *b, int64_t v);
void fcdb__buf_add_u64(fcdb__buf *b, uint64_t v);
/* NUL-terminate without counting the NUL; 0 or -1. */
int fcdb__buf_cstr(fcdb__buf *b);
/* Hand the storage to the caller (NUL-terminated); the buffer is reset. */
char *fcdb__buf_take(fcdb__buf *b, size_t *len);

#endif
