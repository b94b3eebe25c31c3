/*
 * fuzz_util.h: what the libFuzzer targets share: stores in a scratch
 * directory of their own (opened once per process, removed at exit), an
 * in-memory import source, and the checks every rendered Function must
 * pass.  Header-only: each target is one .c file (see the Makefile).
 *
 * A target calls fz_fail() when something that must hold does not: the
 * abort is a crash to libFuzzer, which saves the input as an artifact.
 */
#ifndef FCDB_FUZZ_UTIL_H
#define FCDB_FUZZ_UTIL_H

#include <fcdb.h>

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h" /* fcdb__utf8_valid */

/* The pinned clock of every store: 2023-04-01T08:15:27Z. */
#define FZ_NOW 1680336927

static char fz_dir[256];

static void fz_fail(const char *fmt, ...) __attribute__((noreturn,
                                                        format(printf, 1, 2)));

static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz invariant failed: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(last error: %s: %s; field \"%s\")\n",
	        fcdb_error_name(fcdb_error_last()->code),
	        fcdb_error_last()->message, fcdb_error_last()->field);
	abort();
}

static int fz_rm(const char *path, const struct stat *st, int flag,
                 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fz_cleanup(void)
{
	if (fz_dir[0])
		nftw(fz_dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
	fz_dir[0] = '\0';
}

static int64_t fz_clock(void *ctx)
{
	(void)ctx;
	return FZ_NOW;
}

/* Open (creating) the store `file` in this process's scratch directory,
   under $TMPDIR (tests/fuzz/run.sh points it at its own scratch). */
static fcdb *fz_open(const char *file)
{
	char path[512];
	fcdb_options o;
	fcdb *db = NULL;
	int rc;

	if (!fz_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fz_dir, sizeof(fz_dir), "%s/fcdb-fuzz-XXXXXX",
		         tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fz_dir)) {
			perror(fz_dir);
			abort();
		}
		atexit(fz_cleanup);
	}
	snprintf(path, sizeof(path), "%s/%s", fz_dir, file);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.clock = fz_clock;
	rc = fcdb_open(&db, path, &o);
	if (rc)
		fz_fail("fcdb_open %s: %d", path, rc);
	return db;
}

/* ---- an import source over a memory buffer ---- */

typedef struct fz_reader {
	const char *data;
	size_t len, pos;
} fz_reader;

static int fz_read(void *ctx, char *buf, size_t cap, size_t *got)
{
	fz_reader *r = ctx;
	size_t n = r->len - r->pos;

	/* short reads on purpose: records straddle the import's buffer */
	if (n > cap)
		n = cap;
	if (n > 4093)
		n = 4093;
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	*got = n;
	return 0;
}

static int fz_rewind(void *ctx)
{
	((fz_reader *)ctx)->pos = 0;
	return 0;
}

static int fz_import(fcdb *db, const char *data, size_t len, int mode,
                     unsigned flags, fcdb_import_report *rep)
{
	fz_reader r = { data, len, 0 };
	fcdb_import_options io;

	fcdb_import_options_init(&io);
	io.mode = mode;
	io.flags = flags;
	io.rewind = fz_rewind;
	return fcdb_import(db, fz_read, &r, &io, rep);
}

/* ---- an export sink into a growing buffer ---- */

typedef struct fz_text {
	char *data;
	size_t len, cap;
} fz_text;

static int fz_write(void *ctx, const char *data, size_t len)
{
	fz_text *t = ctx;

	if (t->len + len + 1 > t->cap) {
		size_t cap = (t->len + len + 1) * 2;
		char *p = realloc(t->data, cap);

		if (!p)
			return -1;
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->len, data, len);
	t->len += len;
	t->data[t->len] = '\0';
	return 0;
}

/* ---- checks ---- */

/* A failed call: the expected code, nothing handed out, and a message
   that is one line of valid UTF-8 text. */
static void fz_check_error(int rc, const char *call)
{
	const fcdb_error *e = fcdb_error_last();
	const char *m = e->message;
	size_t i;

	if (e->code != rc)
		fz_fail("%s returned %d but the last error says %d", call, rc,
		        e->code);
	if (!m[0])
		fz_fail("%s: %s with an empty message", call,
		        fcdb_error_name(rc));
	if (!fcdb__utf8_valid(m, strlen(m)))
		fz_fail("%s: the error message is not valid UTF-8", call);
	if (!fcdb__utf8_valid(e->field, strlen(e->field)))
		fz_fail("%s: the error field is not valid UTF-8", call);
	for (i = 0; m[i]; i++)
		if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
			fz_fail("%s: the error message holds control character "
			        "0x%02x at %zu", call, (unsigned char)m[i], i);
}

