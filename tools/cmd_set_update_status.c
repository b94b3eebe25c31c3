/* cmd_set_update_status.c: fcdb set-update-status: start or end an update. */
#include "common.h"

static const struct cli_option options[] = {
	{ "reason-code", "C", "lastUpdateStatusReasonCode", 0 },
	{ "reason", "TEXT", "lastUpdateStatusReason", 0 },
	CLI_OPTION_IF_REVISION,
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *if_revision = cli_opt(args, "if-revision");
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	fcdb_update_status status;
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
	if (fcdb_update_status_parse(&status, args->pos[1]) != 0)
		return cli_failf(FCDB_EINVAL, "lastUpdateStatus: \"%s\" is not "
		                 "InProgress, Successful or Failed",
		                 args->pos[1]);
	rc = cli_open_create(&db, args, &ns, 0);
	if (rc)
		goto out;
	rc = fcdb_function_set_update_status(db, &fn, args->pos[0], status,
	                                     cli_opt(args, "reason-code"),
	                                     cli_opt(args, "reason"), &wo);
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
	return rc;
}

const struct cli_command cmd_set_update_status = {
	.name = "set-update-status",
	.synopsis = "set-update-status NAME STATUS [--reason-code C] "
	            "[--reason TEXT] [--if-revision N] [--show-secrets]",
	.summary = "set lastUpdateStatus to InProgress, Successful or Failed",
	.details =
	"InProgress -> Successful or Failed ends an asynchronous update;\n"
	"Successful or Failed -> InProgress marks a provisioner starting work.\n"
	"Setting the status a function already has changes nothing.  Prints\n"
	"the function after the change.\n",
	.min_args = 2,
	.max_args = 2,
	.options = options,
	.run = run,
};
