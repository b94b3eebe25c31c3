/*
 * sys_sqlite.c: the sqlite baseline: one table (name primary key, arn
 * unique, id unique, compact JSON text) in WAL mode with
 * synchronous=FULL, prepared statements everywhere, cJSON for typed reads.
 *
 * Tuning a careful user would do for a read-mostly store, applied to the
 * writer and to every reader connection: a 64 MiB page cache and reads
 * through mmap (up to 2 GiB) so a hot store is served from the page cache
 * as LMDB's is.
 */
#include "system.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "baseline_json.h"

#define PRAGMAS \
	"PRAGMA cache_size=-65536;" \
	"PRAGMA mmap_size=2147418112;"

struct bench_sys {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *insert, *select, *update;
};

struct bench_reader {
	sqlite3 *db;
	sqlite3_stmt *by_name, *by_arn, *page;
};

static int fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench: sqlite: %s: %s\n", what,
	        db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench: sqlite: %s: %s\n", sql, err);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	                       NULL) != SQLITE_OK)
		return fail(db, sql);
	return 0;
}

static void q_close(bench_sys *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->select);
	sqlite3_finalize(s->update);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int q_open(bench_sys **out, const char *path)
{
	bench_sys *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -1;
	s->path = strdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	                    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		fail(s->db, "open");
		q_close(s);
		return -1;
	}
	if (exec(s->db, "PRAGMA journal_mode=WAL;"
	                "PRAGMA synchronous=FULL;" PRAGMAS
	                "CREATE TABLE IF NOT EXISTS functions("
	                " name TEXT PRIMARY KEY NOT NULL,"
	                " arn TEXT NOT NULL UNIQUE,"
	                " id TEXT NOT NULL UNIQUE,"
	                " json TEXT NOT NULL)") ||
	    prepare(s->db, "INSERT INTO functions(name, arn, id, json) "
	                   "VALUES (?1, ?2, ?3, ?4)", &s->insert) ||
	    prepare(s->db, "SELECT json FROM functions WHERE name = ?1",
	            &s->select) ||
	    prepare(s->db, "UPDATE functions SET json = ?2 WHERE name = ?1",
	            &s->update)) {
		q_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int insert(bench_sys *s, const char *json, size_t len,
                  const char *name, const char *arn, const char *id)
{
	int rc;

	sqlite3_bind_text(s->insert, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->insert, 2, arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->insert, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->insert, 4, json, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s->insert);
	sqlite3_reset(s->insert);
	return rc == SQLITE_DONE ? 0 : fail(s->db, "insert");
}

static int load_line(void *ctx, char *line, size_t len)
{
	bench_sys *s = ctx;
	const char *name, *arn, *id;
	cJSON *doc = cJSON_ParseWithLength(line, len);
	int rc;

	if (!doc || !bj_keys(doc, &name, &arn, &id)) {
		cJSON_Delete(doc);
		fprintf(stderr, "bench: sqlite: import: a record without "
		        "functionName, functionArn or functionId\n");
		return -1;
	}
	/* the corpus is compact JSON already: store the text as it came */
	rc = insert(s, line, len, name, arn, id);
	cJSON_Delete(doc);
	return rc;
}

static int q_import(bench_sys *s, const bench_input *in, uint64_t *records)
{
	if (exec(s->db, "BEGIN"))
		return -1;
	if (bench_ndjson_each(in, load_line, s, records)) {
		exec(s->db, "ROLLBACK");
		return -1;
	}
	return exec(s->db, "COMMIT");
}

static int q_create(bench_sys *s, const char *json, size_t len)
{
	const char *name, *arn, *id;
	cJSON *doc = cJSON_ParseWithLength(json, len);
	char *text;
	int rc;

	if (!doc || bj_complete(doc) || !bj_keys(doc, &name, &arn, &id)) {
		cJSON_Delete(doc);
		fprintf(stderr, "bench: sqlite: create: bad input\n");
		return -1;
	}
	text = cJSON_PrintUnformatted(doc);
	/* autocommit: one transaction, synced at commit */
	rc = text ? insert(s, text, strlen(text), name, arn, id) : -1;
	free(text);
	cJSON_Delete(doc);
	return rc;
}

static int q_set_state(bench_sys *s, const char *name, int state)
{
	cJSON *doc = NULL;
	char *text = NULL;
	int rc = -1;

	if (exec(s->db, "BEGIN IMMEDIATE"))
		return -1;
	sqlite3_bind_text(s->select, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s->select) == SQLITE_ROW)
		doc = cJSON_ParseWithLength(
			(const char *)sqlite3_column_text(s->select, 0),
			(size_t)sqlite3_column_bytes(s->select, 0));
	sqlite3_reset(s->select);
	if (!doc || bj_set_state(doc, state)) {
		fprintf(stderr, "bench: sqlite: set_state %s: refused\n", name);
		goto out;
	}
	text = cJSON_PrintUnformatted(doc);
	sqlite3_bind_text(s->update, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->update, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->update) == SQLITE_DONE ? 0 : fail(s->db, "update");
	sqlite3_reset(s->update);
out:
	if (rc == 0)
		rc = exec(s->db, "COMMIT");
	else
		exec(s->db, "ROLLBACK");
	free(text);
	cJSON_Delete(doc);
	return rc;
}

