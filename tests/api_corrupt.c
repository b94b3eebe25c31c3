/*
 * api_corrupt.c: damaged records, map growth from a tiny map, and
 * backups, through the public API.
 *
 * Damage is made the way it happens on disk: the store file is copied
 * after the store is closed and one byte inside a record is flipped in
 * the copy.  The record is found by a string only it contains.
 */
#include "apiutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#define VICTIM_HANDLER "victim.handler_3f9c1e7a"

static const char *const phases[] = {
	"envelope", "decode", "record", "by_arn", "by_id", "meta", NULL
};

struct report {
	int calls;
	int other_names;
	int bad_phases;
	char first_name[128];
	char first_phase[32];
	char first_problem[256];
};

static void on_problem(void *ctx, const char *name, const char *phase,
                       const char *problem)
{
	struct report *r = ctx;
	const char *const *p;
	int known = 0;

	if (r->calls++ == 0) {
		snprintf(r->first_name, sizeof(r->first_name), "%s", name);
		snprintf(r->first_phase, sizeof(r->first_phase), "%s", phase);
		snprintf(r->first_problem, sizeof(r->first_problem), "%s", problem);
	}
	if (strcmp(name, "victim") != 0)
		r->other_names++;
	for (p = phases; *p; p++)
		known |= strcmp(*p, phase) == 0;
	if (!known || !problem || !problem[0])
		r->bad_phases++;
}

/* Where `needle` occurs in `hay`, and how often. */
static size_t find_all(const au_bytes *hay, const char *needle, size_t *first)
{
	size_t n = 0, nlen = strlen(needle);
	const char *p = hay->data, *end = hay->data + hay->len;

	while ((p = memmem(p, (size_t)(end - p), needle, nlen)) != NULL) {
		if (n++ == 0)
			*first = (size_t)(p - hay->data);
		p++;
	}
	return n;
}

struct damaged {
	tu_sandbox sb;
	char copy[320];
	char victim_id[40];
	char *json[3];       /* the bystanders' JSON before the damage */
	size_t offset;       /* of VICTIM_HANDLER in the file */
};

static const char *const bystanders[3] = { "alpha", "beta", "gamma" };

/* Make a store with three bystanders and "victim" (created last, so its
   bytes are on one live page only), close it, and keep a pristine copy
   of the file's bytes in *pristine. */
static void make_store(struct damaged *d, au_bytes *pristine)
{
	fcdb_function *fn;
	fcdb *db;
	int i;

	tu_sandbox_new(&d->sb);
	snprintf(d->copy, sizeof(d->copy), "%s/copy.fcdb", d->sb.dir);
	db = au_open(d->sb.store);
	for (i = 0; i < 3; i++) {
		fn = au_create_fn(db, bystanders[i], NULL);
		d->json[i] = au_json_text(fn, FCDB_JSON_REVISION);
		fcdb_function_free(fn);
	}
	fn = NULL;
	{
		const char *doc =
			"{\"functionName\":\"victim\",\"runtime\":\"python3.10\","
			"\"handler\":\"" VICTIM_HANDLER "\",\"code\":{\"zipFile\":\""
			AU_HELLO_B64 "\"}}";
		au_ok(fcdb_function_create(db, &fn, doc, strlen(doc), NULL));
	}
	snprintf(d->victim_id, sizeof(d->victim_id), "%s", fcdb_function_id(fn));
	fcdb_function_free(fn);
	fcdb_close(db);
	*pristine = au_read(d->sb.store);
	if (find_all(pristine, VICTIM_HANDLER, &d->offset) != 1)
		fail_msg("the victim's handler is not unique in the file");
}

static void free_store(struct damaged *d)
{
	int i;

	for (i = 0; i < 3; i++)
		fcdb_json_free(d->json[i]);
	tu_sandbox_free(&d->sb);
}

