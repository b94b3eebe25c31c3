/* cmd_stats.c: fcdb stats: counts and storage figures of a store. */
#include "common.h"

static void print_stats(const struct cli_args *args, const fcdb_stats *st)
{
	struct cli_json w;
	int i;

	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "path", args->db_path);
	cli_json_u64(&w, "revision", st->revision);
	cli_json_u64(&w, "functions", st->functions);
	cli_json_open(&w, "byState", '{');
	for (i = FCDB_STATE_PENDING; i <= FCDB_STATE_FAILED; i++)
		cli_json_u64(&w, fcdb_state_name((fcdb_state)i), st->by_state[i]);
	cli_json_close(&w, '}');
	cli_json_open(&w, "byLastUpdateStatus", '{');
	for (i = FCDB_UPDATE_IN_PROGRESS; i <= FCDB_UPDATE_FAILED; i++)
		cli_json_u64(&w, fcdb_update_status_name((fcdb_update_status)i),
		             st->by_update_status[i]);
	cli_json_close(&w, '}');
	cli_json_open(&w, "byRuntime", '{');
	for (i = 0; i < (int)st->runtime_count; i++)
		cli_json_u64(&w, st->runtimes[i].runtime, st->runtimes[i].count);
	cli_json_close(&w, '}');
	cli_json_u64(&w, "recordBytes", st->record_bytes);
	cli_json_u64(&w, "averageRecordBytes", st->functions
	             ? (st->record_bytes + st->functions / 2) / st->functions
	             : 0);
	cli_json_u64(&w, "fileBytes", st->file_bytes);
	cli_json_u64(&w, "mapBytes", st->map_bytes);
	cli_json_open(&w, "pages", '{');
	cli_json_u64(&w, "pageSize", st->page_size);
	cli_json_u64(&w, "used", st->pages_used);
	cli_json_u64(&w, "branch", st->branch_pages);
	cli_json_u64(&w, "leaf", st->leaf_pages);
	cli_json_u64(&w, "overflow", st->overflow_pages);
	cli_json_u64(&w, "treeDepth", st->tree_depth);
	cli_json_close(&w, '}');
	cli_json_open(&w, "indexEntries", '{');
	cli_json_u64(&w, "byArn", st->arn_entries);
	cli_json_u64(&w, "byId", st->id_entries);
	cli_json_close(&w, '}');
	cli_json_open(&w, "readers", '{');
	cli_json_u64(&w, "used", st->readers_used);
	cli_json_u64(&w, "max", st->readers_max);
	cli_json_close(&w, '}');
	cli_json_close(&w, '}');
	cli_json_end(&w);
}

static int run(const struct cli_args *args)
{
	fcdb_stats st;
	fcdb *db = NULL;
	int rc;

	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	rc = fcdb_stats_get(db, &st);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	print_stats(args, &st);
out:
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_stats = {
	.name = "stats",
	.synopsis = "stats",
	.summary = "print counts and storage figures of the store",
	.details =
	"Prints one JSON object: store revision, number of functions, counts\n"
	"by state, by lastUpdateStatus and by runtime, bytes of records and\n"
	"their average, bytes of the data file and of the map, LMDB page\n"
	"figures, index entries and reader slots in use (this command holds\n"
	"one while it reads).  Opens the store read-only.\n",
	.run = run,
};
