/*
 * bench.c: the fcdb benchmark harness.  Measures fcdb against sqlite,
 * lmdb-json and lmdb-raw (system.h) on one seeded corpus (corpus.h) and
 * prints a markdown report; writes the rows to a JSON file.
 *
 *   bench [N [SEED]] [--only w1,w2] [--systems s1,s2] [--secs S]
 *         [--durable-ops K] [--quick] [--no-1m] [--json PATH] [--keep]
 *
 * Everything it builds lives in one temporary directory under $TMPDIR,
 * removed at the end (--keep leaves it).  README.md beside this file says
 * what each workload does.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "fcdb.h"
#include "rss.h"
#include "system.h"

#define PASS_MAX 200000u       /* keys per read pass */
#define ROUNDS_MAX 9
#define LAT_SAMPLES 200000u    /* timed gets per latency point */
#define CRC_BYTES (256u << 20)

/* ---- workloads and systems ---- */

enum {
	W_CREATE, W_IMPORT, W_GET, W_ARN, W_JSON, W_STATE, W_LIST, W_SET,
	W_EXPORT, W_BYTES, W_CRC, W_LAT, W_THREADS, W_RSS, W_COUNT
};

static const char *const wl_names[W_COUNT] = {
	"create_durable", "import_ndjson", "get_by_name", "get_by_arn",
	"get_json", "read_state", "list_page", "set_state_durable",
	"export_ndjson", "bytes_per_record", "crc64", "get_latency",
	"read_threads", "import_peak_rss"
};

#define NSYS 4
static const bench_system *const systems[NSYS] = {
	&sys_fcdb, &sys_sqlite, &sys_lmdb_json, &sys_lmdb_raw
};
enum { S_FCDB, S_SQLITE, S_LMDB_JSON, S_LMDB_RAW };

static struct {
	uint64_t n, seed;
	double secs;      /* seconds of one round of a read measurement */
	int rounds;       /* rounds per read measurement, systems interleaved */
	unsigned durable_ops;
	int quick, no_1m, keep;
	unsigned wl_mask, sys_mask;
	const char *json_path;
	uint64_t crc_bytes;
} opt;

static int want(int w)
{
	return (opt.wl_mask >> w) & 1u;
}

static int sys_on(int s)
{
	return (opt.sys_mask >> s) & 1u;
}

/* ---- small helpers ---- */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "# ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* splitmix64, for the shuffles */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- what the systems share (system.h) ---- */

int bench_state_num(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "Active"))
		return 2;
	if (!strcmp(s, "Pending"))
		return 1;
	if (!strcmp(s, "Inactive"))
		return 3;
	if (!strcmp(s, "Failed"))
		return 4;
	return 0;
}

int bench_status_num(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "Successful"))
		return 2;
	if (!strcmp(s, "InProgress"))
		return 1;
	if (!strcmp(s, "Failed"))
		return 3;
	return 0;
}

const char *bench_state_name(int state)
{
	static const char *const names[] = { NULL, "Pending", "Active",
	                                     "Inactive", "Failed" };

	return state >= 1 && state <= 4 ? names[state] : NULL;
}

