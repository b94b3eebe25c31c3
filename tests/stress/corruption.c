/*
 * corruption.c: copies of a store with bytes flipped, read through the
 * whole API in a forked child, and every outcome counted.
 *
 * A store of realistic functions (the bench corpus, a few of them large
 * enough for LMDB overflow pages, most changed a few times so that free
 * pages hold old versions) is closed and its file mapped out by a small
 * walker of LMDB's on-disk format: which byte belongs to which meta page,
 * which database's page header, node header, key or value, and which to
 * pages no tree reaches.  Copies are then damaged three ways:
 *
 *   records  one byte of one record's value (its envelope or payload);
 *   indexes  one byte of a by_id value (the function name; by_arn
 *            entries have empty values: the name is in the ARN) or of
 *            a key in functions, by_arn or by_id;
 *   random   one byte anywhere in the file, uniformly, and one byte in
 *            a structure drawn uniformly from those the file holds.
 *
 * Each copy is opened read-only in a child that reads every function by
 * name, ARN and id, its state and its JSON, lists, exports, takes stats
 * and runs fcdb_check, comparing everything it gets with the pristine
 * store.  The parent classifies the copy: crash, hang, wrong data (a
 * read that succeeded with other content than the original), open
 * refused, damage detected (StoreCorrupted from a read or check),
 * functions lost without check noticing, or no effect.
 *
 * What must hold: nothing crashes or hangs; a damaged record or index
 * value reads as StoreCorrupted every way in, check names it, and every
 * other function reads exactly as before; key damage is reported by
 * check.  For random damage the counts are measured and printed.
 *
 * A copy that makes LMDB fault is also given to the fcdb command ($FCDB)
 * when it is set: check, get, list, export, stats, backup and delete
 * must end with their documented statuses, StoreCorrupted where LMDB
 * faulted, never with a signal.  A second test finds such a copy with a
 * fixed seed, so that make test always has one.
 *
 * FCDB_STRESS=full: 10,000 copies; quick: 500.  A copy that crashed or
 * hung is kept (its path is printed) for gdb; FCDB_STRESS_KEEP=1 keeps
 * those that made LMDB fault too.
 */
#include "stress.h"
#include "corpus.h"

#include <dirent.h>
#include <execinfo.h>
#include <link.h>
#include <sys/stat.h>
#include <ucontext.h>

#define NFN 124        /* corpus functions */
#define NBIG 4         /* of them made large: LMDB overflow pages */
#define MAXFN NFN

/* ---- the pristine store ---- */

struct fnrec {
	char name[64];
	char arn[160];
	char id[40];
	char *json;        /* with revision */
	int state, status;
	uint64_t rev;
};

struct manifest {
	struct fnrec fn[MAXFN];
	int n;
	uint64_t revision;
	char region[32], account[32];
};

static int manifest_find(const struct manifest *m, const char *name,
                         size_t len)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (strlen(m->fn[i].name) == len &&
		    memcmp(m->fn[i].name, name, len) == 0)
			return i;
	return -1;
}

struct mem_src {
	const char *data;
	size_t len, pos;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem_src *m = ctx;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int mem_rewind(void *ctx)
{
	((struct mem_src *)ctx)->pos = 0;
	return 0;
}

/*
 * The same seed gives the same file, byte for byte: the functions are
 * imported with the corpus's own functionIds and times, and the clock is
 * pinned, so that a damaged offset can be replayed.
 */
static void build_store(const char *path, struct manifest *m)
{
	corpus_buf nd = { NULL, 0, 0 }, line = { NULL, 0, 0 };
	uint64_t rng = tu_seed() ^ 0xc022u;
	fcdb_import_options io;
	struct mem_src src;
	fcdb_options o;
	fcdb *db = NULL;
	int i, k;

	memset(m, 0, sizeof(*m));
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.clock = au_clock;
	au_ok(fcdb_open(&db, path, &o));
	for (i = 0; i < NFN; i++) {
		line.len = 0;
		corpus_function(&line, tu_seed(), (uint64_t)i, CORPUS_FUNCTION,
		                AU_REGION, AU_ACCOUNT);
		while (nd.cap < nd.len + line.len + 2) {
			nd.cap = nd.cap ? nd.cap * 2 : 65536;
			nd.data = realloc(nd.data, nd.cap);
			assert_non_null(nd.data);
		}
		memcpy(nd.data + nd.len, line.data, line.len);
		nd.len += line.len;
		nd.data[nd.len++] = '\n';
		corpus_name(m->fn[i].name, tu_seed(), (uint64_t)i);
	}
	src.data = nd.data;
	src.len = nd.len;
	src.pos = 0;
	fcdb_import_options_init(&io);
	io.rewind = mem_rewind;
	au_ok(fcdb_import(db, mem_read, &src, &io, NULL));
	/* a few large enough for LMDB's overflow pages */
	for (i = 0; i < NBIG; i++) {
		char upd[6200];

		fcdb_function_set_update_status(db, NULL, m->fn[i].name,
		                                FCDB_UPDATE_SUCCESSFUL, NULL, NULL,
		                                NULL);
		snprintf(upd, sizeof(upd), "{\"environmentVariables\":"
		         "{\"BLOB\":\"%0*d\"}}", 3000 + 1000 * i, i);
		au_ok(fcdb_function_update(db, NULL, m->fn[i].name, upd,
		                           strlen(upd), NULL));
	}
	/* a few changes each: old versions end up on free pages */
	for (k = 0; k < 3 * NFN; k++) {
		const char *name = m->fn[tu_rand(&rng) % NFN].name;
		char upd[96];

		switch (tu_rand(&rng) % 3) {
		case 0:
			fcdb_function_set_state(db, NULL, name, FCDB_STATE_ACTIVE,
			                        NULL, NULL, NULL);
			break;
		case 1:
			fcdb_function_set_state(db, NULL, name, FCDB_STATE_INACTIVE,
			                        NULL, NULL, NULL);
			break;
		default:
			snprintf(upd, sizeof(upd), "{\"description\":\"change %d\"}",
			         k);
			fcdb_function_update(db, NULL, name, upd, strlen(upd), NULL);
			break;
		}
	}
	for (i = 0; i < NFN; i++) {
		struct fnrec *f = &m->fn[i];
		fcdb_function *fn = NULL;

		au_ok(fcdb_function_get(db, &fn, f->name));
		snprintf(f->arn, sizeof(f->arn), "%s", fcdb_function_arn(fn));
		snprintf(f->id, sizeof(f->id), "%s", fcdb_function_id(fn));
		f->json = au_json_text(fn, FCDB_JSON_REVISION);
		f->state = (int)fcdb_function_state(fn);
		f->status = (int)fcdb_function_update_status(fn);
		f->rev = fcdb_function_revision(fn);
		fcdb_function_free(fn);
	}
	m->n = NFN;
	m->revision = au_revision(db);
	snprintf(m->region, sizeof(m->region), "%s", fcdb_region(db));
	snprintf(m->account, sizeof(m->account), "%s", fcdb_account_id(db));
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	corpus_buf_free(&line);
	free(nd.data);
}

/* ---- a map of the file (LMDB 0.9 on-disk format, 64-bit) ---- */

/*
 * Page: pgno u64, pad u16, flags u16, lower u16, upper u16 (or u32
 * overflow page count), then u16 node offsets.  Node: lo u16, hi u16,
 * flags u16, ksize u16, key, data.  A leaf node's data size is lo | hi
 * << 16 (F_BIGDATA: the data is the u64 number of its first overflow
 * page); a branch node's child is lo | hi << 16 | flags << 32.  Meta
 * (pages 0 and 1): magic u32 at 16, ..., MDB_db free at 40, main at 88
 * (48 bytes each, root at +40), last page at 136, txnid at 144.
 */
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02

enum dbid { D_FREE, D_MAIN, D_FUNCTIONS, D_BY_ARN, D_BY_ID, D_META, D_NONE,
            D_COUNT };
static const char *const db_label[D_COUNT] = {
	"free-list", "main", "functions", "by_arn", "by_id", "meta", "-"
};

enum kind { K_META_LIVE, K_META_OLD, K_FREE_PAGE, K_TAIL, K_PAGE_HEADER,
            K_NODE_PTRS, K_PAGE_GAP, K_NODE_HEADER, K_BRANCH_KEY, K_KEY,
            K_VALUE, K_OVERFLOW_HEADER, K_COUNT };
static const char *const kind_label[K_COUNT] = {
	"meta page (live)", "meta page (older)", "free page", "past the last "
	"page", "page header", "node offsets", "page free space",
	"node header", "branch key", "leaf key", "value", "overflow header"
};

#define CLASS(db, kind) ((uint8_t)((db) * K_COUNT + (kind)))
#define CLASS_DB(c) ((c) / K_COUNT)
#define CLASS_KIND(c) ((c) % K_COUNT)
#define NCLASS (D_COUNT * K_COUNT)

struct filemap {
	const uint8_t *data;
	size_t len, psize;
	uint8_t *cls;      /* class of each byte */
	int16_t *owner;    /* function of each key or value byte, or -1 */
};

static uint64_t rd16(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8;
}

static uint64_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | rd32(p + 4) << 32;
}

