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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fcdb.h"

#define POOL_SIZE 8          /* idle read transactions kept per store */
#define DEFAULT_MAP_SIZE (1ull << 30) /* virtual: the file grows with its data */
#define DEFAULT_MAX_READERS 1022 /* LMDB's default, 126, is easy to exhaust */
#define READERS_WAIT_MS 2000 /* how long a read waits for a free slot */

static const char *const db_names[FCDB__DB_COUNT] = {
	"functions", "by_arn", "by_id", "meta"
};

struct fcdb__txn {
	MDB_txn *txn;
	fcdb__store *store;
	unsigned shard;   /* the remap lock shard held */
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

/* Adopt a map size another process grew, or grow it ourselves. */
static int remap(fcdb__store *s, int grow)
{
	MDB_envinfo info;
	size_t size = 0;
	int rc;

	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_wrlock(&s->remap[i].lock);
	if (grow) {
		mdb_env_info(s->env, &info);
		size = info.me_mapsize;
		size = size > SIZE_MAX / 2 ? SIZE_MAX : size * 2;
	}
	rc = mdb_env_set_mapsize(s->env, size);
	bounds_refresh(s, 1);
	for (int i = SHARDS - 1; i >= 0; i--)
		pthread_rwlock_unlock(&s->remap[i].lock);
	if (rc)
		return lmdb_error(rc, grow ? "growing the map" : "adopting the map size");
	return FCDB_OK;
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
	if (s->env)
		mdb_env_close(s->env);
	for (int i = 0; i < SHARDS; i++)
		pthread_rwlock_destroy(&s->remap[i].lock);
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
static int check_file_size(fcdb__store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	uint64_t need;

	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st) ||
	    stat(s->path, &fst) != 0)
		return FCDB_OK; /* nothing to compare; LMDB will complain */
	need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if ((uint64_t)fst.st_size < need)
		return fcdb__error_set(FCDB_ECORRUPT, NULL, 0,
		                       "%s is truncated: %llu bytes, but its "
		                       "pages need %llu", s->path,
		                       (unsigned long long)fst.st_size,
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
	mdb_env_set_maxdbs(s->env, FCDB__DB_COUNT);
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
	had_lock = access(lock, F_OK) == 0;
	if (!(flags & FCDB__STORE_READONLY)) {
		rc = make_private_if_empty(real, &was);
		if (rc)
			goto fail;
	}
	rc = mdb_env_open(s->env, real, eflags, 0600);
	if (rc) {
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
	rc = check_file_size(s);
	if (rc)
		goto fail;
	mdb_reader_check(s->env, &dead);
	rc = open_dbis(s);
	if (rc)
		goto fail;
	bounds_refresh(s, 1);
	*out = s;
	return FCDB_OK;
fail:
	store_free(s);
	/* a refused open leaves no lock file of its own behind */
	if (!had_lock && lock[0])
		unlink(lock);
	restore_mode(real, &was);
	return rc;
}

int fcdb__store_open(fcdb__store **out, const char *path, unsigned flags,
                     uint64_t map_size, unsigned max_readers)
{
	struct stat st;
	fcdb__store *s;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&registry_lock);
	if (stat(path, &st) == 0) {
		for (s = registry; s; s = s->next) {
			if (s->dev != st.st_dev || s->ino != st.st_ino ||
			    s->pid != getpid())
				continue;
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

int fcdb__store_write(fcdb__store *s, fcdb__write_fn body, void *ctx)
{
	fcdb__txn t;
	int rc, tries = 0;

	if (s->flags & FCDB__STORE_READONLY)
		return fcdb__error_set(FCDB_EMISUSE, NULL, 0,
		                       "the store was opened read-only");
	t.store = s;
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
		rc = body(&t, ctx);
		if (rc == 0) {
			rc = mdb_txn_commit(t.txn);
			if (rc == MDB_MAP_FULL)
				rc = FCDB__EMAPFULL;
			else if (rc)
				rc = lmdb_error(rc, "committing");
		} else {
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
