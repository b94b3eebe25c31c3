/*
 * fcdb.h: the public interface of libfcdb, an embedded store for
 * Function Compute 3.0 function records.
 *
 * WHAT IT IS
 *
 * libfcdb keeps Function objects (Alibaba Cloud Function Compute 3.0, API
 * 2023-03-30) in an LMDB environment, one record per function, encoded as
 * MessagePack behind a small checksummed envelope, and indexed by
 * functionName, functionArn and functionId.  Input is the service's own
 * JSON: a CreateFunctionInput or UpdateFunctionInput document is validated
 * exactly like the service does it, computed fields are filled in
 * (functionId, functionArn, times, codeChecksum, codeSize, state), and the
 * stored Function renders back as the service's JSON shape.
 *
 * Every write (create, update, delete, state change) is one LMDB write
 * transaction that checks its preconditions, bumps the store revision and
 * writes the record with all of its index entries.  A record's revision is
 * the store revision of its last change; pass it back as an expected
 * revision for compare-and-swap.
 *
 * CONVENTIONS
 *
 * - A call that can fail returns int: FCDB_OK (0) or a negative FCDB_E*
 *   code.  Outputs come first and are named out.  On failure every output
 *   is NULL or 0 and there is nothing to free.  fcdb_error_last() then
 *   holds the message, the JSON field path and the backend error number of
 *   the failure, for the calling thread only.
 * - The library never prints, never exits and never aborts on bad input.
 *   A NULL handle or an impossible argument returns FCDB_EMISUSE.
 * - Pointers handed out are one of three kinds, and each call says which:
 *   BORROWED (valid until a named event, never freed by the caller),
 *   OWNED (freed by the caller with the matching fcdb_*_free, never with
 *   free(3)), or written into a caller's buffer.
 * - Every *_free and fcdb_close accepts NULL.
 * - Option structs carry a version field: initialise them with the
 *   matching *_init call, then set what you need.  Fields are only ever
 *   appended, and error codes are only ever appended.
 *
 * THREADS AND PROCESSES
 *
 * One fcdb handle may be shared by any number of threads: every call is
 * safe to make concurrently on the same handle, except fcdb_close, which
 * must be the last call.  An fcdb_function or fcdb_list may be read by
 * several threads at once but is not synchronised otherwise.  Several
 * processes may open one store at the same time; writes are serialised by
 * LMDB's writer lock and readers never block writers.
 *
 * CAVEATS (inherited from LMDB; read these)
 *
 * - Do not fork(2) with an open handle and use it in the child: open the
 *   store again in the child instead.
 * - Do not put a store on a network filesystem (NFS, SMB): LMDB's locks
 *   need a local filesystem with working mmap and POSIX semantics.
 * - A store is two files: PATH (the data) and PATH-lock (reader table and
 *   writer lock).  Both are created with mode 0600 because records hold
 *   credentials (an empty file given as PATH is made 0600 before it
 *   becomes a store).  Symbolic links are followed: PATH-lock sits beside
 *   the real file, so every name of a store shares one lock.  Copy a
 *   live store with fcdb_backup, never with cp(1).  While an import runs
 *   on a store opened FCDB_OPEN_EXCLUSIVE there is a third, PATH-journal
 *   (mode 0600): if the importing process dies, the next fcdb_open of the
 *   store undoes the import with it.  Never delete it by hand.
 * - A process killed while it holds a read transaction leaves a stale
 *   reader slot; fcdb_open clears such slots (mdb_reader_check).
 * - The map grows on demand (doubling) when a write finds it full, and a
 *   size grown by another process is adopted automatically.
 * - Handles opened on one store within one process share one LMDB
 *   environment (LMDB's locks are per process): the first open's flags,
 *   map size and reader limit apply to all of them, and a store open
 *   read-only cannot be opened for writing until that handle closes.
 * - Each read holds one slot of the reader table (1022 by default,
 *   fcdb_options.max_readers) for its duration; when every slot is taken
 *   a read waits up to two seconds, then fails with FCDB_EIO.
 */
#ifndef FCDB_H
#define FCDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FCDB_BUILDING_LIBRARY) && defined(__GNUC__)
#define FCDB_API __attribute__((visibility("default")))
#else
#define FCDB_API
#endif

/* ------------------------------------------------------------------ */
/* Version                                                             */

#define FCDB_VERSION_MAJOR 0
#define FCDB_VERSION_MINOR 1
#define FCDB_VERSION_PATCH 0
#define FCDB_VERSION_STRING "0.1.0"

