/*
 * fuzz_record.c: libFuzzer target for reading stored records.  The input
 * is a MessagePack payload; the target wraps it in a valid envelope
 * (version, states, reserved bytes, XXH3) so every input reaches the
 * decoder, then verifies, summarises, decodes and renders it every way
 * the library does: the decoded tree through the JSON writer (write
 * paths), straight from MessagePack with every option (read paths), and
 * as an fcdb_function.  Whatever the bytes, each ends in OK or
 * StoreCorrupted; the decoder and the direct renderer agree on which,
 * and on the JSON (and so do the one-pass renderer and the msgpack-c
 * path behind it); what renders is valid UTF-8 JSON.  The raw input is
 * also tried as a whole record (envelope included), which exercises the
 * envelope checks.
 */
#include "fuzz_util.h"

#include "codec.h"
#include "error.h"
#include "function.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const fcdb__codec_ctx ctx = { "cn-hangzhou", "1000000000000000" };

/* The decoded tree, rendered by the JSON writer (the write paths' way);
   returns the compact text without revision, to be freed. */
static char *render_tree(const fcdb__node *root, uint64_t revision)
{
	fcdb__json_opts o;
	fcdb__buf b;
	char *plain = NULL;
	int pretty;

	for (pretty = 0; pretty < 2; pretty++) {
		memset(&o, 0, sizeof(o));
		o.pretty = pretty;
		o.with_revision = pretty;
		o.revision = revision;
		fcdb__buf_init(&b);
		fcdb__json_write(&b, root, &o);
		if (b.failed)
			fz_fail("the JSON writer ran out of memory");
		fcdb__buf_cstr(&b);
		cJSON_Delete(fz_check_json(b.data ? b.data : "", b.len,
		                           "fcdb__json_write"));
		if (!pretty)
			plain = fcdb__buf_take(&b, NULL);
		fcdb__buf_free(&b);
	}
	return plain;
}

/* The one-pass renderer (tried first) and the msgpack-c path agree. */
static void same_as_unpacked(const fcdb__envelope *env,
                             const fcdb__render_opts *o, int rc,
                             const fcdb__buf *b)
{
	fcdb__buf u;
	int rc_u;

	fcdb__buf_init(&u);
	rc_u = fcdb__codec_render_unpacked(&u, env, &ctx, o);
	if (rc_u != rc || (rc == 0 && (u.len != b->len ||
	                               memcmp(u.data, b->data, b->len) != 0)))
		fz_fail("codec_render says %d, through msgpack-c %d, or the "
		        "texts differ", rc, rc_u);
	fcdb__buf_free(&u);
}

/* The record rendered straight from MessagePack (the read paths' way),
   every combination of options; returns the plain text or NULL when the
   payload is damaged (then every combination must say so). */
static char *render_direct(const fcdb__envelope *env, int *rc_out)
{
	char *plain = NULL;
	int first = -1;

	for (int f = 0; f < 8; f++) {
		fcdb__render_opts o = { f & 1, (f >> 1) & 1, (f >> 2) & 1 };
		fcdb__buf b;
		int rc;

		fcdb__buf_init(&b);
		rc = fcdb__codec_render(&b, env, &ctx, &o);
		same_as_unpacked(env, &o, rc, &b);
		if (first < 0)
			first = rc;
		if (rc != first)
			fz_fail("codec_render: %d with options %d, %d before", rc, f,
			        first);
		if (rc == 0) {
			fcdb__buf_cstr(&b);
			cJSON_Delete(fz_check_json(b.data ? b.data : "", b.len,
			                           "fcdb__codec_render"));
			if (f == 0)
				plain = fcdb__buf_take(&b, NULL);
		} else {
			if (rc != FCDB_ECORRUPT)
				fz_fail("codec_render returned %d", rc);
			fz_check_error(rc, "fcdb__codec_render");
		}
		fcdb__buf_free(&b);
	}
	*rc_out = first;
	return plain;
}

/* Verify, summarise, decode and render one record; returns the verify
   code, or the decode code when it verifies. */
static int read_record(const uint8_t *rec, size_t len)
{
	fcdb__envelope env;
	fcdb__summary sum;
	fcdb__arena a;
	fcdb__node *root = NULL;
	fcdb_function fn;
	char *tree_text = NULL, *direct_text;
	int rc, rc_sum, rc_render;

	rc = fcdb__codec_verify(rec, len, &env);
	if (rc) {
		if (rc != FCDB_ECORRUPT)
			fz_fail("verify returned %d", rc);
		fz_check_error(rc, "fcdb__codec_verify");
		return rc;
	}
	fcdb__arena_init(&a, 4096);
	rc_sum = fcdb__codec_summary(&a, &env, &ctx, &sum);
	if (rc_sum && rc_sum != FCDB_ECORRUPT)
		fz_fail("summary returned %d", rc_sum);
	rc = fcdb__codec_decode(&a, &env, &ctx, &root);
	if (rc) {
		if (rc != FCDB_ECORRUPT)
			fz_fail("decode returned %d", rc);
		if (root)
			fz_fail("decode failed but handed out a tree");
		fz_check_error(rc, "fcdb__codec_decode");
	} else {
		tree_text = render_tree(root, env.revision);
	}
	direct_text = render_direct(&env, &rc_render);
	/* the two ways to read a record agree on what is damaged, and on
	   the JSON of what is not */
	if (rc != rc_render)
		fz_fail("decode says %d, render says %d", rc, rc_render);
	if (rc == 0 && strcmp(tree_text, direct_text) != 0)
		fz_fail("the decoded tree and the record render differently:\n"
		        "%s\n%s", tree_text, direct_text);
	/* a record that decodes whole has a summary */
	if (rc == 0 && rc_sum)
		fz_fail("decode accepts what the summary refuses");
	free(tree_text);
	free(direct_text);
	fcdb__arena_free(&a);

	/* the path get and list take: load (summary), accessors, JSON */
	memset(&fn, 0, sizeof(fn));
	fcdb__arena_init(&fn.own, 4096);
	fn.arena = &fn.own;
	if (fcdb__function_load(&fn, rec, len, "fuzz", 4, &ctx) == 0 &&
	    rc == 0)
		fcdb_json_free(fz_render(&fn, NULL));
	fcdb__arena_free(&fn.own);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *rec;
	size_t len = FCDB__ENVELOPE_SIZE + size;

	/* the bytes as a whole record: almost always a checksum mismatch */
	(void)read_record(data, size);

	rec = malloc(len);
	if (!rec)
		return 0;
	memset(rec, 0, FCDB__ENVELOPE_SIZE);
	rec[0] = FCDB__FORMAT_VERSION;
	/* states from the payload's length, so all of them get decoded */
	rec[2] = (uint8_t)(FCDB_STATE_PENDING + size % 4);
	rec[3] = (uint8_t)(FCDB_UPDATE_IN_PROGRESS + size % 3);
	if (size)
		memcpy(rec + FCDB__ENVELOPE_SIZE, data, size);
	fcdb__codec_set_revision(rec, len, 42 + size);
	(void)read_record(rec, len);
	{
		fcdb__envelope env;

		/* a record sealed by set_revision always verifies */
		if (fcdb__codec_verify(rec, len, &env) != 0)
			fz_fail("a sealed envelope does not verify");
	}
	free(rec);
	return 0;
}
