/*
 * validate.h: CreateFunctionInput / UpdateFunctionInput / import rules,
 * defaults and computed fields, driven by schema.c (internal).
 *
 * Pure: no I/O, no clock, no randomness.  The caller supplies the
 * computed values (functionId, the time, region and account) and gets
 * back a record tree in schema order, ready for the codec.
 */
#ifndef FCDB_VALIDATE_H
#define FCDB_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "node.h"

enum { FCDB__V_CREATE = 1, FCDB__V_UPDATE, FCDB__V_IMPORT };

#define FCDB__V_MAX_ERRORS 10

typedef struct fcdb__vctx {
	/* in */
	int mode;
	int lenient;              /* import: skip ranges, multiples, ratio, counts */
	const char *region;
	const char *account;
	const char *function_id;  /* create, and import records without one */
	const char *now;          /* "YYYY-MM-DDThh:mm:ssZ" */
	const void *code;         /* package bytes given out of band, or NULL */
	size_t code_len;
	/* out: problems found (all of them, up to FCDB__V_MAX_ERRORS) */
	int nerrors;
	char field[256];          /* path of the first problem */
	fcdb__buf msg;            /* "path: rule" sentences joined by "; " */
	int oom;
	int code_given;           /* the input carried a code package */
} fcdb__vctx;

/* Prepare a context; release it with fcdb__vctx_free. */
void fcdb__vctx_init(fcdb__vctx *v, int mode);
void fcdb__vctx_free(fcdb__vctx *v);

/*
 * Validate `input` (a parsed CreateFunctionInput) and build the record:
 * defaults, computed fields, layers as objects, members in schema order.
 * FCDB_OK, FCDB_EINVAL (error recorded: first field, all messages),
 * FCDB_ENOMEM.
 */
int fcdb__validate_create(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, fcdb__node **record);

/* Merge an UpdateFunctionInput into `stored`; validates input and result. */
int fcdb__validate_update(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, const fcdb__node *stored,
                          fcdb__node **record);

/* Validate a whole Function (import) and normalise it into a record. */
int fcdb__validate_import(fcdb__vctx *v, fcdb__arena *a,
                          const fcdb__node *input, fcdb__node **record);

/*
 * Set (value != NULL) or remove (value == NULL) top-level member `name`
 * of a record, keeping schema order.  The value is not copied.  0 or -1.
 */
int fcdb__record_set(fcdb__arena *a, fcdb__node *record, const char *name,
                     const fcdb__node *value);
/* Set a string member (copied into the arena); NULL s removes it. */
int fcdb__record_set_str(fcdb__arena *a, fcdb__node *record,
                         const char *name, const char *s);

/* Format seconds since the epoch as "YYYY-MM-DDThh:mm:ssZ" (21 bytes). */
void fcdb__format_time(char out[21], int64_t t);

#endif