static int q_export(bench_sys *s, FILE *out, uint64_t *records)
{
	sqlite3_stmt *st;
	uint64_t n = 0;
	int rc;

	/* one statement: one read snapshot */
	if (prepare(s->db, "SELECT json FROM functions ORDER BY name", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fwrite(sqlite3_column_text(st, 0), 1,
		       (size_t)sqlite3_column_bytes(st, 0), out);
		putc('\n', out);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s->db, "export");
	*records = n;
	return ferror(out) ? -1 : 0;
}

static int q_size(bench_sys *s, uint64_t *out)
{
	char wal[4200];
	struct stat st;

	/* move the WAL into the database file so the file is the store */
	if (exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)"))
		return -1;
	if (stat(s->path, &st)) {
		perror(s->path);
		return -1;
	}
	*out = (uint64_t)st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	if (stat(wal, &st) == 0)
		*out += (uint64_t)st.st_size;
	return 0;
}

/* ---- reads: one connection per reader (thread) ---- */

static void q_reader_close(bench_reader *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->by_name);
	sqlite3_finalize(r->by_arn);
	sqlite3_finalize(r->page);
	sqlite3_close(r->db);
	free(r);
}

static int q_reader_open(bench_sys *s, bench_reader **out)
{
	bench_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -1;
	if (sqlite3_open_v2(s->path, &r->db, SQLITE_OPEN_READONLY |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(r->db, "open reader");
		q_reader_close(r);
		return -1;
	}
	if (exec(r->db, PRAGMAS) ||
	    prepare(r->db, "SELECT json FROM functions WHERE name = ?1",
	            &r->by_name) ||
	    prepare(r->db, "SELECT json FROM functions WHERE arn = ?1",
	            &r->by_arn) ||
	    prepare(r->db, "SELECT name, json FROM functions WHERE name > ?1 "
	                   "ORDER BY name LIMIT ?2", &r->page)) {
		q_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* Run a one-row lookup; parse the JSON when `parse`, else copy it. */
static int lookup(bench_reader *r, sqlite3_stmt *st, const char *key,
                  cJSON **doc, char **copy, size_t *len)
{
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (doc) {
			*doc = cJSON_ParseWithLength(text, n);
		} else {
			*copy = malloc(n + 1);
			if (*copy) {
				memcpy(*copy, text, n);
				(*copy)[n] = '\0';
			}
			*len = n;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return fail(r->db, key);
	if (doc ? !*doc : !*copy) {
		fprintf(stderr, "bench: sqlite: %s: unreadable\n", key);
		return -1;
	}
	return 0;
}

static int q_get_by_name(bench_reader *r, const char *name, uint64_t *ck)
{
	cJSON *doc;

	if (lookup(r, r->by_name, name, &doc, NULL, NULL))
		return -1;
	*ck += bj_typed(doc);
	cJSON_Delete(doc);
	return 0;
}

static int q_get_by_arn(bench_reader *r, const char *arn, uint64_t *ck)
{
	cJSON *doc;

	if (lookup(r, r->by_arn, arn, &doc, NULL, NULL))
		return -1;
	*ck += bj_typed(doc);
	cJSON_Delete(doc);
	return 0;
}

static int q_read_state(bench_reader *r, const char *name, uint64_t *ck)
{
	cJSON *doc;

	if (lookup(r, r->by_name, name, &doc, NULL, NULL))
		return -1;
	*ck += bj_state(doc);
	cJSON_Delete(doc);
	return 0;
}

static int q_get_json(bench_reader *r, const char *name, uint64_t *ck)
{
	char *text;
	size_t len;

	if (lookup(r, r->by_name, name, NULL, &text, &len))
		return -1;
	*ck += len + (unsigned char)text[len / 2];
	free(text);
	return 0;
}

static int q_list_page(bench_reader *r, const char *after, unsigned limit,
                       char *last, unsigned *got, int *more, uint64_t *ck)
{
	sqlite3_stmt *st = r->page;
	unsigned n = 0;
	int rc;

	sqlite3_bind_text(st, 1, after, -1, SQLITE_STATIC);
	/* one row past the page says whether another page follows */
	sqlite3_bind_int(st, 2, (int)limit + 1);
	*more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *doc;

		if (n == limit) {
			*more = 1;
			break;
		}
		doc = cJSON_ParseWithLength(
			(const char *)sqlite3_column_text(st, 1),
			(size_t)sqlite3_column_bytes(st, 1));
		if (!doc) {
			sqlite3_reset(st);
			fprintf(stderr, "bench: sqlite: list: bad JSON\n");
			return -1;
		}
		*ck += bj_typed(doc);
		cJSON_Delete(doc);
		if (++n == limit)
			snprintf(last, 256, "%s",
			         (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(r->db, "list");
	*got = n;
	return 0;
}

const bench_system sys_sqlite = {
	.name = "sqlite",
	.open = q_open,
	.close = q_close,
	.import_ndjson = q_import,
	.create = q_create,
	.set_state = q_set_state,
	.export_ndjson = q_export,
	.size_bytes = q_size,
	.reader_open = q_reader_open,
	.reader_close = q_reader_close,
	.get_by_name = q_get_by_name,
	.get_by_arn = q_get_by_arn,
	.get_json = q_get_json,
	.read_state = q_read_state,
	.list_page = q_list_page,
};