/* The library's version string ("0.1.0"); static. */
FCDB_API const char *fcdb_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/*
 * Result codes.  Append-only: a code never changes its number.  The name
 * in brackets is the service's error code word, as fcdb_error_name()
 * returns it and as the fcdb command prints it.
 */
#define FCDB_OK             0
#define FCDB_EINVAL       (-1)  /* [InvalidArgument] bad input; field named */
#define FCDB_ENOTFOUND    (-2)  /* [FunctionNotFound] */
#define FCDB_EEXISTS      (-3)  /* [FunctionAlreadyExists] */
#define FCDB_EPRECONDITION (-4) /* [PreconditionFailed] revision mismatch */
#define FCDB_ECONCURRENT  (-5)  /* [ConcurrentUpdateError] update while InProgress */
#define FCDB_ETRANSITION  (-6)  /* [InvalidStateTransition] */
#define FCDB_ECORRUPT     (-7)  /* [StoreCorrupted] damaged record or store */
#define FCDB_EIO          (-8)  /* [IOError] file system, LMDB, map */
#define FCDB_ENOMEM       (-9)  /* [OutOfMemory] */
#define FCDB_EMISUSE     (-10)  /* [Misuse] NULL handle, bad flags, read-only handle */
#define FCDB_EINTERNAL   (-11)  /* [InternalError] a bug: please report it */
#define FCDB_EBUSY       (-12)  /* [Busy] FCDB_OPEN_EXCLUSIVE: in use elsewhere */

/* Details of the last failed call on the calling thread. */
typedef struct fcdb_error {
	int code;            /* the FCDB_E* code returned */
	const char *message; /* human-readable sentence, never NULL */
	const char *field;   /* JSON path of the offending field ("cpu",
	                        "customRuntimeConfig.healthCheckConfig.timeoutSeconds",
	                        "tags[1].Key"), "" when no field applies */
	int backend;         /* LMDB or errno value behind FCDB_EIO and
	                        FCDB_ECORRUPT, 0 otherwise */
} fcdb_error;

/*
 * fcdb_error_last: the detail of the most recent failure on this thread.
 * BORROWED: valid until the next fcdb call on this thread.  Never NULL;
 * after a success it still describes the previous failure (code 0 and
 * an empty message when there has been none).
 */
FCDB_API const fcdb_error *fcdb_error_last(void);

/* fcdb_strerror: a static one-line description of a result code. */
FCDB_API const char *fcdb_strerror(int code);

/* fcdb_error_name: the static code word ("InvalidArgument", ...). */
FCDB_API const char *fcdb_error_name(int code);

/* ------------------------------------------------------------------ */
/* Lifecycle enums                                                     */

typedef enum fcdb_state {
	FCDB_STATE_NONE = 0,
	FCDB_STATE_PENDING = 1,
	FCDB_STATE_ACTIVE = 2,
	FCDB_STATE_INACTIVE = 3,
	FCDB_STATE_FAILED = 4
} fcdb_state;

typedef enum fcdb_update_status {
	FCDB_UPDATE_NONE = 0,
	FCDB_UPDATE_IN_PROGRESS = 1,
	FCDB_UPDATE_SUCCESSFUL = 2,
	FCDB_UPDATE_FAILED = 3
} fcdb_update_status;

/* "Pending", "Active", ...; NULL for a value out of range.  Static. */
FCDB_API const char *fcdb_state_name(fcdb_state state);
/* "InProgress", "Successful", "Failed"; NULL out of range.  Static. */
FCDB_API const char *fcdb_update_status_name(fcdb_update_status status);
/* Parse the exact service spelling; 0 or FCDB_EINVAL. */
FCDB_API int fcdb_state_parse(fcdb_state *out, const char *name);
FCDB_API int fcdb_update_status_parse(fcdb_update_status *out, const char *name);

/*
 * fcdb_state_transition_allowed: 1 when the state machine allows `from`
 * -> `to` (a same-state move counts as allowed: it is an idempotent
 * success), 0 otherwise.  Pure; the table is DESIGN.md section 4:
 *   Pending  -> Active, Failed, Inactive
 *   Active   -> Failed, Inactive
 *   Inactive -> Failed, Pending
 *   Failed   -> Pending
 */
FCDB_API int fcdb_state_transition_allowed(fcdb_state from, fcdb_state to);
/* Same for lastUpdateStatus: InProgress <-> Successful, InProgress <-> Failed. */
FCDB_API int fcdb_update_status_transition_allowed(fcdb_update_status from,
                                                   fcdb_update_status to);