void bench_now(char *out)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int bench_ndjson_each(const bench_input *in,
                      int (*fn)(void *ctx, char *line, size_t len),
                      void *ctx, uint64_t *records)
{
	static char iobuf[1 << 16];
	FILE *f = fopen(in->path, "rb");
	uint64_t left = in->bytes, count = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int rc = 0;

	*records = 0;
	if (!f) {
		perror(in->path);
		return -1;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (left && (got = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)got;

		left = (uint64_t)got >= left ? 0 : left - (uint64_t)got;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		rc = fn(ctx, line, len);
		if (rc)
			break;
		count++;
		if (in->progress && count % 1000 == 0)
			in->progress(in->progress_ctx, count);
	}
	free(line);
	fclose(f);
	*records = count;
	return rc;
}

/* ---- results ---- */

typedef struct row {
	char workload[48];
	char system[16];
	double value;
	char unit[16];
	int has_ck;
	uint64_t ck;
} row;

static row *rows;
static size_t nrows, caprows;

static void add_row(const char *workload, const char *system, double value,
                    const char *unit, const uint64_t *ck)
{
	row *r;

	if (nrows == caprows) {
		caprows = caprows ? caprows * 2 : 64;
		rows = realloc(rows, caprows * sizeof(*rows));
		if (!rows)
			die("out of memory");
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	snprintf(r->system, sizeof(r->system), "%s", system);
	r->value = value;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	if (ck) {
		r->has_ck = 1;
		r->ck = *ck;
	}
}

static const row *find_row(const char *workload, const char *system)
{
	for (size_t i = 0; i < nrows; i++)
		if (!strcmp(rows[i].workload, workload) &&
		    !strcmp(rows[i].system, system))
			return &rows[i];
	return NULL;
}

/* ---- the temporary directory and the corpus ---- */

static char tmpdir[PATH_MAX];
static char corpus_path[PATH_MAX + 32];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (!tmpdir[0])
		return;
	if (opt.keep) {
		fprintf(stderr, "# kept %s\n", tmpdir);
		return;
	}
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

static void path_in_tmp(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

/* Remove a store and its side files. */
static void store_remove(const char *path)
{
	static const char *const sfx[] = { "", "-lock", "-wal", "-shm",
	                                   "-journal" };
	char p[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/* Byte offsets of the corpus file after `count` records, for the counts
   the run needs (prefixes of one file make every smaller data set). */
#define MARKS_MAX 16
static struct {
	uint64_t count, bytes;
} marks[MARKS_MAX];
static int nmarks;

static void mark_want(uint64_t count)
{
	for (int i = 0; i < nmarks; i++)
		if (marks[i].count == count)
			return;
	if (nmarks == MARKS_MAX)
		die("too many data set sizes");
	marks[nmarks].count = count;
	marks[nmarks++].bytes = 0;
}

static uint64_t bytes_at(uint64_t count)
{
	for (int i = 0; i < nmarks; i++)
		if (marks[i].count == count)
			return marks[i].bytes;
	die("no data set of %llu records", (unsigned long long)count);
	return 0;
}

static bench_input input_of(uint64_t count)
{
	bench_input in;

	memset(&in, 0, sizeof(in));
	in.path = corpus_path;
	in.bytes = bytes_at(count);
	return in;
}

static void write_corpus(void)
{
	static char iobuf[1 << 16];
	uint64_t total = 0, bytes = 0;
	corpus_buf b = { 0 };
	double t0 = now();
	FILE *f;

	for (int i = 0; i < nmarks; i++)
		if (marks[i].count > total)
			total = marks[i].count;
	snprintf(corpus_path, sizeof(corpus_path), "%s/corpus.ndjson", tmpdir);
	f = fopen(corpus_path, "wb");
	if (!f)
		die("%s: %s", corpus_path, strerror(errno));
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	for (uint64_t i = 0; i < total; i++) {
		b.len = 0;
		corpus_function(&b, opt.seed, i, CORPUS_FUNCTION, BENCH_REGION,
		                BENCH_ACCOUNT);
		fwrite(b.data, 1, b.len, f);
		putc('\n', f);
		bytes += b.len + 1;
		for (int m = 0; m < nmarks; m++)
			if (marks[m].count == i + 1)
				marks[m].bytes = bytes;
	}
	if (fclose(f))
		die("writing %s failed", corpus_path);
	corpus_buf_free(&b);
	note("corpus: %llu Functions, %.1f MiB of NDJSON (%.0f bytes a record), "
	     "written in %.1f s", (unsigned long long)total,
	     (double)bytes / (1 << 20), total ? (double)bytes / (double)total : 0,
	     now() - t0);
}

/* ---- names and keys ---- */

static char **names;   /* names[i]: function i of the corpus */
static char **arns;    /* its ARN */
static uint32_t *perm; /* a seeded shuffle of 0..n-1: the read order */

static char *pack(char **slot, const char *s, char **pool, size_t *left)
{
	size_t len = strlen(s) + 1;

	if (*left < len) {
		*left = 1 << 20;
		*pool = xmalloc(*left);
	}
	memcpy(*pool, s, len);
	*slot = *pool;
	*pool += len;
	*left -= len;
	return *slot;
}

static void shuffle(uint32_t *a, uint64_t n, uint64_t seed)
{
	uint64_t s = seed ^ 0x5ca1ab1e0ddba11ull;

	for (uint64_t i = 0; i < n; i++)
		a[i] = (uint32_t)i;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = mix(&s) % i;
		uint32_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void make_names(void)
{
	char *pool = NULL, buf[64], arn[256];
	size_t left = 0;

	names = xmalloc(opt.n * sizeof(*names));
	arns = xmalloc(opt.n * sizeof(*arns));
	perm = xmalloc(opt.n * sizeof(*perm));
	for (uint64_t i = 0; i < opt.n; i++) {
		corpus_name(buf, opt.seed, i);
		snprintf(arn, sizeof(arn), "acs:fc:%s:%s:functions/%s",
		         BENCH_REGION, BENCH_ACCOUNT, buf);
		pack(&names[i], buf, &pool, &left);
		pack(&arns[i], arn, &pool, &left);
	}
	shuffle(perm, opt.n, opt.seed);
}

/* The state function i of the corpus was imported with. */
static int corpus_state(uint64_t i)
{
	corpus_buf b = { 0 };
	const char *p;
	int st = 0;

	corpus_function(&b, opt.seed, i, CORPUS_FUNCTION, BENCH_REGION,
	                BENCH_ACCOUNT);
	p = strstr(b.data, "\"state\":\"");
	if (p) {
		char word[16] = "";

		sscanf(p + 9, "%15[A-Za-z]", word);
		st = bench_state_num(word);
	}
	corpus_buf_free(&b);
	return st;
}

/* ---- read loops ---- */

typedef int (*read_fn)(bench_reader *r, const char *key, uint64_t *ck);

typedef struct measure {
	double rate;     /* ops per second */
	uint64_t ops;
	uint64_t pass_ck; /* checksum of one pass over the keys */
	double secs;
} measure;

/*
 * Whole passes over `keys` until `secs` have gone by (at least one pass),
 * after an untimed warm-up: a whole pass in the first round (`first`),
 * so that pages this workload touches first (an index) are mapped and in
 * memory before the clock starts, a short one after.  Every pass gives
 * the same checksum; the first is reported.
 */
static measure run_reads(const char *sys, const char *wl, bench_reader *r,
                         read_fn fn, char *const *keys, size_t nkeys,
                         int first)
{
	measure m;
	uint64_t ck = 0;
	size_t warm = first || nkeys < 1000 ? nkeys : 1000;
	double t0;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < warm; i++)
		if (fn(r, keys[i], &ck))
			die("%s %s failed", wl, sys);
	t0 = now();
	do {
		uint64_t pck = 0;

		for (size_t i = 0; i < nkeys; i++)
			if (fn(r, keys[i], &pck))
				die("%s %s failed", wl, sys);
		if (m.ops == 0)
			m.pass_ck = pck;
		else if (pck != m.pass_ck)
			die("%s %s: checksum changed between passes", wl, sys);
		m.ops += nkeys;
		m.secs = now() - t0;
	} while (m.secs < opt.secs);
	m.rate = (double)m.ops / m.secs;
	return m;
}

/* One pass of list_page: `pages` pages of BENCH_PAGE from the first. */
static int list_pass(const bench_system *sys, bench_reader *r, uint64_t pages,
                     uint64_t *ck, uint64_t *records)
{
	char last[256] = "";
	uint64_t p;

	*records = 0;
	for (p = 0; p < pages; p++) {
		unsigned got = 0;
		int more = 0;

		if (sys->list_page(r, last, BENCH_PAGE, last, &got, &more, ck))
			return -1;
		*records += got;
		if (!more)
			return 0;
	}
	return 0;
}

static measure run_list(const bench_system *sys, bench_reader *r,
                        uint64_t pages, uint64_t *records, int first)
{
	measure m;
	uint64_t ck = 0, recs;
	double t0;

	memset(&m, 0, sizeof(m));
	if (list_pass(sys, r, first || pages < 10 ? pages : 10, &ck, &recs))
		die("list_page %s failed", sys->name);
	t0 = now();
	do {
		uint64_t pck = 0;

		if (list_pass(sys, r, pages, &pck, records))
			die("list_page %s failed", sys->name);
		if (m.ops == 0)
			m.pass_ck = pck;
		else if (pck != m.pass_ck)
			die("list_page %s: checksum changed between passes",
			    sys->name);
		m.ops += pages;
		m.secs = now() - t0;
	} while (m.secs < opt.secs);
	m.rate = (double)m.ops / m.secs;
	return m;
}

/* ---- threads ---- */

/* Aligned to its own cache lines: two threads must not share one. */
typedef struct thread_job {
	_Alignas(128) const bench_system *sys;
	bench_sys *s;
	char *const *keys;
	size_t nkeys, start;
	pthread_barrier_t *bar;
	uint64_t ops, ck;
	double secs;
	double cpu;     /* CPU time this thread got while timed */
	int failed;
} thread_job;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *thread_main(void *arg)
{
	thread_job *j = arg;
	size_t i = j->start, warm = j->nkeys < 20000 ? j->nkeys : 20000;
	uint64_t ck = 0, ops = 0;
	bench_reader *r = NULL;
	int failed;
	double t0, c0, secs;

	/* opened here, so what it allocates comes from this thread's arena
	   and never shares a cache line with the other thread's reader */
	failed = j->sys->reader_open(j->s, &r);
	while (!failed && warm--) {
		failed |= j->sys->get_by_name(r, j->keys[i], &ck);
		i = i + 1 == j->nkeys ? 0 : i + 1;
	}
	pthread_barrier_wait(j->bar);
	t0 = now();
	c0 = thread_cpu();
	for (;;) {
		for (int k = 0; k < 256 && !failed; k++) {
			failed |= j->sys->get_by_name(r, j->keys[i], &ck);
			i = i + 1 == j->nkeys ? 0 : i + 1;
		}
		ops += 256;
		secs = now() - t0;
		if (secs >= opt.secs || failed)
			break;
	}
	j->cpu = thread_cpu() - c0;
	if (r)
		j->sys->reader_close(r);
	j->ops = ops;
	j->secs = secs;
	j->ck = ck;
	j->failed = failed;
	return NULL;
}

/*
 * get_by_name on `nt` threads at once, each with its own reader: ops per
 * second of wall time.  *cpus gets how many CPUs the threads actually had
 * (their CPU time over the wall time): on a machine that other processes
 * share, two threads may get much less than two CPUs.
 */
static double run_threads(const bench_system *sys, bench_sys *s, int nt,
                          char *const *keys, size_t nkeys, uint64_t *ck,
                          double *cpus)
{
	pthread_t tid[8];
	thread_job job[8];
	pthread_barrier_t bar;
	uint64_t ops = 0;
	double secs = 0, cpu = 0;

	pthread_barrier_init(&bar, NULL, (unsigned)nt);
	for (int t = 0; t < nt; t++) {
		memset(&job[t], 0, sizeof(job[t]));
		job[t].sys = sys;
		job[t].s = s;
		job[t].keys = keys;
		job[t].nkeys = nkeys;
		job[t].start = nkeys * (size_t)t / (size_t)nt;
		job[t].bar = &bar;
		if (pthread_create(&tid[t], NULL, thread_main, &job[t]))
			die("pthread_create failed");
	}
	*ck = 0;
	for (int t = 0; t < nt; t++) {
		pthread_join(tid[t], NULL);
		if (job[t].failed)
			die("read_threads %s failed", sys->name);
		ops += job[t].ops;
		if (job[t].secs > secs)
			secs = job[t].secs;
		cpu += job[t].cpu;
		*ck += job[t].ck;
	}
	pthread_barrier_destroy(&bar);
	*cpus = cpu / secs;
	return (double)ops / secs;
}

/* ---- CRC-64 ---- */

static uint64_t crc_table[256];

static void crc_table_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xc96c5795d7870f42ull : c >> 1;
		crc_table[i] = c;
	}
}

/* CRC-64/XZ one byte at a time: the textbook table-driven loop. */
static uint64_t crc_bytewise(const unsigned char *p, size_t len, uint64_t crc)
{
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void bench_crc(void)
{
	size_t len = (size_t)opt.crc_bytes;
	unsigned char *buf = xmalloc(len);
	uint64_t s = opt.seed, a, b = 0, rounds = 0;
	double t0, fast, slow;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = mix(&s);

		memcpy(buf + i, &v, 8);
	}
	crc_table_init();
	if (crc_bytewise((const unsigned char *)"123456789", 9, 0) !=
	    11051210869376104954ull)
		die("the bytewise CRC-64 is wrong");
	a = fcdb_crc64(buf, len, 0); /* warm-up: fault the buffer in */
	t0 = now();
	do {
		b = fcdb_crc64(buf, len, 0);
		rounds++;
	} while (now() - t0 < opt.secs);
	fast = (double)len * (double)rounds / (now() - t0) / 1e9;
	t0 = now();
	a = crc_bytewise(buf, len, 0);
	slow = (double)len / (now() - t0) / 1e9;
	if (a != b)
		die("crc64: fcdb and the bytewise table disagree");
	add_row("crc64", "fcdb", fast, "GB/s", &b);
	add_row("crc64", "bytewise", slow, "GB/s", &a);
	note("crc64: %.2f GB/s fcdb, %.2f GB/s bytewise over %zu MiB, crc %llu",
	     fast, slow, len >> 20, (unsigned long long)a);
	free(buf);
}

/* ---- peak RSS of imports ---- */

static uint64_t rss_sizes[3];
static int nrss;

static const char *size_label(uint64_t n, char *buf, size_t cap)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, cap, "%lluM", (unsigned long long)(n / 1000000));
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, cap, "%lluk", (unsigned long long)(n / 1000));
	else
		snprintf(buf, cap, "%llu", (unsigned long long)n);
	return buf;
}