static void mark(struct filemap *fm, size_t off, size_t len, uint8_t c,
                 int owner)
{
	size_t i;

	if (off > fm->len || len > fm->len - off)
		fail_msg("the walker left the file at %zu+%zu", off, len);
	for (i = off; i < off + len; i++) {
		fm->cls[i] = c;
		fm->owner[i] = (int16_t)owner;
	}
}

static void walk(struct filemap *fm, const struct manifest *m, uint64_t pgno,
                 enum dbid db, int depth)
{
	size_t base = (size_t)pgno * fm->psize, i, nkeys;
	const uint8_t *p;
	unsigned flags, lower, upper;

	if (depth > 16 || base + fm->psize > fm->len)
		fail_msg("walk: page %llu out of reach", (unsigned long long)pgno);
	p = fm->data + base;
	flags = (unsigned)rd16(p + 10);
	lower = (unsigned)rd16(p + 12);
	upper = (unsigned)rd16(p + 14);
	nkeys = (lower - 16) / 2;
	mark(fm, base, 16, CLASS(db, K_PAGE_HEADER), -1);
	mark(fm, base + 16, lower - 16, CLASS(db, K_NODE_PTRS), -1);
	mark(fm, base + lower, upper - lower, CLASS(db, K_PAGE_GAP), -1);
	for (i = 0; i < nkeys; i++) {
		size_t at = base + (size_t)rd16(p + 16 + 2 * i);
		const uint8_t *n = fm->data + at;
		unsigned nflags = (unsigned)rd16(n + 4);
		size_t ksize = (size_t)rd16(n + 6);
		uint64_t dsize = rd16(n) | rd16(n + 2) << 16;
		int owner = -1;

		mark(fm, at, 8, CLASS(db, K_NODE_HEADER), -1);
		if (flags & P_BRANCH) {
			mark(fm, at + 8, ksize, CLASS(db, K_BRANCH_KEY), -1);
			walk(fm, m, dsize | (uint64_t)nflags << 32, db, depth + 1);
			continue;
		}
		if (db == D_FUNCTIONS)
			owner = manifest_find(m, (const char *)n + 8, ksize);
		else if (db == D_BY_ARN || db == D_BY_ID)
			owner = manifest_find(m, (const char *)n + 8 + ksize,
			                      (size_t)dsize);
		mark(fm, at + 8, ksize, CLASS(db, K_KEY), owner);
		if (nflags & F_BIGDATA) {
			uint64_t ov = rd64(n + 8 + ksize);
			size_t ob = (size_t)ov * fm->psize;

			mark(fm, at + 8 + ksize, 8, CLASS(db, K_NODE_HEADER), -1);
			mark(fm, ob, 16, CLASS(db, K_OVERFLOW_HEADER), -1);
			mark(fm, ob + 16, (size_t)dsize, CLASS(db, K_VALUE), owner);
			continue;
		}
		mark(fm, at + 8 + ksize, (size_t)dsize, CLASS(db, K_VALUE), owner);
		if (db == D_MAIN && (nflags & F_SUBDATA)) {
			const uint8_t *dbrec = n + 8 + ksize;
			uint64_t root = rd64(dbrec + 40);
			static const char *const names[] = { "functions", "by_arn",
			                                     "by_id", "meta" };
			int d;

			for (d = 0; d < 4; d++)
				if (ksize == strlen(names[d]) &&
				    memcmp(n + 8, names[d], ksize) == 0 &&
				    root != UINT64_MAX)
					walk(fm, m, root, (enum dbid)(D_FUNCTIONS + d),
					     0);
		}
	}
	(void)upper;
}

static void map_file(struct filemap *fm, const struct manifest *m,
                     const uint8_t *data, size_t len, size_t psize)
{
	uint64_t t0 = rd64(data + 144), t1 = rd64(data + psize + 144);
	const uint8_t *meta = t1 > t0 ? data + psize : data;
	uint64_t last = rd64(meta + 136), pg;

	fm->data = data;
	fm->len = len;
	fm->psize = psize;
	fm->cls = malloc(len);
	fm->owner = malloc(len * sizeof(int16_t));
	assert_non_null(fm->cls);
	assert_non_null(fm->owner);
	assert_int_equal(rd32(data + 16), 0xBEEFC0DE);
	for (pg = 0; pg * psize < len; pg++)
		mark(fm, (size_t)(pg * psize), psize,
		     CLASS(D_NONE, pg <= last ? K_FREE_PAGE : K_TAIL), -1);
	mark(fm, meta == data ? 0 : psize, psize, CLASS(D_NONE, K_META_LIVE), -1);
	mark(fm, meta == data ? psize : 0, psize, CLASS(D_NONE, K_META_OLD), -1);
	if (rd64(meta + 40 + 40) != UINT64_MAX)
		walk(fm, m, rd64(meta + 40 + 40), D_FREE, 0);
	if (rd64(meta + 88 + 40) != UINT64_MAX)
		walk(fm, m, rd64(meta + 88 + 40), D_MAIN, 0);
}