/* ------------------------------------------------------------------ */
/* Opening a store                                                     */

typedef struct fcdb fcdb;

#define FCDB_OPTIONS_VERSION 1

#define FCDB_OPEN_READONLY  0x1u /* never write; fails if the store is missing */
#define FCDB_OPEN_NOCREATE  0x2u /* fail with FCDB_EIO if the store is missing */
#define FCDB_OPEN_NOSYNC    0x4u /* do not fsync at commit: fast, NOT durable */
#define FCDB_OPEN_EXCLUSIVE 0x8u /* this process alone, for bulk loads: below */

typedef struct fcdb_options {
	unsigned int version;   /* FCDB_OPTIONS_VERSION */
	unsigned int flags;     /* FCDB_OPEN_* */
	uint64_t map_size;      /* initial map size in bytes; 0: 1 GiB (address
	                           space, not disk: the file grows with its
	                           data).  The map
	                           grows by doubling when full. */
	const char *region;     /* region of a new store's ARNs; NULL: "cn-hangzhou".
	                           For an existing store it must match or be NULL. */
	const char *account_id; /* account of a new store's ARNs (digits); NULL:
	                           "1000000000000000".  Same rule as region. */
	/* Clock for createdTime / lastModifiedTime, in seconds since the
	   epoch; NULL: time(2).  For tests and replay. */
	int64_t (*clock)(void *clock_ctx);
	void *clock_ctx;
	/* Reader table size for a new lock file (concurrent read operations
	   across all processes, plus up to 8 idle ones a process keeps for
	   reuse); 0: 1022.  The first process to open the store sets it. */
	unsigned int max_readers;
} fcdb_options;

/* fcdb_options_init: fill `opts` with the defaults above. */
FCDB_API void fcdb_options_init(fcdb_options *opts);

/*
 * fcdb_open: open the store at `path` (a file; its lock file is
 * `path`-lock), creating it unless FCDB_OPEN_READONLY or FCDB_OPEN_NOCREATE.
 * `opts` may be NULL for the defaults.  On success *out is OWNED: close it
 * with fcdb_close.  Clears stale reader slots left by dead processes.
 * Returns FCDB_OK, FCDB_EIO (missing store, permissions), FCDB_ECORRUPT
 * (not an fcdb store, truncated, bad format version or meta), FCDB_EINVAL
 * (region or account that does not match the store or is malformed),
 * FCDB_ENOMEM, FCDB_EMISUSE (already open read-only in this process),
 * FCDB_EBUSY (FCDB_OPEN_EXCLUSIVE only).
 *
 * FCDB_OPEN_EXCLUSIVE: have the store to this process alone, so that an
 * fcdb_import of any size runs in bounded memory (below).  The open
 * fails with FCDB_EBUSY, changing nothing, if another process has the
 * store open, or this process does; while the handle is open, other
 * processes' fcdb_open of the store waits until it closes (with no
 * timeout: close the handle when the bulk work is done).  It undoes an
 * import that a killed process left half done (see PATH-journal above;
 * every other kind of open does too, waiting until nobody has the store
 * open).  The disk the store may need is allocated ahead (posix_fallocate),
 * so that a full disk is one clear FCDB_EIO early: the map starts 8 MiB
 * past the file (or at map_size if larger) and grows allocated too (by
 * doubling, or a smaller step when the disk has no room for that); the
 * file is cut back to its data at fcdb_close.  `fcdb import` opens the
 * store this way when no other process has it open.
 */
FCDB_API int fcdb_open(fcdb **out, const char *path, const fcdb_options *opts);

/* fcdb_close: release the handle.  No other call may be in flight. */
FCDB_API void fcdb_close(fcdb *db);

/* The store's region and account id.  BORROWED until fcdb_close. */
FCDB_API const char *fcdb_region(const fcdb *db);
FCDB_API const char *fcdb_account_id(const fcdb *db);

/*
 * fcdb_revision: the store revision, the number of changes ever committed.
 * Returns FCDB_OK, FCDB_EIO, FCDB_ECORRUPT, FCDB_EMISUSE.
 */
FCDB_API int fcdb_revision(fcdb *db, uint64_t *out);

/* ------------------------------------------------------------------ */
/* Function records                                                    */

typedef struct fcdb_function fcdb_function;

#define FCDB_WRITE_OPTIONS_VERSION 1

#define FCDB_WRITE_ASYNC 0x1u /* update: leave lastUpdateStatus InProgress */