static void bench_rss(void)
{
	for (int k = 0; k < nrss; k++) {
		for (int si = 0; si < NSYS; si++) {
			const bench_system *sys = systems[si];
			char path[PATH_MAX + 64], wl[64], lab[32];
			bench_input in;
			rss_result r;

			if (!sys_on(si) || !sys->import_ndjson)
				continue;
			/* fcdb at every size; the baselines up to 100k, for
			   reference (a 1M baseline import adds minutes) */
			if (si != S_FCDB && rss_sizes[k] > 100000)
				continue;
			snprintf(path, sizeof(path), "%s/rss-%s.store", tmpdir,
			         sys->name);
			in = input_of(rss_sizes[k]);
			if (rss_measure(sys, path, &in, &r))
				die("import_peak_rss %s failed", sys->name);
			store_remove(path);
			size_label(rss_sizes[k], lab, sizeof(lab));
			snprintf(wl, sizeof(wl), "import_peak_rss@%s", lab);
			add_row(wl, sys->name, (double)r.maxrss_kb / 1024.0, "MiB",
			        NULL);
			snprintf(wl, sizeof(wl), "import_peak_anon@%s", lab);
			add_row(wl, sys->name, (double)r.peak_anon_kb / 1024.0,
			        "MiB", NULL);
			note("import_peak_rss %s %s: %llu records in %.1f s, "
			     "maxrss %.1f MiB, peak RssAnon %.1f MiB (%.1f at start)",
			     sys->name, lab, (unsigned long long)r.records, r.secs,
			     r.maxrss_kb / 1024.0, r.peak_anon_kb / 1024.0,
			     r.start_anon_kb / 1024.0);
		}
	}
}

