/* buf.c: a growable byte buffer with sticky allocation failure. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void fcdb__buf_init(fcdb__buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void fcdb__buf_free(fcdb__buf *b)
{
	free(b->data);
	fcdb__buf_init(b);
}

int fcdb__buf_grow(fcdb__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = 1;
	return -1;
}

void fcdb__buf_add_slow(fcdb__buf *b, const void *p, size_t n)
{
	if (fcdb__buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void fcdb__buf_adds(fcdb__buf *b, const char *s)
{
	fcdb__buf_add(b, s, strlen(s));
}

void fcdb__buf_add_u64(fcdb__buf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fcdb__buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void fcdb__buf_add_i64(fcdb__buf *b, int64_t v)
{
	if (v < 0) {
		fcdb__buf_addc(b, '-');
		fcdb__buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		fcdb__buf_add_u64(b, (uint64_t)v);
	}
}

int fcdb__buf_cstr(fcdb__buf *b)
{
	if (fcdb__buf_reserve(b, 0))
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

char *fcdb__buf_take(fcdb__buf *b, size_t *len)
{
	char *p;

	if (fcdb__buf_cstr(b))
		return NULL;
	p = b->data;
	if (len)
		*len = b->len;
	fcdb__buf_init(b);
	return p;
}
