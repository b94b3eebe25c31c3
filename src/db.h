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

/* Check a handle argument: FCDB_OK or FCDB_EMISUSE (recorded). */
int fcdb__check_handle(const fcdb *db, const char *fn);

#endif
