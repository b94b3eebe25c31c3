/*
 * fuzz_record.c: libFuzzer target for reading stored records.  The input
 * is a MessagePack payload; the target wraps it in a valid envelope
 * (version, states, reserved bytes, XXH3) so every input reaches the
 * decoder, then verifies, decodes and renders it the ways the library
 * does.  Whatever the bytes, decoding ends in OK or StoreCorrupted, and
 * what decodes renders as JSON.  The raw input is also tried as a whole
 * record (envelope included), which exercises the envelope checks.
 */
#include "fuzz_util.h"

#include "codec.h"
#include "error.h"
#include "function.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded tree, rendered by the JSON writer directly. */
static void render_tree(const fcdb__node *root, uint64_t revision)
{
	fcdb__json_opts o;
	fcdb__buf b;
	int pretty;

	for (pretty = 0; pretty < 2; pretty++) {
		memset(&o, 0, sizeof(o));
		o.pretty = pretty;
		o.with_revision = pretty;
		o.revision = revision;
		o.masked = fcdb__function_secret(root);
		fcdb__buf_init(&b);
		fcdb__json_write(&b, root, &o);
		if (b.failed)
			fz_fail("the JSON writer ran out of memory");
		fcdb__buf_cstr(&b);
		cJSON_Delete(fz_check_json(b.data ? b.data : "", b.len,
		                           "fcdb__json_write"));
		fcdb__buf_free(&b);
	}
}

/* Verify, decode and render one record; returns the verify/decode code. */
static int read_record(const uint8_t *rec, size_t len)
{
	fcdb__envelope env;
	fcdb__arena a;
	fcdb__node *root = NULL;
	fcdb_function fn;
	int rc;

	rc = fcdb__codec_verify(rec, len, &env);
	if (rc) {
		if (rc != FCDB_ECORRUPT)
			fz_fail("verify returned %d", rc);
		fz_check_error(rc, "fcdb__codec_verify");
		return rc;
	}
	fcdb__arena_init(&a, 4096);
	rc = fcdb__codec_decode(&a, &env, &root);
	if (rc) {
		if (rc != FCDB_ECORRUPT)
			fz_fail("decode returned %d", rc);
		if (root)
			fz_fail("decode failed but handed out a tree");
		fz_check_error(rc, "fcdb__codec_decode");
	} else {
		render_tree(root, env.revision);
	}
	fcdb__arena_free(&a);

	/* the same through the path get and list take */
	memset(&fn, 0, sizeof(fn));
	fcdb__arena_init(&fn.own, 4096);
	fn.arena = &fn.own;
	if (fcdb__function_load(&fn, rec, len, "fuzz", 4) != rc)
		fz_fail("function_load and decode disagree");
	if (rc == 0)
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
