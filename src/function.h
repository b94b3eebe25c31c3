/* function.h: the fcdb_function handle, shared with io.c (internal). */
#ifndef FCDB_FUNCTION_H
#define FCDB_FUNCTION_H

#include "codec.h"
#include "fcdb.h"
#include "node.h"
#include "schema.h"
#include "store.h"

struct fcdb_function {
	fcdb__arena own;          /* used when the function owns its memory */
	fcdb__arena *arena;       /* &own, or a list's arena */
	fcdb__node *root;         /* members in schema order */
	const fcdb__node *top[FCDB__FN_MAX + 1]; /* by stored field number */
	uint64_t revision;
	fcdb_state state;
	fcdb_update_status status;
};

/* Fill fn from a stored record (verified here); `name` labels errors. */
int fcdb__function_load(fcdb_function *fn, const void *rec, size_t len,
                        const char *name, size_t nlen);
/* Index root's members into fn->top and read the states. */
void fcdb__function_index(fcdb_function *fn);
/* The registry password node, or NULL. */
const fcdb__node *fcdb__function_secret(const fcdb__node *root);

#endif