/* ---- one damaged copy, read in a child ---- */

enum path { P_GET, P_ARN, P_ID, P_STATE, P_JSON, P_COUNT };
enum res { R_INTACT, R_CORRUPT, R_NOTFOUND, R_OTHER, R_WRONG, R_COUNT };

struct outcome {
	int open_rc;
	int victim[P_COUNT];          /* enum res of each way in */
	unsigned others[R_COUNT];     /* every read of every other function */
	unsigned walks[R_COUNT];      /* list, export, stats */
	int meta_wrong;               /* revision, region or account differ */
	int check_rc;
	uint64_t problems;
	int check_named_victim;
	int done;
	/* a child that faulted (or was probed when hung) says where */
	int fault_sig;
	int fault_in_lmdb;
	uintptr_t fault_pc;      /* offset in its library */
	uintptr_t fault_addr;
};

static int classify(int rc, int same)
{
	if (rc == 0)
		return same ? R_INTACT : R_WRONG;
	if (rc == FCDB_ECORRUPT)
		return R_CORRUPT;
	if (rc == FCDB_ENOTFOUND)
		return R_NOTFOUND;
	return R_OTHER;
}

static int same_json(const fcdb_function *fn, const char *want)
{
	char *j = NULL;
	int same;

	if (fcdb_function_json(&j, NULL, fn, FCDB_JSON_REVISION))
		return 0;
	same = strcmp(j, want) == 0;
	fcdb_json_free(j);
	return same;
}

static int read_one(fcdb *db, const struct fnrec *f, int path)
{
	fcdb_function *fn = NULL;
	char *json = NULL;
	fcdb_state st;
	fcdb_update_status us;
	uint64_t rev;
	int rc, same = 0;

	switch (path) {
	case P_GET:
		rc = fcdb_function_get(db, &fn, f->name);
		break;
	case P_ARN:
		rc = fcdb_function_get_by_arn(db, &fn, f->arn);
		break;
	case P_ID:
		rc = fcdb_function_get_by_id(db, &fn, f->id);
		break;
	case P_STATE:
		rc = fcdb_function_read_state(db, f->name, &st, &us, &rev);
		same = rc == 0 && (int)st == f->state && (int)us == f->status &&
		       rev == f->rev;
		return classify(rc, same);
	default:
		rc = fcdb_function_get_json(db, &json, NULL, f->name,
		                            FCDB_JSON_REVISION);
		same = rc == 0 && strcmp(json, f->json) == 0;
		fcdb_json_free(json);
		return classify(rc, same);
	}
	if (rc == 0)
		same = same_json(fn, f->json);
	fcdb_function_free(fn);
	return classify(rc, same);
}

struct check_ctx {
	const struct fnrec *victim;
	int named;
};

static void on_problem(void *ctx, const char *name, const char *phase,
                       const char *problem)
{
	struct check_ctx *c = ctx;

	(void)phase;
	if (c->victim && (strcmp(name, c->victim->name) == 0 ||
	                  strcmp(name, c->victim->arn) == 0 ||
	                  strcmp(name, c->victim->id) == 0 ||
	                  strstr(problem, c->victim->name)))
		c->named = 1;
}

static int count_sink(void *ctx, const char *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return 0;
}

static void read_everything(const char *copy, const struct manifest *m,
                            int victim, struct outcome *o)
{
	fcdb_list_options lo;
	struct check_ctx cc;
	fcdb_stats st;
	fcdb *db = NULL;
	size_t bytes = 0;
	uint64_t rev = 0;
	int i, p, rc;

	memset(o, 0, sizeof(*o));
	o->open_rc = st_open(&db, copy, FCDB_OPEN_READONLY, 0, 0);
	if (o->open_rc) {
		o->done = 1;
		return;
	}
	for (i = 0; i < m->n; i++)
		for (p = 0; p < P_COUNT; p++) {
			int r = read_one(db, &m->fn[i], p);

			if (i == victim)
				o->victim[p] = r;
			else
				o->others[r]++;
		}
	/* every page of the list: each function as stored */
	fcdb_list_options_init(&lo);
	lo.limit = 100;
	for (;;) {
		fcdb_list *l = NULL;
		size_t k;

		rc = fcdb_function_list(db, &l, &lo);
		o->walks[classify(rc, 1)]++;
		if (rc)
			break;
		for (k = 0; k < fcdb_list_count(l); k++) {
			const fcdb_function *fn = fcdb_list_at(l, k);
			const char *name = fcdb_function_name(fn);
			int at = name ? manifest_find(m, name, strlen(name)) : -1;

			if (at < 0 || !same_json(fn, m->fn[at].json))
				o->walks[R_WRONG]++;
		}
		free((char *)lo.next_token);
		lo.next_token = fcdb_list_next_token(l)
		                ? strdup(fcdb_list_next_token(l)) : NULL;
		fcdb_list_free(l);
		if (!lo.next_token)
			break;
	}
	free((char *)lo.next_token);
	rc = fcdb_export(db, count_sink, &bytes, NULL, NULL);
	o->walks[classify(rc, 1)]++;
	rc = fcdb_stats_get(db, &st);
	o->walks[classify(rc, rc || st.functions == (uint64_t)m->n)]++;
	rc = fcdb_revision(db, &rev);
	if (rc)
		o->walks[classify(rc, 1)]++;
	o->meta_wrong = (rc == 0 && rev != m->revision) ||
	                strcmp(fcdb_region(db), m->region) != 0 ||
	                strcmp(fcdb_account_id(db), m->account) != 0;
	cc.victim = victim >= 0 ? &m->fn[victim] : NULL;
	cc.named = 0;
	o->check_rc = fcdb_check(db, on_problem, &cc, &o->problems);
	o->check_named_victim = cc.named;
	fcdb_close(db);
	o->done = 1;
}

/*
 * Where a child dies.  LMDB trusts its pages, so damage to its own
 * structures can make it fault where fcdb cannot intervene; a fault in
 * fcdb (or anything but LMDB) is fcdb's to fix.  The child reports the
 * faulting instruction's place through the result pipe from its signal
 * handler; the parent probes a hung child with SIGUSR1 the same way.
 */