/* Write the pristine bytes to the copy with byte `at` flipped. */
static void write_damaged(const struct damaged *d, const au_bytes *pristine,
                          size_t at)
{
	char *bytes = malloc(pristine->len);

	assert_non_null(bytes);
	memcpy(bytes, pristine->data, pristine->len);
	bytes[at] ^= 0x20;
	tu_write(d->copy, bytes, pristine->len);
	free(bytes);
}

/* The bystanders read exactly as before the damage, every way in. */
static void assert_bystanders(fcdb *db, const struct damaged *d)
{
	int i;

	for (i = 0; i < 3; i++) {
		fcdb_function *fn = NULL, *by_arn = NULL;
		char arn[128], *j;

		au_ok(fcdb_function_get(db, &fn, bystanders[i]));
		j = au_json_text(fn, FCDB_JSON_REVISION);
		assert_string_equal(j, d->json[i]);
		fcdb_json_free(j);
		snprintf(arn, sizeof(arn), AU_ARN_PREFIX "%s", bystanders[i]);
		au_ok(fcdb_function_get_by_arn(db, &by_arn, arn));
		j = au_json_text(by_arn, FCDB_JSON_REVISION);
		assert_string_equal(j, d->json[i]);
		fcdb_json_free(j);
		fcdb_function_free(by_arn);
		by_arn = NULL;
		au_ok(fcdb_function_get_by_id(db, &by_arn, fcdb_function_id(fn)));
		fcdb_function_free(by_arn);
		fcdb_function_free(fn);
	}
}

/* Every read of the victim is StoreCorrupted naming it, never a crash. */
static void assert_victim_corrupt(fcdb *db, const struct damaged *d)
{
	fcdb_function *fn = (fcdb_function *)&fn;
	char *json = (char *)&json;
	fcdb_state st;

	au_expect(fcdb_function_get(db, &fn, "victim"), FCDB_ECORRUPT);
	assert_null(fn);
	au_message_has("victim");
	au_expect(fcdb_function_get_by_arn(db, &fn, AU_ARN_PREFIX "victim"),
	          FCDB_ECORRUPT);
	au_message_has("victim");
	au_expect(fcdb_function_get_by_id(db, &fn, d->victim_id),
	          FCDB_ECORRUPT);
	au_message_has("victim");
	au_expect(fcdb_function_get_json(db, &json, NULL, "victim", 0),
	          FCDB_ECORRUPT);
	assert_null(json);
	au_message_has("victim");
	au_expect(fcdb_function_read_state(db, "victim", &st, NULL, NULL),
	          FCDB_ECORRUPT);
	au_message_has("victim");
	/* writes that must read it first refuse too */
	au_expect(fcdb_function_set_state(db, NULL, "victim",
	                                  FCDB_STATE_ACTIVE, NULL, NULL, NULL),
	          FCDB_ECORRUPT);
	au_expect(fcdb_function_update(db, NULL, "victim", "{}", 2, NULL),
	          FCDB_ECORRUPT);
}