typedef struct fcdb_write_options {
	unsigned int version;       /* FCDB_WRITE_OPTIONS_VERSION */
	unsigned int flags;         /* FCDB_WRITE_* */
	/* Compare-and-swap: when non-zero the write succeeds only if the
	   record's revision equals this value, else FCDB_EPRECONDITION.
	   Revisions start at 1, so 0 means "no expectation". */
	uint64_t expected_revision;
	/* The code package as bytes, in place of code.zipFile in the JSON
	   (create and update).  NULL: none.  Not retained after the call. */
	const void *code;
	size_t code_len;
} fcdb_write_options;

FCDB_API void fcdb_write_options_init(fcdb_write_options *opts);

/*
 * fcdb_function_create: create a function from a CreateFunctionInput JSON
 * document of `len` bytes (need not be NUL-terminated).
 *
 * Validation follows the service: functionName, runtime and (except for
 * custom* runtimes) handler are required; exactly one of code and
 * customContainerConfig; ranges, multiples and the cpu/memory ratio;
 * computed fields and unknown field names are refused.  Defaults: timeout 3,
 * internetAccess true, diskSize 512, instanceConcurrency 1, memorySize 512
 * and cpu 0.35 (one derived from the other at 2 GB per vCPU when only one
 * is given).  The store fills functionId, functionArn, createdTime,
 * lastModifiedTime, codeChecksum and codeSize (CRC-64/XZ and length of the
 * decoded package), state Pending (stateReasonCode Creating) and
 * lastUpdateStatus InProgress.
 *
 * Sizes: a document over 101 MiB (a 100 MiB code.zipFile, the service's
 * limit for inline base64, plus the rest) and a package in opts->code over
 * 500 MiB (the service's limit for a package from OSS) are FCDB_EINVAL
 * before anything is parsed; the stored record is at most 1 MiB.
 *
 * `opts` may be NULL; expected_revision and FCDB_WRITE_ASYNC do not apply.
 * When out is not NULL, *out is the created function, OWNED.
 * Returns FCDB_OK, FCDB_EINVAL (field named in fcdb_error_last), FCDB_EEXISTS,
 * FCDB_EIO, FCDB_ENOMEM, FCDB_EMISUSE.  On failure the store is unchanged.
 */
FCDB_API int fcdb_function_create(fcdb *db, fcdb_function **out,
                                  const char *json, size_t len,
                                  const fcdb_write_options *opts);

/*
 * fcdb_function_update: merge an UpdateFunctionInput JSON document into the
 * function `name`.  Fields present replace the stored ones, absent fields
 * keep their values, a top-level null removes an optional field (timeout,
 * internetAccess, diskSize and instanceConcurrency go back to their
 * defaults; memorySize or cpu is derived again from the other).
 * functionName, tags and resourceGroupId cannot be updated.  `code`
 * recomputes codeChecksum and codeSize and replaces a
 * customContainerConfig; a customContainerConfig replaces a code package.
 * The merged record must still be one create would accept: a code source,
 * a handler unless the runtime is custom*, the cpu/memory ratio.
 * Synchronous by default (lastUpdateStatus
 * Successful); FCDB_WRITE_ASYNC leaves it InProgress.  A Failed function
 * moves to Pending (stateReasonCode Restoring).  Size limits as for
 * create.
 *
 * Returns FCDB_OK, FCDB_EINVAL, FCDB_ENOTFOUND, FCDB_EPRECONDITION (stale
 * expected_revision), FCDB_ECONCURRENT (lastUpdateStatus is InProgress),
 * FCDB_ECORRUPT, FCDB_EIO, FCDB_ENOMEM, FCDB_EMISUSE.  *out as for create.
 */
FCDB_API int fcdb_function_update(fcdb *db, fcdb_function **out,
                                  const char *name,
                                  const char *json, size_t len,
                                  const fcdb_write_options *opts);

/*
 * fcdb_function_delete: delete `name` and its ARN and id index entries in
 * one transaction.  Allowed in every state.  Returns FCDB_OK,
 * FCDB_ENOTFOUND, FCDB_EPRECONDITION, FCDB_ECORRUPT, FCDB_EIO, FCDB_EMISUSE.
 */
FCDB_API int fcdb_function_delete(fcdb *db, const char *name,
                                  const fcdb_write_options *opts);

/*
 * fcdb_function_get / _get_by_arn / _get_by_id: read one function.
 * *out is OWNED (fcdb_function_free).  The record's envelope version and
 * XXH3 are checked before it is decoded.  Returns FCDB_OK,
 * FCDB_ENOTFOUND, FCDB_ECORRUPT (names the record), FCDB_EIO,
 * FCDB_ENOMEM, FCDB_EMISUSE.
 */