/* ---- get latency ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p50/p99 of single fcdb gets over a store of `size` records. */
static void latency_point(bench_sys *s, uint64_t size, const char *label)
{
	uint64_t nsamp = opt.quick ? size : LAT_SAMPLES;
	uint64_t *lat = xmalloc(nsamp * sizeof(*lat));
	uint32_t *order = xmalloc(size * sizeof(*order));
	bench_reader *r;
	uint64_t ck = 0;
	char wl[64];

	shuffle(order, size, opt.seed + size);
	if (sys_fcdb.reader_open(s, &r))
		die("get_latency: no reader");
	/* warm: touch every record once, as a running service would have */
	for (uint64_t i = 0; i < size; i++)
		if (sys_fcdb.get_by_name(r, names[order[i]], &ck))
			die("get_latency failed");
	for (uint64_t i = 0; i < nsamp; i++) {
		const char *key = names[order[i % size]];
		double t0 = now();

		if (sys_fcdb.get_by_name(r, key, &ck))
			die("get_latency failed");
		lat[i] = (uint64_t)((now() - t0) * 1e9);
	}
	sys_fcdb.reader_close(r);
	qsort(lat, nsamp, sizeof(*lat), cmp_u64);
	snprintf(wl, sizeof(wl), "get_latency_p50@%s", label);
	add_row(wl, "fcdb", (double)lat[nsamp / 2] / 1000.0, "us", &ck);
	snprintf(wl, sizeof(wl), "get_latency_p99@%s", label);
	add_row(wl, "fcdb", (double)lat[nsamp * 99 / 100] / 1000.0, "us", NULL);
	note("get_latency %s: p50 %.2f us, p99 %.2f us over %llu gets "
	     "(checksum %llu)", label, lat[nsamp / 2] / 1000.0,
	     lat[nsamp * 99 / 100] / 1000.0, (unsigned long long)nsamp,
	     (unsigned long long)ck);
	free(order);
	free(lat);
}

/* ---- the report ---- */

static void fmt_value(char *out, size_t cap, double v)
{
	if (v >= 1000)
		snprintf(out, cap, "%.0f", v);
	else if (v >= 10)
		snprintf(out, cap, "%.1f", v);
	else
		snprintf(out, cap, "%.2f", v);
}

static void machine(char *out, size_t cap)
{
	char model[256] = "unknown CPU", line[512];
	long mem_kb = 0;
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				char *p = strchr(line, ':');

				if (p)
					snprintf(model, sizeof(model), "%s", p + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		if (fscanf(f, "MemTotal: %ld kB", &mem_kb) != 1)
			mem_kb = 0;
		fclose(f);
	}
	uname(&u);
	snprintf(out, cap, "%s, %ld cores, %.0f GiB RAM, Linux %s", model,
	         sysconf(_SC_NPROCESSORS_ONLN), mem_kb / 1048576.0, u.release);
}

/* The 1-minute load average, for the report: a busy machine shows. */
static const char *loadavg(void)
{
	static char buf[32];
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, sizeof(buf), "?");
	if (f) {
		if (fscanf(f, "%31s", buf) != 1)
			snprintf(buf, sizeof(buf), "?");
		fclose(f);
	}
	return buf;
}

static char load_start[32];

static double val(const char *wl, const char *sys)
{
	const row *r = find_row(wl, sys);

	return r ? r->value : -1;
}

static void print_tables(const char *mach, double elapsed)
{
	static const int cmp[] = { W_IMPORT, W_CREATE, W_SET, W_GET, W_ARN,
	                           W_JSON, W_STATE, W_LIST, W_EXPORT, W_BYTES };
	char a[32], b[32], lab[32];

	printf("\n## fcdb bench: N=%llu, seed=%llu\n\n",
	       (unsigned long long)opt.n, (unsigned long long)opt.seed);
	printf("Machine: %s. Run took %.0f s; load average %s at the start, "
	       "%s at the end (other processes share this machine: see the "
	       "CPUs column of read_threads).\n\n", mach, elapsed, load_start,
	       loadavg());
	printf("| workload | unit | fcdb | sqlite | lmdb-json | lmdb-raw | "
	       "fcdb/sqlite | fcdb/lmdb-json | fcdb/lmdb-raw |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t w = 0; w < sizeof(cmp) / sizeof(cmp[0]); w++) {
		const char *wl = wl_names[cmp[w]];
		const row *f = find_row(wl, "fcdb");
		const char *unit = NULL;

		for (int s = 0; s < NSYS; s++) {
			const row *r = find_row(wl, systems[s]->name);

			if (r)
				unit = r->unit;
		}
		if (!unit)
			continue;
		printf("| %s | %s |", wl, unit);
		for (int s = 0; s < NSYS; s++) {
			const row *r = find_row(wl, systems[s]->name);

			if (r)
				fmt_value(a, sizeof(a), r->value);
			printf(" %s |", r ? a : "-");
		}
		for (int s = 1; s < NSYS; s++) {
			const row *r = find_row(wl, systems[s]->name);

			if (f && r && r->value > 0)
				printf(" %.2fx |", f->value / r->value);
			else
				printf(" - |");
		}
		printf("\n");
	}
	/* read_threads per system */
	if (find_row("read_threads_1", "fcdb") || find_row("read_threads_1", "sqlite")) {
		printf("\n| read_threads (get_by_name, ops/s) | 1 thread | 2 threads | "
		       "2 / 1 | CPUs the 2 threads got | 2 / 1 per CPU |\n"
		       "|---|---:|---:|---:|---:|---:|\n");
		for (int s = 0; s < NSYS; s++) {
			double one = val("read_threads_1", systems[s]->name);
			double two = val("read_threads_2", systems[s]->name);
			double c1 = val("read_threads_1_cpus", systems[s]->name);
			double c2 = val("read_threads_2_cpus", systems[s]->name);

			if (one <= 0 || two <= 0)
				continue;
			fmt_value(a, sizeof(a), one);
			fmt_value(b, sizeof(b), two);
			printf("| %s | %s | %s | %.2fx | %.2f | %.2fx |\n",
			       systems[s]->name, a, b, two / one, c2,
			       c1 > 0 && c2 > 0 ? (two / c2) / (one / c1) : 0);
		}
	}
	/* everything else, one row each */
	printf("\n| measurement | system | value | unit |\n|---|---|---:|---|\n");
	for (size_t i = 0; i < nrows; i++) {
		const row *r = &rows[i];

		if (!strncmp(r->workload, "crc64", 5) ||
		    !strncmp(r->workload, "get_latency", 11) ||
		    !strncmp(r->workload, "import_peak", 11)) {
			fmt_value(a, sizeof(a), r->value);
			printf("| %s | %s | %s | %s |\n", r->workload, r->system, a,
			       r->unit);
		}
	}
	/* checksums of the reads */
	printf("\n| checksum of one pass | system | checksum |\n|---|---|---:|\n");
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].has_ck)
			printf("| %s | %s | %llu |\n", rows[i].workload,
			       rows[i].system, (unsigned long long)rows[i].ck);
	(void)lab;
}