static void test_damaged_record(void **state)
{
	struct damaged d;
	au_bytes pristine, copy_before;
	struct report rep;
	fcdb_stats st;
	uint64_t problems = 0, rev;
	fcdb *db;

	(void)state;
	make_store(&d, &pristine);
	write_damaged(&d, &pristine, d.offset + 10);
	db = au_open(d.copy);

	assert_victim_corrupt(db, &d);
	assert_bystanders(db, &d);
	/* a whole-store walk cannot ignore it */
	au_expect(fcdb_stats_get(db, &st), FCDB_ECORRUPT);

	/* check names the record and the phase */
	memset(&rep, 0, sizeof(rep));
	au_expect(fcdb_check(db, on_problem, &rep, &problems), FCDB_ECORRUPT);
	assert_true(problems >= 1);
	assert_int_equal(rep.calls, problems);
	assert_string_equal(rep.first_name, "victim");
	assert_int_equal(rep.other_names, 0);
	assert_int_equal(rep.bad_phases, 0);
	print_message("check: %s: %s: %s\n", rep.first_name, rep.first_phase,
	              rep.first_problem);
	/* without a callback, the count alone */
	problems = 0;
	au_expect(fcdb_check(db, NULL, NULL, &problems), FCDB_ECORRUPT);
	assert_int_equal(problems, rep.calls);

	/* delete repairs: the record and both index entries go */
	rev = au_revision(db);
	au_ok(fcdb_function_delete(db, "victim", NULL));
	assert_int_equal(au_revision(db), rev + 1);
	memset(&rep, 0, sizeof(rep));
	au_ok(fcdb_check(db, on_problem, &rep, &problems));
	assert_int_equal(problems, 0);
	assert_int_equal(rep.calls, 0);
	{
		fcdb_function *fn = NULL;

		au_expect(fcdb_function_get(db, &fn, "victim"), FCDB_ENOTFOUND);
		au_expect(fcdb_function_get_by_arn(db, &fn,
		                                   AU_ARN_PREFIX "victim"),
		          FCDB_ENOTFOUND);
		au_expect(fcdb_function_get_by_id(db, &fn, d.victim_id),
		          FCDB_ENOTFOUND);
	}
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, 3);
	assert_int_equal(st.arn_entries, 3);
	assert_int_equal(st.id_entries, 3);
	assert_bystanders(db, &d);
	/* and the name can be used again */
	au_create(db, "victim", NULL);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);

	/* the original was never touched */
	copy_before = au_read(d.sb.store);
	assert_int_equal(copy_before.len, pristine.len);
	assert_memory_equal(copy_before.data, pristine.data, pristine.len);
	au_bytes_free(&copy_before);
	db = au_open(d.sb.store);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	au_bytes_free(&pristine);
	free_store(&d);
}

/* Every byte of the handler, one at a time: always caught. */
static void test_every_byte_of_a_field(void **state)
{
	struct damaged d;
	au_bytes pristine;
	size_t i, len = strlen(VICTIM_HANDLER);

	(void)state;
	make_store(&d, &pristine);
	for (i = 0; i < len; i++) {
		uint64_t problems = 0;
		fcdb *db;

		write_damaged(&d, &pristine, d.offset + i);
		db = au_open(d.copy);
		assert_victim_corrupt(db, &d);
		au_expect(fcdb_check(db, NULL, NULL, &problems), FCDB_ECORRUPT);
		assert_true(problems >= 1);
		au_ok(fcdb_function_delete(db, "victim", NULL));
		au_ok(fcdb_check(db, NULL, NULL, NULL));
		fcdb_close(db);
	}
	au_bytes_free(&pristine);
	free_store(&d);
}

/* A read-only handle sees the damage too, and check works on it. */
static void test_damage_read_only(void **state)
{
	struct damaged d;
	au_bytes pristine;
	struct report rep;
	uint64_t problems = 0;
	fcdb *db;

	(void)state;
	make_store(&d, &pristine);
	write_damaged(&d, &pristine, d.offset);
	db = au_open_flags(d.copy, FCDB_OPEN_READONLY);
	{
		fcdb_function *fn = NULL;

		au_expect(fcdb_function_get(db, &fn, "victim"), FCDB_ECORRUPT);
		au_message_has("victim");
		au_expect(fcdb_function_get_by_id(db, &fn, d.victim_id),
		          FCDB_ECORRUPT);
		au_expect(fcdb_function_read_state(db, "victim", NULL, NULL,
		                                   NULL), FCDB_ECORRUPT);
		/* and repair is not possible without a writer */
		au_expect(fcdb_function_delete(db, "victim", NULL),
		          FCDB_EMISUSE);
	}
	assert_bystanders(db, &d);
	memset(&rep, 0, sizeof(rep));
	au_expect(fcdb_check(db, on_problem, &rep, &problems), FCDB_ECORRUPT);
	assert_string_equal(rep.first_name, "victim");
	fcdb_close(db);
	au_bytes_free(&pristine);
	free_store(&d);
}

/* Damage in an index entry rather than a record: the by_id entry of
   "victim" names a function that does not exist. */