FCDB_API int fcdb_function_get(fcdb *db, fcdb_function **out, const char *name);
FCDB_API int fcdb_function_get_by_arn(fcdb *db, fcdb_function **out,
                                      const char *arn);
FCDB_API int fcdb_function_get_by_id(fcdb *db, fcdb_function **out,
                                     const char *function_id);

/*
 * fcdb_function_read_state: the lifecycle of `name` without decoding the
 * record (the envelope is still verified).  Any output may be NULL.
 * Returns as fcdb_function_get.
 */
FCDB_API int fcdb_function_read_state(fcdb *db, const char *name,
                                      fcdb_state *state,
                                      fcdb_update_status *update_status,
                                      uint64_t *revision);

/*
 * fcdb_function_set_state: move `name` to `state` (DESIGN section 4).
 * reason_code and reason may be NULL; moving to Failed requires a reason
 * code.  Defaults: Inactive gets reason code Idle, Pending gets Restoring,
 * Active clears the reasons.  Pending -> Active also turns an InProgress
 * lastUpdateStatus Successful; Pending -> Failed turns it Failed.  Setting
 * the state the function already has is a success that changes nothing,
 * with or without a reason (Failed -> Failed needs none).
 * opts->expected_revision applies.  *out (if not NULL) is the function
 * after the call, OWNED.  Returns FCDB_OK, FCDB_EINVAL, FCDB_ENOTFOUND,
 * FCDB_ETRANSITION (names both states), FCDB_EPRECONDITION, FCDB_ECORRUPT,
 * FCDB_EIO, FCDB_EMISUSE.
 */
FCDB_API int fcdb_function_set_state(fcdb *db, fcdb_function **out,
                                     const char *name, fcdb_state state,
                                     const char *reason_code,
                                     const char *reason,
                                     const fcdb_write_options *opts);

/*
 * fcdb_function_set_update_status: InProgress -> Successful or Failed
 * (ends an asynchronous update), Successful or Failed -> InProgress (a
 * provisioner starting work).  Same-status is an idempotent success.
 * Returns as fcdb_function_set_state.
 */
FCDB_API int fcdb_function_set_update_status(fcdb *db, fcdb_function **out,
                                             const char *name,
                                             fcdb_update_status status,
                                             const char *reason_code,
                                             const char *reason,
                                             const fcdb_write_options *opts);

/* fcdb_function_free: release a function.  Accepts NULL. */
FCDB_API void fcdb_function_free(fcdb_function *fn);

/*
 * Typed accessors.  Strings are BORROWED until fcdb_function_free (or
 * fcdb_list_free for a function borrowed from a list), NUL-terminated and
 * UTF-8; a field the record does not have returns NULL (strings) or 0
 * (numbers, with *_has to tell a stored 0 from an absent field).
 */
FCDB_API const char *fcdb_function_name(const fcdb_function *fn);
FCDB_API const char *fcdb_function_arn(const fcdb_function *fn);
FCDB_API const char *fcdb_function_id(const fcdb_function *fn);
FCDB_API const char *fcdb_function_runtime(const fcdb_function *fn);
FCDB_API const char *fcdb_function_handler(const fcdb_function *fn);
FCDB_API const char *fcdb_function_description(const fcdb_function *fn);
FCDB_API fcdb_state fcdb_function_state(const fcdb_function *fn);
FCDB_API const char *fcdb_function_state_reason_code(const fcdb_function *fn);
FCDB_API const char *fcdb_function_state_reason(const fcdb_function *fn);
FCDB_API fcdb_update_status fcdb_function_update_status(const fcdb_function *fn);
FCDB_API const char *fcdb_function_update_status_reason_code(const fcdb_function *fn);
FCDB_API const char *fcdb_function_update_status_reason(const fcdb_function *fn);
FCDB_API uint64_t fcdb_function_revision(const fcdb_function *fn);
FCDB_API int32_t fcdb_function_memory_size(const fcdb_function *fn); /* MB */
FCDB_API double fcdb_function_cpu(const fcdb_function *fn);          /* vCPU */
FCDB_API int32_t fcdb_function_timeout(const fcdb_function *fn);     /* s */
FCDB_API int32_t fcdb_function_disk_size(const fcdb_function *fn);   /* MB */
FCDB_API int32_t fcdb_function_instance_concurrency(const fcdb_function *fn);
FCDB_API const char *fcdb_function_code_checksum(const fcdb_function *fn);
FCDB_API int64_t fcdb_function_code_size(const fcdb_function *fn);
FCDB_API int fcdb_function_has_code_size(const fcdb_function *fn);
FCDB_API const char *fcdb_function_created_time(const fcdb_function *fn);
FCDB_API const char *fcdb_function_last_modified_time(const fcdb_function *fn);

