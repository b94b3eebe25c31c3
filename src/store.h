/*
 * store.h: the LMDB environment behind a store (internal).
 *
 * Owns the environment, the four named databases, read-transaction reuse,
 * write transactions with map growth and retry, the adoption of a map
 * grown by another process, and stale-reader cleanup.  Nothing else in
 * fcdb includes lmdb.h.
 */
#ifndef FCDB_STORE_H
#define FCDB_STORE_H

#include <stddef.h>
#include <stdint.h>

enum {
	FCDB__DB_FUNCTIONS = 0, /* functionName -> record */
	FCDB__DB_BY_ARN,        /* functionArn -> functionName */
	FCDB__DB_BY_ID,         /* functionId -> functionName */
	FCDB__DB_META,          /* short ASCII keys -> values */
	FCDB__DB_COUNT
};

/* Internal result: a write hit the end of the map (the write is retried). */
#define FCDB__EMAPFULL (-100)
/* A write body returns this to end without committing, reporting success. */
#define FCDB__NOCHANGE 1

#define FCDB__STORE_READONLY 0x1u
#define FCDB__STORE_NOSYNC   0x2u
#define FCDB__STORE_EXCLUSIVE 0x4u /* this process alone; write map */

typedef struct fcdb__store fcdb__store;
typedef struct fcdb__txn fcdb__txn;
typedef struct fcdb__cursor fcdb__cursor;

typedef struct fcdb__val {
	const void *data;
	size_t len;
} fcdb__val;

/*
 * Open (creating unless READONLY) the environment at `path` and its named
 * databases.  Opens of one file within one process share one environment
 * (reference counted): the first open's flags, map size and reader limit
 * apply.  max_readers 0: the default (1022).  FCDB_OK, FCDB_EIO,
 * FCDB_ECORRUPT, FCDB_ENOMEM, FCDB_EMISUSE (already open read-only and now
 * asked for writing).
 */
int fcdb__store_open(fcdb__store **out, const char *path, unsigned flags,
                     uint64_t map_size, unsigned max_readers);
/* Drop one reference; the environment closes with the last. */
void fcdb__store_close(fcdb__store *s);

/* A read snapshot.  Pair every begin with fcdb__store_read_end. */
int fcdb__store_read_begin(fcdb__store *s, fcdb__txn **out);
void fcdb__store_read_end(fcdb__store *s, fcdb__txn *t);

/*
 * Run `body` in a write transaction and commit.  When the map is full the
 * transaction is aborted, the map doubled and `body` run again, so a body
 * must be repeatable.  A body returning FCDB__NOCHANGE aborts and the call
 * returns FCDB_OK; any other non-zero aborts and is returned.
 */
typedef int (*fcdb__write_fn)(fcdb__txn *t, void *ctx);
int fcdb__store_write(fcdb__store *s, fcdb__write_fn body, void *ctx);
/*
 * The same, for imports.  On an exclusive store the body runs in steps,
 * each committed when the body calls fcdb__txn_step often enough, and
 * made one transaction by an undo journal (PATH-journal): a body that
 * fails, or a process that dies, leaves the file byte for byte as it was
 * (once the store is closed, for the reserve past its end).  Other
 * threads of the process wait until it ends, so the body must not use
 * the store otherwise.  Elsewhere, one transaction as fcdb__store_write.
 */
int fcdb__store_write_exact(fcdb__store *s, fcdb__write_fn body, void *ctx);
/* In a write_exact body, between records (no cursor open, no value of
   the transaction kept): `bytes` of input were consumed since the last
   call.  May commit a step.  FCDB_OK, FCDB__EMAPFULL, FCDB_EIO. */
int fcdb__txn_step(fcdb__txn *t, size_t bytes);

/*
 * Get: FCDB_OK with *val pointing into the map (valid until the
 * transaction ends), FCDB_ENOTFOUND (no error recorded), FCDB_EIO,
 * FCDB_ECORRUPT.
 */
