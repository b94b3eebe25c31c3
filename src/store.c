/*
 * store.c: LMDB environment, named databases, transactions, map growth.
 *
 * Why this file exists: LMDB is fast and safe but leaves the caller to
 * manage three things a library user should never see.  (1) Read
 * transactions are cheap only when reused: with MDB_NOTLS a reset
 * transaction keeps its reader slot and renews in a few instructions, so
 * finished ones go back to a small lock-free pool.  (2) The map is a fixed
 * window: a write that finds it full must abort, grow the map while no
 * transaction of this process uses it, and run again; a map grown by
 * another process must be adopted (MDB_MAP_RESIZED).  Both remaps take
 * `remap` exclusively; every transaction holds it shared.  (3) A process
 * killed mid-read leaves a stale reader slot: mdb_reader_check clears
 * them at open and whenever the reader table fills up.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "error.h"
#include "fcdb.h"

#define POOL_SIZE 8          /* idle read transactions kept per store */
#define DEFAULT_MAP_SIZE (1ull << 30) /* virtual: the file grows with its data */
#define DEFAULT_MAX_READERS 1022 /* LMDB's default, 126, is easy to exhaust */
#define READERS_WAIT_MS 2000 /* how long a read waits for a free slot */
#define EXCL_HEADROOM (8ull << 20) /* room an exclusive open reserves */
#define EXCL_ROUND (1ull << 20)    /* exclusive maps are whole MiB */

static const char *const db_names[FCDB__DB_COUNT] = {
	"functions", "by_arn", "by_id", "meta"
};

struct fcdb__txn {
	MDB_txn *txn;
	fcdb__store *store;
	unsigned shard;   /* the remap lock shard held */
	MDB_dbi marks;    /* write transactions: the scratch set, if any */
	int has_marks;
	struct fcdb__chunk *chunk; /* an import in steps (write_exact) */
};

/*
 * The remap lock, sharded: every transaction holds its thread's shard
 * shared, a remap takes all shards exclusively.  One shared lock word
 * would bounce between the cores of concurrent readers on every read.
 */
#define SHARDS 16

struct shard {
	pthread_rwlock_t lock;
	char pad[128 - sizeof(pthread_rwlock_t) % 64];
};

static unsigned my_shard(void)
{
	static _Atomic unsigned next;
	static _Thread_local unsigned id = 0u - 1u;

	if (id == 0u - 1u)
		id = atomic_fetch_add(&next, 1);
	return id % SHARDS;
}

struct fcdb__cursor {
	MDB_cursor *cur;
	fcdb__store *store;
};

struct fcdb__store {
	MDB_env *env;
	MDB_dbi dbi[FCDB__DB_COUNT];
	unsigned flags;
	struct shard remap[SHARDS];
	_Atomic(fcdb__txn *) pool[POOL_SIZE];
	char *path;
	/* the process-wide registry of open environments */
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int refs;
	fcdb__store *next;
	/* where the file's pages lie in the map, for in_file() */
	_Atomic(uintptr_t) map_lo;
	_Atomic(size_t) map_len;
	_Atomic(size_t) data_end;
	/* FCDB__STORE_EXCLUSIVE: our descriptor of the lock file, holding
	   its byte 0 write-locked while excl_held (see excl_take) */
	int excl_fd;
	int excl_held;
	uint64_t excl_size; /* the file's size when opened exclusively */
	int excl_truncated; /* ...was shorter than its pages: give it back */
	off_t lock_txnid_at; /* LMDB's last txnid in the lock file, or 0 */
	char jpath[PATH_MAX + 16]; /* the import's undo journal */
	int opened;       /* mdb_env_open succeeded */
	int broken;       /* a remap failed: LMDB's map is gone */
	/* this process's writers, one at a time: LMDB serialises them too,
	   but write_exact must hold it from its copy to its restore */
	pthread_mutex_t writer;
};

/*
 * LMDB's locks belong to the process, not to the environment handle: a
 * second mdb_env_open of the same file in one process believes it is alone,
 * re-initialises the lock file and lets two writers run at once (a lost
 * write).  So every open of one file in one process shares one
 * environment, found here by device and inode.  A child process after
 * fork() gets its own (the pid is part of the key).
 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* store_open_new: a shared open found an interrupted import's journal */
#define EJOURNAL (-101)
static int journal_undo(const char *path, const char *real, const char *jpath,
                        int lockfd);
static int journal_undo_waiting(const char *path);
static void lock_probe(fcdb__store *s);
static fcdb__store *registry;

/* Map an LMDB result to a recorded fcdb error. */
static int lmdb_error(int rc, const char *what)
{
	switch (rc) {
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		return fcdb__error_set(FCDB_ECORRUPT, NULL, rc, "%s: %s", what,
		                       mdb_strerror(rc));
	case ENOMEM:
		return fcdb__error_set(FCDB_ENOMEM, NULL, rc, "%s: %s", what,
		                       mdb_strerror(rc));
	default:
		return fcdb__error_set(FCDB_EIO, NULL, rc, "%s: %s", what,
		                       mdb_strerror(rc));
	}
}

/*
 * LMDB does not checksum its pages: a damaged node header can describe a
 * key or value that runs past the end of the data file, and the first
 * touch of those bytes kills the process with SIGBUS.  So every key and
 * value LMDB hands back that lies in the map must end within the data
 * file.  The file's size is taken again when a value seems to pass it
 * (another process, or this write transaction spilling pages, may have
 * grown it since).  LMDB
 * does not say where its map is (MDB_envinfo.me_mapaddr is only set for
 * MDB_FIXEDMAP), so it is looked up in /proc/self/maps; without it (not
 * Linux) nothing is checked.  The map moves only under the remap lock,
 * when no transaction of this process is open.  Dirty pages of a write
 * transaction are not in the map: they are LMDB's own memory and pass.
 */
static void map_find(fcdb__store *s, size_t map_size)
{
	unsigned long lo, hi, off, ino;
	unsigned maj, mnr;
	uintptr_t at = 0;
	char line[512];
	struct stat st;
	FILE *f;
	int fd;

	if (mdb_env_get_fd(s->env, &fd) || fstat(fd, &st) != 0)
		return;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu", &lo, &hi, &off, &maj,
		           &mnr, &ino) == 6 && off == 0 && ino == st.st_ino &&
		    makedev(maj, mnr) == st.st_dev && hi - lo >= map_size)
			at = (uintptr_t)lo;
	fclose(f);
	atomic_store_explicit(&s->map_lo, at, memory_order_relaxed);
	atomic_store_explicit(&s->map_len, at ? map_size : 0,
	                      memory_order_relaxed);
}

static void bounds_refresh(fcdb__store *s, int moved)
{
	MDB_envinfo info;
	struct stat st;
	int fd;

	if (mdb_env_info(s->env, &info) || mdb_env_get_fd(s->env, &fd) ||
	    fstat(fd, &st) != 0)
		return;
	if (moved)
		map_find(s, info.me_mapsize);
	atomic_store_explicit(&s->data_end, (size_t)st.st_size,
	                      memory_order_relaxed);
}

static int bounds_ok(fcdb__store *s, const MDB_val *v)
{
	uintptr_t lo = atomic_load_explicit(&s->map_lo, memory_order_relaxed);
	size_t len = atomic_load_explicit(&s->map_len, memory_order_relaxed);
	size_t end = atomic_load_explicit(&s->data_end, memory_order_relaxed);
	uintptr_t p = (uintptr_t)v->mv_data;

	if (p < lo || p - lo >= len)
		return 1; /* not in the map: a dirty page */
	return p - lo <= end && v->mv_size <= end - (p - lo);
}

static int in_file(fcdb__store *s, const MDB_val *v)
{
	if (bounds_ok(s, v))
		return 1;
	bounds_refresh(s, 0);
	return bounds_ok(s, v);
}

/* The error for a key or value past the file, naming the key when it
   can be read. */
static int past_the_file(fcdb__store *s, const MDB_val *k)
{
	if (k && k->mv_size <= 200 && bounds_ok(s, k))
		return fcdb__error_set(FCDB_ECORRUPT, NULL, MDB_CORRUPTED,
		                       "\"%.*s\": its stored value runs past the "
		                       "end of the data file: the store is "
		                       "damaged", (int)k->mv_size,
		                       (const char *)k->mv_data);
	return fcdb__error_set(FCDB_ECORRUPT, NULL, MDB_CORRUPTED,
	                       "a stored key runs past the end of the data "
	                       "file: the store is damaged");
}

/*
 * LMDB trusts a page's flags: on a leaf page damaged into LEAF2 (the
 * fixed-size keys of MDB_DUPFIXED, which have no data) mdb_get and the
 * cursors succeed without filling in the value.  Values start out NULL,
 * and one still NULL after a success is damage.
 */
static int left_unset(void)
{
	return fcdb__error_set(FCDB_ECORRUPT, NULL, MDB_CORRUPTED,
	                       "LMDB returned a key or value it did not fill "
	                       "in: a page of the store is damaged");
}

/*
 * Exclusive stores (FCDB__STORE_EXCLUSIVE): a process that has the store
 * to itself, so that an import can commit in steps that nobody else sees
 * (see "Imports on an exclusive store" below for why and how):
 *
 * - Byte 0 of the lock file is LMDB's "first opener" lock: every opener
 *   tries to write-lock it (to initialise the lock file), else waits for
 *   a read lock, which it keeps while open.  excl_take write-locks it
 *   through a descriptor of our own before mdb_env_open and fails with
 *   FCDB_EBUSY if anyone holds it: then no other process has the store
 *   open, and while we hold it no other can open it (they wait).
 * - mdb_env_open takes it again (POSIX locks belong to the process, so
 *   it succeeds), initialises the lock file and lowers the lock to a
 *   read lock; we raise it again at once.  If another process got in
 *   between, the open fails with FCDB_EBUSY before anything is written.
 * - The map is allocated on disk (posix_fallocate) before it is used and
 *   before it grows, so that a full disk is one clear error up front
 *   rather than a failed commit deep into an import.  The map starts
 *   EXCL_HEADROOM past the file; fcdb__store_reserve grows it ahead of a
 *   large write.
 * - At close the file is cut back to its last page (the reserve is given
 *   back), and the lock lowered to a read lock before mdb_env_close: an
 *   opener waiting for us then joins a lock file that is still valid
 *   (LMDB's close destroys the lock file's mutexes when it can write-lock
 *   byte 0, believing itself the last user).
 *
 * Never close excl_fd while the environment is open: closing any
 * descriptor of a file drops all of this process's locks on it.
 */
