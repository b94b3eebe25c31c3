/*
 * node.h: the neutral value tree that every module speaks (internal).
 *
 * JSON text and MessagePack records both become this tree, so validation,
 * merging and rendering are written once and no third-party type crosses
 * a module boundary.  Nodes, strings and child arrays live in an arena and
 * are freed all at once.
 */
#ifndef FCDB_NODE_H
#define FCDB_NODE_H

#include <stddef.h>
#include <stdint.h>

/* Arena: bump allocation in chunks, freed together. */
typedef struct fcdb__arena_chunk fcdb__arena_chunk;
typedef struct fcdb__arena {
	fcdb__arena_chunk *head;
	char *ptr;
	size_t left;
	size_t chunk_size;
} fcdb__arena;

void fcdb__arena_init(fcdb__arena *a, size_t chunk_size);
void fcdb__arena_free(fcdb__arena *a);
/* Keep the first chunk, drop the others, and start over. */
void fcdb__arena_reset(fcdb__arena *a);
/* A point to roll back to: everything allocated after it is freed. */
typedef struct fcdb__arena_mark {
	fcdb__arena_chunk *head;
	char *ptr;
	size_t left;
} fcdb__arena_mark;

fcdb__arena_mark fcdb__arena_save(const fcdb__arena *a);
void fcdb__arena_rollback(fcdb__arena *a, fcdb__arena_mark m);
/* 8-byte aligned; NULL when out of memory. */
void *fcdb__arena_alloc(fcdb__arena *a, size_t n);
/* Copy `len` bytes and a NUL. */
char *fcdb__arena_strndup(fcdb__arena *a, const char *s, size_t len);

enum {
	FCDB__NULL = 0,
	FCDB__BOOL,
	FCDB__INT,    /* int64 */
	FCDB__DOUBLE, /* a number with a fraction or beyond +-2^53 */
	FCDB__STR,    /* NUL-terminated UTF-8, len bytes */
	FCDB__ARR,    /* len kids */
	FCDB__OBJ     /* len kids, each with a key */
};

typedef struct fcdb__node fcdb__node;
struct fcdb__node {
	const char *key; /* member name inside an object, else NULL */
	uint32_t keylen;
	uint8_t type;
	uint32_t len;
	union {
		int b;
		int64_t i;
		double d;
		const char *s;
		fcdb__node *kids;
	} v;
};

/* Member `key` of object `obj`, or NULL (also when obj is not an object). */
const fcdb__node *fcdb__node_get(const fcdb__node *obj, const char *key);
/* Deep copy of `n` (its key included) into `a`; 0 or -1. */
int fcdb__node_copy(fcdb__arena *a, fcdb__node *dst, const fcdb__node *src);
/* Structural equality: same types, values, keys and member order. */
int fcdb__node_equal(const fcdb__node *x, const fcdb__node *y);

/* Helpers to fill a node in place. */
void fcdb__node_set_str(fcdb__node *n, const char *s, size_t len);
void fcdb__node_set_int(fcdb__node *n, int64_t v);
void fcdb__node_set_key(fcdb__node *n, const char *key);

#endif
