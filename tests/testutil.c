/* testutil.c: sandboxes, fixture paths, file helpers and a seeded PRNG. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Sandboxes made and not yet freed, for tu_sandbox_sweep. */
#define LIVE_MAX 256
static char live[LIVE_MAX][256];
static pid_t live_pid;

static void live_add(const char *dir)
{
	size_t i;

	if (live_pid != getpid()) {
		/* a forked child does not own its parent's sandboxes */
		memset(live, 0, sizeof(live));
		live_pid = getpid();
	}
	for (i = 0; i < LIVE_MAX; i++)
		if (!live[i][0]) {
			snprintf(live[i], sizeof(live[i]), "%s", dir);
			return;
		}
}

static void live_remove(const char *dir)
{
	size_t i;

	if (live_pid != getpid())
		return;
	for (i = 0; i < LIVE_MAX; i++)
		if (strcmp(live[i], dir) == 0) {
			live[i][0] = '\0';
			return;
		}
}

void tu_sandbox_new(tu_sandbox *sb)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(sb->dir, sizeof(sb->dir), "%s/fcdb-test-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sb->dir))
		fail_msg("mkdtemp %s: %s", sb->dir, strerror(errno));
	snprintf(sb->store, sizeof(sb->store), "%s/store.fcdb", sb->dir);
	live_add(sb->dir);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_sandbox_free(tu_sandbox *sb)
{
	if (sb->dir[0]) {
		nftw(sb->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		live_remove(sb->dir);
	}
	sb->dir[0] = '\0';
}

size_t tu_sandbox_sweep(void)
{
	size_t i, n = 0;

	if (live_pid != getpid())
		return 0;
	for (i = 0; i < LIVE_MAX; i++) {
		if (!live[i][0])
			continue;
		fprintf(stderr, "removing the sandbox of a failed test: %s\n",
		        live[i]);
		nftw(live[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
		live[i][0] = '\0';
		n++;
	}
	return n;
}

const char *tu_data(const char *rel)
{
	static _Thread_local char path[512];
	const char *root = getenv("FCDB_TEST_DATA");

	snprintf(path, sizeof(path), "%s/%s", root && *root ? root : "tests/data",
	         rel);
	return path;
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (n && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read on %s", path);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

void tu_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	if (len && write(fd, data, len) != (ssize_t)len)
		fail_msg("short write on %s", path);
	close(fd);
}

uint64_t tu_seed(void)
{
	static uint64_t seed;
	const char *env;

	if (seed)
		return seed;
	env = getenv("FCDB_TEST_SEED");
	seed = env && *env ? strtoull(env, NULL, 0)
	                   : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	fprintf(stderr, "test seed: FCDB_TEST_SEED=%llu\n",
	        (unsigned long long)seed);
	return seed;
}

uint64_t tu_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

size_t tu_list_json(const char *reldir, char names[][128], size_t max)
{
	DIR *d = opendir(tu_data(reldir));
	struct dirent *e;
	size_t n = 0, len;

	if (!d)
		fail_msg("cannot list %s", tu_data(reldir));
	while ((e = readdir(d)) && n < max) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    strcmp(e->d_name, "manifest.json") == 0 || len >= 128)
			continue;
		memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return n;
}