/* One target line: value of fcdb over the reference, against a bound. */
static int targets_pass, targets_fail, targets_na;

static void target(const char *what, double x, double y, double bound,
                   int at_most, const char *note_text)
{
	double ratio = x > 0 && y > 0 ? x / y : -1;
	const char *verdict;

	if (ratio < 0) {
		verdict = "n/a";
		targets_na++;
	} else if (at_most ? ratio <= bound : ratio >= bound) {
		verdict = "PASS";
		targets_pass++;
	} else {
		verdict = "FAIL";
		targets_fail++;
	}
	if (ratio < 0)
		printf("| %s | %s %.1fx | - | %s |%s%s\n", what,
		       at_most ? "<=" : ">=", bound, verdict,
		       note_text ? " " : "", note_text ? note_text : "");
	else
		printf("| %s | %s %.1fx | %.2fx | %s |%s%s\n", what,
		       at_most ? "<=" : ">=", bound, ratio, verdict,
		       note_text ? " " : "", note_text ? note_text : "");
}

static uint64_t lat_sizes[3];
static int nlat;

static void print_targets(void)
{
	char big[32], wl[64], wl2[64], small_l[32], note_buf[128];
	uint64_t small = 0, large = 0;

	printf("\n### Targets%s\n\n", opt.n == 100000 ? "" :
	       " (defined at N=100,000; this run used another N)");
	printf("| target | bound | measured | result | note |\n"
	       "|---|---:|---:|---|---|\n");
	target("get_by_name vs sqlite", val("get_by_name", "fcdb"),
	       val("get_by_name", "sqlite"), 3.0, 0, "|");
	target("get_by_name vs lmdb-json", val("get_by_name", "fcdb"),
	       val("get_by_name", "lmdb-json"), 1.5, 0, "|");
	target("get_by_arn vs fcdb get_by_name", val("get_by_arn", "fcdb"),
	       val("get_by_name", "fcdb"), 0.7, 0, "|");
	target("read_state vs lmdb-raw", val("read_state", "fcdb"),
	       val("read_state", "lmdb-raw"), 0.5, 0, "|");
	target("get_json vs sqlite", val("get_json", "fcdb"),
	       val("get_json", "sqlite"), 1.0, 0, "|");
	target("import_ndjson vs sqlite", val("import_ndjson", "fcdb"),
	       val("import_ndjson", "sqlite"), 2.0, 0, "|");
	target("export_ndjson vs sqlite", val("export_ndjson", "fcdb"),
	       val("export_ndjson", "sqlite"), 1.0, 0, "|");
	target("list_page vs sqlite", val("list_page", "fcdb"),
	       val("list_page", "sqlite"), 2.0, 0, "|");
	target("create_durable vs sqlite", val("create_durable", "fcdb"),
	       val("create_durable", "sqlite"), 1.0, 0, "|");
	target("set_state_durable vs sqlite", val("set_state_durable", "fcdb"),
	       val("set_state_durable", "sqlite"), 1.0, 0, "|");
	target("bytes_per_record vs sqlite", val("bytes_per_record", "fcdb"),
	       val("bytes_per_record", "sqlite"), 0.6, 1, "|");
	target("crc64 vs bytewise table", val("crc64", "fcdb"),
	       val("crc64", "bytewise"), 10.0, 0, "|");
	for (int i = 0; i < nlat; i++) {
		if (!small || lat_sizes[i] < small)
			small = lat_sizes[i];
		if (lat_sizes[i] > large)
			large = lat_sizes[i];
	}
	if (nlat >= 1) {
		size_label(large, big, sizeof(big));
		size_label(small, small_l, sizeof(small_l));
		snprintf(note_buf, sizeof(note_buf), "%s vs %s%s |", big, small_l,
		         large < 1000000 ? " (largest store built in this run; "
		         "1M in the full run)" : "");
		for (int p = 0; p < 2; p++) {
			const char *q = p ? "p99" : "p50";
			char what[64];

			snprintf(wl, sizeof(wl), "get_latency_%s@%s", q, big);
			snprintf(wl2, sizeof(wl2), "get_latency_%s@%s", q, small_l);
			snprintf(what, sizeof(what), "get_latency %s 1M vs 10k", q);
			target(what, val(wl, "fcdb"), val(wl2, "fcdb"), 2.0, 1,
			       note_buf);
		}
	}
	snprintf(note_buf, sizeof(note_buf), "the 2 threads got %.2f CPUs |",
	         val("read_threads_2_cpus", "fcdb"));
	target("read_threads 2 vs 1 thread", val("read_threads_2", "fcdb"),
	       val("read_threads_1", "fcdb"), 1.7, 0, note_buf);
	if (nrss) {
		uint64_t top = rss_sizes[nrss - 1];
		char l2[32];

		size_label(top, big, sizeof(big));
		size_label(100000, l2, sizeof(l2));
		snprintf(wl, sizeof(wl), "import_peak_rss@%s", big);
		target("import_peak_rss 1M vs 100k", val(wl, "fcdb"),
		       val("import_peak_rss@100k", "fcdb"), 2.0, 1,
		       "maxrss |");
		snprintf(wl, sizeof(wl), "import_peak_anon@%s", big);
		target("import_peak_anon 1M vs 100k", val(wl, "fcdb"),
		       val("import_peak_anon@100k", "fcdb"), 2.0, 1,
		       "RssAnon |");
	}
	printf("\nTargets: %d passed, %d failed, %d not measured.\n",
	       targets_pass, targets_fail, targets_na);
}

static void write_json(const char *mach, double elapsed)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	FILE *f;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", opt.json_path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.json_path);
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "{\"n\":%llu,\"seed\":%llu,\"machine\":\"%s\","
	        "\"elapsed_s\":%.1f,\"loadavg_start\":\"%s\",\"rows\":[",
	        (unsigned long long)opt.n, (unsigned long long)opt.seed, mach,
	        elapsed, load_start);
	for (size_t i = 0; i < nrows; i++) {
		const row *r = &rows[i];

		fprintf(f, "%s\n{\"workload\":\"%s\",\"system\":\"%s\","
		        "\"value\":%.6g,\"unit\":\"%s\"", i ? "," : "",
		        r->workload, r->system, r->value, r->unit);
		if (r->has_ck)
			fprintf(f, ",\"checksum\":\"%llu\"",
			        (unsigned long long)r->ck);
		fprintf(f, "}");
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) || rename(tmp, opt.json_path))
		die("writing %s failed", opt.json_path);
	note("wrote %s", opt.json_path);
}

