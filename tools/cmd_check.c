/* cmd_check.c: fcdb check: verify every record and index entry. */
#include "common.h"

static void report(void *ctx, const char *name, const char *phase,
                   const char *problem)
{
	struct cli_json *w = ctx;

	cli_json_open(w, NULL, '{');
	cli_json_str(w, "name", name);
	cli_json_str(w, "phase", phase);
	cli_json_str(w, "message", problem);
	cli_json_close(w, '}');
}

static int run(const struct cli_args *args)
{
	uint64_t problems = 0;
	struct cli_json w;
	fcdb *db = NULL;
	int rc;

	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	/* Problems are printed as they are found: a badly damaged store
	   does not have to fit in memory. */
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_open(&w, "problems", '[');
	rc = fcdb_check(db, report, &w, &problems);
	cli_json_close(&w, ']');
	cli_json_u64(&w, "problemCount", problems);
	cli_json_bool(&w, "clean", rc == 0);
	cli_json_close(&w, '}');
	cli_json_end(&w);
	if (rc)
		rc = cli_fail(rc);
out:
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_check = {
	.name = "check",
	.synopsis = "check",
	.summary = "verify every record and index entry; exit 1 on problems",
	.details =
	"Walks every record (envelope version and XXH3, MessagePack decoding,\n"
	"name, ARN and id against the keys) and every by_arn and by_id entry\n"
	"from one read snapshot.  Prints {\"problems\": [{\"name\", \"phase\",\n"
	"\"message\"}...], \"problemCount\": N, \"clean\": BOOL}; phases are\n"
	"envelope, decode, record, by_arn, by_id and meta.  Exits 0 when clean,\n"
	"else 1 with a StoreCorrupted line on stderr.  Opens the store\n"
	"read-only.\n",
	.run = run,
};
