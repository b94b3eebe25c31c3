/* cmd_create.c: fcdb create: a CreateFunctionInput document in, a Function out. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const struct cli_option options[] = {
	{ "code", "ZIP", "read the code package from file ZIP (- for stdin)", 0 },
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *file = args->npos ? args->pos[0] : "-";
	const char *zip = cli_opt(args, "code");
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	char *json = NULL, *code = NULL;
	size_t len = 0, code_len = 0;
	struct cli_new_store ns = { .tmp = "" };
	fcdb *db = NULL;
	int rc;

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
	fcdb_write_options_init(&wo);
	if (code) {
		wo.code = code;
		wo.code_len = code_len;
	}
	rc = fcdb_function_create(db, &fn, json, len, &wo);
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

const struct cli_command cmd_create = {
	.name = "create",
	.synopsis = "create [FILE|-] [--code ZIP] [--show-secrets]",
	.summary = "create a function from CreateFunctionInput JSON",
	.details =
	"Reads a CreateFunctionInput JSON document from FILE, or from standard\n"
	"input when FILE is - or absent, validates it like the service, and\n"
	"prints the created Function with its store \"revision\".  With\n"
	"--code the package bytes come from a file, so the JSON needs no\n"
	"code.zipFile.  A new function is Pending with lastUpdateStatus\n"
	"InProgress.\n",
	.max_args = 1,
	.options = options,
	.run = run,
};