static int excl_lock(int fd, short type)
{
	struct flock fl;
	int rc;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	while ((rc = fcntl(fd, F_SETLK, &fl)) != 0 && errno == EINTR)
		;
	return rc == 0 ? 0 : errno;
}

static int excl_error(fcdb__store *s, int e, const char *lock)
{
	if (e == EAGAIN || e == EACCES)
		return fcdb__error_set(FCDB_EBUSY, NULL, e, "%s is open in "
		                       "another process, so it cannot be "
		                       "opened exclusively", s->path);
	return fcdb__error_set(FCDB_EIO, NULL, e, "cannot lock %s: %s", lock,
	                       strerror(e));
}

static int excl_take(fcdb__store *s, const char *lock)
{
	int e;

	s->excl_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->excl_fd < 0)
		return fcdb__error_set(FCDB_EIO, NULL, errno, "cannot open %s: "
		                       "%s", lock, strerror(errno));
	e = excl_lock(s->excl_fd, F_WRLCK);
	if (e)
		return excl_error(s, e, lock);
	s->excl_held = 1;
	return FCDB_OK;
}

/* mdb_env_set_mapsize unmaps before it maps again: when that fails the
   environment has no map, and every later call must say so, not touch
   it. */
static int map_lost(fcdb__store *s, int rc)
{
	return fcdb__error_set(FCDB_EIO, NULL, rc, "%s: the map could not be "
	                       "made again (%s); close the store and open it "
	                       "again", s->path, mdb_strerror(rc));
}

static int check_broken(fcdb__store *s)
{
	return s->broken ? fcdb__error_set(FCDB_EIO, NULL, 0, "%s: the map "
	                                   "was lost in an earlier remap; "
	                                   "close the store and open it "
	                                   "again", s->path)
	                 : FCDB_OK;
}

static uint64_t round_map(uint64_t size)
{
	return (size + EXCL_ROUND - 1) / EXCL_ROUND * EXCL_ROUND;
}

/* Allocate the file's blocks up to `size` (the map), so that no write
   through the map can meet a hole on a full disk. */
static int excl_allocate(fcdb__store *s, uint64_t size)
{
	MDB_envinfo info;
	struct stat st;
	int fd, e;

	if (mdb_env_get_fd(s->env, &fd))
		return FCDB_OK;
	e = posix_fallocate(fd, 0, (off_t)size);
	if (e) {
		/* some file systems (ext4) keep what they allocated before
		   the disk filled, and the size: give it back at once */
		if (mdb_env_info(s->env, &info) == 0 && fstat(fd, &st) == 0 &&
		    (uint64_t)st.st_size > info.me_mapsize &&
		    ftruncate(fd, (off_t)info.me_mapsize) != 0)
			e = errno;
		return fcdb__error_set(FCDB_EIO, NULL, e, "reserving %llu MiB "
		                       "of disk for %s: %s",
		                       (unsigned long long)(size >> 20), s->path,
		                       strerror(e));
	}
	return FCDB_OK;
}

/* Give back the reserve: cut the file after its last page, or where it
   ended when opened if that is further (a file is never cut shorter than
   it was, so a write that did not commit leaves its size as it was). */
static void excl_trim(fcdb__store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	uint64_t used;
	int fd;

	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st) ||
	    mdb_env_get_fd(s->env, &fd) || fstat(fd, &fst) != 0)
		return;
	used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if (used < s->excl_size || s->excl_truncated)
		used = s->excl_size;
	if ((uint64_t)fst.st_size > used && ftruncate(fd, (off_t)used) != 0)
		return; /* the file keeps its reserve: harmless */
}

/* The map of an exclusive store to `size`, allocated first.  The caller
   holds every remap shard. */
static int excl_resize(fcdb__store *s, uint64_t size)
{
	int rc = excl_allocate(s, size);

	if (rc)
		return rc;
	rc = mdb_env_set_mapsize(s->env, size);
	if (rc) {
		s->broken = 1;
		return map_lost(s, rc);
	}
	bounds_refresh(s, 1);
	return FCDB_OK;
}

/* Adopt a map size another process grew, or grow it ourselves.  The
   caller holds every remap shard. */
static int remap_locked(fcdb__store *s, int grow)
{
	MDB_envinfo info;
	size_t size = 0;
	int rc;

	if (grow) {
		mdb_env_info(s->env, &info);
		size = info.me_mapsize;
		size = size > SIZE_MAX / 2 ? SIZE_MAX : size * 2;
	}
	rc = check_broken(s);
	if (rc) {
		/* nothing to remap */
	} else if (s->excl_held && grow) {
		/* Nobody else can have grown it; ours grows allocated.  On a
		   disk short of room for double, a smaller step may fit;
		   steps no larger than the map are skipped. */
		uint64_t cur = size / 2, steps[5];

		steps[0] = size;
		steps[1] = cur + cur / 2;
		steps[2] = cur + cur / 4;
		steps[3] = cur + EXCL_HEADROOM;
		steps[4] = cur + EXCL_ROUND;
		uint64_t failed = UINT64_MAX;

		rc = fcdb__error_set(FCDB_EIO, NULL, ENOSPC, "%s: the map is "
		                     "full and cannot grow", s->path);
		for (int i = 0; i < 5 && !s->broken; i++) {
			uint64_t want = round_map(steps[i]);

			if (want <= cur || want >= failed)
				continue;
			rc = excl_resize(s, want);
			if (rc == 0)
				break;
			failed = want;
		}
	} else {
		rc = mdb_env_set_mapsize(s->env, size);
		if (rc) {
			s->broken = 1;
			rc = map_lost(s, rc);
		} else {
			bounds_refresh(s, 1);
		}
	}
	return rc;
}

static int remap(fcdb__store *s, int grow)
{
	int rc;

	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_wrlock(&s->remap[i].lock);
	rc = remap_locked(s, grow);
	for (int i = SHARDS - 1; i >= 0; i--)
		pthread_rwlock_unlock(&s->remap[i].lock);
	return rc;
}

int fcdb__store_reserve(fcdb__store *s, uint64_t bytes)
{
	MDB_envinfo info;
	MDB_stat st;
	uint64_t need;
	int rc = FCDB_OK;

	if (!s->excl_held)
		return FCDB_OK;
	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_wrlock(&s->remap[i].lock);
	if (!s->broken && mdb_env_info(s->env, &info) == 0 &&
	    mdb_env_stat(s->env, &st) == 0) {
		need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
		need = bytes > UINT64_MAX / 2 - need ? UINT64_MAX / 2
		                                      : need + bytes;
		need = round_map(need + EXCL_HEADROOM);
		/* best effort: without the room the import may still fit, and
		   growing the map says so if it does not */
		if (need > info.me_mapsize)
			(void)excl_resize(s, need);
	}
	for (int i = SHARDS - 1; i >= 0; i--)
		pthread_rwlock_unlock(&s->remap[i].lock);
	return rc;
}

static void pool_drain(fcdb__store *s)
{
	for (int i = 0; i < POOL_SIZE; i++) {
		fcdb__txn *t = atomic_exchange(&s->pool[i], NULL);

		if (t) {
			mdb_txn_abort(t->txn);
			free(t);
		}
	}
}

static void store_free(fcdb__store *s)
{
	if (!s)
		return;
	pool_drain(s);
	if (s->env) {
		if (s->excl_held && s->opened) {
			if (!s->broken)
				excl_trim(s);
			excl_lock(s->excl_fd, F_RDLCK);
		}
		mdb_env_close(s->env);
	}
	if (s->excl_fd >= 0)
		close(s->excl_fd);
	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_destroy(&s->remap[i].lock);
	pthread_mutex_destroy(&s->writer);
	free(s->path);
	free(s);
}

void fcdb__store_close(fcdb__store *s)
{
	fcdb__store **pp;

	if (!s)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--s->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	store_free(s);
}

static int open_dbis(fcdb__store *s)
{
	unsigned tflags = (s->flags & FCDB__STORE_READONLY) ? MDB_RDONLY : 0;
	unsigned dflags = (s->flags & FCDB__STORE_READONLY) ? 0 : MDB_CREATE;
	MDB_txn *txn;
	int rc, i;

	for (;;) {
		rc = mdb_txn_begin(s->env, NULL, tflags, &txn);
		if (rc == MDB_MAP_RESIZED) {
			rc = mdb_env_set_mapsize(s->env, 0);
			if (rc)
				return lmdb_error(rc, "adopting the map size");
			continue;
		}
		if (rc)
			return lmdb_error(rc, "opening the store");
		break;
	}
	for (i = 0; i < FCDB__DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], dflags, &s->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return fcdb__error_set(FCDB_ECORRUPT, NULL, rc,
			                       "%s is not an fcdb store (no \"%s\" "
			                       "database)", s->path, db_names[i]);
		}
		if (rc) {
			mdb_txn_abort(txn);
			return lmdb_error(rc, "opening the store's databases");
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return lmdb_error(rc, "creating the store's databases");
	return FCDB_OK;
}

/*
 * A data file shorter than the pages its meta page claims (a truncated
 * copy, a full disk during cp) would be mapped past its end, and reading
 * such a page kills the process with SIGBUS.  Refuse it at open instead.
 */
