/* cmd_get.c: fcdb get: one function by name, ARN or id. */
#include "common.h"

static const struct cli_option options[] = {
	{ "arn", "ARN", "look the function up by its functionArn", 0 },
	{ "id", "ID", "look the function up by its functionId", 0 },
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *arn = cli_opt(args, "arn"), *id = cli_opt(args, "id");
	fcdb_function *fn = NULL;
	fcdb *db = NULL;
	int rc;

	if ((args->npos > 0) + (arn != NULL) + (id != NULL) != 1)
		return cli_usage(args->cmd, "give exactly one of NAME, --arn "
		                 "and --id");
	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	if (arn)
		rc = fcdb_function_get_by_arn(db, &fn, arn);
	else if (id)
		rc = fcdb_function_get_by_id(db, &fn, id);
	else
		rc = fcdb_function_get(db, &fn, args->pos[0]);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	rc = cli_print_function(fn, cli_function_flags(args));
out:
	fcdb_function_free(fn);
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_get = {
	.name = "get",
	.synopsis = "get (NAME | --arn ARN | --id ID) [--show-secrets]",
	.summary = "print one function",
	.details =
	"Prints the Function with its store \"revision\".  The registry\n"
	"password of a custom container is masked as the service does\n"
	"(abc***) unless --show-secrets.  Opens the store read-only.\n",
	.max_args = 1,
	.options = options,
	.run = run,
};