static void test_damaged_index_entry(void **state)
{
	struct damaged d;
	au_bytes pristine;
	struct report rep;
	char needle[64];
	size_t at = 0;
	uint64_t problems = 0;
	fcdb_function *fn = NULL;
	fcdb *db;

	(void)state;
	make_store(&d, &pristine);
	/* an index leaf holds the key (the id's 16 bytes) right before its
	   value, the name */
	au_uuid_bytes(d.victim_id, (unsigned char *)needle);
	memcpy(needle + 16, "victim", 6);
	{
		const char *p = memmem(pristine.data, pristine.len, needle, 22);

		assert_non_null(p);
		assert_null(memmem(p + 1, pristine.len -
		                   (size_t)(p + 1 - pristine.data), needle, 22));
		at = (size_t)(p - pristine.data);
	}
	write_damaged(&d, &pristine, at + 16); /* Victim */
	db = au_open(d.copy);

	/* the record itself is fine */
	au_ok(fcdb_function_get(db, &fn, "victim"));
	fcdb_function_free(fn);
	fn = NULL;
	au_ok(fcdb_function_get_by_arn(db, &fn, AU_ARN_PREFIX "victim"));
	fcdb_function_free(fn);
	fn = NULL;
	/* the id leads nowhere: that is damage, not "not found" */
	au_expect(fcdb_function_get_by_id(db, &fn, d.victim_id), FCDB_ECORRUPT);
	assert_null(fn);
	au_message_has("Victim");
	assert_bystanders(db, &d);

	memset(&rep, 0, sizeof(rep));
	au_expect(fcdb_check(db, on_problem, &rep, &problems), FCDB_ECORRUPT);
	assert_true(problems >= 1);
	assert_int_equal(rep.bad_phases, 0);
	print_message("check: %s: %s: %s\n", rep.first_name, rep.first_phase,
	              rep.first_problem);

	/* deleting the function takes the damaged entry with it */
	au_ok(fcdb_function_delete(db, "victim", NULL));
	au_ok(fcdb_check(db, NULL, NULL, &problems));
	assert_int_equal(problems, 0);
	au_expect(fcdb_function_get_by_id(db, &fn, d.victim_id),
	          FCDB_ENOTFOUND);
	fcdb_close(db);
	au_bytes_free(&pristine);
	free_store(&d);
}

/* Damage in a record's key: the record is intact but filed under another
   name, so the indexes point at a name that has no record. */
