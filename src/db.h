/* db.h: the fcdb handle shared by the public-API modules (internal). */
#ifndef FCDB_DB_H
#define FCDB_DB_H

#include <stdint.h>

#include "fcdb.h"
#include "store.h"

#define FCDB__META_FORMAT "1"

struct fcdb {
	fcdb__store *store;
	unsigned flags;          /* FCDB_OPEN_* */
	char region[64];
	char account[64];
	uint64_t token_seed;     /* keys list tokens to this store */
	int64_t (*clock)(void *);
	void *clock_ctx;
};

/* Read the store revision inside a transaction.  A store that holds
   functions but no revision is damaged: FCDB_ECORRUPT. */
int fcdb__meta_revision(fcdb__txn *t, uint64_t *out);
/* Bump the store revision inside a write transaction, before the write
   puts any function; *out is the new one. */
int fcdb__meta_bump(fcdb__txn *t, uint64_t *out);
/* Set the store revision inside a write transaction (an import, which
   read the old one before writing its functions). */
int fcdb__meta_set_revision(fcdb__txn *t, uint64_t rev);
/* "YYYY-MM-DDThh:mm:ssZ" for now, by the handle's clock. */
void fcdb__now(const fcdb *db, char out[21]);

/*
 * Keys of the indexes.  by_arn maps each functionArn to nothing: an ARN is
 * acs:fc:<region>:<account>:functions/<name> of this store, so the name is
 * in the key, and reads by ARN go straight to the record; the index is the
 * store's own record of which ARNs exist (check and repair use it).  by_id
 * maps a functionId (16 bytes for a lower-case UUID, else its text) to the
 * name.
 */
#define FCDB__ARN_MAX 640
#define FCDB__ID_KEY_MAX 64

/* The ARN of `name` in this store into out (FCDB__ARN_MAX); its length,
   0 when it does not fit. */
size_t fcdb__arn_for(const fcdb *db, const char *name, size_t nlen,
                     char *out);
/* The name inside an ARN of this store, or NULL when it is not one. */
const char *fcdb__arn_name(const fcdb *db, const char *arn, size_t alen,
                           size_t *nlen);
/* The by_id key of a functionId into out (FCDB__ID_KEY_MAX); its length,
   0 when the id is too long to be one. */
size_t fcdb__id_key(const char *id, size_t len, uint8_t *out);
/* The text of a by_id key, for messages, into out (FCDB__ID_KEY_MAX + 1). */
void fcdb__id_text(const void *key, size_t len, char *out);

/* Check a handle argument: FCDB_OK or FCDB_EMISUSE (recorded). */
int fcdb__check_handle(const fcdb *db, const char *fn);

#endif