#define FCDB_JSON_PRETTY      0x1u /* indent with two spaces, newline at end */
#define FCDB_JSON_REVISION    0x2u /* add the store field "revision" */
#define FCDB_JSON_MASK_SECRETS 0x4u /* registry password as "abc***" */

/*
 * fcdb_function_json: render the whole Function in the service's JSON
 * shape (fields in the SDK's order, layers as {arn,size} objects, tags as
 * {Key,Value}), compact unless FCDB_JSON_PRETTY.  *out is OWNED
 * (fcdb_json_free), NUL-terminated; *len (may be NULL) excludes the NUL.
 * Returns FCDB_OK, FCDB_ENOMEM, FCDB_EMISUSE, or FCDB_ECORRUPT for a
 * record whose checksum matched but whose nested data the decoder refuses
 * (only a faulty writer makes one; reads check the envelope, not every
 * nested value, to stay fast).
 */
FCDB_API int fcdb_function_json(char **out, size_t *len,
                                const fcdb_function *fn, unsigned int flags);

/* fcdb_function_get_json: fcdb_function_get + fcdb_function_json. */
FCDB_API int fcdb_function_get_json(fcdb *db, char **out, size_t *len,
                                    const char *name, unsigned int flags);

/* fcdb_json_free: release text from fcdb_function_json & co.  Accepts NULL. */
FCDB_API void fcdb_json_free(char *json);

/* ------------------------------------------------------------------ */
/* Listing                                                             */

typedef struct fcdb_list fcdb_list;

#define FCDB_LIST_OPTIONS_VERSION 1
#define FCDB_LIST_LIMIT_DEFAULT 20
#define FCDB_LIST_LIMIT_MAX 100

typedef struct fcdb_list_options {
	unsigned int version;   /* FCDB_LIST_OPTIONS_VERSION */
	const char *prefix;     /* names starting with this; NULL: all */
	unsigned int limit;     /* 1..100; 0: 20 */
	const char *next_token; /* from the previous page; NULL: first page */
	const char *runtime;    /* only this runtime; NULL: any */
	fcdb_state state;       /* only this state; FCDB_STATE_NONE: any */
} fcdb_list_options;

FCDB_API void fcdb_list_options_init(fcdb_list_options *opts);

/*
 * fcdb_function_list: one page of functions in ascending byte order of
 * name.  *out is OWNED (fcdb_list_free).  The page holds at most `limit`
 * functions; fcdb_list_next_token is NULL on the last page.  A token is
 * opaque, bound to its store and checked: a forged or foreign token is
 * FCDB_EINVAL (field "nextToken"), never a silent restart.  Returns FCDB_OK,
 * FCDB_EINVAL, FCDB_ECORRUPT, FCDB_EIO, FCDB_ENOMEM, FCDB_EMISUSE.
 */
FCDB_API int fcdb_function_list(fcdb *db, fcdb_list **out,
                                const fcdb_list_options *opts);
FCDB_API size_t fcdb_list_count(const fcdb_list *list);
/* BORROWED until fcdb_list_free; NULL past the end. */
FCDB_API const fcdb_function *fcdb_list_at(const fcdb_list *list, size_t i);
/* BORROWED until fcdb_list_free; NULL on the last page. */
FCDB_API const char *fcdb_list_next_token(const fcdb_list *list);
FCDB_API void fcdb_list_free(fcdb_list *list);

/* ------------------------------------------------------------------ */
/* Inspection and maintenance                                          */

#define FCDB_STATS_RUNTIMES_MAX 32

typedef struct fcdb_stats {
	uint64_t revision;          /* store revision */
	uint64_t functions;         /* records */
	uint64_t by_state[5];       /* indexed by fcdb_state */
	uint64_t by_update_status[4]; /* indexed by fcdb_update_status */
	struct {
		const char *runtime;    /* static string */
		uint64_t count;
	} runtimes[FCDB_STATS_RUNTIMES_MAX]; /* runtimes in use, by name */
	size_t runtime_count;
	uint64_t record_bytes;      /* sum of stored record sizes */
	uint64_t file_bytes;        /* size of the data file */
	uint64_t map_bytes;         /* size of the memory map */
	uint64_t page_size;
	uint64_t pages_used;        /* pages up to the highest in use */
	uint64_t tree_depth;        /* B-tree of records */
	uint64_t branch_pages;      /* all databases */
	uint64_t leaf_pages;
	uint64_t overflow_pages;
	uint64_t arn_entries;       /* index entries */
	uint64_t id_entries;
	unsigned int readers_used;  /* reader table slots in use */
	unsigned int readers_max;
} fcdb_stats;