static void test_damaged_record_key(void **state)
{
	struct damaged d;
	au_bytes pristine;
	struct report rep;
	size_t at = 0;
	uint64_t problems = 0;
	fcdb_function *fn = NULL;
	char *doc = au_doc("victim", NULL);
	int rc;
	fcdb *db;

	(void)state;
	make_store(&d, &pristine);
	/* An LMDB leaf node stores the key size (2 bytes, host order) right
	   before the key: "\x06\x00victim" is the node of key "victim". */
	{
		static const char node[] = { 6, 0, 'v', 'i', 'c', 't', 'i', 'm' };
		const char *p = memmem(pristine.data, pristine.len, node,
		                       sizeof(node));

		assert_non_null(p);
		assert_null(memmem(p + 1, pristine.len -
		                   (size_t)(p + 1 - pristine.data), node,
		                   sizeof(node)));
		at = (size_t)(p - pristine.data) + 2;
	}
	write_damaged(&d, &pristine, at); /* key "Victim" */
	db = au_open(d.copy);

	/* no record is filed under the name any more */
	rc = fcdb_function_get(db, &fn, "victim");
	if (rc != FCDB_ENOTFOUND && rc != FCDB_ECORRUPT)
		fail_msg("get victim: %s", fcdb_error_name(rc));
	assert_null(fn);
	/* but the indexes say it exists: damage */
	au_expect(fcdb_function_get_by_arn(db, &fn, AU_ARN_PREFIX "victim"),
	          FCDB_ECORRUPT);
	au_expect(fcdb_function_get_by_id(db, &fn, d.victim_id),
	          FCDB_ECORRUPT);
	assert_bystanders(db, &d);
	/* a create of the name may not paper over it */
	rc = fcdb_function_create(db, NULL, doc, strlen(doc), NULL);
	if (rc == FCDB_OK)
		au_ok(fcdb_check(db, NULL, NULL, NULL));
	else
		assert_int_equal(rc, FCDB_ECORRUPT);

	/* check names the key the record is filed under */
	memset(&rep, 0, sizeof(rep));
	au_expect(fcdb_check(db, on_problem, &rep, &problems), FCDB_ECORRUPT);
	assert_true(problems >= 1);
	assert_int_equal(rep.bad_phases, 0);
	print_message("check: %s: %s: %s\n", rep.first_name, rep.first_phase,
	              rep.first_problem);

	/* Deleting the name check reported, and the name the indexes point
	   at, must bring the store back to clean: otherwise "victim" can be
	   neither created nor deleted, and check never comes clean again. */
	{
		int by_key = fcdb_function_delete(db, rep.first_name, NULL);
		int by_name = fcdb_function_delete(db, "victim", NULL);

		problems = 0;
		rc = fcdb_check(db, NULL, NULL, &problems);
		if (rc)
			fail_msg("after deleting \"%s\" (%s) and \"victim\" (%s), "
			         "check still finds %llu problems", rep.first_name,
			         fcdb_error_name(by_key), fcdb_error_name(by_name),
			         (unsigned long long)problems);
	}
	au_ok(fcdb_function_create(db, NULL, doc, strlen(doc), NULL));
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);
	free(doc);
	au_bytes_free(&pristine);
	free_store(&d);
}

/* ---- map growth ---- */

static void test_tiny_map_grows(void **state)
{
	enum { N = 5000 };
	fcdb_options o;
	fcdb_list_options lo;
	fcdb_stats st;
	tu_sandbox sb;
	fcdb *db = NULL;
	char name[32], *token = NULL;
	size_t seen = 0;
	int i;

	(void)state;
	tu_sandbox_new(&sb);
	fcdb_options_init(&o);
	o.flags = FCDB_OPEN_NOSYNC;
	o.region = AU_REGION;
	o.account_id = AU_ACCOUNT;
	o.map_size = 256 * 1024;
	au_ok(fcdb_open(&db, sb.store, &o));
	au_ok(fcdb_stats_get(db, &st));
	assert_true(st.map_bytes <= 256 * 1024);
	for (i = 0; i < N; i++) {
		char *doc;
		int rc;

		snprintf(name, sizeof(name), "grow-%05d", i);
		doc = au_doc(name, "\"description\":\"a few bytes more so that "
		             "five thousand of these fill several megabytes\"");
		rc = fcdb_function_create(db, NULL, doc, strlen(doc), NULL);
		free(doc);
		if (rc)
			fail_msg("create %d of %d: %s: %s", i, N, fcdb_error_name(rc),
			         fcdb_error_last()->message);
	}
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, N);
	assert_true(st.map_bytes >= 4 * 256 * 1024);
	assert_int_equal(au_revision(db), N);

	/* all of it reads back, in order, once */
	fcdb_list_options_init(&lo);
	lo.limit = 100;
	do {
		fcdb_list *list = NULL;
		size_t k;

		lo.next_token = token;
		au_ok(fcdb_function_list(db, &list, &lo));
		for (k = 0; k < fcdb_list_count(list); k++) {
			snprintf(name, sizeof(name), "grow-%05zu", seen++);
			assert_string_equal(fcdb_function_name(fcdb_list_at(list, k)),
			                    name);
		}
		free(token);
		token = fcdb_list_next_token(list) ?
		        strdup(fcdb_list_next_token(list)) : NULL;
		fcdb_list_free(list);
	} while (token);
	assert_int_equal(seen, N);
	au_ok(fcdb_check(db, NULL, NULL, NULL));
	fcdb_close(db);

	/* reopening with the tiny size adopts the grown one */
	db = NULL;
	au_ok(fcdb_open(&db, sb.store, &o));
	au_create(db, "after-reopen", NULL);
	au_ok(fcdb_stats_get(db, &st));
	assert_int_equal(st.functions, N + 1);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* ---- backup ---- */

