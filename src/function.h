/* function.h: the fcdb_function handle, shared by the library's modules (internal). */
#ifndef FCDB_FUNCTION_H
#define FCDB_FUNCTION_H

#include "codec.h"
#include "fcdb.h"
#include "node.h"
#include "schema.h"
#include "store.h"

/*
 * A function as read: a private copy of its stored record, the summary of
 * its top-level scalars (what the typed accessors return), and, on write
 * paths only, the fully decoded tree.  JSON is rendered from the record.
 */
struct fcdb_function {
	fcdb__arena own;          /* used when the function owns its memory */
	fcdb__arena *arena;       /* &own, or a list's arena */
	const uint8_t *rec;       /* the record's bytes, copied into arena */
	size_t rec_len;
	fcdb__envelope env;       /* its payload points into rec */
	fcdb__codec_ctx ctx;      /* region and account, for the ARN */
	fcdb__summary sum;
	uint64_t revision;
	fcdb_state state;
	fcdb_update_status status;
	fcdb__node *root;         /* the decoded tree, when asked for */
};

/*
 * Fill fn from a stored record: verify it, copy it into fn->arena, read
 * its summary.  `name` labels errors.  FCDB_OK, FCDB_ECORRUPT (message
 * names the function), FCDB_ENOMEM.
 */
int fcdb__function_load(fcdb_function *fn, const void *rec, size_t len,
                        const char *name, size_t nlen,
                        const fcdb__codec_ctx *ctx);
/* Decode fn's record into fn->root (write paths, checks). */
int fcdb__function_tree(fcdb_function *fn);

#endif