struct text_range {
	uintptr_t lo, hi, base;
};
struct text {
	struct text_range r[4];
	int n;
};
static struct text lmdb_text, fcdb_text;
static int fault_fd = -1;

static int find_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct text *t;
	int i;

	(void)size;
	(void)ctx;
	if (info->dlpi_name && strstr(info->dlpi_name, "liblmdb"))
		t = &lmdb_text;
	else if (info->dlpi_name && strstr(info->dlpi_name, "libfcdb"))
		t = &fcdb_text;
	else
		return 0;
	for (i = 0; i < info->dlpi_phnum && t->n < 4; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		t->r[t->n].lo = info->dlpi_addr + ph->p_vaddr;
		t->r[t->n].hi = t->r[t->n].lo + ph->p_memsz;
		t->r[t->n].base = info->dlpi_addr;
		t->n++;
	}
	return 0;
}

/* The range of t holding pc, or NULL. */
static const struct text_range *in_text(const struct text *t, uintptr_t pc)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (pc >= t->r[i].lo && pc < t->r[i].hi)
			return &t->r[i];
	return NULL;
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	struct outcome o;
	uintptr_t pc = 0;

	(void)uc;
#if defined(__x86_64__)
	pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = (uintptr_t)uc->uc_mcontext.pc;
#endif
	memset(&o, 0, sizeof(o));
	o.fault_sig = sig;
	o.fault_pc = pc;
	o.fault_addr = (uintptr_t)si->si_addr;
	if (sig == SIGABRT) {
		/* an assertion: blame LMDB when its code called abort() before
		   any of fcdb's did (the frames above are the handler's and
		   the C library's) */
		void *frames[32];
		int n = backtrace(frames, 32), i;

		for (i = 1; i < n; i++) {
			uintptr_t f = (uintptr_t)frames[i];

			if (in_text(&lmdb_text, f) || in_text(&fcdb_text, f)) {
				pc = f;
				break;
			}
		}
		o.fault_pc = pc;
	}
	if (in_text(&lmdb_text, pc)) {
		o.fault_in_lmdb = 1;
		o.fault_pc = pc - in_text(&lmdb_text, pc)->base;
	}
	if (write(fault_fd, &o, sizeof(o)) < 0)
		_exit(5);
	_exit(4);
}

static void child_catch_faults(int fd)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
	                            SIGUSR1 };
	static char altstack[64 * 1024];
	stack_t ss;
	struct sigaction sa;
	void *prime[2];
	size_t i;

	backtrace(prime, 2); /* load the unwinder now, not in the handler */
	fault_fd = fd;
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Wait for a reading child: 0 when it ended, 1 when it hung (it was
   probed with SIGUSR1, then killed). */
static int wait_reader(pid_t pid, int *status, uint64_t ms)
{
	if (!st_wait_nokill(pid, status, ms))
		return 0;
	kill(pid, SIGUSR1);
	if (st_wait(pid, status, 5000))
		return 1;
	return 1;
}

/* ---- the sweep ---- */

enum verdict { V_CRASH, V_HANG, V_LMDB_CRASH, V_LMDB_HANG, V_WRONG,
               V_META_WRONG, V_REFUSED, V_DETECTED, V_CLEAN_ERROR, V_LOST,
               V_NO_EFFECT, V_COUNT };
static const char *const verdict_label[V_COUNT] = {
	"crash", "hang", "crash in LMDB", "hang in LMDB", "wrong data",
	"wrong store meta", "open refused", "StoreCorrupted",
	"other clean error", "lost, check clean", "no effect"
};

enum sweep { S_RECORD, S_INDEX_VALUE, S_KEY, S_UNIFORM, S_STRUCTURE,
             S_COUNT };
static const char *const sweep_label[S_COUNT] = {
	"record values", "index values", "keys", "uniform offsets",
	"LMDB structures"
};

struct sweep_state {
	tu_sandbox sb;
	char copy[320];
	struct manifest m;
	au_bytes pristine;
	struct filemap fm;
	uint8_t *buf;
	uint64_t rng;
	/* offsets of each class, for drawing */
	size_t *by_class[NCLASS];
	size_t n_class[NCLASS];
	uint64_t verdicts[S_COUNT][V_COUNT];
	uint64_t class_verdicts[NCLASS][V_COUNT];
	uint64_t copies, failures;
	char first_failures[8][400];
	char keep_dir[300];   /* copies that crashed or hung, kept */
	uint64_t lmdb_faults; /* faults inside LMDB on damage to its pages */
	uint64_t cli_survived; /* of those, fcdb check (CLI) reported them */
	/* get, list, export and stats (CLI) on those copies: how each ended */
	uint64_t cli_runs;
	uint64_t cli_fault_reported; /* StoreCorrupted: LMDB faulted */
	uint64_t cli_corrupt;        /* StoreCorrupted found by fcdb */
	uint64_t cli_clean;          /* status 0: the damage not reached */
	uint64_t cli_notfound;       /* status 4: a damaged index lost it */
	char cli_first_fault[600];   /* the first read LMDB faulted in */
	uint64_t cli_heap;           /* LMDB overran its own buffer */
	char cli_heap_list[4][600];
	char lmdb_fault_list[8][400];
	uint64_t notes;       /* wrong or lost on damage to LMDB's pages */
	char note_list[8][400];
};

static void index_classes(struct sweep_state *s)
{
	size_t i, c;

	for (i = 0; i < s->fm.len; i++)
		s->n_class[s->fm.cls[i]]++;
	for (c = 0; c < NCLASS; c++) {
		s->by_class[c] = malloc((s->n_class[c] + 1) * sizeof(size_t));
		assert_non_null(s->by_class[c]);
		s->n_class[c] = 0;
	}
	for (i = 0; i < s->fm.len; i++)
		s->by_class[s->fm.cls[i]][s->n_class[s->fm.cls[i]]++] = i;
}

static size_t draw_in(struct sweep_state *s, uint8_t c)
{
	return s->by_class[c][tu_rand(&s->rng) % s->n_class[c]];
}

static void failure(struct sweep_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void failure(struct sweep_state *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failures < 8) {
		va_start(ap, fmt);
		vsnprintf(s->first_failures[s->failures],
		          sizeof(s->first_failures[0]), fmt, ap);
		va_end(ap);
	}
	s->failures++;
}

/* Is class c LMDB's own structure (not a key or value fcdb stored)? */
static int lmdb_structure(uint8_t c)
{
	int db = CLASS_DB(c), kind = CLASS_KIND(c);

	return !(db >= D_FUNCTIONS && db <= D_META &&
	         (kind == K_KEY || kind == K_VALUE));
}