#define SIZE_NOW UINT64_MAX

/* `size`: the file's size, or SIZE_NOW to take it after the meta page is
   read (another process's commit grows the file before its meta page
   names the new pages, never after). */
static int check_file_size(fcdb__store *s, uint64_t size)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	uint64_t need;

	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
		return FCDB_OK; /* nothing to compare; LMDB will complain */
	if (size == SIZE_NOW) {
		if (stat(s->path, &fst) != 0)
			return FCDB_OK;
		size = (uint64_t)fst.st_size;
	}
	need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if (size < need)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "%s is truncated: %llu bytes, but its "
		                       "pages need %llu", s->path,
		                       (unsigned long long)size,
		                       (unsigned long long)need);
	return FCDB_OK;
}

/*
 * An empty file that a writable open is about to make a store becomes
 * private first, like a store created from nothing (records hold
 * credentials).  Before LMDB writes a byte: if it cannot be made
 * private, the open is refused and the file stays empty.  *was gets the
 * file as it was when its mode changed (st_mode 0 when it did not), so
 * that a failed open can give the mode back.
 */
static int make_private_if_empty(const char *path, struct stat *was)
{
	struct stat st;
	int fd, rc = FCDB_OK;

	memset(was, 0, sizeof(*was));
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return FCDB_OK; /* missing or not ours: mdb_env_open says */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
	    (st.st_mode & 077)) {
		if (fchmod(fd, 0600) == 0)
			*was = st;
		else
			rc = fcdb__error_set(FCDB_EIO, NULL, errno, "cannot make "
			                     "the empty file %s a private store "
			                     "(mode 0600): %s", path,
			                     strerror(errno));
	}
	close(fd);
	return rc;
}

/* A refused open gives an empty file the mode it had. */
static void restore_mode(const char *path, const struct stat *was)
{
	struct stat now;

	if (was->st_mode && stat(path, &now) == 0 && now.st_size == 0 &&
	    now.st_dev == was->st_dev && now.st_ino == was->st_ino)
		chmod(path, was->st_mode & 07777);
}

/*
 * The file LMDB opens for `path`, with symbolic links followed, so that
 * every name of one store shares one lock file (the real file's -lock):
 * two lock files for one data file would let two writers in at once.
 * A missing file resolves through its directory; a link to a missing
 * file, to its target.  Falls back to `path` as given.
 */
static void resolve_store_path(const char *path, char *out, size_t size)
{
	char cur[PATH_MAX], next[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];
	const char *slash, *base;
	ssize_t n;
	int hops;

	snprintf(out, size, "%s", path);
	if (strlen(path) >= sizeof(cur))
		return;
	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		if (realpath(cur, dir)) {
			snprintf(out, size, "%s", dir);
			return;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			break; /* not a link: a missing file */
		target[n] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || !slash)
			snprintf(next, sizeof(next), "%s", target);
		else if (snprintf(next, sizeof(next), "%.*s/%s",
		                  (int)(slash - cur), cur, target) >=
		         (int)sizeof(next))
			return;
		memcpy(cur, next, sizeof(cur));
	}
	/* missing: its directory resolved, its own name kept */
	slash = strrchr(cur, '/');
	if (!slash) {
		base = cur;
		snprintf(next, sizeof(next), ".");
	} else {
		base = slash + 1;
		snprintf(next, sizeof(next), "%.*s",
		         slash == cur ? 1 : (int)(slash - cur), cur);
	}
	if (!*base || !realpath(next, dir))
		return;
	if (snprintf(next, sizeof(next), "%s%s%s", dir,
	             dir[strlen(dir) - 1] == '/' ? "" : "/", base) <
	    (int)sizeof(next))
		snprintf(out, size, "%s", next);
}

static int store_open_new(fcdb__store **out, const char *path,
                          unsigned flags, uint64_t map_size,
                          unsigned max_readers)
{
	pthread_rwlockattr_t attr;
	char lock[PATH_MAX + 8] = "", real[PATH_MAX];
	struct stat was = { 0 };
	int had_lock = 1;
	unsigned eflags = MDB_NOSUBDIR | MDB_NOTLS;
	fcdb__store *s;
	int rc, dead;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	s->flags = flags;
	s->excl_fd = -1;
	pthread_mutex_init(&s->writer, NULL);
	s->path = strdup(path);
	pthread_rwlockattr_init(&attr);
	/* Writers (remaps) must not starve behind a stream of readers. */
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_init(&s->remap[i].lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (!s->path) {
		rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		goto fail;
	}
	rc = mdb_env_create(&s->env);
	if (rc) {
		rc = lmdb_error(rc, "creating the environment");
		goto fail;
	}
	mdb_env_set_maxdbs(s->env, FCDB__DB_COUNT + 1); /* + the marks */
	mdb_env_set_maxreaders(s->env, max_readers ? max_readers
	                                           : DEFAULT_MAX_READERS);
	mdb_env_set_mapsize(s->env, map_size ? map_size : DEFAULT_MAP_SIZE);
	if (flags & FCDB__STORE_READONLY)
		eflags |= MDB_RDONLY;
	if (flags & FCDB__STORE_NOSYNC)
		eflags |= MDB_NOSYNC;
	resolve_store_path(path, real, sizeof(real));
	if (strlen(real) + 6 > sizeof(lock)) {
		rc = fcdb__error_set(FCDB_EIO, NULL, ENAMETOOLONG,
		                     "the store path is too long");
		goto fail;
	}
	snprintf(lock, sizeof(lock), "%s-lock", real);
	snprintf(s->jpath, sizeof(s->jpath), "%s-journal", real);
	had_lock = access(lock, F_OK) == 0;
	if (!(flags & FCDB__STORE_READONLY)) {
		rc = make_private_if_empty(real, &was);
		if (rc)
			goto fail;
	}
	if (flags & FCDB__STORE_EXCLUSIVE) {
		struct stat fst;
		uint64_t map;

		rc = excl_take(s, lock);
		if (rc)
			goto fail;
		/* nobody has the store open: undo an interrupted import */
		rc = journal_undo(path, real, s->jpath, s->excl_fd);
		if (rc)
			goto fail;
		/* taken under the lock: nobody grows it now */
		map = stat(real, &fst) == 0 ? (uint64_t)fst.st_size : 0;
		s->excl_size = map;
		/* a reader waiting for our lock may get in before we hold it
		   again: open at the file's own size (a new file: LMDB's 1
		   MiB), the room (allocated, past the data) comes after */
		mdb_env_set_mapsize(s->env, map);
	}
	rc = mdb_env_open(s->env, real, eflags, 0600);
	if (rc == 0 && (flags & FCDB__STORE_EXCLUSIVE)) {
		int e;

		s->opened = 1;
		/* LMDB lowered byte 0 to a read lock: raise it again */
		s->excl_held = 0;
		e = excl_lock(s->excl_fd, F_WRLCK);
		if (e) {
			rc = excl_error(s, e, lock);
			goto fail;
		}
		s->excl_held = 1;
		/* judge a truncated file by the size it had under the lock
		   (a new one had none) */
		if (s->excl_size) {
			rc = check_file_size(s, s->excl_size);
			if (rc) {
				s->excl_truncated = 1;
				goto fail;
			}
		}
		{
			/* room: 8 MiB past the data (or map_size), or on a
			   disk short of that 1 MiB, growing as writes need */
			uint64_t base = s->excl_size;
			MDB_envinfo info;
			MDB_stat st;

			if (mdb_env_info(s->env, &info) == 0 &&
			    mdb_env_stat(s->env, &st) == 0 &&
			    ((uint64_t)info.me_last_pgno + 1) * st.ms_psize > base)
				base = ((uint64_t)info.me_last_pgno + 1) *
				       st.ms_psize;
			rc = excl_resize(s, map_size > base + EXCL_HEADROOM
			                    ? round_map(map_size)
			                    : round_map(base + EXCL_HEADROOM));
			if (rc && !s->broken)
				rc = excl_resize(s, round_map(base + EXCL_ROUND));
			if (rc)
				goto fail;
		}
	} else if (rc) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
			rc = fcdb__error_set(FCDB_ECORRUPT, NULL, rc,
			                     "%s is not an LMDB store: %s", path,
			                     mdb_strerror(rc));
		else
			rc = fcdb__error_set(rc == ENOMEM ? FCDB_ENOMEM : FCDB_EIO,
			                     NULL, rc, "cannot open %s: %s", path,
			                     mdb_strerror(rc));
		goto fail;
	}
	s->opened = 1;
	if (!s->excl_held) {
		/* an import that had the store to itself died: undo it
		   before reading anything (journal_undo_waiting) */
		if (access(s->jpath, F_OK) == 0) {
			rc = EJOURNAL;
			goto fail;
		}
		rc = check_file_size(s, SIZE_NOW);
		if (rc)
			goto fail;
	}
	mdb_reader_check(s->env, &dead);
	rc = open_dbis(s);
	if (rc)
		goto fail;
	if (s->excl_held)
		lock_probe(s);
	bounds_refresh(s, 1);
	*out = s;
	return FCDB_OK;
fail:
	store_free(s);
	/* A refused open leaves no lock file of its own behind; but an
	   exclusive one may have lost to a process now using that file. */
	if (!had_lock && lock[0] && !(flags & FCDB__STORE_EXCLUSIVE))
		unlink(lock);
	restore_mode(real, &was);
	return rc;
}

