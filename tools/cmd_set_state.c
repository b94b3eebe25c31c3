/* cmd_set_state.c: fcdb set-state: move a function through the state machine. */
#include "common.h"

static const struct cli_option options[] = {
	{ "reason-code", "C", "stateReasonCode (required for Failed)", 0 },
	{ "reason", "TEXT", "stateReason", 0 },
	CLI_OPTION_IF_REVISION,
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int run(const struct cli_args *args)
{
	const char *if_revision = cli_opt(args, "if-revision");
	fcdb_write_options wo;
	fcdb_function *fn = NULL;
	fcdb_state state;
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
	if (fcdb_state_parse(&state, args->pos[1]) != 0)
		return cli_failf(FCDB_EINVAL, "state: \"%s\" is not Pending, "
		                 "Active, Inactive or Failed", args->pos[1]);
	rc = cli_open_create(&db, args, &ns, 0);
	if (rc)
		goto out;
	rc = fcdb_function_set_state(db, &fn, args->pos[0], state,
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

const struct cli_command cmd_set_state = {
	.name = "set-state",
	.synopsis = "set-state NAME STATE [--reason-code C] [--reason TEXT] "
	            "[--if-revision N] [--show-secrets]",
	.summary = "move a function to Pending, Active, Inactive or Failed",
	.details =
	"Allowed moves: Pending -> Active, Failed, Inactive; Active -> Failed,\n"
	"Inactive; Inactive -> Failed, Pending; Failed -> Pending.  Setting the\n"
	"state a function already has changes nothing.  Any other move is an\n"
	"InvalidStateTransition.  Prints the function after the move.\n",
	.min_args = 2,
	.max_args = 2,
	.options = options,
	.run = run,
};