/*
 * fcdb_stats_get: counts and storage figures, from one read snapshot.
 * Walks every record (envelope only for states; decoded for runtimes).
 * Returns FCDB_OK, FCDB_ECORRUPT (a record cannot be read), FCDB_EIO,
 * FCDB_EMISUSE.
 */
FCDB_API int fcdb_stats_get(fcdb *db, fcdb_stats *out);

/*
 * fcdb_check: walk every record and index entry from one read snapshot:
 * envelope version and XXH3, MessagePack decoding, each record's name,
 * ARN and id against its keys, every name has its ARN and id entries,
 * every index entry points at a record that names it back, no record
 * newer than the store revision.  `report` (may be NULL) is called once
 * per problem with the record or key, the phase ("envelope", "decode",
 * "record", "by_arn", "by_id", "meta") and a sentence; all three strings
 * are BORROWED for the call.  *problems (may be NULL) gets the count.
 * Returns FCDB_OK when clean, FCDB_ECORRUPT when problems were found,
 * FCDB_EIO, FCDB_EMISUSE.
 */
typedef void (*fcdb_check_fn)(void *ctx, const char *name, const char *phase,
                              const char *problem);
FCDB_API int fcdb_check(fcdb *db, fcdb_check_fn report, void *ctx,
                        uint64_t *problems);

/*
 * fcdb_backup: write a consistent, compacted copy of the store to the new
 * file `dest` (mode 0600; it must not exist), while other threads and
 * processes keep writing.  The copy is a store of its own: open it with
 * fcdb_open.  Returns FCDB_OK, FCDB_EIO (dest exists, disk full, ...),
 * FCDB_EMISUSE.  On failure dest is removed.
 */
FCDB_API int fcdb_backup(fcdb *db, const char *dest);

/* ------------------------------------------------------------------ */
/* Export and import                                                   */

/* Progress: called every few thousand records with the count so far. */
typedef void (*fcdb_progress_fn)(void *ctx, uint64_t records);

/* Output sink: write `len` bytes; return 0, or non-zero to stop (the
   call then fails with FCDB_EIO). */
typedef int (*fcdb_write_fn)(void *ctx, const char *data, size_t len);

/* Input source: fill up to `cap` bytes of `buf`, set *got (0 at the
   end); return 0, or non-zero on a read error (FCDB_EIO). */
typedef int (*fcdb_read_fn)(void *ctx, char *buf, size_t cap, size_t *got);

/* Input rewind, for retrying after the map grew; 0 on success. */
typedef int (*fcdb_rewind_fn)(void *ctx);

#define FCDB_FORMAT_NDJSON 0 /* one Function per line */
#define FCDB_FORMAT_JSON   1 /* {"version":1,"region":..,"accountId":..,"functions":[..]} */

#define FCDB_EXPORT_OPTIONS_VERSION 1

typedef struct fcdb_export_options {
	unsigned int version;   /* FCDB_EXPORT_OPTIONS_VERSION */
	int format;             /* FCDB_FORMAT_* */
	const char *prefix;     /* names starting with this; NULL: all */
	fcdb_progress_fn progress;
	void *progress_ctx;
} fcdb_export_options;

FCDB_API void fcdb_export_options_init(fcdb_export_options *opts);

/*
 * fcdb_export: write every Function (or those under a prefix) in name
 * order, in the service's shape without the store-local "revision", the
 * registry password unmasked.  Streams from one read snapshot: memory
 * does not grow with the store and writers are not blocked.  *count (may
 * be NULL) gets the number of functions written.  Returns FCDB_OK,
 * FCDB_EIO (the sink failed), FCDB_ECORRUPT (names the record), FCDB_ENOMEM,
 * FCDB_EMISUSE.
 */
FCDB_API int fcdb_export(fcdb *db, fcdb_write_fn write, void *write_ctx,
                         const fcdb_export_options *opts, uint64_t *count);

#define FCDB_IMPORT_CREATE  0 /* any existing name refuses the whole import */
#define FCDB_IMPORT_UPSERT  1 /* create new names, replace existing ones */
#define FCDB_IMPORT_REPLACE 2 /* the store's contents become exactly the input */

