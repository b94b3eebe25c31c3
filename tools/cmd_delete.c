/* cmd_delete.c: fcdb delete: remove a function and its index entries. */
#include "common.h"

static const struct cli_option options[] = {
	CLI_OPTION_IF_REVISION,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *if_revision = cli_opt(args, "if-revision");
	fcdb_write_options wo;
	struct cli_json w;
	struct cli_new_store ns = { .tmp = "" };
	fcdb *db = NULL;
	int rc;

	fcdb_write_options_init(&wo);
	if (if_revision) {
		rc = cli_parse_u64(args, "--if-revision", if_revision, 1,
		                   UINT64_MAX, &wo.expected_revision);
		if (rc)
			return rc;
	}
	rc = cli_open_create(&db, args, &ns, 0);
	if (rc)
		goto out;
	rc = fcdb_function_delete(db, args->pos[0], &wo);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	rc = cli_new_store_publish(&db, args, &ns);
	if (rc)
		goto out;
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "functionName", args->pos[0]);
	cli_json_bool(&w, "deleted", 1);
	cli_json_close(&w, '}');
	cli_json_end(&w);
out:
	fcdb_close(db);
	cli_new_store_drop(&ns);
	return rc;
}

const struct cli_command cmd_delete = {
	.name = "delete",
	.synopsis = "delete NAME [--if-revision N]",
	.summary = "delete a function, in any state",
	.details =
	"Prints {\"functionName\": NAME, \"deleted\": true}.\n",
	.min_args = 1,
	.max_args = 1,
	.options = options,
	.run = run,
};