/* ---- the run ---- */

static void usage(FILE *to, int code)
{
	fprintf(to,
	        "usage: bench [N [SEED]] [options]\n"
	        "  N                 records in the comparison stores (100000)\n"
	        "  SEED              corpus and shuffle seed (1)\n"
	        "  --only a,b        run only these workloads:\n"
	        "                    ");
	for (int w = 0; w < W_COUNT; w++)
		fprintf(to, "%s%s", wl_names[w], w + 1 < W_COUNT ? "," : "\n");
	fprintf(to,
	        "  --systems a,b     fcdb,sqlite,lmdb-json,lmdb-raw (all)\n"
	        "  --secs S          minimum seconds of one read round (0.5)\n"
	        "  --rounds R        rounds per read measurement; the median\n"
	        "                    is reported (3)\n"
	        "  --durable-ops K   operations of each durable workload (500)\n"
	        "  --no-1m           no 1M-record import for import_peak_rss\n"
	        "  --quick           tiny everything, for the test suite\n"
	        "  --json PATH       results file (bench/results/latest.json)\n"
	        "  --keep            keep the temporary directory\n");
	exit(code);
}

static unsigned parse_list(const char *arg, const char *const *names_tab,
                           int count, const char *what)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	unsigned mask = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < count; i++)
			if (!strcmp(tok, names_tab[i]))
				break;
		if (i == count) {
			fprintf(stderr, "bench: unknown %s \"%s\"\n", what, tok);
			usage(stderr, 2);
		}
		mask |= 1u << i;
	}
	free(copy);
	return mask;
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "bench: bad %s \"%s\"\n", what, s);
		usage(stderr, 2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	const char *sys_names[NSYS];
	int pos = 0;

	for (int s = 0; s < NSYS; s++)
		sys_names[s] = systems[s]->name;
	opt.n = 100000;
	opt.seed = 1;
	opt.secs = 0.5;
	opt.rounds = 3;
	opt.durable_ops = 500;
	opt.wl_mask = (1u << W_COUNT) - 1;
	opt.sys_mask = (1u << NSYS) - 1;
	opt.json_path = "bench/results/latest.json";
	opt.crc_bytes = CRC_BYTES;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage(stdout, 0);
		else if (!strcmp(a, "--only") && v)
			opt.wl_mask = parse_list(argv[++i], wl_names, W_COUNT,
			                         "workload");
		else if (!strcmp(a, "--systems") && v)
			opt.sys_mask = parse_list(argv[++i], sys_names, NSYS,
			                          "system");
		else if (!strcmp(a, "--secs") && v)
			opt.secs = atof(argv[++i]);
		else if (!strcmp(a, "--rounds") && v)
			opt.rounds = (int)parse_u64(argv[++i], "rounds");
		else if (!strcmp(a, "--durable-ops") && v)
			opt.durable_ops = (unsigned)parse_u64(argv[++i], "count");
		else if (!strcmp(a, "--json") && v)
			opt.json_path = argv[++i];
		else if (!strcmp(a, "--quick"))
			opt.quick = 1;
		else if (!strcmp(a, "--no-1m"))
			opt.no_1m = 1;
		else if (!strcmp(a, "--keep"))
			opt.keep = 1;
		else if (a[0] == '-')
			usage(stderr, 2);
		else if (pos == 0 && ++pos)
			opt.n = parse_u64(a, "N");
		else if (pos == 1 && ++pos)
			opt.seed = parse_u64(a, "SEED");
		else
			usage(stderr, 2);
	}
	if (opt.n < 1 || opt.n > 50000000)
		die("N must be 1 to 50,000,000");
	if (opt.rounds < 1 || opt.rounds > ROUNDS_MAX)
		die("--rounds must be 1 to %d", ROUNDS_MAX);
	if (opt.quick) {
		opt.secs = 0.02;
		opt.rounds = 1;
		if (opt.durable_ops > 10)
			opt.durable_ops = 10;
		opt.crc_bytes = 4u << 20;
	}
}

static bench_sys *stores[NSYS];
static char store_paths[NSYS][PATH_MAX + 64];

static int store_workloads(void)
{
	static const int w[] = { W_CREATE, W_IMPORT, W_GET, W_ARN, W_JSON,
	                         W_STATE, W_LIST, W_SET, W_EXPORT, W_BYTES,
	                         W_LAT, W_THREADS };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (want(w[i]))
			return 1;
	return 0;
}

/* Import the N-record corpus into every writable system. */
static void build_stores(void)
{
	bench_input in = input_of(opt.n);

	for (int s = 0; s < NSYS; s++) {
		const bench_system *sys = systems[s];
		uint64_t recs = 0, bytes;
		double t0;

		/* lmdb-raw reads fcdb's store, so fcdb is built for it too */
		if (!sys->import_ndjson ||
		    !(sys_on(s) || (s == S_FCDB && sys_on(S_LMDB_RAW))))
			continue;
		snprintf(store_paths[s], sizeof(store_paths[s]), "%s/%s.store",
		         tmpdir, sys->name);
		if (sys->open(&stores[s], store_paths[s]))
			die("open %s failed", sys->name);
		t0 = now();
		if (sys->import_ndjson(stores[s], &in, &recs))
			die("import_ndjson %s failed", sys->name);
		t0 = now() - t0;
		if (recs != opt.n)
			die("import_ndjson %s: %llu records, not %llu", sys->name,
			    (unsigned long long)recs, (unsigned long long)opt.n);
		if (sys->size_bytes(stores[s], &bytes))
			die("bytes_per_record %s failed", sys->name);
		note("import_ndjson %s: %llu records in %.2f s (%.0f/s), store "
		     "%.1f MiB", sys->name, (unsigned long long)recs, t0,
		     (double)recs / t0, (double)bytes / (1 << 20));
		if (!sys_on(s))
			continue;
		if (want(W_IMPORT))
			add_row("import_ndjson", sys->name, (double)recs / t0,
			        "records/s", NULL);
		if (want(W_BYTES))
			add_row("bytes_per_record", sys->name,
			        (double)bytes / (double)recs, "bytes", NULL);
	}
	if (sys_on(S_LMDB_RAW)) {
		if (sys_lmdb_raw.open(&stores[S_LMDB_RAW], store_paths[S_FCDB]))
			die("open lmdb-raw failed");
	}
}

