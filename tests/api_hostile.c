/*
 * api_hostile.c: hostile input through fcdb.h: depth bombs, 100 MB
 * strings, invalid UTF-8, NUL bytes, 1e400 and -0, duplicate keys, a
 * 200 MB zipFile, thousands of keys, very long key names; each through
 * create, update and import where it applies.
 *
 * Every case runs in a forked child under an address-space limit
 * (RLIMIT_AS, 3 GiB: several times what the largest input needs) and a
 * watchdog (alarm, 60 s), so "bounded time and memory" is checked without
 * timing assertions: a case that loops, recurses without end or keeps
 * allocating is killed or runs out of memory, and the parent sees that
 * instead of the result code it expects.  The child reports the code
 * through its exit status.  A refused case must leave the store exactly
 * as it was; every case must leave it checking clean.
 *
 * Under AddressSanitizer the address-space limit is left off (the shadow
 * memory is terabytes of address space); under valgrind ($VALGRIND set by
 * `make valgrind`) it is left off too, the watchdog is ten times longer
 * and the two cases of a 100 MB or larger input are skipped.  Each case
 * prints one line: input, result, seconds, the child's peak RSS.
 */
#include "apiutil.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define MIB (1024u * 1024u)
#define AS_LIMIT (3ull * 1024 * MIB)
#define WATCHDOG 60

/* Exit statuses of a child that are not a result code. */
#define CHILD_VALGRIND 99 /* valgrind's --error-exitcode in make valgrind */
#define CHILD_SETUP 100   /* building the input or opening the store failed */
#define CHILD_MESSAGE 101 /* the error message broke its rules */

static int under_valgrind(void)
{
	return getenv("VALGRIND") != NULL;
}

/* ---- documents ---- */

/* A growable text buffer that only the child uses (no cmocka there). */
typedef struct text {
	char *data;
	size_t len, cap;
	int failed;
} text;

static void t_reserve(text *t, size_t n)
{
	char *p;
	size_t cap;

	if (t->failed || t->len + n + 1 <= t->cap)
		return;
	cap = (t->len + n + 1) + (t->len + n + 1) / 2;
	p = realloc(t->data, cap);
	if (!p) {
		t->failed = 1;
		return;
	}
	t->data = p;
	t->cap = cap;
}