int fcdb__store_open(fcdb__store **out, const char *path, unsigned flags,
                     uint64_t map_size, unsigned max_readers)
{
	struct stat st;
	fcdb__store *s;
	int rc, tries = 0;

	*out = NULL;
again:
	pthread_mutex_lock(&registry_lock);
	if (stat(path, &st) == 0) {
		for (s = registry; s; s = s->next) {
			if (s->dev != st.st_dev || s->ino != st.st_ino ||
			    s->pid != getpid())
				continue;
			if (flags & FCDB__STORE_EXCLUSIVE) {
				pthread_mutex_unlock(&registry_lock);
				return fcdb__error_set(FCDB_EBUSY, NULL, 0,
				                       "%s is already open in this "
				                       "process, so it cannot be "
				                       "opened exclusively", path);
			}
			if ((s->flags & FCDB__STORE_READONLY) &&
			    !(flags & FCDB__STORE_READONLY)) {
				pthread_mutex_unlock(&registry_lock);
				return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
				                       "%s is already open read-only "
				                       "in this process; close that "
				                       "handle before opening it for "
				                       "writing", path);
			}
			s->refs++;
			pthread_mutex_unlock(&registry_lock);
			/* an open clears dead readers' slots, shared or not */
			{
				int dead;

				mdb_reader_check(s->env, &dead);
			}
			*out = s;
			return FCDB_OK;
		}
	}
	rc = store_open_new(&s, path, flags, map_size, max_readers);
	if (rc == EJOURNAL) {
		/* not under the registry's lock: it may wait for others */
		pthread_mutex_unlock(&registry_lock);
		rc = tries++ < 3 ? journal_undo_waiting(path)
		                 : fcdb__error_set(FCDB_EIO, NULL, 0, "%s: an "
		                                   "interrupted import's journal "
		                                   "keeps coming back", path);
		if (rc)
			return rc;
		goto again;
	}
	if (rc == 0) {
		if (stat(path, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
		s->pid = getpid();
		s->refs = 1;
		s->next = registry;
		registry = s;
		*out = s;
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

int fcdb__store_reader_check(fcdb__store *s, int *dead)
{
	int rc = mdb_reader_check(s->env, dead);

	return rc ? lmdb_error(rc, "checking readers") : FCDB_OK;
}

uint64_t fcdb__store_map_size(fcdb__store *s)
{
	MDB_envinfo info;

	mdb_env_info(s->env, &info);
	return info.me_mapsize;
}

/* ---- read transactions ---- */

static fcdb__txn *pool_take(fcdb__store *s)
{
	/* Start where this thread's address points, to spread contention. */
	unsigned start = my_shard() % POOL_SIZE;

	for (unsigned i = 0; i < POOL_SIZE; i++) {
		unsigned k = (start + i) % POOL_SIZE;
		fcdb__txn *t;

		if (!atomic_load_explicit(&s->pool[k], memory_order_relaxed))
			continue;
		t = atomic_exchange(&s->pool[k], NULL);
		if (t)
			return t;
	}
	return NULL;
}

static int pool_put(fcdb__store *s, fcdb__txn *t)
{
	unsigned start = my_shard() % POOL_SIZE;

	for (unsigned i = 0; i < POOL_SIZE; i++) {
		unsigned k = (start + i) % POOL_SIZE;
		fcdb__txn *expect = NULL;

		if (atomic_compare_exchange_strong(&s->pool[k], &expect, t))
			return 1;
	}
	return 0;
}

int fcdb__store_read_begin(fcdb__store *s, fcdb__txn **out)
{
	fcdb__txn *t;
	int rc, tries = 0, waited_ms = 0;

	*out = NULL;
	if (s->broken)
		return check_broken(s);
	for (;;) {
		unsigned shard = my_shard();

		pthread_rwlock_rdlock(&s->remap[shard].lock);
		t = pool_take(s);
		if (t) {
			rc = mdb_txn_renew(t->txn);
			if (rc) {
				mdb_txn_abort(t->txn);
				free(t);
				t = NULL;
			}
		} else {
			t = malloc(sizeof(*t));
			if (!t) {
				pthread_rwlock_unlock(&s->remap[shard].lock);
				return fcdb__error_set(FCDB_ENOMEM, NULL, 0,
				                       "out of memory");
			}
			t->store = s;
			t->chunk = NULL;
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
			if (rc) {
				free(t);
				t = NULL;
			}
		}
		if (t) {
			t->shard = shard;
			*out = t;
			return FCDB_OK;
		}
		pthread_rwlock_unlock(&s->remap[shard].lock);
		if (rc == MDB_MAP_RESIZED && tries++ < 8) {
			rc = remap(s, 0);
			if (rc)
				return rc;
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			int dead = 0;

			/* free slots of dead processes and our own idle
			   transactions, then wait a little for the others */
			mdb_reader_check(s->env, &dead);
			pool_drain(s);
			if (waited_ms < READERS_WAIT_MS) {
				int ms = dead ? 0 : 1 + waited_ms / 8;
				struct timespec ts = { 0, (long)ms * 1000000L };

				nanosleep(&ts, NULL);
				waited_ms += ms ? ms : 1;
				continue;
			}
			return fcdb__error_set(FCDB_EIO, NULL, rc, "every slot of "
			                       "the reader table is in use (waited "
			                       "%d ms): too many concurrent reads; "
			                       "raise fcdb_options.max_readers",
			                       waited_ms);
		}
		return lmdb_error(rc, "starting a read transaction");
	}
}

void fcdb__store_read_end(fcdb__store *s, fcdb__txn *t)
{
	if (!t)
		return;
	unsigned shard = t->shard;

	mdb_txn_reset(t->txn);
	if (!pool_put(s, t)) {
		mdb_txn_abort(t->txn);
		free(t);
	}
	pthread_rwlock_unlock(&s->remap[shard].lock);
}

/* ---- write transactions ---- */


static int store_write(fcdb__store *s, fcdb__write_fn body, void *ctx,
                       int *committed)
{
	fcdb__txn t;
	int rc, tries = 0;

	*committed = 0;
	if (s->broken)
		return check_broken(s);

	if (s->flags & FCDB__STORE_READONLY)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "the store was opened read-only");
	t.store = s;
	t.chunk = NULL;
	t.shard = my_shard();
	for (;;) {
		pthread_rwlock_rdlock(&s->remap[t.shard].lock);
		rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
		if (rc) {
			pthread_rwlock_unlock(&s->remap[t.shard].lock);
			if (rc == MDB_MAP_RESIZED && tries++ < 8) {
				rc = remap(s, 0);
				if (rc)
					return rc;
				continue;
			}
			return lmdb_error(rc, "starting a write transaction");
		}
		t.has_marks = 0;
		rc = body(&t, ctx);
		if (rc == 0 && t.has_marks) {
			/* never committed: deleted in the transaction */
			rc = mdb_drop(t.txn, t.marks, 1);
			if (rc == MDB_MAP_FULL)
				rc = FCDB__EMAPFULL;
			else if (rc)
				rc = lmdb_error(rc, "dropping the marks");
			if (rc) {
				mdb_txn_abort(t.txn);
				t.txn = NULL;
			}
		}
		if (rc == 0) {
			size_t id = mdb_txn_id(t.txn);
			MDB_envinfo info;

			rc = mdb_txn_commit(t.txn);
			if (rc == MDB_MAP_FULL)
				rc = FCDB__EMAPFULL;
			else if (rc)
				rc = lmdb_error(rc, "committing");
			/* a sync that failed after the meta page was written
			   still leaves the commit in the file */
			*committed = rc == 0 ||
			             (mdb_env_info(s->env, &info) == 0 &&
			              info.me_last_txnid >= id);
		} else if (t.txn) {
			mdb_txn_abort(t.txn);
		}
		pthread_rwlock_unlock(&s->remap[t.shard].lock);
		if (rc == FCDB__EMAPFULL && tries++ < 40) {
			rc = remap(s, 1);
			if (rc)
				return rc;
			continue;
		}
		if (rc == FCDB__EMAPFULL)
			return fcdb__error_set(FCDB_EIO, NULL, MDB_MAP_FULL,
			                       "the map is full and cannot grow");
		if (rc == FCDB__NOCHANGE)
			return FCDB_OK;
		return rc;
	}
}

int fcdb__store_write(fcdb__store *s, fcdb__write_fn body, void *ctx)
{
	int rc, committed;

	pthread_mutex_lock(&s->writer);
	rc = store_write(s, body, ctx, &committed);
	pthread_mutex_unlock(&s->writer);
	return rc;
}

/*
 * Imports on an exclusive store: steps and an undo journal.
 *
 * One LMDB write transaction keeps every page it dirties in malloc'd
 * memory until it commits (about 80 MiB for 100,000 records), and with
 * MDB_WRITEMAP instead its commit still touches every page it wrote (821
 * MiB of resident size at 1M records).  So an import on an exclusive
 * store commits in steps of STEP_RECORDS records (or STEP_BYTES of
 * input): its dirty pages are one step's.  The pages it reads are mapped
 * too, 16 at a time (the kernel maps the neighbours of a page it faults
 * in, when they are in the page cache), so every SHED_RECORDS records
 * they are dropped (MADV_DONTNEED: they stay in the page cache).  The
 * steps are made one transaction again by an undo journal, the way
 * SQLite's rollback journal does it:
 *
 * - Before the first write, the pages an import can change are copied to
 *   PATH-journal: the two meta pages, the pages on LMDB's free list, and
 *   the file's tail past its last page.  LMDB writes nothing else: a
 *   transaction writes only pages that are free or new.
 * - But a step frees the pages it copied on write, and a later step may
 *   reuse them (not the next one: LMDB keeps a transaction's freed pages
 *   until the one after next).  So after each step the pages it freed
 *   that the import's first snapshot used are copied to the journal too
 *   (journal_freed; `seen` marks those already there), and the journal
 *   synced, before the next step starts.
 * - Before the first step commits, the journal is synced and sealed (its
 *   header's magic written last, synced again, the directory synced).
 *   The steps commit without syncing; the last one syncs the file, and
 *   only then is the journal removed: that is the import's commit.
 * - An import that fails after a step commits is undone in place: every
 *   saved page is written back, and LMDB's copy of the last transaction
 *   id in the lock file is set back (lock_txnid_at), so that this and any
 *   later process read the restored meta pages.  The file is then byte
 *   for byte what it was.  An import that fails before any step needs
 *   only the pages written back (nothing committed).
 * - A process killed mid-import leaves a sealed journal: the next open of
 *   the store, in any process, writes it back (journal_undo) under the
 *   lock file's write lock before it reads anything.  Other processes
 *   cannot see the steps meanwhile: the importer has the store to itself
 *   and they wait.  Other threads of this process wait too: the import
 *   holds every remap shard (so its callbacks must not use the handle).
 *
 * Where LMDB keeps the transaction id in the lock file differs between
 * its versions: lock_probe finds it at open by its value, and when it
 * cannot be found for certain an import runs as one transaction.
 */
#define STEP_RECORDS 1024
#define STEP_BYTES (4u << 20)
#define SHED_RECORDS 16
#define STEP_ROOM (64ull << 20) /* room the map keeps ahead between steps */
#define JOURNAL_MAGIC "fcdbUND1"

/* The journal: this header, then entries to its end, each a page number,
   the page, and an XXH3 of both (a torn last entry ends the journal: its
   page was not yet overwritten, the journal being synced first). */
struct jhead {
	char magic[8];    /* JOURNAL_MAGIC once sealed, zeros before */
	uint32_t psize;
	uint32_t pad;
	uint64_t keep;    /* the file's size to give back */
	uint64_t dev, ino; /* the data file's */
	uint64_t txnid;   /* the last transaction before the import */
	uint64_t last_pgno; /* ...and its last page */
};

struct fcdb__chunk {
	int jfd;
	struct jhead head;
	off_t jend;        /* where the next entry goes */
	uint8_t *seen;     /* pages up to last_pgno in the journal */
	char *page;        /* one page */
	unsigned steps;    /* steps committed */
	unsigned records;  /* since the last */
	size_t bytes;
	int marks_kept;    /* the marks were committed by a step */
	int nosync;        /* MDB_NOSYNC was set for the steps */
};

static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
		         slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int journal_error(fcdb__store *s, int e, const char *what)
{
	return fcdb__error_set(FCDB_EIO, NULL, e, "%s: %s the import's undo "
	                       "journal %s: %s", s->path, what, s->jpath,
	                       strerror(e));
}

/* A buffered writer of journal entries. */
struct jout {
	int fd;
	char *buf;
	size_t len, cap;
	off_t at;
	int err;
};

static void jout_flush(struct jout *o)
{
	if (o->len && !o->err) {
		if (pwrite(o->fd, o->buf, o->len, o->at) != (ssize_t)o->len)
			o->err = errno ? errno : EIO;
		o->at += (off_t)o->len;
	}
	o->len = 0;
}

static void jout_add(struct jout *o, const void *p, size_t n)
{
	while (n && !o->err) {
		size_t room = o->cap - o->len, k = n < room ? n : room;

		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p = (const char *)p + k;
		n -= k;
		if (o->len == o->cap)
			jout_flush(o);
	}
}

static uint64_t entry_check(uint64_t pg, const char *page, size_t psize)
{
	return fcdb__xxh3(page, psize, pg ^ 0x6a726e6cu);
}

/* Copy page `pg` of the data file into the journal, once: a page past the
   end of the file has nothing to keep. */
static void journal_page(struct jout *o, struct fcdb__chunk *c, int dfd,
                         uint64_t pg)
{
	size_t psize = c->head.psize;
	uint64_t check;

	if (pg <= c->head.last_pgno) {
		if (c->seen[pg / 8] & (1u << (pg % 8)))
			return;
		c->seen[pg / 8] |= (uint8_t)(1u << (pg % 8));
	}
	if (pread(dfd, c->page, psize, (off_t)(pg * psize)) != (ssize_t)psize)
		return;
	check = entry_check(pg, c->page, psize);
	jout_add(o, &pg, sizeof(pg));
	jout_add(o, c->page, psize);
	jout_add(o, &check, sizeof(check));
}

/* The pages of one free-list entry, as the journal should keep them:
   each that the import's first snapshot used, or had free. */
static int journal_free_entry(fcdb__store *s, struct jout *o,
                              struct fcdb__chunk *c, int dfd, MDB_val *v)
{
	size_t n, id;

	if (!v->mv_data || v->mv_size < sizeof(size_t) ||
	    (memcpy(&n, v->mv_data, sizeof(n)),
	     n > v->mv_size / sizeof(size_t) - 1))
		return fcdb__error_set(FCDB_ECORRUPT, NULL, MDB_CORRUPTED,
		                       "%s: an entry of LMDB's free list is "
		                       "damaged", s->path);
	for (size_t i = 1; i <= n; i++) {
		memcpy(&id, (char *)v->mv_data + i * sizeof(size_t), sizeof(id));
		if (id <= c->head.last_pgno)
			journal_page(o, c, dfd, id);
	}
	return FCDB_OK;
}

static void chunk_free(struct fcdb__chunk *c)
{
	free(c->seen);
	free(c->page);
	c->seen = NULL;
	c->page = NULL;
}

/* Write the journal of the pages an import may change as it starts.
   Unsealed: nothing uses it until journal_seal. */
static int journal_start(fcdb__store *s, struct fcdb__chunk *c)
{
	struct jout o = { -1, NULL, 0, 1 << 20, 0, 0 };
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *rt = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct stat fst;
	uint64_t pg, used;
	int dfd, rc;

	memset(&c->head, 0, sizeof(c->head));
	if (mdb_env_get_fd(s->env, &dfd) || mdb_env_stat(s->env, &st) ||
	    fstat(dfd, &fst) != 0)
		return fcdb__error_set(FCDB_EIO, NULL, 0, "%s is not open",
		                       s->path);
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &rt);
	if (rc)
		return lmdb_error(rc, "starting the import");
	mdb_env_info(s->env, &info);
	c->head.psize = st.ms_psize;
	c->head.dev = (uint64_t)fst.st_dev;
	c->head.ino = (uint64_t)fst.st_ino;
	c->head.txnid = mdb_txn_id(rt);
	c->head.last_pgno = info.me_last_pgno;
	used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	c->head.keep = used > s->excl_size ? used : s->excl_size;
	c->seen = calloc(info.me_last_pgno / 8 + 1, 1);
	c->page = malloc(st.ms_psize);
	o.buf = malloc(o.cap);
	if (!c->seen || !c->page || !o.buf) {
		rc = fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	c->jfd = open(s->jpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (c->jfd < 0) {
		rc = journal_error(s, errno, "cannot create");
		goto out;
	}
	o.fd = c->jfd;
	jout_add(&o, &c->head, sizeof(c->head));
	journal_page(&o, c, dfd, 0);
	journal_page(&o, c, dfd, 1);
	/* the free list: key a transaction id, value a count and pages */
	rc = mdb_cursor_open(rt, 0, &cur);
	if (rc) {
		rc = lmdb_error(rc, "reading the free list");
		goto out;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		rc = journal_free_entry(s, &o, c, dfd, &v);
		if (rc)
			goto out;
	}
	if (rc != MDB_NOTFOUND) {
		rc = lmdb_error(rc, "reading the free list");
		goto out;
	}
	rc = FCDB_OK;
	/* the tail: what lies past the last page up to the size it keeps */
	for (pg = info.me_last_pgno + 1; (pg + 1) * st.ms_psize <= c->head.keep;
	     pg++)
		journal_page(&o, c, dfd, pg);
	jout_flush(&o);
	c->jend = o.at;
	if (o.err)
		rc = journal_error(s, o.err, "cannot write");
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(rt);
	free(o.buf);
	return rc;
}

/* After step `id` committed: the pages it freed that the first snapshot
   used go to the journal, synced, before any step can reuse them. */
static int journal_freed(fcdb__store *s, struct fcdb__chunk *c, size_t id)
{
	struct jout o = { c->jfd, NULL, 0, 1 << 20, c->jend, 0 };
	MDB_cursor *cur = NULL;
	MDB_txn *rt;
	MDB_val k = { sizeof(id), &id }, v = { 0, NULL };
	int dfd, rc;

	if (mdb_env_get_fd(s->env, &dfd))
		return fcdb__error_set(FCDB_EIO, NULL, 0, "%s is not open",
		                       s->path);
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &rt);
	if (rc)
		return lmdb_error(rc, "reading the free list");
	/* mdb_get refuses LMDB's own free list; a cursor reads it */
	rc = mdb_cursor_open(rt, 0, &cur);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc) {
		if (cur)
			mdb_cursor_close(cur);
		mdb_txn_abort(rt);
		return rc == MDB_NOTFOUND ? FCDB_OK
		                          : lmdb_error(rc, "reading the free "
		                                       "list");
	}
	o.buf = malloc(o.cap);
	if (!o.buf) {
		mdb_cursor_close(cur);
		mdb_txn_abort(rt);
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	}
	rc = journal_free_entry(s, &o, c, dfd, &v);
	mdb_cursor_close(cur);
	mdb_txn_abort(rt);
	jout_flush(&o);
	free(o.buf);
	if (rc)
		return rc;
	if (o.err)
		return journal_error(s, o.err, "cannot write");
	if (o.at != c->jend && fdatasync(c->jfd) != 0)
		return journal_error(s, errno, "cannot sync");
	c->jend = o.at;
	return FCDB_OK;
}

/* Make the journal count: synced, then its header, synced. */
static int journal_seal(fcdb__store *s, struct fcdb__chunk *c)
{
	char buf[sizeof(struct jhead)];
	ssize_t n;

	/* synced even on a NOSYNC store: a sealed header with entries
	   missing would restore half a file after a power loss */
	if (fdatasync(c->jfd) != 0)
		return journal_error(s, errno, "cannot sync");
	memcpy(c->head.magic, JOURNAL_MAGIC, sizeof(c->head.magic));
	memcpy(buf, &c->head, sizeof(buf));
	n = pwrite(c->jfd, buf, sizeof(buf), 0);
	if (n != (ssize_t)sizeof(buf)) /* part may be there: unseal at drop */
		return journal_error(s, n < 0 ? errno : EIO, "cannot write");
	if (fdatasync(c->jfd) != 0 || sync_dir(s->jpath) != 0)
		return journal_error(s, errno, "cannot sync");
	return FCDB_OK;
}

/* Write every page of a journal back to the data file.  An entry whose
   check fails is skipped: only a batch not yet synced can be torn, and
   its pages were not yet overwritten (journal_freed syncs first).  0 or
   an errno. */
static int journal_apply(int dfd, int jfd, const struct jhead *h)
{
	size_t esize = sizeof(uint64_t) * 2 + h->psize;
	char *e = malloc(esize);
	off_t at = sizeof(*h);
	uint64_t pg, check;
	ssize_t n;
	int err = 0;

	if (!e)
		return ENOMEM;
	while (!err && (n = pread(jfd, e, esize, at)) == (ssize_t)esize) {
		memcpy(&pg, e, sizeof(pg));
		memcpy(&check, e + sizeof(pg) + h->psize, sizeof(check));
		if (check == entry_check(pg, e + sizeof(pg), h->psize) &&
		    pwrite(dfd, e + sizeof(pg), h->psize,
		           (off_t)(pg * h->psize)) != (ssize_t)h->psize)
			err = errno ? errno : EIO;
		at += (off_t)esize;
	}
	if (!err && n < 0)
		err = errno;
	free(e);
	return err;
}

static void journal_drop(fcdb__store *s, struct fcdb__chunk *c)
{
	static const char zero[8];

	if (c->jfd < 0)
		return;
	/* unsealed first: a journal that outlives its import (a failed
	   unlink, a directory not yet synced) must never be applied */
	if (c->head.magic[0] &&
	    pwrite(c->jfd, zero, sizeof(zero), 0) == sizeof(zero))
		fdatasync(c->jfd);
	close(c->jfd);
	c->jfd = -1;
	if (unlink(s->jpath) == 0 && c->head.magic[0] &&
	    !(s->flags & FCDB__STORE_NOSYNC))
		sync_dir(s->jpath);
}

/* LMDB's meta page: after the 16-byte page header, magic, version,
   address, map size, two 48-byte database records, the last page, then
   the id of the transaction that wrote it. */
#define META_TXNID_AT (16 + 4 + 4 + 8 + 8 + 2 * 48 + 8)

/* The lock file's copy of the last transaction id, set from `was` (the
   newest meta page's before an undo) to `now`.  Another process may be
   waiting to join the lock file as it is (LMDB initialises it only when
   it is alone), so it must name the restored meta page.  Both places
   LMDB versions keep it are tried; only the one holding `was` is set.
   (In this process an undo keeps the id instead: see steps_undo.) */
static void lock_txnid_set(int lockfd, uint64_t was, uint64_t now)
{
	const off_t at[2] = { 8, (8 + sizeof(pthread_mutex_t) + 7) / 8 * 8 };
	uint64_t v[2];
	uint32_t magic;

	if (pread(lockfd, &magic, sizeof(magic), 0) != sizeof(magic) ||
	    magic != 0xBEEFC0DEu ||
	    pread(lockfd, &v[0], sizeof(v[0]), at[0]) != sizeof(v[0]) ||
	    pread(lockfd, &v[1], sizeof(v[1]), at[1]) != sizeof(v[1]))
		return; /* not initialised: the next opener initialises it */
	/* LMDB writes the meta page, then the lock file: a process killed
	   between the two leaves it one behind */
	for (uint64_t d = 0; d < 2 && was >= d; d++)
		for (int i = 0; i < 2; i++)
			if (v[i] == was - d && v[1 - i] != was - d &&
			    pwrite(lockfd, &now, sizeof(now), at[i]) ==
			    sizeof(now))
				return;
	/* not found: no opener may join it as it is (they see no LMDB
	   lock file and fail; one that opens alone initialises it) */
	magic = 0;
	if (pwrite(lockfd, &magic, sizeof(magic), 0) != sizeof(magic))
		return;
}

static uint64_t meta_txnid(int dfd, uint32_t psize, int slot)
{
	uint64_t id = 0;

	if (pread(dfd, &id, sizeof(id), (off_t)slot * psize + META_TXNID_AT) !=
	    sizeof(id))
		return 0;
	return id;
}

/*
 * Undo an interrupted import: `real` the data file, `jpath` its journal,
 * `lockfd` its lock file, byte 0 write-locked by the caller, who has the
 * store open nowhere: no process maps it.  An unsealed journal means no
 * step was committed: it is only removed.  FCDB_OK (nothing left to
 * undo), FCDB_EIO or FCDB_ECORRUPT (the journal of another file).
 */
static int journal_undo(const char *path, const char *real, const char *jpath,
                        int lockfd)
{
	struct jhead h;
	struct stat st;
	uint64_t was;
	ssize_t n;
	int jfd, dfd = -1, e = 0;

	jfd = open(jpath, O_RDONLY | O_CLOEXEC);
	if (jfd < 0) {
		if (errno == ENOENT)
			return FCDB_OK;
		e = errno;
		goto fail;
	}
	n = pread(jfd, &h, sizeof(h), 0);
	if (n < 0) {
		e = errno;
		goto fail;
	}
	if (n != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, JOURNAL_MAGIC, sizeof(h.magic)) != 0)
		goto drop; /* unsealed: no step was committed */
	dfd = open(real, O_RDWR | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) != 0) {
		e = errno;
		goto fail;
	}
	/* the inode, not the device: device numbers can change between
	   boots (LVM, btrfs), a store replaced by a copy has a new inode */
	if ((uint64_t)st.st_ino != h.ino) {
		close(jfd);
		close(dfd);
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0, "%s: %s is the "
		                       "journal of an interrupted import into "
		                       "another file (the store was replaced or "
		                       "copied since); remove the journal to "
		                       "keep the store as it is", path, jpath);
	}
	if (h.psize < 512 || h.psize > 65536) {
		e = EINVAL;
		goto fail;
	}
	was = meta_txnid(dfd, h.psize, 0);
	if (meta_txnid(dfd, h.psize, 1) > was)
		was = meta_txnid(dfd, h.psize, 1);
	e = journal_apply(dfd, jfd, &h);
	if (!e && (uint64_t)st.st_size > h.keep &&
	    ftruncate(dfd, (off_t)h.keep) != 0)
		e = errno;
	if (!e && fdatasync(dfd) != 0)
		e = errno;
	if (e)
		goto fail;
	lock_txnid_set(lockfd, was, h.txnid);
