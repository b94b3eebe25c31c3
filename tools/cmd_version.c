/* cmd_version.c: fcdb version: the tool's and the library's versions. */
#include "common.h"

static int run(const struct cli_args *args)
{
	struct cli_json w;

	(void)args;
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "version", FCDB_VERSION_STRING);
	cli_json_str(&w, "library", fcdb_version());
	cli_json_close(&w, '}');
	cli_json_end(&w);
	return 0;
}

const struct cli_command cmd_version = {
	.name = "version",
	.synopsis = "version",
	.summary = "print the versions of fcdb and of the library",
	.details =
	"Prints {\"version\": the fcdb command's, \"library\": libfcdb's}.\n",
	.run = run,
};