static void t_add(text *t, const char *s, size_t n)
{
	t_reserve(t, n);
	if (t->failed)
		return;
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static void t_adds(text *t, const char *s)
{
	t_add(t, s, strlen(s));
}

static void t_fill(text *t, char c, size_t n)
{
	t_reserve(t, n);
	if (t->failed)
		return;
	memset(t->data + t->len, c, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static void t_printf(text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void t_printf(text *t, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		t_add(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/*
 * The documents.  A builder writes `members` (no braces) that are added
 * to a complete, valid CreateFunctionInput for create and import, or are
 * the whole UpdateFunctionInput for update: so each case is one hostile
 * thing inside an otherwise acceptable document.
 */
typedef void (*builder)(text *t, size_t n);

#define HELLO_CODE "\"code\":{\"zipFile\":\"" AU_HELLO_B64 "\"}"

/* "description": n nested arrays */
static void b_depth(text *t, size_t n)
{
	t_adds(t, "\"description\":");
	t_fill(t, '[', n);
	t_fill(t, ']', n);
}

/* "description": a string of n bytes */
static void b_long_description(text *t, size_t n)
{
	t_adds(t, "\"description\":\"");
	t_fill(t, 'd', n);
	t_adds(t, "\"");
}

/* "code": a zipFile of n bytes of base64 (no package of its own: the
   case replaces the document's code) */
static void b_zipfile(text *t, size_t n)
{
	t_adds(t, "\"code\":{\"zipFile\":\"");
	t_fill(t, 'A', n);
	t_adds(t, "\"}");
}

/* n environment variables V0..V(n-1) with 16-byte values */
static void b_env(text *t, size_t n)
{
	size_t i;

	t_adds(t, "\"environmentVariables\":{");
	for (i = 0; i < n; i++)
		t_printf(t, "%s\"V%zu\":\"value-%010zu\"", i ? "," : "", i, i);
	t_adds(t, "}");
}

/* n environment variables with the shortest names and empty values */
static void b_env_tiny(text *t, size_t n)
{
	size_t i;

	t_adds(t, "\"environmentVariables\":{");
	for (i = 0; i < n; i++)
		t_printf(t, "%s\"K%zu\":\"\"", i ? "," : "", i);
	t_adds(t, "}");
}

/* n unknown top-level members */
static void b_unknown_keys(text *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		t_printf(t, "%s\"x%zu\":%zu", i ? "," : "", i, i);
}

/* one environment variable whose name is n letters long */
static void b_long_env_key(text *t, size_t n)
{
	t_adds(t, "\"environmentVariables\":{\"");
	t_fill(t, 'K', n);
	t_adds(t, "\":\"v\"}");
}

/* one unknown top-level member whose name is n bytes long */
static void b_long_unknown_key(text *t, size_t n)
{
	t_adds(t, "\"");
	t_fill(t, 'k', n);
	t_adds(t, "\":1");
}

/* ---- running a case in a child ---- */

struct mem_in {
	const char *data;
	size_t len, pos;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem_in *m = ctx;
	size_t n = m->len - m->pos;

	if (n > cap)
		n = cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int mem_rewind(void *ctx)
{
	((struct mem_in *)ctx)->pos = 0;
	return 0;
}

enum via { VIA_CREATE, VIA_UPDATE, VIA_IMPORT };

static const char *const via_name[] = { "create", "update", "import" };

/* 1 when s is valid UTF-8 without control characters: one line of text
   (an independent check, not the library's own). */
static int text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		int n, k;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, cp = *p & 0x07;
		else
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The message and field of a failure: one bounded line of UTF-8 text. */
static int message_ok(void)
{
	const char *m = fcdb_error_last()->message;
	const char *f = fcdb_error_last()->field;

	return m[0] && strlen(m) < 1024 && strlen(f) < 256 && text_ok(m) &&
	       text_ok(f);
}

/* The child: build the document, run it, exit with -rc. */
static void child(const char *store, int via, builder build, size_t n,
                  const char *name, const char *wrap)
{
	struct rlimit rl;
	fcdb_options o;
	fcdb *db = NULL;
	text t = { NULL, 0, 0, 0 };
	int rc;

	if (!UNDER_ASAN && !under_valgrind()) {
		rl.rlim_cur = rl.rlim_max = AS_LIMIT;
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(CHILD_SETUP);
	}
	alarm(under_valgrind() ? 10 * WATCHDOG : WATCHDOG);

	if (via == VIA_UPDATE) {
		t_adds(&t, "{");
		build(&t, n);
		t_adds(&t, "}");
	} else {
		t_printf(&t, "{\"functionName\":\"%s\",\"runtime\":\"python3.10\","
		         "\"handler\":\"index.handler\",", name);
		if (via == VIA_IMPORT) /* an export carries no code */
			t_adds(&t, "\"codeChecksum\":\"" AU_HELLO_CRC "\","
			       "\"codeSize\":168,");
		else if (!wrap || strcmp(wrap, "nocode") != 0)
			t_adds(&t, HELLO_CODE ",");
		build(&t, n);
		t_adds(&t, "}");
		if (via == VIA_IMPORT)
			t_adds(&t, "\n");
	}
	if (t.failed)
		_exit(CHILD_SETUP);

	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.clock = au_clock;
	if (fcdb_open(&db, store, &o))
		_exit(CHILD_SETUP);
	switch (via) {
	case VIA_CREATE:
		rc = fcdb_function_create(db, NULL, t.data, t.len, NULL);
		break;
	case VIA_UPDATE:
		rc = fcdb_function_update(db, NULL, "victim", t.data, t.len,
		                          NULL);
		break;
	default: {
		struct mem_in m = { t.data, t.len, 0 };
		fcdb_import_options io;

		fcdb_import_options_init(&io);
		io.rewind = mem_rewind;
		rc = fcdb_import(db, mem_read, &m, &io, NULL);
	}
	}
	if (rc && !message_ok()) {
		fprintf(stderr, "bad message: %.300s\n",
		        fcdb_error_last()->message);
		_exit(CHILD_MESSAGE);
	}
	fcdb_close(db);
	free(t.data);
	_exit(rc <= 0 && rc > -CHILD_VALGRIND ? -rc : CHILD_SETUP);
}

/* A store with the function "victim" (Active, so it can be updated). */
static void make_store(tu_sandbox *sb)
{
	fcdb *db;

	tu_sandbox_new(sb);
	db = au_open(sb->store);
	au_create_active(db, "victim", NULL);
	fcdb_close(db);
}

/*
 * Run one case in a child and check the code it reports.  When the case
 * is refused the store must be unchanged; it must check clean either way.
 */
static void hostile(const tu_sandbox *sb, const char *label, int via,
                    builder build, size_t n, const char *name,
                    const char *wrap, int want)
{
	struct timespec t0, t1;
	struct rusage ru;
	uint64_t rev_before, rev_after;
	fcdb *db;
	pid_t pid;
	int status, code, rc;

	db = au_open(sb->store);
	rev_before = au_revision(db);
	fcdb_close(db); /* never fork with an open handle */

	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0)
		child(sb->store, via, build, n, name, wrap);
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			fail_msg("wait4: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (WIFSIGNALED(status))
		fail_msg("%s via %s: the child died of signal %d%s", label,
		         via_name[via], WTERMSIG(status),
		         WTERMSIG(status) == SIGALRM ? " (the watchdog: it ran "
		         "past its time limit)" : "");
	code = WEXITSTATUS(status);
	if (code == CHILD_VALGRIND)
		fail_msg("%s via %s: valgrind found errors in the child", label,
		         via_name[via]);
	if (code == CHILD_MESSAGE)
		fail_msg("%s via %s: the error message is not one bounded line "
		         "of text", label, via_name[via]);
	if (code >= CHILD_SETUP)
		fail_msg("%s via %s: the child could not set up (%d)", label,
		         via_name[via], code);
	rc = -code;
	printf("  %-44s %-6s -> %-15s %6.2f s, peak RSS %4ld MB\n", label,
	       via_name[via], fcdb_error_name(rc),
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ru.ru_maxrss / 1024);
	if (rc != want)
		fail_msg("%s via %s: %s, want %s", label, via_name[via],
		         fcdb_error_name(rc), fcdb_error_name(want));

	db = au_open(sb->store);
	rev_after = au_revision(db);
	if (want != FCDB_OK && rev_after != rev_before)
		fail_msg("%s via %s: refused, yet the store revision moved from "
		         "%llu to %llu", label, via_name[via],
		         (unsigned long long)rev_before,
		         (unsigned long long)rev_after);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
}

/* The same case through create, update and import. */
static void hostile3(const tu_sandbox *sb, const char *label, builder build,
                     size_t n, int want_create, int want_update,
                     int want_import)
{
	hostile(sb, label, VIA_CREATE, build, n, "h_create", NULL, want_create);
	hostile(sb, label, VIA_UPDATE, build, n, NULL, NULL, want_update);
	hostile(sb, label, VIA_IMPORT, build, n, "h_import", NULL, want_import);
}

/* ---- the cases ---- */

static void test_depth_bomb(void **state)
{
	tu_sandbox sb;

	(void)state;
	make_store(&sb);
	/* refused at the 33rd level, whatever follows */
	hostile3(&sb, "100,000 nested arrays", b_depth, 100000, FCDB_EINVAL,
	         FCDB_EINVAL, FCDB_EINVAL);
	hostile3(&sb, "33 nested arrays", b_depth, 33, FCDB_EINVAL,
	         FCDB_EINVAL, FCDB_EINVAL);
	tu_sandbox_free(&sb);
}

static void test_huge_string(void **state)
{
	tu_sandbox sb;

	(void)state;
	if (under_valgrind())
		skip();
	make_store(&sb);
	/* description has no length rule: the 1 MiB record limit refuses
	   it (import: the 1 MiB limit on one record's text) */
	hostile3(&sb, "100 MB description", b_long_description, 100 * MIB,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	tu_sandbox_free(&sb);
}

static void test_record_limit(void **state)
{
	tu_sandbox sb;

	(void)state;
	make_store(&sb);
	/* the same rule at a size valgrind can run */
	hostile3(&sb, "2 MB description", b_long_description, 2 * MIB,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	hostile3(&sb, "900 kB description", b_long_description, 900 * 1024,
	         FCDB_OK, FCDB_OK, FCDB_OK);
	tu_sandbox_free(&sb);
}

static void test_huge_zipfile(void **state)
{
	tu_sandbox sb;

	(void)state;
	if (under_valgrind())
		skip();
	make_store(&sb);
	/* refused by the 101 MiB document limit, before any parsing;
	   import takes no code (and refuses a record over 1 MiB of text) */
	hostile(&sb, "200 MB zipFile", VIA_CREATE, b_zipfile, 200 * MIB,
	        "h_zip", "nocode", FCDB_EINVAL);
	hostile(&sb, "200 MB zipFile", VIA_UPDATE, b_zipfile, 200 * MIB, NULL,
	        NULL, FCDB_EINVAL);
	/* 100 MB exactly is within the limit: it decodes (to 75 MB of
	   zeros), then the store keeps only its checksum and size */
	hostile(&sb, "100 MiB zipFile", VIA_CREATE, b_zipfile, 100 * MIB,
	        "h_zip", "nocode", FCDB_OK);
	tu_sandbox_free(&sb);
}

/* Invalid UTF-8 in each place text goes: every one refused. */
static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *label, *doc;
	} cases[] = {
		{ "bad UTF-8 in functionName", "\"functionName\":\"a\xff\"" },
		{ "bad UTF-8 in description", "\"description\":\"\xc3\x28\"" },
		{ "overlong UTF-8 in handler", "\"handler\":\"\xc0\xaf\"" },
		{ "UTF-8 surrogate in an env value",
		  "\"environmentVariables\":{\"A\":\"\xed\xa0\x80\"}" },
		{ "bad UTF-8 in an env key",
		  "\"environmentVariables\":{\"A\xfe\":\"x\"}" },
		{ "bad UTF-8 in a tag value",
		  "\"tags\":[{\"Key\":\"k\",\"Value\":\"\xf8\x88\x80\x80\x80\"}]" },
		{ "bad UTF-8 in the registry password",
		  "\"runtime\":\"custom-container\",\"customContainerConfig\":{"
		  "\"image\":\"r/i:1\",\"registryConfig\":{\"authConfig\":{"
		  "\"password\":\"pw\x80\"}}}" },
		{ "cut UTF-8 at the end of a string",
		  "\"description\":\"caf\xc3\"" },
		{ "code point above U+10FFFF", "\"description\":\"\xf4\x90\x80\x80\"" },
	};
	char *doc;
	size_t i;
	tu_sandbox sb;
	fcdb *db;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "victim", NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* members later in the text win nothing: a duplicate key
		   is refused too, so build each document whole */
		size_t len = strlen(cases[i].doc) + 256;
		int rc;

		doc = malloc(len + sizeof(AU_HELLO_B64));
		assert_non_null(doc);
		if (strstr(cases[i].doc, "\"functionName\""))
			snprintf(doc, len + sizeof(AU_HELLO_B64), "{%s,\"runtime\":"
			         "\"python3.10\",\"handler\":\"i.h\"," HELLO_CODE "}",
			         cases[i].doc);
		else if (strstr(cases[i].doc, "\"handler\"") ||
		         strstr(cases[i].doc, "\"runtime\""))
			snprintf(doc, len + sizeof(AU_HELLO_B64),
			         "{\"functionName\":\"u8\",%s%s}", cases[i].doc,
			         strstr(cases[i].doc, "\"runtime\"") ? ""
			         : ",\"runtime\":\"python3.10\"," HELLO_CODE);
		else
			snprintf(doc, len + sizeof(AU_HELLO_B64),
			         "{\"functionName\":\"u8\",\"runtime\":\"python3.10\","
			         "\"handler\":\"i.h\",%s," HELLO_CODE "}",
			         cases[i].doc);
		rc = au_create_doc(db, doc);
		if (rc != FCDB_EINVAL)
			fail_msg("%s: create returned %s: %s", cases[i].label,
			         fcdb_error_name(rc), doc);
		assert_true(message_ok());
		printf("  %-44s create -> %s\n", cases[i].label,
		       fcdb_error_name(rc));
		/* the same members as an update, where they may be updated */
		if (!strstr(cases[i].doc, "\"functionName\"") &&
		    !strstr(cases[i].doc, "\"tags\"")) {
			snprintf(doc, len, "{%s}", cases[i].doc);
			rc = fcdb_function_update(db, NULL, "victim", doc,
			                          strlen(doc), NULL);
			if (rc != FCDB_EINVAL)
				fail_msg("%s: update returned %s", cases[i].label,
				         fcdb_error_name(rc));
			assert_true(message_ok());
		}
		free(doc);
	}
	/* nothing of it got in */
	assert_int_equal(au_revision(db), 2);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A NUL inside a name, as an escape and as a raw byte. */
static void test_nul_in_name(void **state)
{
	static const char esc[] =
		"{\"functionName\":\"ab\\u0000cd\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\"," HELLO_CODE "}";
	static const char raw[] =
		"{\"functionName\":\"ab\0cd\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\"," HELLO_CODE "}";
	static const char env[] =
		"{\"environmentVariables\":{\"A\\u0000B\":\"x\"}}";
	static const char val[] =
		"{\"description\":\"before\\u0000after\"}";
	tu_sandbox sb;
	fcdb *db;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "victim", NULL);
	au_expect(fcdb_function_create(db, NULL, esc, sizeof(esc) - 1, NULL),
	          FCDB_EINVAL);
	au_message_has("NUL");
	au_expect(fcdb_function_create(db, NULL, raw, sizeof(raw) - 1, NULL),
	          FCDB_EINVAL);
	au_expect(fcdb_function_update(db, NULL, "victim", env,
	                               sizeof(env) - 1, NULL), FCDB_EINVAL);
	au_expect(fcdb_function_update(db, NULL, "victim", val,
	                               sizeof(val) - 1, NULL), FCDB_EINVAL);
	/* a name with a NUL cannot be looked up either: it is "ab" */
	au_expect(fcdb_function_get(db, &(fcdb_function *){ NULL }, "ab"),
	          FCDB_ENOTFOUND);
	printf("  %-44s create -> InvalidArgument\n", "\\u0000 inside a name");
	printf("  %-44s create -> InvalidArgument\n", "raw NUL inside a name");
	assert_int_equal(au_revision(db), 2);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/*
 * Numbers at the edges.  1e400 is beyond double range: refused wherever
 * it appears.  -0 is the integer 0 (JSON has no negative zero to keep):
 * refused where 0 is out of range (timeout, memorySize, cpu), accepted
 * where the rules allow 0 (a port), and it reads back as 0, never -0.
 */
static void test_numbers(void **state)
{
	static const struct {
		const char *label, *members;
		int want;
	} cases[] = {
		{ "timeout 1e400", "\"timeout\":1e400", FCDB_EINVAL },
		{ "cpu -1e400", "\"cpu\":-1e400", FCDB_EINVAL },
		{ "description 1e400 (not a string)", "\"description\":1e400",
		  FCDB_EINVAL },
		{ "env value 1e400 (unknown nested member)",
		  "\"environmentVariables\":{\"A\":1e400}", FCDB_EINVAL },
		{ "timeout -0", "\"timeout\":-0", FCDB_EINVAL },
		{ "timeout -0.0", "\"timeout\":-0.0", FCDB_EINVAL },
		{ "memorySize -0", "\"memorySize\":-0", FCDB_EINVAL },
		{ "cpu -0", "\"cpu\":-0", FCDB_EINVAL },
		{ "timeout 1e-400 (underflows to 0)", "\"timeout\":1e-400",
		  FCDB_EINVAL },
		{ "timeout 3e0 (a whole number)", "\"timeout\":3e0", FCDB_OK },
		{ "customRuntimeConfig.port -0",
		  "\"runtime\":\"custom\",\"customRuntimeConfig\":{\"port\":-0}",
		  FCDB_OK },
	};
	char doc[1024];
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[16];
		int rc;

		snprintf(name, sizeof(name), "num%zu", i);
		snprintf(doc, sizeof(doc), "{\"functionName\":\"%s\",%s%s,"
		         "\"handler\":\"i.h\"," HELLO_CODE "}", name,
		         strstr(cases[i].members, "\"runtime\"") ? ""
		         : "\"runtime\":\"python3.10\",", cases[i].members);
		rc = au_create_doc(db, doc);
		if (rc != cases[i].want)
			fail_msg("%s: create returned %s, want %s (%s)",
			         cases[i].label, fcdb_error_name(rc),
			         fcdb_error_name(cases[i].want),
			         fcdb_error_last()->message);
		printf("  %-44s create -> %s\n", cases[i].label,
		       fcdb_error_name(rc));
		if (rc == FCDB_OK) {
			/* what went in as -0 or 3e0 comes out as an integer */
			fcdb_function *fn = NULL;
			char *s = NULL;

			au_ok(fcdb_function_get(db, &fn, name));
			au_ok(fcdb_function_json(&s, NULL, fn, 0));
			if (strstr(cases[i].members, "port")) {
				assert_non_null(strstr(s, "\"port\":0}"));
			} else {
				const char *at = strstr(s, "\"timeout\":3");
				int whole = at && (at[11] == ',' || at[11] == '}');

				assert_true(whole);
				assert_int_equal(fcdb_function_timeout(fn), 3);
			}
			fcdb_json_free(s);
			fcdb_function_free(fn);
		}
	}
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Duplicate keys, at the top and nested, through all three doors. */
static void test_duplicate_keys(void **state)
{
	static const char *const update_docs[] = {
		"{\"timeout\":5,\"timeout\":6}",
		"{\"environmentVariables\":{\"A\":\"1\",\"A\":\"2\"}}",
		"{\"customRuntimeConfig\":{\"port\":1,\"port\":2}}",
	};
	static const char create_top[] =
		"{\"functionName\":\"d\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\",\"handler\":\"j.h\"," HELLO_CODE "}";
	static const char create_nested[] =
		"{\"functionName\":\"d\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\",\"vpcConfig\":{\"vpcId\":\"a\",\"vpcId\":\"b\"},"
		HELLO_CODE "}";
	static const char import_doc[] =
		"{\"functionName\":\"d\",\"runtime\":\"python3.10\","
		"\"handler\":\"i.h\",\"codeChecksum\":\"" AU_HELLO_CRC "\","
		"\"codeSize\":168,\"tags\":[{\"Key\":\"a\",\"Key\":\"b\"}]}\n";
	struct mem_in m = { import_doc, sizeof(import_doc) - 1, 0 };
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "victim", NULL);
	au_expect(au_create_doc(db, create_top), FCDB_EINVAL);
	au_field("handler");
	au_expect(au_create_doc(db, create_nested), FCDB_EINVAL);
	au_field("vpcConfig.vpcId");
	for (i = 0; i < sizeof(update_docs) / sizeof(update_docs[0]); i++)
		au_expect(fcdb_function_update(db, NULL, "victim", update_docs[i],
		                               strlen(update_docs[i]), NULL),
		          FCDB_EINVAL);
	au_field("customRuntimeConfig.port");
	au_expect(fcdb_import(db, mem_read, &m, NULL, NULL), FCDB_EINVAL);
	au_field("tags[0].Key");
	printf("  %-44s create -> InvalidArgument\n", "duplicate top-level key");
	printf("  %-44s create -> InvalidArgument\n", "duplicate nested key");
	assert_int_equal(au_revision(db), 2);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* Many keys: no rule limits how many; the 1 MiB record limit does. */
static void test_many_keys(void **state)
{
	tu_sandbox sb;
	fcdb *db;
	cJSON *j;

	(void)state;
	make_store(&sb);
	hostile3(&sb, "1,000 environment variables", b_env, 1000, FCDB_OK,
	         FCDB_OK, FCDB_OK);
	db = au_open(sb.store);
	j = au_get_json(db, "h_create");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	                 j, "environmentVariables")), 1000);
	cJSON_Delete(j);
	j = au_get_json(db, "victim");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	                 j, "environmentVariables")), 1000);
	cJSON_Delete(j);
	fcdb_close(db);
	tu_sandbox_free(&sb);

	make_store(&sb);
	/* 100,000 names of about 6 bytes and empty values: 0.8 MB stored */
	hostile(&sb, "100,000 env vars, empty values", VIA_CREATE, b_env_tiny,
	        100000, "h_env", NULL, FCDB_OK);
	/* with 16-byte values: 2.6 MB, over the record limit */
	hostile3(&sb, "100,000 env vars, 16-byte values", b_env, 100000,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	/* unknown members are refused however many there are */
	hostile3(&sb, "100,000 unknown top-level keys", b_unknown_keys, 100000,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	tu_sandbox_free(&sb);
}

static void test_long_keys(void **state)
{
	tu_sandbox sb;

	(void)state;
	make_store(&sb);
	/* env names have no length rule: the record limit applies */
	hostile3(&sb, "200 kB env var name", b_long_env_key, 200 * 1024,
	         FCDB_OK, FCDB_OK, FCDB_OK);
	hostile3(&sb, "2 MB env var name", b_long_env_key, 2 * MIB,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	/* an unknown member of any length: refused, the message quotes a
	   bounded part of its name */
	hostile3(&sb, "1 MB unknown key name", b_long_unknown_key, MIB,
	         FCDB_EINVAL, FCDB_EINVAL, FCDB_EINVAL);
	tu_sandbox_free(&sb);
}

/*
 * Error messages quote the input (a key, the start of a value): whatever
 * those bytes are, the message and field stay one line of valid UTF-8.
 * Regression: invalid UTF-8 and control characters in keys used to be
 * copied into the message and field as they were, and "%.64s" cut a
 * multi-byte character in half (found by fuzz_create).
 */
static void test_error_messages_are_text(void **state)
{
	static const struct {
		const char *label, *doc;
	} cases[] = {
		{ "invalid UTF-8 in a top-level key",
		  "{\"functionName\":\"x\",\"run\xf4time\":\"python3.10\"}" },
		{ "invalid UTF-8 in a nested key",
		  "{\"functionName\":\"x\",\"vpcConfig\":{\"vpc\xc0Id\":\"v\"}}" },
		{ "a newline in a key",
		  "{\"functionName\":\"x\",\"evil\\nfcdb: OK: forged\":1}" },
		{ "an escape character in a key",
		  "{\"functionName\":\"x\",\"\\u001b[31mred\":1}" },
		{ "DEL and a tab in an env key",
		  "{\"functionName\":\"x\",\"environmentVariables\":"
		  "{\"A\\u007f\\tB\":\"v\"}}" },
		{ "a runtime cut inside a character",
		  "{\"functionName\":\"x\",\"runtime\":\"x\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}" },
		{ "a tag key cut inside a character",
		  "{\"functionName\":\"x\",\"tags\":[{\"Key\":\"x\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\"},{\"Key\":\"x\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\"}]}" },
	};
	tu_sandbox sb;
	fcdb *db;
	size_t i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	au_create_active(db, "victim", NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *doc = cases[i].doc;
		const char *upd = strchr(doc + 1, ',') + 1; /* drop the name */
		char *u = malloc(strlen(upd) + 2);
		int rc;

		rc = au_create_doc(db, doc);
		if (rc != FCDB_EINVAL)
			fail_msg("%s: create returned %s", cases[i].label,
			         fcdb_error_name(rc));
		if (!message_ok())
			fail_msg("%s: the message or field is not one line of "
			         "UTF-8 text: \"%s\" (field \"%s\")", cases[i].label,
			         fcdb_error_last()->message,
			         fcdb_error_last()->field);
		assert_non_null(u);
		u[0] = '{';
		strcpy(u + 1, upd);
		rc = fcdb_function_update(db, NULL, "victim", u, strlen(u), NULL);
		if (rc != FCDB_EINVAL)
			fail_msg("%s: update returned %s", cases[i].label,
			         fcdb_error_name(rc));
		if (!message_ok())
			fail_msg("%s: update: the message is not one line of "
			         "UTF-8 text: \"%s\"", cases[i].label,
			         fcdb_error_last()->message);
		free(u);
	}
	assert_int_equal(au_revision(db), 2);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth_bomb),
		cmocka_unit_test(test_huge_string),
		cmocka_unit_test(test_record_limit),
		cmocka_unit_test(test_huge_zipfile),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_nul_in_name),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_error_messages_are_text),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_hostile", tests, NULL,
	                                   au_sweep);
}