drop:
	close(jfd);
	if (dfd >= 0)
		close(dfd);
	if (unlink(jpath) != 0 && errno != ENOENT)
		return fcdb__error_set(FCDB_EIO, NULL, errno, "%s: cannot remove "
		                       "the undone import's journal %s: %s",
		                       path, jpath, strerror(errno));
	sync_dir(jpath);
	return FCDB_OK;
fail:
	if (jfd >= 0)
		close(jfd);
	if (dfd >= 0)
		close(dfd);
	return fcdb__error_set(FCDB_EIO, NULL, e, "%s: an import was "
	                       "interrupted and cannot be undone (%s); its "
	                       "journal %s is kept: open the store for writing "
	                       "with the same rights as the import", path,
	                       strerror(e), jpath);
}

/* This process has the store at `path` open already (a registry entry);
   the caller holds registry_lock. */
static int registered(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	for (fcdb__store *r = registry; r; r = r->next)
		if (r->dev == st.st_dev && r->ino == st.st_ino &&
		    r->pid == getpid())
			return 1;
	return 0;
}

/*
 * A shared open found a journal: the process that wrote it is gone (it
 * had the store to itself, and this open got in).  Wait until nobody has
 * the store open, then undo.  Every open checks, so the others that got
 * in close too; one that finds the journal gone has nothing to do.
 * Each attempt runs under registry_lock, the wait between them not: POSIX
 * locks belong to the process, so two threads must not undo at once, and
 * closing our descriptor of the lock file would drop the locks of a
 * handle another thread has opened meanwhile (then the store is open
 * here, checked, and there is nothing to do).
 */
