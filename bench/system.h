/*
 * system.h: the small vtable every benchmarked system implements.
 *
 * Why it exists: the bench must hold every system to the same contract
 * (same corpus, same transactions, same durability, same typed work per
 * read) and the easiest way to keep that honest is one table of calls
 * that bench.c drives identically for each system.  A system that cannot
 * do a workload leaves its slot NULL and the table prints "-".
 *
 * Conventions: every call returns 0 on success or -1 after printing the
 * reason to stderr (the bench then stops).  Reads go through a reader, one
 * per thread; a reader reuses whatever the system offers for cheap reads
 * (a reset/renewed LMDB read transaction, a prepared SQLite statement).
 * Every read adds to *ck so that no work can be optimised away:
 *   typed reads (get_by_name, get_by_arn, each listed function):
 *       memorySize * 8 + state      (state: Pending 1 .. Failed 4)
 *   read_state: state * 4 + lastUpdateStatus (InProgress 1 .. Failed 3)
 *   get_json:   length of the text + one byte from its middle
 * so fcdb, sqlite and lmdb-json print the same checksum for the typed
 * reads of the same names; lmdb-raw decodes nothing and sums what it can.
 */
#ifndef FCDB_BENCH_SYSTEM_H
#define FCDB_BENCH_SYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bench_sys bench_sys;       /* one open store of one system */
typedef struct bench_reader bench_reader; /* a read context for one thread */

/* The service's region and account of every store in the bench. */
#define BENCH_REGION "cn-shanghai"
#define BENCH_ACCOUNT "123"

/* LMDB map size for fcdb and lmdb-json: large enough that no import has
   to grow the map (and restart), the same for both. */
#define BENCH_MAP_SIZE (64ull << 30)

/* Records per page of list_page. */
#define BENCH_PAGE 100

/* An NDJSON input: the first `bytes` bytes (whole lines) of a file. */
typedef struct bench_input {
	const char *path;
	uint64_t bytes;
	/* called about every 1000 records with the count so far (may be NULL) */
	void (*progress)(void *ctx, uint64_t records);
	void *progress_ctx;
} bench_input;

/* States and update statuses as fcdb numbers them (fcdb.h). */
int bench_state_num(const char *s);          /* "Pending" 1 .. "Failed" 4, 0 */
int bench_status_num(const char *s);         /* "InProgress" 1 .. 3, 0 */
const char *bench_state_name(int state);

typedef struct bench_system {
	const char *name;
	/* Open (create when missing) the store at `path`; durable commits. */
	int (*open)(bench_sys **out, const char *path);
	void (*close)(bench_sys *s);
	/* Load every NDJSON record of `in` in one transaction (one commit). */
	int (*import_ndjson)(bench_sys *s, const bench_input *in,
	                     uint64_t *records);
	/* Create one function from a CreateFunctionInput: one durable commit. */
	int (*create)(bench_sys *s, const char *json, size_t len);
	/* Move `name` to `state`: a read-modify-write, one durable commit. */
	int (*set_state)(bench_sys *s, const char *name, int state);
	/* Write every Function as NDJSON, in name order, from one snapshot. */
	int (*export_ndjson)(bench_sys *s, FILE *out, uint64_t *records);
	/* Bytes the store takes on disk (after a checkpoint where relevant). */
	int (*size_bytes)(bench_sys *s, uint64_t *out);

	int (*reader_open)(bench_sys *s, bench_reader **out);
	void (*reader_close)(bench_reader *r);
	int (*get_by_name)(bench_reader *r, const char *name, uint64_t *ck);
	int (*get_by_arn)(bench_reader *r, const char *arn, uint64_t *ck);
	int (*get_json)(bench_reader *r, const char *name, uint64_t *ck);
	int (*read_state)(bench_reader *r, const char *name, uint64_t *ck);
	/* One page of up to `limit` functions after `after` ("" for the
	   first page), each read typed; *got is the count, *last (a buffer of
	   at least 256 bytes) the page's last name, *more 0 on the last page.
	   Systems with a native token (fcdb) keep it in the reader and use
	   `after` only to know whether this is the first page. */
	int (*list_page)(bench_reader *r, const char *after, unsigned limit,
	                 char *last, unsigned *got, int *more, uint64_t *ck);
} bench_system;

extern const bench_system sys_fcdb;
extern const bench_system sys_sqlite;
extern const bench_system sys_lmdb_json;
extern const bench_system sys_lmdb_raw;

/* Shared helpers of the systems (bench.c). */

/* Read NDJSON lines of `in`: calls fn(ctx, line, len) for each non-empty
   line (without the newline; line[len] is '\0'); stops at the first
   non-zero return, which it returns.  Reports progress every 1000. */
int bench_ndjson_each(const bench_input *in,
                      int (*fn)(void *ctx, char *line, size_t len),
                      void *ctx, uint64_t *records);

/* Now as "YYYY-MM-DDTHH:MM:SSZ" into out (>= 21 bytes). */
void bench_now(char *out);

#endif