/*
 * Run the fcdb command ($FCDB, which may carry leading arguments) on the
 * store `path` with `args` (NULL-terminated), standard output discarded,
 * up to cap-1 bytes of standard error in err.  Returns the exit status,
 * 128 + the signal for a crash, or -1 for a run past 60 s.
 */
static int cli_stderr(const char *path, const char *const *args, char *err,
                      size_t cap)
{
	char *words[64], cmd[1024];
	int fds[2], status, n = 0, i;
	size_t got = 0;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "%s", getenv("FCDB"));
	for (char *w = strtok(cmd, " "); w && n < 32; w = strtok(NULL, " "))
		words[n++] = w;
	words[n++] = (char *)"--db";
	words[n++] = (char *)path;
	for (i = 0; args[i] && n < 63; i++)
		words[n++] = (char *)args[i];
	words[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execvp(words[0], words);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r = read(fds[0], err + got, cap - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got + 1 >= cap) { /* keep draining: the child must not block */
			char sink[4096];

			while (read(fds[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	err[got] = '\0';
	close(fds[0]);
	if (st_wait(pid, &status, 60000))
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/*
 * Did LMDB run past a buffer it allocated itself?  Writing through a
 * damaged page into a dirty page (delete), or compacting one into its
 * copy buffer (backup), it can: glibc's heap check then aborts later, in
 * whatever code calls malloc next, so the command cannot tell it from a
 * bug of its own (valgrind shows mdb_cursor_del's memmove); under ASan
 * the report names liblmdb's code as the writer.  A known limit of
 * LMDB's, counted and listed, not a failure.
 */
static int lmdb_overran(int st, const char *err)
{
	const char *w, *e;

	if (st == 128 + SIGABRT)
		return strstr(err, "malloc") || strstr(err, "free(") ||
		       strstr(err, "corrupted");
	if (st == 1 && strstr(err, "AddressSanitizer: heap-buffer-overflow") &&
	    (w = strstr(err, "\n    #1 ")) && (e = strchr(w + 1, '\n')))
		return memmem(w, (size_t)(e - w), "liblmdb", 7) != NULL;
	return 0;
}

/* Is a file of a failed export -o or backup left in dir? */
static int cli_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		found |= strncmp(e->d_name, "cli-", 4) == 0;
	closedir(d);
	return found;
}

/*
 * A copy that makes LMDB fault: the fcdb command's reads must end as
 * documented, never with a signal.  Its fault handler turns LMDB's fault
 * into `fcdb: StoreCorrupted:` and status 1; a command that does not
 * reach the damaged page may succeed (0) or, through a damaged index,
 * not find the function (4).  The function read is one stored on the
 * damaged page when there is one.  A failed export -o or backup must
 * leave no file behind (the handler removes the half-written one).
 */
static void cli_reads(struct sweep_state *s, const char *path, size_t at,
                      const char *what)
{
	size_t page = at - at % s->fm.psize, i;
	const struct fnrec *f = NULL;
	char err[2048], exported[340], backup[340], scratch[340], lock[350];
	int k, st;

	snprintf(scratch, sizeof(scratch), "%s/write.fcdb", s->sb.dir);
	snprintf(lock, sizeof(lock), "%s-lock", scratch);
	snprintf(exported, sizeof(exported), "%s/cli-export.ndjson", s->sb.dir);
	snprintf(backup, sizeof(backup), "%s/cli-backup.fcdb", s->sb.dir);
	for (i = page; i < page + s->fm.psize && i < s->fm.len && !f; i++)
		if (s->fm.owner[i] >= 0)
			f = &s->m.fn[s->fm.owner[i]];
	if (!f)
		f = &s->m.fn[(at / s->fm.psize) % (size_t)s->m.n];
	{
		const char *const runs[][4] = {
			{ "get", f->name, NULL, NULL },
			{ "get", "--arn", f->arn, NULL },
			{ "get", "--id", f->id, NULL },
			{ "list", "--limit", "100", NULL },
			{ "export", NULL, NULL, NULL },
			{ "export", "-o", exported, NULL },
			{ "stats", NULL, NULL, NULL },
			{ "backup", backup, NULL, NULL },
			{ "delete", f->name, NULL, NULL }, /* on a scratch copy */
		};

		for (k = 0; k < (int)(sizeof(runs) / sizeof(runs[0])); k++) {
			const char *last = err, *nl;
			int write = strcmp(runs[k][0], "delete") == 0, overran;

			if (write) { /* the copy itself stays as it was found */
				tu_write(scratch, s->buf, s->pristine.len);
				unlink(lock);
			}
			st = cli_stderr(write ? scratch : path, runs[k], err,
			                sizeof(err));
			if (write) {
				unlink(scratch);
				unlink(lock);
			}
			s->cli_runs++;
			overran = (write || strcmp(runs[k][0], "backup") == 0) &&
			          lmdb_overran(st, err);
			if (st != 0 && !overran && cli_leftovers(s->sb.dir))
				failure(s, "fcdb %s failed (status %d) and left "
				        "a file behind: %s", runs[k][0], st, what);
			unlink(exported);
			unlink(backup);
			/* LMDB's assertion prints its own line before ours */
			while ((nl = strchr(last, '\n')) && nl[1])
				last = nl + 1;
			if (st == 1 &&
			    strncmp(last, "fcdb: StoreCorrupted: ", 22) == 0) {
				if (!strstr(last, "LMDB faulted"))
					s->cli_corrupt++;
				else if (!s->cli_fault_reported++)
					snprintf(s->cli_first_fault,
					         sizeof(s->cli_first_fault),
					         "fcdb %s%s%s: %s", runs[k][0],
					         runs[k][1] ? " " : "",
					         runs[k][1] ? runs[k][1] : "", what);
			} else if (st == 0 && !err[0]) {
				s->cli_clean++;
			} else if (st == 4 && strncmp(err, "fcdb: "
			                              "FunctionNotFound: ",
			                              24) == 0) {
				s->cli_notfound++;
			} else if (overran) {
				const char *line = strstr(err, "ERROR: ");

				line = line ? line : err;
				if (s->cli_heap < 4)
					snprintf(s->cli_heap_list[s->cli_heap],
					         sizeof(s->cli_heap_list[0]),
					         "fcdb %s: \"%.*s\": %s", runs[k][0],
					         (int)strcspn(line, "\n"), line, what);
				s->cli_heap++;
			} else {
				failure(s, "fcdb %s%s%s on a copy that crashes LMDB "
				        "ended with %s%d, stderr \"%.200s\": %s",
				        runs[k][0], runs[k][1] ? " " : "",
				        runs[k][1] ? runs[k][1] : "",
				        st >= 128 ? "signal " : "status ",
				        st >= 128 ? st - 128 : st, err, what);
			}
		}
	}
}

/* Damage a copy at `at` (xor `x`), read it in a child, judge it. */
static void try_copy(struct sweep_state *s, int sweep, size_t at, uint8_t x)
{
	uint8_t c = s->fm.cls[at];
	int victim = s->fm.owner[at], status = 0, p, i, v, hung, got;
	struct outcome o;
	int fds[2];
	char lock[340];
	pid_t pid;

	memcpy(s->buf, s->pristine.data, s->pristine.len);
	s->buf[at] ^= x;
	tu_write(s->copy, s->buf, s->pristine.len);
	snprintf(lock, sizeof(lock), "%s-lock", s->copy);
	unlink(lock);
	if (sweep > S_KEY)
		victim = -1; /* random damage: no victim is predicted */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_catch_faults(fds[1]);
		read_everything(s->copy, &s->m, victim, &o);
		_exit(write(fds[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 3);
	}
	close(fds[1]);
	memset(&o, 0, sizeof(o));
	hung = wait_reader(pid, &status, 20000);
	got = read(fds[0], &o, sizeof(o)) == (ssize_t)sizeof(o);
	close(fds[0]);
	if (hung || !got || o.fault_sig || !o.done) {
		int in_lmdb = got && o.fault_sig && o.fault_in_lmdb;

		if (hung)
			v = in_lmdb ? V_LMDB_HANG : V_HANG;
		else
			v = in_lmdb ? V_LMDB_CRASH : V_CRASH;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		v = V_CRASH;
	} else {
		unsigned wrong = o.others[R_WRONG] + o.walks[R_WRONG];
		unsigned corrupt = o.others[R_CORRUPT] + o.walks[R_CORRUPT];
		unsigned lost = o.others[R_NOTFOUND] + o.others[R_OTHER] +
		                o.walks[R_NOTFOUND] + o.walks[R_OTHER];

		for (p = 0; p < P_COUNT && victim >= 0; p++) {
			wrong += o.victim[p] == R_WRONG;
			corrupt += o.victim[p] == R_CORRUPT;
			lost += o.victim[p] == R_NOTFOUND ||
			        o.victim[p] == R_OTHER;
		}
		if (o.open_rc)
			v = V_REFUSED;
		else if (wrong)
			v = V_WRONG;
		else if (corrupt || o.check_rc == FCDB_ECORRUPT)
			v = V_DETECTED;
		else if (o.meta_wrong)
			v = V_META_WRONG;
		else if (o.others[R_OTHER] + o.walks[R_OTHER] || o.check_rc)
			v = V_CLEAN_ERROR;
		else if (lost)
			v = V_LOST;
		else
			v = V_NO_EFFECT;
	}
	s->copies++;
	s->verdicts[sweep][v]++;
	s->class_verdicts[c][v]++;

	if (v <= V_LMDB_HANG) {
		/* LMDB trusts its own pages: a fault inside it on damage to
		   them is its known limit, counted and listed; anything else
		   that faults or hangs is a failure, kept for gdb */
		int tolerated = (v == V_LMDB_CRASH || v == V_LMDB_HANG) &&
		                lmdb_structure(c);
		char keep[360] = "", what[400];

		if (!tolerated || getenv("FCDB_STRESS_KEEP")) {
			if (!s->keep_dir[0]) {
				const char *tmp = getenv("TMPDIR");

				snprintf(s->keep_dir, sizeof(s->keep_dir),
				         "%s/fcdb-corrupt-XXXXXX",
				         tmp && *tmp ? tmp : "/tmp");
				if (!mkdtemp(s->keep_dir))
					s->keep_dir[0] = '\0';
			}
			snprintf(keep, sizeof(keep), "%s/copy-%llu.fcdb",
			         s->keep_dir, (unsigned long long)s->copies);
			if (!s->keep_dir[0] || rename(s->copy, keep) != 0)
				keep[0] = '\0';
		}
		snprintf(what, sizeof(what), "%s (%s) at offset %zu (page %zu "
		         "+%zu: %s %s) xor 0x%02x: %s at pc %s+%#lx, address "
		         "%#lx%s%s", verdict_label[v], sweep_label[sweep], at,
		         at / s->fm.psize, at % s->fm.psize,
		         db_label[CLASS_DB(c)], kind_label[CLASS_KIND(c)], x,
		         got && o.fault_sig ? strsignal(o.fault_sig)
		                            : st_status_text(status),
		         o.fault_in_lmdb ? "liblmdb" : "",
		         (unsigned long)o.fault_pc, (unsigned long)o.fault_addr,
		         keep[0] ? "; kept as " : "", keep);
		if (tolerated && v == V_LMDB_CRASH && getenv("FCDB")) {
			/* the fcdb command's check walks in a child process:
			   it must survive this copy and call it damaged */
			char cmd[1200];
			int st;

			snprintf(cmd, sizeof(cmd), "timeout 120 %s --db '%s' check "
			         ">/dev/null 2>&1", getenv("FCDB"),
			         keep[0] ? keep : s->copy);
			st = system(cmd);
			if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1)
				s->cli_survived++;
			else
				failure(s, "fcdb check on a copy that crashes LMDB "
				        "ended with status %#x, not 1: %s", st, what);
			cli_reads(s, keep[0] ? keep : s->copy, at, what);
		}
		if (tolerated) {
			if (s->lmdb_faults < 8)
				snprintf(s->lmdb_fault_list[s->lmdb_faults],
				         sizeof(s->lmdb_fault_list[0]), "%s", what);
			s->lmdb_faults++;
		} else {
			failure(s, "%s", what);
		}
		return;
	}
	/* wrong data or a silent loss: fcdb's to catch when the damage is
	   in what it stored; listed when it is in LMDB's own pages */
	if (v == V_WRONG || v == V_META_WRONG || v == V_LOST) {
		char what[400];

		snprintf(what, sizeof(what), "%s (%s) at offset %zu (page %zu "
		         "+%zu: %s %s) xor 0x%02x: other reads %u intact, %u "
		         "corrupt, %u not found, %u failed, %u wrong; walks %u/"
		         "%u/%u/%u/%u; check %s", verdict_label[v],
		         sweep_label[sweep], at, at / s->fm.psize,
		         at % s->fm.psize, db_label[CLASS_DB(c)],
		         kind_label[CLASS_KIND(c)], x, o.others[R_INTACT],
		         o.others[R_CORRUPT], o.others[R_NOTFOUND],
		         o.others[R_OTHER], o.others[R_WRONG], o.walks[0],
		         o.walks[1], o.walks[2], o.walks[3], o.walks[4],
		         fcdb_error_name(o.check_rc));
		if (!lmdb_structure(c) && CLASS_DB(c) != D_META) {
			failure(s, "%s", what);
		} else {
			if (s->notes < 8)
				snprintf(s->note_list[s->notes],
				         sizeof(s->note_list[0]), "%s", what);
			s->notes++;
		}
	}
	/* what the library promises for damage it can see */
	if (sweep == S_RECORD || sweep == S_INDEX_VALUE) {
		int want_get = sweep == S_RECORD ? R_CORRUPT : R_INTACT;
		int bad = v != V_DETECTED || !o.check_named_victim ||
		          o.others[R_INTACT] != (unsigned)(s->m.n - 1) * P_COUNT;

		for (p = 0; p < P_COUNT; p++) {
			int want = (p == P_ARN && CLASS_DB(c) == D_BY_ARN) ||
			           (p == P_ID && CLASS_DB(c) == D_BY_ID)
			           ? R_CORRUPT : want_get;

			bad |= o.victim[p] != want;
		}
		if (bad) {
			char ways[64];

			for (p = 0, i = 0; p < P_COUNT; p++)
				i += snprintf(ways + i, sizeof(ways) - (size_t)i,
				              "%d", o.victim[p]);
			failure(s, "%s: offset %zu (%s %s of %s) xor 0x%02x: %s; "
			        "the function's reads %s (0 intact, 1 corrupt, 2 "
			        "not found, 3 other, 4 wrong), check %s %s it, "
			        "%u of %d other reads intact",
			        sweep_label[sweep], at, db_label[CLASS_DB(c)],
			        kind_label[CLASS_KIND(c)], s->m.fn[victim].name, x,
			        verdict_label[v], ways,
			        fcdb_error_name(o.check_rc),
			        o.check_named_victim ? "names" : "does not name",
			        o.others[R_INTACT], (s->m.n - 1) * P_COUNT);
		}
	}
	if (sweep == S_KEY && v != V_DETECTED && v != V_REFUSED)
		failure(s, "key damage at offset %zu (%s key of %s) xor 0x%02x: "
		        "%s", at, db_label[CLASS_DB(c)],
		        victim >= 0 ? s->m.fn[victim].name : "?", x,
		        verdict_label[v]);
}

static uint8_t flip(struct sweep_state *s)
{
	return (uint8_t)(1 + tu_rand(&s->rng) % 255);
}

/* The pristine store, its map, and where liblmdb's code is. */
static void sweep_setup(struct sweep_state *s)
{
	fcdb_stats st;
	fcdb *db = NULL;

	memset(s, 0, sizeof(*s));
	tu_sandbox_new(&s->sb);
	snprintf(s->copy, sizeof(s->copy), "%s/copy.fcdb", s->sb.dir);
	build_store(s->sb.store, &s->m);
	au_ok(st_open(&db, s->sb.store, FCDB_OPEN_READONLY, 0, 0));
	au_ok(fcdb_stats_get(db, &st));
	fcdb_close(db);
	s->pristine = au_read(s->sb.store);
	s->buf = malloc(s->pristine.len);
	assert_non_null(s->buf);
	map_file(&s->fm, &s->m, (const uint8_t *)s->pristine.data,
	         s->pristine.len, (size_t)st.page_size);
	index_classes(s);
	memset(&lmdb_text, 0, sizeof(lmdb_text));
	memset(&fcdb_text, 0, sizeof(fcdb_text));
	dl_iterate_phdr(find_text, NULL);
	assert_true(lmdb_text.n > 0 && fcdb_text.n > 0);
}

static void sweep_free(struct sweep_state *s)
{
	size_t c;
	int k;

	for (c = 0; c < NCLASS; c++)
		free(s->by_class[c]);
	for (k = 0; k < s->m.n; k++)
		fcdb_json_free(s->m.fn[k].json);
	free(s->fm.cls);
	free(s->fm.owner);
	free(s->buf);
	au_bytes_free(&s->pristine);
	tu_sandbox_free(&s->sb);
}

static void test_corruption_sweep(void **state)
{
	static struct sweep_state s;
	uint64_t per = st_full() ? 2000 : 100, t0 = st_now_ms(), k;
	static const uint8_t records[] = { CLASS(D_FUNCTIONS, K_VALUE) };
	static const uint8_t index_values[] = { CLASS(D_BY_ARN, K_VALUE),
	                                        CLASS(D_BY_ID, K_VALUE) };
	static const uint8_t keys[] = { CLASS(D_FUNCTIONS, K_KEY),
	                                CLASS(D_BY_ARN, K_KEY),
	                                CLASS(D_BY_ID, K_KEY) };
	uint8_t present[NCLASS];
	size_t npresent = 0, c;
	int sw, v;

	(void)state;
	sweep_setup(&s);
	s.rng = tu_seed() ^ 0xf11bull;
	for (c = 0; c < NCLASS; c++)
		if (s.n_class[c])
			present[npresent++] = (uint8_t)c;
	/* every record and index value byte is owned by a function */
	for (k = 0; k < s.pristine.len; k++) {
		uint8_t cl = s.fm.cls[k];

		if ((cl == records[0] || cl == index_values[0] ||
		     cl == index_values[1]) && s.fm.owner[k] < 0)
			fail_msg("byte %llu (%s %s) has no function",
			         (unsigned long long)k, db_label[CLASS_DB(cl)],
			         kind_label[CLASS_KIND(cl)]);
	}
	print_message("corruption: a store of %d functions, %zu bytes in %zu "
	              "pages; %zu record value bytes, %zu index value bytes, "
	              "%zu free-page bytes\n", s.m.n, s.pristine.len,
	              s.pristine.len / s.fm.psize, s.n_class[records[0]],
	              s.n_class[index_values[0]] + s.n_class[index_values[1]],
	              s.n_class[CLASS(D_NONE, K_FREE_PAGE)]);

	for (k = 0; k < per; k++) {
		try_copy(&s, S_RECORD, draw_in(&s, records[0]), flip(&s));
		/* by_arn values are empty: draw from the classes that
		   have bytes */
		try_copy(&s, S_INDEX_VALUE,
		         draw_in(&s, s.n_class[index_values[k % 2]]
		                     ? index_values[k % 2]
		                     : index_values[1 - k % 2]), flip(&s));
		try_copy(&s, S_KEY, draw_in(&s, keys[k % 3]), flip(&s));
		try_copy(&s, S_UNIFORM,
		         (size_t)(tu_rand(&s.rng) % s.pristine.len), flip(&s));
		try_copy(&s, S_STRUCTURE,
		         draw_in(&s, present[tu_rand(&s.rng) % npresent]),
		         flip(&s));
	}

	print_message("corruption: %llu damaged copies in %.1f s; outcomes:\n",
	              (unsigned long long)s.copies,
	              (double)(st_now_ms() - t0) / 1000.0);
	for (sw = 0; sw < S_COUNT; sw++) {
		char line[512];
		int n = 0;

		for (v = 0; v < V_COUNT; v++)
			if (s.verdicts[sw][v])
				n += snprintf(line + n, sizeof(line) - (size_t)n,
				              "%s%s %llu", n ? ", " : "",
				              verdict_label[v],
				              (unsigned long long)s.verdicts[sw][v]);
		print_message("  %-16s %s\n", sweep_label[sw], line);
	}
	print_message("corruption: by structure (crash/hang/crash in LMDB/"
	              "hang in LMDB/wrong/wrong meta/refused/StoreCorrupted/"
	              "other error/lost/no effect):\n");
	for (c = 0; c < NCLASS; c++) {
		char line[256];
		uint64_t tot = 0;
		int n = 0;

		for (v = 0; v < V_COUNT; v++) {
			tot += s.class_verdicts[c][v];
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%llu",
			              v ? "/" : "",
			              (unsigned long long)s.class_verdicts[c][v]);
		}
		if (tot)
			print_message("  %-10s %-18s %6llu: %s\n",
			              db_label[CLASS_DB(c)],
			              kind_label[CLASS_KIND(c)],
			              (unsigned long long)tot, line);
	}
	if (s.lmdb_faults) {
		print_message("corruption: %llu copies made LMDB itself fault on "
		              "damage to its own pages (it does not checksum "
		              "them); the first:\n",
		              (unsigned long long)s.lmdb_faults);
		print_message("corruption: the fcdb command's check survived "
		              "%llu of them and reported the store damaged\n",
		              (unsigned long long)s.cli_survived);
		print_message("corruption: its get (by name, ARN and id), list, "
		              "export, export -o, stats, backup and delete on "
		              "them: %llu runs; %llu "
		              "StoreCorrupted from LMDB's fault, %llu "
		              "StoreCorrupted found by fcdb, %llu clean (the "
		              "damaged page not reached), %llu FunctionNotFound, "
		              "%llu ended by LMDB overrunning its own buffer "
		              "(delete, backup), %llu otherwise (failures)\n",
		              (unsigned long long)s.cli_runs,
		              (unsigned long long)s.cli_fault_reported,
		              (unsigned long long)s.cli_corrupt,
		              (unsigned long long)s.cli_clean,
		              (unsigned long long)s.cli_notfound,
		              (unsigned long long)s.cli_heap,
		              (unsigned long long)(s.cli_runs -
		                                   s.cli_fault_reported -
		                                   s.cli_corrupt - s.cli_clean -
		                                   s.cli_notfound - s.cli_heap));
		if (s.cli_heap)
			print_message("corruption: a delete or backup on a copy "
			              "that makes LMDB fault can corrupt the heap "
			              "instead: LMDB writes through the damaged page "
			              "past a buffer it allocated, and glibc's heap "
			              "check (or ASan) ends the command later; the "
			              "first:\n");
		for (k = 0; k < s.cli_heap && k < 4; k++)
			print_message("  %s\n", s.cli_heap_list[k]);
	}
	for (k = 0; k < s.lmdb_faults && k < 8; k++)
		print_message("  %s\n", s.lmdb_fault_list[k]);
	if (s.notes)
		print_message("corruption: %llu copies read wrong or lost data "
		              "without StoreCorrupted after damage to LMDB's own "
		              "pages or to the store meta (no checksum); the "
		              "first:\n", (unsigned long long)s.notes);
	for (k = 0; k < s.notes && k < 8; k++)
		print_message("  %s\n", s.note_list[k]);
	for (k = 0; k < s.failures && k < 8; k++)
		print_message("FAILURE: %s\n", s.first_failures[k]);
	if (s.keep_dir[0])
		print_message("corruption: the copies that crashed or hung are "
		              "kept in %s\n", s.keep_dir);
	if (s.failures)
		fail_msg("%llu of %llu damaged copies broke a promise (the "
		         "first are listed above)", (unsigned long long)s.failures,
		         (unsigned long long)s.copies);
	sweep_free(&s);
}

/*
 * make test's own case of a fault inside LMDB, found the same way every
 * run: the store is the same byte for byte for a seed, and the damage is
 * drawn with a fixed one, one byte of LMDB's structures a copy, until a
 * copy makes LMDB fault inside one of the fcdb command's reads.  That
 * read, and every other one on every copy that made LMDB fault, must
 * have ended as cli_reads requires: StoreCorrupted and status 1 where
 * LMDB faulted, never a signal.
 */
static void test_cli_on_lmdb_fault(void **state)
{
	static struct sweep_state s;
	uint8_t structure[NCLASS];
	size_t n = 0, c;
	uint64_t k;

	(void)state;
	if (!getenv("FCDB") || !*getenv("FCDB")) {
		print_message("corruption: skipped test_cli_on_lmdb_fault: FCDB "
		              "does not name the fcdb command (make test sets "
		              "it)\n");
		skip();
	}
	sweep_setup(&s);
	s.rng = 0x1fdb5eedull;
	/* LMDB's structures in live pages: free pages and the older meta
	   page are never read */
	for (c = 0; c < NCLASS; c++)
		if (s.n_class[c] && lmdb_structure((uint8_t)c) &&
		    CLASS_DB(c) != D_NONE)
			structure[n++] = (uint8_t)c;
	assert_true(n > 0);
	for (k = 0; k < 4000 && !s.cli_fault_reported && !s.failures; k++)
		try_copy(&s, S_STRUCTURE,
		         draw_in(&s, structure[tu_rand(&s.rng) % n]), flip(&s));
	print_message("corruption: %llu copies damaged in LMDB's structures, "
	              "%llu made LMDB fault; the fcdb command's reads on them: "
	              "%llu StoreCorrupted from LMDB's fault, %llu "
	              "StoreCorrupted found by fcdb, %llu clean, %llu "
	              "FunctionNotFound\n", (unsigned long long)s.copies,
	              (unsigned long long)s.lmdb_faults,
	              (unsigned long long)s.cli_fault_reported,
	              (unsigned long long)s.cli_corrupt,
	              (unsigned long long)s.cli_clean,
	              (unsigned long long)s.cli_notfound);
	if (s.cli_first_fault[0])
		print_message("corruption: the first: %s\n", s.cli_first_fault);
	for (k = 0; k < s.failures && k < 8; k++)
		print_message("FAILURE: %s\n", s.first_failures[k]);
	if (s.failures)
		fail_msg("the fcdb command did not survive a copy that makes "
		         "LMDB fault (listed above)");
	if (!s.cli_fault_reported)
		fail_msg("no copy of %llu made LMDB fault inside the fcdb "
		         "command", (unsigned long long)s.copies);
	sweep_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corruption_sweep),
		cmocka_unit_test(test_cli_on_lmdb_fault),
	};

	st_banner("corruption");
	return cmocka_run_group_tests_name("stress_corruption", tests, NULL,
	                                   au_sweep);
}