static int journal_undo_waiting(const char *path)
{
	char real[PATH_MAX], lock[PATH_MAX + 8], jpath[PATH_MAX + 16];
	struct flock fl;
	int fd, rc, e;

	resolve_store_path(path, real, sizeof(real));
	snprintf(lock, sizeof(lock), "%s-lock", real);
	snprintf(jpath, sizeof(jpath), "%s-journal", real);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	for (;;) {
		struct timespec ts = { 0, 10 * 1000000L };

		pthread_mutex_lock(&registry_lock);
		if (registered(path) || access(jpath, F_OK) != 0) {
			pthread_mutex_unlock(&registry_lock);
			return FCDB_OK;
		}
		fd = open(lock, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			e = errno;
			pthread_mutex_unlock(&registry_lock);
			return fcdb__error_set(FCDB_EIO, NULL, e, "%s: an import "
			                       "was interrupted and this process "
			                       "cannot undo it (%s: %s): open the "
			                       "store for writing once", path, lock,
			                       strerror(e));
		}
		if (fcntl(fd, F_SETLK, &fl) == 0) {
			rc = journal_undo(path, real, jpath, fd);
			close(fd); /* and the lock with it */
			pthread_mutex_unlock(&registry_lock);
			return rc;
		}
		e = errno;
		close(fd);
		pthread_mutex_unlock(&registry_lock);
		if (e != EAGAIN && e != EACCES && e != EINTR)
			return fcdb__error_set(FCDB_EIO, NULL, e, "cannot lock "
			                       "%s: %s", lock, strerror(e));
		nanosleep(&ts, NULL);
	}
}

/* Where this LMDB keeps the last transaction id in the lock file: after
   the magic and format (newer layouts), or after the reader mutex too
   (0.9.x releases).  Found by its value; 0 when not certain. */
