/* cmd_update.c: fcdb update: merge an UpdateFunctionInput into a function. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const struct cli_option options[] = {
	{ "code", "ZIP", "read the code package from file ZIP (- for stdin)", 0 },
	CLI_OPTION_IF_REVISION,
	{ "async", NULL, "leave lastUpdateStatus InProgress (asynchronous)", 0 },
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *name = args->pos[0];
	const char *file = args->npos > 1 ? args->pos[1] : "-";
	const char *zip = cli_opt(args, "code");
	const char *if_revision = cli_opt(args, "if-revision");
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	char *json = NULL, *code = NULL;
	size_t len = 0, code_len = 0;
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
	if (cli_opt(args, "async"))
		wo.flags |= FCDB_WRITE_ASYNC;
	if (zip && strcmp(zip, "-") == 0 && strcmp(file, "-") == 0)
		return cli_usage(args->cmd, "the JSON input and --code cannot "
		                 "both be standard input");
	rc = cli_read_file(file, "JSON input", &json, &len);
	if (rc == 0 && zip)
		rc = cli_read_file(zip, "code package", &code, &code_len);
	if (rc == 0)
		rc = cli_open_create(&db, args, &ns, 0);
	if (rc)
		goto out;
	if (code) {
		wo.code = code;
		wo.code_len = code_len;
	}
	rc = fcdb_function_update(db, &fn, name, json, len, &wo);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	rc = cli_new_store_publish(&db, args, &ns);
	if (rc == 0)
		rc = cli_print_function(fn, cli_function_flags(args));
out:
	fcdb_function_free(fn);
	fcdb_close(db);
	cli_new_store_drop(&ns);
	free(code);
	free(json);
	return rc;
}

const struct cli_command cmd_update = {
	.name = "update",
	.synopsis = "update NAME [FILE|-] [--code ZIP] [--if-revision N] "
	            "[--async] [--show-secrets]",
	.summary = "merge UpdateFunctionInput JSON into a function",
	.details =
	"Reads an UpdateFunctionInput JSON document from FILE, or from standard\n"
	"input when FILE is - or absent.  Fields present replace the stored\n"
	"ones, absent fields keep theirs, a top-level null removes an optional\n"
	"field.  Refused with ConcurrentUpdateError while lastUpdateStatus is\n"
	"InProgress.  Prints the updated Function.\n",
	.min_args = 1,
	.max_args = 2,
	.options = options,
	.run = run,
};