#define FCDB_IMPORT_DRY_RUN 0x1u /* validate everything, write nothing */
#define FCDB_IMPORT_LENIENT 0x2u /* skip range and ratio rules; keep unknown
                                    top-level fields */

#define FCDB_IMPORT_OPTIONS_VERSION 2

typedef struct fcdb_import_options {
	unsigned int version;   /* FCDB_IMPORT_OPTIONS_VERSION */
	int mode;               /* FCDB_IMPORT_* */
	unsigned int flags;     /* FCDB_IMPORT_DRY_RUN | FCDB_IMPORT_LENIENT */
	fcdb_rewind_fn rewind;  /* may be NULL: see fcdb_import */
	fcdb_progress_fn progress;
	void *progress_ctx;
	/* version 2: the input's size in bytes if known, else 0.  A store
	   opened FCDB_OPEN_EXCLUSIVE reserves that much room first, so the
	   import need not restart when the map fills. */
	uint64_t size_hint;
} fcdb_import_options;

typedef struct fcdb_import_report {
	uint64_t records;   /* records read */
	uint64_t created;
	uint64_t updated;
	uint64_t unchanged;
	uint64_t deleted;   /* replace mode */
	uint64_t revision;  /* the store revision after the import */
} fcdb_import_report;

FCDB_API void fcdb_import_options_init(fcdb_import_options *opts);

/*
 * fcdb_import: load Functions from `read`, detecting the shape from the
 * content: NDJSON (one object per line, or any sequence of objects), a JSON
 * array of Functions, a single Function, fcdb's JSON export, or the
 * service's ListFunctions output ({"functions":[...],"nextToken":...}).
 *
 * Each record is validated like a create, keeping its computed fields
 * (functionId, times, codeChecksum, codeSize, states and reasons), which
 * must be well formed; functionArn must name this store's region and
 * account and the record's own name; "revision" is ignored.  Missing
 * computed fields (a ListFunctions page has no states) are filled in:
 * state Active, lastUpdateStatus Successful, a new functionId, the time
 * now.  Names must be unique within the input; so must functionIds
 * within the resulting store.
 *
 * The whole import is one transaction: all records land or none, and the
 * store revision goes up by one (each record written carries it;
 * unchanged records keep theirs).  NDJSON is read one record at a time,
 * each at most 1 MiB of text.
 *
 * Memory.  On a shared store the import is one LMDB write transaction,
 * which holds every page it dirties in malloc'd memory (up to 512 MiB,
 * then it spills them to the file): about as much memory as the data it
 * writes.  On a store opened FCDB_OPEN_EXCLUSIVE it commits in steps of
 * 1,024 records and drops the file pages it maps as it goes, so its
 * resident size stays within a few tens of MiB however large the import
 * (README "Performance" has the figures); an undo journal (PATH-journal)
 * makes the steps one transaction again: a refused import, a dry run, or
 * one whose process dies is undone and leaves the file byte for byte as
 * it was (a reserve past the end is cut at close).  No other process can
 * open the store meanwhile, and other threads of this process wait at
 * their next call on it until the import ends: `read` and `progress`
 * must not call fcdb on the same store, or they wait for themselves.
 *
 * When the map must grow mid-import the import is restarted: give
 * `rewind` for that, or the import fails with FCDB_EIO asking for a
 * larger map_size (an exclusive store keeps room ahead, and reserves
 * size_hint bytes first, so this is rare).
 *
 * Errors name the record (NDJSON line, array index) and the field path.
 * Returns FCDB_OK, FCDB_EINVAL (bad record, shape, duplicate), FCDB_EEXISTS
 * (create mode, a name exists), FCDB_EIO, FCDB_ECORRUPT, FCDB_ENOMEM,
 * FCDB_EMISUSE.  On failure nothing is written.  *report (may be NULL) is
 * filled on success and on a dry run.
 */
FCDB_API int fcdb_import(fcdb *db, fcdb_read_fn read, void *read_ctx,
                         const fcdb_import_options *opts,
                         fcdb_import_report *report);

/* ------------------------------------------------------------------ */
/* Code checksum                                                       */

/*
 * fcdb_crc64: CRC-64/XZ (the service's codeChecksum) of `len` bytes,
 * continuing from `crc` (0 to start).  crc64("123456789") is
 * 11051210869376104954.  Print it as an unsigned decimal for codeChecksum.
 */
FCDB_API uint64_t fcdb_crc64(const void *data, size_t len, uint64_t crc);

#ifdef __cplusplus
}
#endif

#endif /* FCDB_H */
