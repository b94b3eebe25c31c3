/* node.c: arena allocation and the neutral value tree. */
#include "node.h"

#include <stdlib.h>
#include <string.h>

struct fcdb__arena_chunk {
	fcdb__arena_chunk *next;
	size_t size;
	/* data follows, 8-byte aligned */
	uint64_t data[];
};

void fcdb__arena_init(fcdb__arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->ptr = NULL;
	a->left = 0;
	a->chunk_size = chunk_size ? chunk_size : 4096;
}

void fcdb__arena_free(fcdb__arena *a)
{
	fcdb__arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->ptr = NULL;
	a->left = 0;
}

void fcdb__arena_reset(fcdb__arena *a)
{
	fcdb__arena_chunk *c;

	if (!a->head)
		return;
	/* The oldest chunk is the last in the list; keep it. */
	while (a->head->next) {
		c = a->head;
		a->head = c->next;
		free(c);
	}
	a->ptr = (char *)a->head->data;
	a->left = a->head->size;
}

void *fcdb__arena_alloc(fcdb__arena *a, size_t n)
{
	fcdb__arena_chunk *c;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (n > a->left) {
		size = n > a->chunk_size ? n : a->chunk_size;
		if (size > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->next = a->head;
		a->head = c;
		a->ptr = (char *)c->data;
		a->left = size;
	}
	p = a->ptr;
	a->ptr += n;
	a->left -= n;
	return p;
}

fcdb__arena_mark fcdb__arena_save(const fcdb__arena *a)
{
	fcdb__arena_mark m = { a->head, a->ptr, a->left };

	return m;
}

void fcdb__arena_rollback(fcdb__arena *a, fcdb__arena_mark m)
{
	while (a->head && a->head != m.head) {
		fcdb__arena_chunk *c = a->head;

		a->head = c->next;
		free(c);
	}
	a->ptr = m.ptr;
	a->left = m.left;
}

char *fcdb__arena_strndup(fcdb__arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = fcdb__arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

const fcdb__node *fcdb__node_get(const fcdb__node *obj, const char *key)
{
	uint32_t i;

	if (!obj || obj->type != FCDB__OBJ)
		return NULL;
	for (i = 0; i < obj->len; i++)
		if (strcmp(obj->v.kids[i].key, key) == 0)
			return &obj->v.kids[i];
	return NULL;
}

int fcdb__node_copy(fcdb__arena *a, fcdb__node *dst, const fcdb__node *src)
{
	uint32_t i;

	*dst = *src;
	if (src->key) {
		dst->key = fcdb__arena_strndup(a, src->key, src->keylen);
		if (!dst->key)
			return -1;
	}
	switch (src->type) {
	case FCDB__STR:
		dst->v.s = fcdb__arena_strndup(a, src->v.s, src->len);
		return dst->v.s ? 0 : -1;
	case FCDB__ARR:
	case FCDB__OBJ:
		if (!src->len) {
			dst->v.kids = NULL;
			return 0;
		}
		dst->v.kids = fcdb__arena_alloc(a, sizeof(fcdb__node) * src->len);
		if (!dst->v.kids)
			return -1;
		for (i = 0; i < src->len; i++)
			if (fcdb__node_copy(a, &dst->v.kids[i], &src->v.kids[i]))
				return -1;
		return 0;
	default:
		return 0;
	}
}

int fcdb__node_equal(const fcdb__node *x, const fcdb__node *y)
{
	uint32_t i;

	if (x->type != y->type)
		return 0;
	if ((x->key == NULL) != (y->key == NULL))
		return 0;
	if (x->key && (x->keylen != y->keylen || memcmp(x->key, y->key, x->keylen)))
		return 0;
	switch (x->type) {
	case FCDB__NULL:
		return 1;
	case FCDB__BOOL:
		return !x->v.b == !y->v.b;
	case FCDB__INT:
		return x->v.i == y->v.i;
	case FCDB__DOUBLE:
		return x->v.d == y->v.d;
	case FCDB__STR:
		return x->len == y->len && memcmp(x->v.s, y->v.s, x->len) == 0;
	case FCDB__ARR:
	case FCDB__OBJ:
		if (x->len != y->len)
			return 0;
		for (i = 0; i < x->len; i++)
			if (!fcdb__node_equal(&x->v.kids[i], &y->v.kids[i]))
				return 0;
		return 1;
	default:
		return 0;
	}
}

void fcdb__node_set_str(fcdb__node *n, const char *s, size_t len)
{
	n->type = FCDB__STR;
	n->v.s = s;
	n->len = (uint32_t)len;
}

void fcdb__node_set_int(fcdb__node *n, int64_t v)
{
	n->type = FCDB__INT;
	n->v.i = v;
	n->len = 0;
}

void fcdb__node_set_key(fcdb__node *n, const char *key)
{
	n->key = key;
	n->keylen = (uint32_t)strlen(key);
}