static void assert_same_functions(fcdb *a, fcdb *b)
{
	fcdb_list_options lo;
	fcdb_stats sa, sb;
	char *token = NULL;
	size_t n = 0;

	fcdb_list_options_init(&lo);
	lo.limit = 100;
	assert_int_equal(au_revision(a), au_revision(b));
	/* every function of a is in b, identical, revision included */
	do {
		fcdb_list *la = NULL;
		size_t k;

		lo.next_token = token;
		au_ok(fcdb_function_list(a, &la, &lo));
		for (k = 0; k < fcdb_list_count(la); k++) {
			const fcdb_function *fa = fcdb_list_at(la, k);
			fcdb_function *fb = NULL;
			char *ja, *jb;

			au_ok(fcdb_function_get(b, &fb, fcdb_function_name(fa)));
			ja = au_json_text(fa, FCDB_JSON_REVISION);
			jb = au_json_text(fb, FCDB_JSON_REVISION);
			assert_string_equal(ja, jb);
			fcdb_json_free(ja);
			fcdb_json_free(jb);
			fcdb_function_free(fb);
			fb = NULL;
			au_ok(fcdb_function_get_by_id(b, &fb, fcdb_function_id(fa)));
			fcdb_function_free(fb);
			n++;
		}
		free(token);
		token = fcdb_list_next_token(la) ?
		        strdup(fcdb_list_next_token(la)) : NULL;
		fcdb_list_free(la);
	} while (token);
	/* and nothing else */
	au_ok(fcdb_stats_get(a, &sa));
	au_ok(fcdb_stats_get(b, &sb));
	assert_int_equal(sa.functions, n);
	assert_int_equal(sb.functions, n);
	assert_int_equal(sb.arn_entries, n);
	assert_int_equal(sb.id_entries, n);
}

static void test_backup(void **state)
{
	char dest[320];
	tu_sandbox sb;
	fcdb *db, *copy;
	au_bytes existing;
	struct stat st_src, st_dst;
	int i;

	(void)state;
	tu_sandbox_new(&sb);
	db = au_open(sb.store);
	for (i = 0; i < 150; i++) {
		char name[32];

		snprintf(name, sizeof(name), "b%03d", i);
		au_create(db, name, "\"description\":\"backed up\"");
		if (i % 3 == 1)
			au_ok(fcdb_function_set_state(db, NULL, name,
			      FCDB_STATE_ACTIVE, NULL, NULL, NULL));
		if (i % 5 == 2)
			au_ok(fcdb_function_set_state(db, NULL, name,
			      FCDB_STATE_FAILED, "InternalError", NULL, NULL));
	}
	/* holes for the compaction to squeeze out */
	for (i = 0; i < 150; i += 4) {
		char name[32];

		snprintf(name, sizeof(name), "b%03d", i);
		au_ok(fcdb_function_delete(db, name, NULL));
	}
	snprintf(dest, sizeof(dest), "%s/backup.fcdb", sb.dir);
	au_ok(fcdb_backup(db, dest));

	copy = au_open(dest);
	au_ok(fcdb_check(copy, NULL, NULL, NULL));
	assert_string_equal(fcdb_region(copy), AU_REGION);
	assert_string_equal(fcdb_account_id(copy), AU_ACCOUNT);
	assert_same_functions(db, copy);
	/* the copy is a store of its own: it takes writes, the source
	   does not see them */
	au_create(copy, "only-in-copy", NULL);
	au_expect(fcdb_function_get(db, &(fcdb_function *){ NULL },
	                            "only-in-copy"), FCDB_ENOTFOUND);
	fcdb_close(copy);

	/* compacted: no bigger than the source */
	assert_int_equal(stat(sb.store, &st_src), 0);
	assert_int_equal(stat(dest, &st_dst), 0);
	assert_true(st_dst.st_size <= st_src.st_size);

	/* an existing destination is refused and left alone */
	existing = au_read(dest);
	au_expect(fcdb_backup(db, dest), FCDB_EIO);
	au_assert_file_is(dest, &existing);
	au_bytes_free(&existing);
	/* so is a destination that cannot be created */
	snprintf(dest, sizeof(dest), "%s/no/such/dir/b.fcdb", sb.dir);
	au_expect(fcdb_backup(db, dest), FCDB_EIO);
	assert_int_equal(access(dest, F_OK), -1);
	fcdb_close(db);
	tu_sandbox_free(&sb);
}