/* Record the median round of a read measurement. */
static void report_reads(const char *wl, const char *sys, const measure *m,
                         const char *unit)
{
	double rates[ROUNDS_MAX], secs = 0;
	uint64_t ops = 0;

	for (int r = 0; r < opt.rounds; r++) {
		if (m[r].pass_ck != m[0].pass_ck)
			die("%s %s: checksum changed between rounds", wl, sys);
		rates[r] = m[r].rate;
		ops += m[r].ops;
		secs += m[r].secs;
	}
	add_row(wl, sys, median(rates, opt.rounds), unit, &m[0].pass_ck);
	note("%s %s: %.0f %s (median of %d rounds, %llu ops in %.2f s), "
	     "checksum %llu", wl, sys, median(rates, opt.rounds), unit,
	     opt.rounds, (unsigned long long)ops, secs,
	     (unsigned long long)m[0].pass_ck);
}

static void bench_reads(void)
{
	static const int w[] = { W_GET, W_ARN, W_JSON, W_STATE };
	size_t pass = opt.n < PASS_MAX ? (size_t)opt.n : PASS_MAX;
	char **by_name = xmalloc(pass * sizeof(char *));
	char **by_arn = xmalloc(pass * sizeof(char *));
	bench_reader *rd[NSYS] = { 0 };

	for (size_t i = 0; i < pass; i++) {
		by_name[i] = names[perm[i]];
		by_arn[i] = arns[perm[i]];
	}
	/* one reader per system for the single-thread reads; the first
	   round of every workload warms it with an untimed whole pass */
	for (int s = 0; s < NSYS; s++) {
		if (!stores[s] || !sys_on(s))
			continue;
		if (systems[s]->reader_open(stores[s], &rd[s]))
			die("%s: no reader", systems[s]->name);
	}
	/* Each measurement runs in rounds, the systems taking turns, and
	   reports the median round: a slow moment of a shared machine then
	   hits one round of one system, not a whole ratio. */
	for (size_t k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		measure m[NSYS][ROUNDS_MAX];

		if (!want(w[k]))
			continue;
		for (int round = 0; round < opt.rounds; round++)
			for (int s = 0; s < NSYS; s++) {
				const bench_system *sys = systems[s];
				read_fn fn = w[k] == W_GET ? sys->get_by_name :
				             w[k] == W_ARN ? sys->get_by_arn :
				             w[k] == W_JSON ? sys->get_json :
				             sys->read_state;

				if (!rd[s] || !fn)
					continue;
				m[s][round] = run_reads(sys->name, wl_names[w[k]],
				                        rd[s], fn,
				                        w[k] == W_ARN ? by_arn : by_name,
				                        pass, round == 0);
			}
		for (int s = 0; s < NSYS; s++)
			if (rd[s] && (w[k] == W_GET ? systems[s]->get_by_name :
			              w[k] == W_ARN ? systems[s]->get_by_arn :
			              w[k] == W_JSON ? systems[s]->get_json :
			              systems[s]->read_state))
				report_reads(wl_names[w[k]], systems[s]->name,
				             m[s], "ops/s");
	}
	if (want(W_LIST)) {
		uint64_t pages = (pass + BENCH_PAGE - 1) / BENCH_PAGE;
		measure m[NSYS][ROUNDS_MAX];

		for (int round = 0; round < opt.rounds; round++)
			for (int s = 0; s < NSYS; s++) {
				uint64_t recs = 0;

				if (!rd[s] || !systems[s]->list_page)
					continue;
				m[s][round] = run_list(systems[s], rd[s], pages, &recs,
				                       round == 0);
				if (recs != pass)
					die("list_page %s: %llu records in a pass, not %zu",
					    systems[s]->name, (unsigned long long)recs,
					    pass);
			}
		for (int s = 0; s < NSYS; s++)
			if (rd[s] && systems[s]->list_page)
				report_reads("list_page", systems[s]->name, m[s],
				             "pages/s");
	}
	for (int s = 0; s < NSYS; s++)
		if (rd[s])
			systems[s]->reader_close(rd[s]);
	if (want(W_THREADS)) {
		for (int s = 0; s < NSYS; s++) {
			double rate[2][ROUNDS_MAX], cpus[2][ROUNDS_MAX];
			uint64_t ck[2];

			if (!stores[s] || !sys_on(s))
				continue;
			/* warm: pages may have left memory since the reads */
			{
				bench_reader *w0;
				uint64_t wck = 0;

				if (systems[s]->reader_open(stores[s], &w0))
					die("%s: no reader", systems[s]->name);
				for (size_t i = 0; i < pass; i++)
					if (systems[s]->get_by_name(w0, by_name[i], &wck))
						die("warm-up %s failed", systems[s]->name);
				systems[s]->reader_close(w0);
			}
			for (int round = 0; round < opt.rounds; round++)
				for (int nt = 1; nt <= 2; nt++)
					rate[nt - 1][round] =
						run_threads(systems[s], stores[s], nt,
						            by_name, pass, &ck[nt - 1],
						            &cpus[nt - 1][round]);
			for (int nt = 1; nt <= 2; nt++) {
				char wl[32], each[ROUNDS_MAX * 12] = "";
				double r = median(rate[nt - 1], opt.rounds);
				double c = median(cpus[nt - 1], opt.rounds);

				for (int round = 0; round < opt.rounds; round++)
					snprintf(each + strlen(each),
					         sizeof(each) - strlen(each), " %.0f",
					         rate[nt - 1][round]);
				snprintf(wl, sizeof(wl), "read_threads_%d", nt);
				add_row(wl, systems[s]->name, r, "ops/s", NULL);
				snprintf(wl, sizeof(wl), "read_threads_%d_cpus", nt);
				add_row(wl, systems[s]->name, c, "CPUs", NULL);
				note("read_threads %s %d: %.0f ops/s on %.2f CPUs (median "
				     "of rounds:%s)", systems[s]->name, nt, r, c, each);
			}
		}
	}
	free(by_name);
	free(by_arn);
}

static void bench_export(void)
{
	for (int s = 0; s < NSYS; s++) {
		const bench_system *sys = systems[s];
		char path[PATH_MAX + 64];
		uint64_t recs = 0;
		struct stat st;
		FILE *f;
		double t0;

		if (!stores[s] || !sys_on(s) || !sys->export_ndjson)
			continue;
		path_in_tmp(path, sizeof(path), "export.ndjson");
		f = fopen(path, "wb");
		if (!f)
			die("%s: %s", path, strerror(errno));
		t0 = now();
		if (sys->export_ndjson(stores[s], f, &recs) || fflush(f))
			die("export_ndjson %s failed", sys->name);
		t0 = now() - t0;
		fclose(f);
		if (recs != opt.n)
			die("export_ndjson %s: %llu records, not %llu", sys->name,
			    (unsigned long long)recs, (unsigned long long)opt.n);
		stat(path, &st);
		unlink(path);
		add_row("export_ndjson", sys->name, (double)recs / t0, "records/s",
		        NULL);
		note("export_ndjson %s: %llu records, %.1f MiB in %.2f s",
		     sys->name, (unsigned long long)recs,
		     (double)st.st_size / (1 << 20), t0);
	}
}