/* Text that must be one JSON value, valid UTF-8; returns it parsed. */
static cJSON *fz_check_json(const char *text, size_t len, const char *what)
{
	cJSON *j;

	if (strlen(text) != len)
		fz_fail("%s: JSON of %zu bytes holds a NUL", what, len);
	if (!fcdb__utf8_valid(text, len))
		fz_fail("%s: JSON is not valid UTF-8: %s", what, text);
	j = cJSON_ParseWithLength(text, len);
	if (!j)
		fz_fail("%s: not JSON: %s", what, text);
	return j;
}

/* Render `fn` every way the API offers; each must be JSON.  Returns the
   compact, unmasked rendering without revision (the export shape), to
   be freed with fcdb_json_free. */
static char *fz_render(const fcdb_function *fn, size_t *len_out)
{
	static const unsigned flags[] = {
		0, FCDB_JSON_PRETTY, FCDB_JSON_REVISION, FCDB_JSON_MASK_SECRETS,
		FCDB_JSON_PRETTY | FCDB_JSON_REVISION | FCDB_JSON_MASK_SECRETS,
	};
	char *plain = NULL;
	size_t i, plen = 0;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char *s = NULL, what[64];
		size_t len = 0;
		int rc = fcdb_function_json(&s, &len, fn, flags[i]);

		if (rc)
			fz_fail("fcdb_function_json flags %#x: %d", flags[i], rc);
		snprintf(what, sizeof(what), "fcdb_function_json flags %#x",
		         flags[i]);
		cJSON_Delete(fz_check_json(s, len, what));
		if (flags[i] == 0) {
			plain = s;
			plen = len;
		} else {
			fcdb_json_free(s);
		}
	}
	/* the accessors must not trip over anything a record can hold */
	(void)fcdb_function_name(fn);
	(void)fcdb_function_arn(fn);
	(void)fcdb_function_id(fn);
	(void)fcdb_function_runtime(fn);
	(void)fcdb_function_handler(fn);
	(void)fcdb_function_description(fn);
	(void)fcdb_function_state(fn);
	(void)fcdb_function_state_reason_code(fn);
	(void)fcdb_function_state_reason(fn);
	(void)fcdb_function_update_status(fn);
	(void)fcdb_function_update_status_reason_code(fn);
	(void)fcdb_function_update_status_reason(fn);
	(void)fcdb_function_revision(fn);
	(void)fcdb_function_memory_size(fn);
	(void)fcdb_function_cpu(fn);
	(void)fcdb_function_timeout(fn);
	(void)fcdb_function_disk_size(fn);
	(void)fcdb_function_instance_concurrency(fn);
	(void)fcdb_function_code_checksum(fn);
	(void)fcdb_function_code_size(fn);
	(void)fcdb_function_has_code_size(fn);
	(void)fcdb_function_created_time(fn);
	(void)fcdb_function_last_modified_time(fn);
	if (len_out)
		*len_out = plen;
	return plain;
}

/*
 * A stored function, as the API returns it, must read back the same by
 * name, ARN and id, and its JSON (the export shape) must import again
 * unchanged: a dry run in upsert mode over the store that holds it.
 */
static void fz_check_stored(fcdb *db, const fcdb_function *fn)
{
	const char *name = fcdb_function_name(fn);
	fcdb_function *again = NULL;
	fcdb_import_report rep;
	char *text, *other = NULL;
	size_t len, olen = 0;
	int rc;

	if (!name || !fcdb_function_arn(fn) || !fcdb_function_id(fn))
		fz_fail("a stored function lacks its name, ARN or id");
	text = fz_render(fn, &len);
	rc = fcdb_function_get(db, &again, name);
	if (rc)
		fz_fail("get \"%s\" after the write: %d", name, rc);
	if (fcdb_function_json(&other, &olen, again, 0) || olen != len ||
	    memcmp(text, other, len) != 0)
		fz_fail("get returns other JSON than the write:\n%s\n%s", text,
		        other ? other : "(none)");
	fcdb_json_free(other);
	fcdb_function_free(again);
	again = NULL;
	if (fcdb_function_get_by_arn(db, &again, fcdb_function_arn(fn)))
		fz_fail("get by ARN of \"%s\" fails", name);
	fcdb_function_free(again);
	again = NULL;
	if (fcdb_function_get_by_id(db, &again, fcdb_function_id(fn)))
		fz_fail("get by id of \"%s\" fails", name);
	fcdb_function_free(again);
	rc = fz_import(db, text, len, FCDB_IMPORT_UPSERT, FCDB_IMPORT_DRY_RUN,
	               &rep);
	if (rc)
		fz_fail("the function's own JSON does not import: %s", text);
	if (rep.records != 1 || rep.unchanged != 1)
		fz_fail("the function's own JSON imports as a change "
		        "(created %llu, updated %llu): %s",
		        (unsigned long long)rep.created,
		        (unsigned long long)rep.updated, text);
	fcdb_json_free(text);
}

#endif