/* A backup taken while another thread keeps creating is one consistent
   snapshot: at store revision R it holds exactly the first R creates. */
struct creator {
	fcdb *db;
	atomic_int stop;
	int made;
	char problem[256];
};

static void *creator_run(void *arg)
{
	struct creator *c = arg;

	while (!atomic_load(&c->stop) && c->made < 3000) {
		char name[32], *doc;
		int rc;

		snprintf(name, sizeof(name), "w%05d", c->made);
		doc = au_doc(name, NULL);
		rc = fcdb_function_create(c->db, NULL, doc, strlen(doc), NULL);
		free(doc);
		if (rc) {
			snprintf(c->problem, sizeof(c->problem), "create %s: %s",
			         name, fcdb_error_last()->message);
			break;
		}
		c->made++;
	}
	return NULL;
}

static void test_backup_while_writing(void **state)
{
	struct creator c;
	char dest[320];
	tu_sandbox sb;
	pthread_t t;
	fcdb_stats st;
	fcdb *copy;
	uint64_t rev;
	int k;

	(void)state;
	tu_sandbox_new(&sb);
	memset(&c, 0, sizeof(c));
	c.db = au_open(sb.store);
	assert_int_equal(pthread_create(&t, NULL, creator_run, &c), 0);
	while (au_revision(c.db) < 200)
		usleep(1000);
	for (k = 0; k < 3; k++) {
		snprintf(dest, sizeof(dest), "%s/live%d.fcdb", sb.dir, k);
		au_ok(fcdb_backup(c.db, dest));
		copy = au_open(dest);
		au_ok(fcdb_check(copy, NULL, NULL, NULL));
		rev = au_revision(copy);
		au_ok(fcdb_stats_get(copy, &st));
		assert_true(rev >= 200);
		assert_int_equal(st.functions, rev);
		/* exactly w00000 .. w(rev-1) */
		{
			char name[32];
			fcdb_function *fn = NULL;

			snprintf(name, sizeof(name), "w%05llu",
			         (unsigned long long)rev - 1);
			au_ok(fcdb_function_get(copy, &fn, name));
			fcdb_function_free(fn);
			fn = NULL;
			snprintf(name, sizeof(name), "w%05llu",
			         (unsigned long long)rev);
			au_expect(fcdb_function_get(copy, &fn, name), FCDB_ENOTFOUND);
		}
		fcdb_close(copy);
	}
	atomic_store(&c.stop, 1);
	pthread_join(t, NULL);
	if (c.problem[0])
		fail_msg("%s", c.problem);
	fcdb_close(c.db);
	tu_sandbox_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damaged_record),
		cmocka_unit_test(test_every_byte_of_a_field),
		cmocka_unit_test(test_damage_read_only),
		cmocka_unit_test(test_damaged_index_entry),
		cmocka_unit_test(test_damaged_record_key),
		cmocka_unit_test(test_tiny_map_grows),
		cmocka_unit_test(test_backup),
		cmocka_unit_test(test_backup_while_writing),
	};

	au_fixed_seed();
	return cmocka_run_group_tests_name("api_corrupt", tests, NULL, au_sweep);
}
