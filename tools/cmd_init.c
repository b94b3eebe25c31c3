/* cmd_init.c: fcdb init: create a store with its region and account. */
#include <errno.h>
#include <sys/stat.h>

#include "common.h"

static const struct cli_option options[] = {
	{ "region", "R", "region of the store's ARNs (default cn-hangzhou)", 0 },
	{ "account-id", "A", "account of the ARNs, digits (default "
	  "1000000000000000)", 0 },
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	fcdb_options opts;
	struct cli_json w;
	struct stat st;
	uint64_t revision = 0;
	fcdb *db = NULL;
	int existed, rc;

	/* an empty file is not a store yet: this call makes it one */
	existed = stat(args->db_path, &st) == 0 && st.st_size > 0;
	fcdb_options_init(&opts);
	opts.region = cli_opt(args, "region");
	opts.account_id = cli_opt(args, "account-id");
	rc = fcdb_open(&db, args->db_path, &opts);
	if (rc == 0)
		rc = fcdb_revision(db, &revision);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "path", args->db_path);
	cli_json_str(&w, "region", fcdb_region(db));
	cli_json_str(&w, "accountId", fcdb_account_id(db));
	cli_json_u64(&w, "revision", revision);
	cli_json_bool(&w, "created", !existed);
	cli_json_close(&w, '}');
	cli_json_end(&w);
out:
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_init = {
	.name = "init",
	.synopsis = "init [--region R] [--account-id A]",
	.summary = "create a store; its region and account make the ARNs",
	.details =
	"Creates the store if it does not exist and prints its path, region,\n"
	"account id and revision; \"created\" says whether this call made it.\n"
	"On an existing store init changes nothing; a --region or --account-id\n"
	"that differs from the store's is an InvalidArgument.\n",
	.options = options,
	.run = run,
};