static void lock_probe(fcdb__store *s)
{
	const off_t old_at = (8 + sizeof(pthread_mutex_t) + 7) / 8 * 8;
	MDB_envinfo info;
	uint64_t a, b;
	uint32_t magic;

	s->lock_txnid_at = 0;
	if (mdb_env_info(s->env, &info) || info.me_last_txnid == 0 ||
	    pread(s->excl_fd, &magic, sizeof(magic), 0) != sizeof(magic) ||
	    magic != 0xBEEFC0DEu ||
	    pread(s->excl_fd, &a, sizeof(a), old_at) != sizeof(a) ||
	    pread(s->excl_fd, &b, sizeof(b), 8) != sizeof(b))
		return;
	if (a == info.me_last_txnid && b != a)
		s->lock_txnid_at = old_at;
	else if (b == info.me_last_txnid && a != b)
		s->lock_txnid_at = 8;
}

/* Drop the pages this process maps: they stay in the file and the page
   cache.  No transaction of this process may be writing. */
static void shed(fcdb__store *s)
{
	uintptr_t lo = atomic_load_explicit(&s->map_lo, memory_order_relaxed);
	size_t len = atomic_load_explicit(&s->map_len, memory_order_relaxed);

	if (lo && len)
		madvise((void *)lo, len, MADV_DONTNEED);
}

/* Room in the map for the next step: one that fills it mid-step restarts
   the whole import.  Best effort, unless the map broke.  The caller holds
   every shard and no write transaction. */
static int room(fcdb__store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	uint64_t used;

	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
		return FCDB_OK;
	used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	/* as much as the disk has, down to a quarter */
	for (uint64_t want = 2 * STEP_ROOM; want >= STEP_ROOM / 8; want /= 4) {
		if (info.me_mapsize - used >= want / 2 ||
		    excl_resize(s, round_map(used + want)) == 0 || s->broken)
			break;
	}
	return check_broken(s);
}

/* Commit a step and start the next.  The caller holds every shard. */
static int step_commit(fcdb__txn *t)
{
	fcdb__store *s = t->store;
	struct fcdb__chunk *c = t->chunk;
	size_t id;
	int rc;

	if (!c->steps) {
		rc = journal_seal(s, c);
		if (rc)
			return rc;
		if (!(s->flags & FCDB__STORE_NOSYNC) &&
		    mdb_env_set_flags(s->env, MDB_NOSYNC, 1) == 0)
			c->nosync = 1;
	}
	id = mdb_txn_id(t->txn);
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	if (rc)
		return lmdb_error(rc, "committing a step of the import");
	c->steps++; /* committed: from here on only an undo takes it back */
	rc = journal_freed(s, c, id);
	if (rc)
		return rc;
	c->records = 0;
	c->bytes = 0;
	if (t->has_marks)
		c->marks_kept = 1;
	shed(s);
	rc = room(s);
	if (rc)
		return rc;
	rc = mdb_txn_begin(s->env, NULL, 0, &t->txn);
	if (rc) {
		t->txn = NULL;
		return lmdb_error(rc, "starting a step of the import");
	}
	return FCDB_OK;
}

int fcdb__txn_step(fcdb__txn *t, size_t bytes)
{
	struct fcdb__chunk *c = t->chunk;

	if (!c)
		return FCDB_OK;
	c->records++;
	c->bytes += bytes;
	if (c->records < STEP_RECORDS && c->bytes < STEP_BYTES) {
		/* reads map 16 pages around each page they fault in
		   (the kernel's fault-around): drop those as we go too */
		if (c->records % SHED_RECORDS == 0)
			shed(t->store);
		return FCDB_OK;
	}
	return step_commit(t);
}

/* One more committed step: a mark in the scratch database (which the
   undo takes away with the rest).  Its freed pages are journaled like
   any step's.  The dbi it used, to close after the undo, in *dbi. */
static int parity_step(fcdb__store *s, struct fcdb__chunk *c, MDB_dbi *dbi)
{
	uint64_t key = 0;
	MDB_val k = { sizeof(key), &key }, v = { 0, "" };
	MDB_txn *txn;
	size_t id;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return lmdb_error(rc, "undoing the import");
	rc = mdb_dbi_open(txn, "fcdb-marks", MDB_CREATE, dbi);
	if (rc == 0)
		rc = mdb_put(txn, *dbi, &k, &v, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return lmdb_error(rc, "undoing the import");
	}
	id = mdb_txn_id(txn);
	rc = mdb_txn_commit(txn);
	if (rc)
		return lmdb_error(rc, "undoing the import");
	return journal_freed(s, c, id);
}

/*
 * Undo committed steps in place: every page the journal holds is written
 * back, so the file is byte for byte as it was.
 *
 * LMDB in this process (and in any process that joins the lock file
 * without initialising it) goes on from its last transaction id, Tk, in
 * the lock file: a reader takes meta page Tk % 2, a writer starts Tk + 1.
 * Setting that id back to the first snapshot's, T0, would make LMDB's
 * cached oldest reader (me_pgoldest, trusted while it is above the free
 * list entry it looks at) run ahead of the transactions to come, and a
 * write could reuse pages a reader still has.  So the id is left at Tk,
 * and the steps' count made even first (parity_step): meta page Tk % 2
 * is then the one holding T0 once restored, and every later id is above
 * any LMDB has seen.  The meta pages say T0 and T0 - 1; LMDB names its
 * transactions from the lock file while it is open, and from the meta
 * pages when it opens alone.  If the extra step cannot be made, the lock
 * file is set to T0 instead and the handle is broken: it must be
 * reopened, with a fresh LMDB environment.
 */
static int steps_undo(fcdb__store *s, struct fcdb__chunk *c, fcdb__txn *t)
{
	MDB_envinfo info;
	MDB_dbi extra = 0;
	uint64_t now;
	int dfd, e, odd, rewind = 0;

	if (mdb_env_info(s->env, &info) || mdb_env_get_fd(s->env, &dfd) ||
	    pread(s->excl_fd, &now, sizeof(now), s->lock_txnid_at) !=
	    sizeof(now) || now != info.me_last_txnid) {
		s->broken = 1;
		return fcdb__error_set(FCDB_EIO, NULL, 0, "%s: the import could "
		                       "not be undone in place; close the store "
		                       "and open it again to undo it", s->path);
	}
	odd = (info.me_last_txnid - c->head.txnid) % 2 == 1;
	if (odd && parity_step(s, c, &extra) != 0)
		rewind = 1;
	e = journal_apply(dfd, c->jfd, &c->head);
	if (!e && rewind &&
	    pwrite(s->excl_fd, &c->head.txnid, sizeof(c->head.txnid),
	           s->lock_txnid_at) != sizeof(c->head.txnid))
		e = errno ? errno : EIO;
	if (!e && !(s->flags & FCDB__STORE_NOSYNC) && fdatasync(dfd) != 0)
		e = errno;
	if (e) {
		s->broken = 1; /* the journal stays for the next open */
		return fcdb__error_set(FCDB_EIO, NULL, e, "%s: undoing the "
		                       "import failed (%s); close the store and "
		                       "open it again to undo it", s->path,
		                       strerror(e));
	}
	if (c->marks_kept && t->has_marks)
		mdb_dbi_close(s->env, t->marks);
	if (extra)
		mdb_dbi_close(s->env, extra);
	journal_drop(s, c);
	bounds_refresh(s, 0);
	if (rewind) {
		s->broken = 1;
		return fcdb__error_set(FCDB_EIO, NULL, 0, "%s: the import was "
		                       "undone; close the store and open it "
		                       "again to go on", s->path);
	}
	return FCDB_OK;
}

/*
 * One run of an import in steps.  The caller holds the writer mutex and
 * every remap shard.  A body that fails or makes no change is undone.
 */
static int steps_run(fcdb__store *s, fcdb__write_fn body, void *ctx)
{
	struct fcdb__chunk c;
	fcdb__txn t;
	int rc, urc, committed = 0;

	memset(&c, 0, sizeof(c));
	c.jfd = -1;
	memset(&t, 0, sizeof(t));
	t.store = s;
	t.chunk = &c;
	rc = journal_start(s, &c);
	if (rc == 0) {
		rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
		if (rc) {
			t.txn = NULL;
			rc = lmdb_error(rc, "starting a write transaction");
		}
	}
	if (rc == 0)
		rc = body(&t, ctx);
	if (rc == 0 && t.has_marks) {
		int drc = mdb_drop(t.txn, t.marks, 1);

		if (drc == MDB_MAP_FULL)
			rc = FCDB__EMAPFULL;
		else if (drc)
			rc = lmdb_error(drc, "dropping the marks");
	}
	if (rc == 0) {
		size_t id = mdb_txn_id(t.txn);
		MDB_envinfo info;

		rc = mdb_txn_commit(t.txn);
		t.txn = NULL;
		if (rc == MDB_MAP_FULL)
			rc = FCDB__EMAPFULL;
		else if (rc)
			rc = lmdb_error(rc, "committing");
		if (c.steps) {
			/* the steps ran without syncing: the last syncs all */
			if (rc == 0 && c.nosync && mdb_env_sync(s->env, 1) != 0)
				rc = fcdb__error_set(FCDB_EIO, NULL, errno,
				                     "%s: syncing the import: %s",
				                     s->path, strerror(errno));
			committed = rc == 0;
		} else {
			/* one step, synced by its commit; a sync that failed
			   after the meta page was written still committed */
			committed = rc == 0 ||
			            (mdb_env_info(s->env, &info) == 0 &&
			             info.me_last_txnid >= id);
		}
	} else if (t.txn) {
		mdb_txn_abort(t.txn);
		t.txn = NULL;
	}
	if (c.nosync)
		mdb_env_set_flags(s->env, MDB_NOSYNC, 0);
	if (committed) {
		journal_drop(s, &c);
	} else if (c.steps) {
		urc = steps_undo(s, &c, &t);
		if (urc)
			rc = urc;
	} else if (c.jfd >= 0) {
		int dfd;

		/* nothing committed: the free pages back as they were */
		if (mdb_env_get_fd(s->env, &dfd) == 0)
			(void)journal_apply(dfd, c.jfd, &c.head);
		journal_drop(s, &c);
	}
	if (c.jfd >= 0)
		close(c.jfd); /* an undo that failed: the next open's */
	chunk_free(&c);
	return rc;
}