int fcdb__txn_get(fcdb__txn *t, int db, const void *key, size_t klen,
                  fcdb__val *val);
/* Put: FCDB_OK, FCDB_EEXISTS (nooverwrite; no error recorded),
   FCDB__EMAPFULL, FCDB_EIO, FCDB_EINVAL (key too long). */
int fcdb__txn_put(fcdb__txn *t, int db, const void *key, size_t klen,
                  const void *val, size_t vlen, int nooverwrite);
/* Put only if the key is new: FCDB_OK, or FCDB_EEXISTS with *existing
   (may be NULL) set to the value already there; else as fcdb__txn_put. */
int fcdb__txn_put_new(fcdb__txn *t, int db, const void *key, size_t klen,
                      const void *val, size_t vlen, fcdb__val *existing);
/* Delete: FCDB_OK, FCDB_ENOTFOUND (no error recorded), FCDB__EMAPFULL, FCDB_EIO. */
int fcdb__txn_del(fcdb__txn *t, int db, const void *key, size_t klen);
/*
 * Marks: a set of 64-bit keys that lives as long as one write transaction
 * (in its pages, not in malloc'd memory; never committed).  mark: 0 when
 * new, 1 when already marked, or an error (FCDB__EMAPFULL, FCDB_EIO);
 * marked: 0 or 1, or an error.
 */
int fcdb__txn_mark(fcdb__txn *t, uint64_t key);
int fcdb__txn_marked(fcdb__txn *t, uint64_t key);
/* Drop every entry of a database (keeps the database). */
int fcdb__txn_clear(fcdb__txn *t, int db);

/* Cursors: seek to the first key >= key (or the first key when key is
   NULL), then step.  FCDB_OK, FCDB_ENOTFOUND at the end, FCDB_EIO. */
int fcdb__cursor_open(fcdb__txn *t, int db, fcdb__cursor **out);
int fcdb__cursor_seek(fcdb__cursor *c, const void *key, size_t klen,
                      fcdb__val *k, fcdb__val *v);
int fcdb__cursor_next(fcdb__cursor *c, fcdb__val *k, fcdb__val *v);
/* Delete the entry under a write cursor (even one filed out of order,
   which no lookup by key could find).  FCDB_OK, FCDB__EMAPFULL, FCDB_EIO. */
int fcdb__cursor_del(fcdb__cursor *c);
void fcdb__cursor_close(fcdb__cursor *c);

/* Statistics of the environment and its databases. */
typedef struct fcdb__db_stat {
	uint64_t entries;
	uint64_t depth;
	uint64_t branch_pages;
	uint64_t leaf_pages;
	uint64_t overflow_pages;
} fcdb__db_stat;

typedef struct fcdb__store_stat {
	uint64_t page_size;
	uint64_t map_size;
	uint64_t last_page;     /* highest page number in use */
	uint64_t file_bytes;    /* size of the data file */
	uint32_t max_readers;
	uint32_t readers_used;
	fcdb__db_stat db[FCDB__DB_COUNT];
} fcdb__store_stat;

int fcdb__store_stat_get(fcdb__store *s, fcdb__txn *t, fcdb__store_stat *out);
/*
 * Exclusive stores only (a no-op otherwise): grow the map, and the disk
 * allocated for it, to `bytes` past the last page, so that a large write
 * does not restart on a full map.  Best effort: FCDB_OK even when the
 * disk has no such room (the write then grows the map as it needs).
 */
int fcdb__store_reserve(fcdb__store *s, uint64_t bytes);
/* The size of the map now, in bytes. */
uint64_t fcdb__store_map_size(fcdb__store *s);
/* A consistent compacted copy written to fd.  FCDB_OK or FCDB_EIO. */
int fcdb__store_copy_fd(fcdb__store *s, int fd);
/* Count of slots cleared from dead readers. */
int fcdb__store_reader_check(fcdb__store *s, int *dead);

#endif