static void bench_latency(void)
{
	for (int i = 0; i < nlat; i++) {
		uint64_t size = lat_sizes[i];
		char lab[32], path[PATH_MAX + 64];
		bench_sys *s = stores[S_FCDB];

		size_label(size, lab, sizeof(lab));
		if (size != opt.n) {
			bench_input in = input_of(size);
			uint64_t recs;

			snprintf(path, sizeof(path), "%s/latency-%s.store", tmpdir,
			         lab);
			if (sys_fcdb.open(&s, path) ||
			    sys_fcdb.import_ndjson(s, &in, &recs))
				die("get_latency: building the %s store failed", lab);
		}
		latency_point(s, size, lab);
		if (s != stores[S_FCDB]) {
			sys_fcdb.close(s);
			store_remove(path);
		}
	}
}

static void bench_durable(void)
{
	unsigned k = opt.durable_ops;
	char **creates = xmalloc(k * sizeof(char *));
	size_t *lens = xmalloc(k * sizeof(size_t));
	int *targets = xmalloc(k * sizeof(int));
	uint64_t nk = k < opt.n ? k : opt.n;

	for (unsigned j = 0; j < k; j++) {
		corpus_buf b = { 0 };

		corpus_function(&b, opt.seed, opt.n + j, CORPUS_CREATE,
		                BENCH_REGION, BENCH_ACCOUNT);
		creates[j] = b.data;
		lens[j] = b.len;
	}
	/* the next state of each function, along an allowed move */
	for (uint64_t j = 0; j < nk; j++) {
		static const int next[5] = { 0, 2, 3, 1, 1 };

		targets[j] = next[corpus_state(perm[j])];
		if (!targets[j])
			die("set_state_durable: no state in the corpus");
	}
	/* In rounds, the systems taking turns, as the reads do: a disk that
	   is slow for a moment costs one round of one system. */
	for (int wi = 0; wi < 2; wi++) {
		int w = wi ? W_SET : W_CREATE;
		uint64_t total = w == W_CREATE ? k : nk;
		double rate[NSYS][ROUNDS_MAX], secs[NSYS];

		if (!want(w))
			continue;
		memset(secs, 0, sizeof(secs));
		for (int round = 0; round < opt.rounds; round++) {
			uint64_t lo = total * (uint64_t)round / (uint64_t)opt.rounds;
			uint64_t hi = total * (uint64_t)(round + 1) /
			              (uint64_t)opt.rounds;

			for (int s = 0; s < NSYS; s++) {
				const bench_system *sys = systems[s];
				double t0;

				if (!stores[s] || !sys_on(s) ||
				    !(w == W_CREATE ? sys->create != NULL
				                    : sys->set_state != NULL))
					continue;
				t0 = now();
				for (uint64_t j = lo; j < hi; j++) {
					int rc = w == W_CREATE
					         ? sys->create(stores[s], creates[j], lens[j])
					         : sys->set_state(stores[s], names[perm[j]],
					                          targets[j]);

					if (rc)
						die("%s %s failed", wl_names[w], sys->name);
				}
				t0 = now() - t0;
				secs[s] += t0;
				rate[s][round] = (double)(hi - lo) / t0;
			}
		}
		for (int s = 0; s < NSYS; s++) {
			const bench_system *sys = systems[s];
			double r;

			if (!stores[s] || !sys_on(s) ||
			    !(w == W_CREATE ? sys->create != NULL
			                    : sys->set_state != NULL))
				continue;
			r = median(rate[s], opt.rounds);
			add_row(wl_names[w], sys->name, r, "ops/s", NULL);
			note("%s %s: %llu ops in %.2f s, median round %.0f ops/s "
			     "(%.2f ms each)", wl_names[w], sys->name,
			     (unsigned long long)total, secs[s], r, 1000 / r);
		}
	}
	for (unsigned j = 0; j < k; j++)
		free(creates[j]);
	free(creates);
	free(lens);
	free(targets);
}

int main(int argc, char **argv)
{
	static const uint64_t points[3] = { 10000, 100000, 1000000 };
	const char *td = getenv("TMPDIR");
	char mach[512];
	double t_start = now();

	parse_args(argc, argv);
	snprintf(load_start, sizeof(load_start), "%s", loadavg());
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine(mach, sizeof(mach));
	note("fcdb bench: N=%llu seed=%llu on %s", (unsigned long long)opt.n,
	     (unsigned long long)opt.seed, mach);

	/* data set sizes: the comparison, latency points, import RSS points */
	mark_want(opt.n);
	if (want(W_LAT)) {
		for (int i = 0; i < 3; i++)
			if (points[i] <= opt.n)
				lat_sizes[nlat++] = points[i];
		if (!nlat || lat_sizes[nlat - 1] != opt.n) {
			if (nlat == 3)
				nlat--; /* N above 1M: 10k, 100k and N */
			lat_sizes[nlat++] = opt.n;
		}
		for (int i = 0; i < nlat; i++)
			mark_want(lat_sizes[i]);
	}
	if (want(W_RSS)) {
		if (opt.quick) {
			rss_sizes[nrss++] = opt.n;
		} else {
			for (int i = 0; i < 3; i++)
				if (!(opt.no_1m && points[i] >= 1000000))
					rss_sizes[nrss++] = points[i];
		}
		for (int i = 0; i < nrss; i++)
			mark_want(rss_sizes[i]);
	}

	snprintf(tmpdir, sizeof(tmpdir), "%s/fcdb-bench.XXXXXX",
	         td && *td ? td : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(cleanup);
	note("working in %s", tmpdir);
	write_corpus();

	/* first, while this process is still small: children fork from it */
	if (want(W_RSS))
		bench_rss();
	if (want(W_CRC))
		bench_crc();
	if (store_workloads()) {
		make_names();
		build_stores();
		bench_reads();
		if (want(W_EXPORT))
			bench_export();
		if (want(W_LAT) && stores[S_FCDB])
			bench_latency();
		if (want(W_CREATE) || want(W_SET))
			bench_durable();
		for (int s = NSYS - 1; s >= 0; s--)
			if (stores[s])
				systems[s]->close(stores[s]);
	}
	print_tables(mach, now() - t_start);
	print_targets();
	write_json(mach, now() - t_start);
	return 0;
}