int fcdb__store_write_exact(fcdb__store *s, fcdb__write_fn body, void *ctx)
{
	int rc, tries = 0;

	if (!s->excl_held || !s->lock_txnid_at)
		return fcdb__store_write(s, body, ctx);
	pthread_mutex_lock(&s->writer);
	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_wrlock(&s->remap[i].lock);
	for (;;) {
		rc = check_broken(s);
		if (rc)
			break;
		rc = steps_run(s, body, ctx);
		if (rc != FCDB__EMAPFULL)
			break;
		if (tries++ >= 40) {
			rc = fcdb__error_set(FCDB_EIO, NULL, MDB_MAP_FULL,
			                     "the map is full and cannot grow");
			break;
		}
		rc = remap_locked(s, 1);
		if (rc)
			break;
	}
	for (int i = SHARDS - 1; i >= 0; i--)
		pthread_rwlock_unlock(&s->remap[i].lock);
	pthread_mutex_unlock(&s->writer);
	return rc == FCDB__NOCHANGE ? FCDB_OK : rc;
}

/* ---- data ---- */

int fcdb__txn_get(fcdb__txn *t, int db, const void *key, size_t klen,
                  fcdb__val *val)
{
	MDB_val k = { klen, (void *)key }, v = { 0, NULL };
	int rc;

	if (klen == 0 || klen > 511)
		return FCDB_ENOTFOUND;
	rc = mdb_get(t->txn, t->store->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return FCDB_ENOTFOUND;
	if (rc)
		return lmdb_error(rc, "reading");
	if (!v.mv_data)
		return left_unset();
	if (!in_file(t->store, &v))
		return past_the_file(t->store, &k);
	val->data = v.mv_data;
	val->len = v.mv_size;
	return FCDB_OK;
}

int fcdb__txn_put(fcdb__txn *t, int db, const void *key, size_t klen,
                  const void *val, size_t vlen, int nooverwrite)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (klen == 0 || klen > 511)
		return fcdb__error_set(FCDB_EINVAL, NULL, 0,
		                       "key of %zu bytes is outside 1..511", klen);
	rc = mdb_put(t->txn, t->store->dbi[db], &k, &v,
	             nooverwrite ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_KEYEXIST)
		return FCDB_EEXISTS;
	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	if (rc)
		return lmdb_error(rc, "writing");
	return FCDB_OK;
}

int fcdb__txn_put_new(fcdb__txn *t, int db, const void *key, size_t klen,
                      const void *val, size_t vlen, fcdb__val *existing)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (klen == 0 || klen > 511)
		return fcdb__error_set(FCDB_EINVAL, NULL, 0,
		                       "key of %zu bytes is outside 1..511", klen);
	rc = mdb_put(t->txn, t->store->dbi[db], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		/* LMDB hands back the value already there */
		if (existing) {
			existing->data = v.mv_data;
			existing->len = v.mv_size;
		}
		return FCDB_EEXISTS;
	}
	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	if (rc)
		return lmdb_error(rc, "writing");
	return FCDB_OK;
}

int fcdb__txn_del(fcdb__txn *t, int db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (klen == 0 || klen > 511)
		return FCDB_ENOTFOUND;
	rc = mdb_del(t->txn, t->store->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return FCDB_ENOTFOUND;
	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	if (rc)
		return lmdb_error(rc, "deleting");
	return FCDB_OK;
}

/* The marks: a scratch database of 8-byte keys, made on first use and
   dropped before the transaction commits, so no store ever holds it. */
int fcdb__txn_mark(fcdb__txn *t, uint64_t key)
{
	MDB_val k = { sizeof(key), &key }, v = { 0, "" };
	int rc;

	if (!t->has_marks) {
		rc = mdb_dbi_open(t->txn, "fcdb-marks", MDB_CREATE, &t->marks);
		if (rc == MDB_MAP_FULL)
			return FCDB__EMAPFULL;
		if (rc)
			return lmdb_error(rc, "making the marks");
		t->has_marks = 1;
	}
	rc = mdb_put(t->txn, t->marks, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 1;
	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	return rc ? lmdb_error(rc, "writing a mark") : FCDB_OK;
}

int fcdb__txn_marked(fcdb__txn *t, uint64_t key)
{
	MDB_val k = { sizeof(key), &key }, v;
	int rc;

	if (!t->has_marks)
		return 0;
	rc = mdb_get(t->txn, t->marks, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? lmdb_error(rc, "reading a mark") : 1;
}

int fcdb__txn_clear(fcdb__txn *t, int db)
{
	int rc = mdb_drop(t->txn, t->store->dbi[db], 0);

	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	return rc ? lmdb_error(rc, "clearing") : FCDB_OK;
}

int fcdb__cursor_open(fcdb__txn *t, int db, fcdb__cursor **out)
{
	fcdb__cursor *c;
	int rc;

	*out = NULL;
	c = malloc(sizeof(*c));
	if (!c)
		return fcdb__error_set(FCDB_ENOMEM, NULL, 0, "out of memory");
	c->store = t->store;
	rc = mdb_cursor_open(t->txn, t->store->dbi[db], &c->cur);
	if (rc) {
		free(c);
		return lmdb_error(rc, "opening a cursor");
	}
	*out = c;
	return FCDB_OK;
}

static int cursor_get(fcdb__cursor *c, MDB_val *k, MDB_cursor_op op,
                      fcdb__val *ko, fcdb__val *vo)
{
	MDB_val v = { 0, NULL };
	int rc = mdb_cursor_get(c->cur, k, &v, op);

	if (rc == MDB_NOTFOUND)
		return FCDB_ENOTFOUND;
	if (rc)
		return lmdb_error(rc, "reading with a cursor");
	if (!k->mv_data || !v.mv_data)
		return left_unset();
	if (!in_file(c->store, k) || !in_file(c->store, &v))
		return past_the_file(c->store, k);
	if (ko) {
		ko->data = k->mv_data;
		ko->len = k->mv_size;
	}
	if (vo) {
		vo->data = v.mv_data;
		vo->len = v.mv_size;
	}
	return FCDB_OK;
}

int fcdb__cursor_seek(fcdb__cursor *c, const void *key, size_t klen,
                      fcdb__val *k, fcdb__val *v)
{
	MDB_val mk = { klen, (void *)key };

	if (!key || !klen) {
		mk.mv_data = NULL;
		return cursor_get(c, &mk, MDB_FIRST, k, v);
	}
	if (klen > 511)
		return FCDB_ENOTFOUND;
	return cursor_get(c, &mk, MDB_SET_RANGE, k, v);
}

int fcdb__cursor_next(fcdb__cursor *c, fcdb__val *k, fcdb__val *v)
{
	MDB_val mk = { 0, NULL };

	return cursor_get(c, &mk, MDB_NEXT, k, v);
}

int fcdb__cursor_del(fcdb__cursor *c)
{
	int rc = mdb_cursor_del(c->cur, 0);

	if (rc == MDB_MAP_FULL)
		return FCDB__EMAPFULL;
	return rc ? lmdb_error(rc, "deleting with a cursor") : FCDB_OK;
}

void fcdb__cursor_close(fcdb__cursor *c)
{
	if (!c)
		return;
	mdb_cursor_close(c->cur);
	free(c);
}

/* ---- inspection ---- */

/* mdb_reader_list prints a line per live slot ("pid thread txnid"),
   after a header or instead "(no active readers)": count the slots. */
static int count_reader(const char *line, void *ctx)
{
	while (*line == ' ')
		line++;
	if (*line >= '0' && *line <= '9')
		(*(uint32_t *)ctx)++;
	return 0;
}

int fcdb__store_stat_get(fcdb__store *s, fcdb__txn *t, fcdb__store_stat *out)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	int rc, i;

	memset(out, 0, sizeof(*out));
	rc = mdb_env_info(s->env, &info);
	if (rc)
		return lmdb_error(rc, "reading environment info");
	rc = mdb_env_stat(s->env, &st);
	if (rc)
		return lmdb_error(rc, "reading environment stat");
	out->page_size = st.ms_psize;
	out->map_size = info.me_mapsize;
	out->last_page = info.me_last_pgno;
	out->max_readers = info.me_maxreaders;
	/* me_numreaders is the most slots ever used since the lock file was
	   made, not the slots in use now: count the live ones */
	out->readers_used = 0;
	if (mdb_reader_list(s->env, count_reader, &out->readers_used) != 0)
		out->readers_used = info.me_numreaders;
	if (stat(s->path, &fst) == 0)
		out->file_bytes = (uint64_t)fst.st_size;
	for (i = 0; i < FCDB__DB_COUNT; i++) {
		rc = mdb_stat(t->txn, s->dbi[i], &st);
		if (rc)
			return lmdb_error(rc, "reading database stat");
		out->db[i].entries = st.ms_entries;
		out->db[i].depth = st.ms_depth;
		out->db[i].branch_pages = st.ms_branch_pages;
		out->db[i].leaf_pages = st.ms_leaf_pages;
		out->db[i].overflow_pages = st.ms_overflow_pages;
	}
	return FCDB_OK;
}

int fcdb__store_copy_fd(fcdb__store *s, int fd)
{
	int rc;

	unsigned shard = my_shard();

	pthread_rwlock_rdlock(&s->remap[shard].lock);
	rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->remap[shard].lock);
	return rc ? lmdb_error(rc, "copying the store") : FCDB_OK;
}
