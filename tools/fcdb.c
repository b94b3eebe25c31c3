/*
 * fcdb.c: the fcdb command's entry point: global options, the dispatch
 * table, help, and the final check of standard output.
 *
 * fcdb is a thin client of include/fcdb.h.  Each command lives in its own
 * tools/cmd_<verb>.c and is described by one struct cli_command, which
 * drives parsing, dispatch and help alike.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fault.h"

/*
 * The dispatch table, in the order `fcdb help` lists the commands.
 * Adding a command is one row here plus one file, tools/cmd_<verb>.c,
 * that defines `const struct cli_command cmd_<verb>`.
 */
#define COMMANDS(X)          \
	X(init)              \
	X(create)            \
	X(get)               \
	X(list)              \
	X(update)            \
	X(delete)            \
	X(set_state)         \
	X(set_update_status) \
	X(checksum)          \
	X(export)            \
	X(import)            \
	X(stats)             \
	X(check)             \
	X(backup)            \
	X(help)              \
	X(version)

#define DECLARE_COMMAND(verb) extern const struct cli_command cmd_##verb;
#define COMMAND_ROW(verb) &cmd_##verb,

COMMANDS(DECLARE_COMMAND)

static const struct cli_command *const commands[] = { COMMANDS(COMMAND_ROW) };

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* ---- help ---- */

static void print_overview(FILE *out)
{
	size_t i;

	fputs("usage: fcdb [--db PATH] COMMAND [ARGS]\n"
	      "\n"
	      "Inspect and edit an fcdb store of Function Compute 3.0 "
	      "function records.\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-18s %s\n", commands[i]->name,
		        commands[i]->summary);
	fputs("\n"
	      "The store is --db PATH, else $FCDB_PATH, else "
	      CLI_DEFAULT_DB ".\n"
	      "get, list, export, stats, check and backup open it read-only "
	      "and never\n"
	      "create it.  init, create, update, delete, set-state, "
	      "set-update-status\n"
	      "and import create a missing store (region cn-hangzhou, "
	      "account\n"
	      "1000000000000000), but one that is refused leaves none "
	      "behind.\n"
	      "\n"
	      "Output is JSON on stdout.  An error is one line on stderr,\n"
	      "\"fcdb: <Code>: <message>\", and the exit status says which "
	      "kind:\n"
	      "  0 success\n"
	      "  1 IOError, StoreCorrupted, InternalError, OutOfMemory\n"
	      "  2 UsageError\n"
	      "  3 InvalidArgument\n"
	      "  4 FunctionNotFound\n"
	      "  5 FunctionAlreadyExists, PreconditionFailed, "
	      "ConcurrentUpdateError,\n"
	      "    InvalidStateTransition\n"
	      "\n"
	      "\"fcdb help COMMAND\" or \"fcdb COMMAND --help\" describes one "
	      "command.\n", out);
}

static int run_help(const struct cli_args *args)
{
	const struct cli_command *cmd;

	if (args->npos == 0) {
		print_overview(stdout);
		return 0;
	}
	cmd = find_command(args->pos[0]);
	if (!cmd)
		return cli_usage(args->cmd, "unknown command \"%s\"",
		                 args->pos[0]);
	cli_print_help(stdout, cmd);
	return 0;
}

const struct cli_command cmd_help = {
	.name = "help",
	.synopsis = "help [COMMAND]",
	.summary = "list the commands, or describe one",
	.max_args = 1,
	.run = run_help,
};

/* ---- standard output ---- */

/* Is standard output a pipe or socket whose reader has gone? */
static int stdout_reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/*
 * Flush standard output and end with `status`.  A reader that went away
 * (`fcdb list | head -1`) is not an error: the command ends quietly with
 * its own status.  Any other write error is an IOError.
 */
static int finish(int status)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno == EPIPE || stdout_reader_gone())
		return status;
	if (status && cli_error_printed())
		return status; /* the command already said why: one line */
	cli_failf(FCDB_EIO, "cannot write to standard output: %s",
	          errno ? strerror(errno) : "write error");
	return status ? status : CLI_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct cli_args args;
	const char *env = getenv("FCDB_PATH");
	int i = 1, rc;

	/* A closed pipe must show up as EPIPE on a write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* LMDB faulting on a damaged page is StoreCorrupted, not a crash */
	cli_fault_install();
	/* Ctrl-C removes the temporary files the command made */
	cli_signals_install();
	memset(&args, 0, sizeof(args));
	args.db_path = env && *env ? env : CLI_DEFAULT_DB;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *s = argv[i];

		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			print_overview(stdout);
			return finish(0);
		} else if (strcmp(s, "--version") == 0) {
			args.cmd = &cmd_version;
			return finish(cmd_version.run(&args));
		} else if (strcmp(s, "--db") == 0 && i + 1 < argc) {
			args.db_path = argv[++i];
		} else if (strncmp(s, "--db=", 5) == 0) {
			args.db_path = s + 5;
		} else if (strcmp(s, "--db") == 0) {
			return cli_usage(NULL, "--db needs a value");
		} else {
			return cli_usage(NULL, "unknown option %s", s);
		}
		if (!*args.db_path)
			return cli_usage(NULL, "--db needs a path");
	}
	if (i == argc)
		return cli_usage(NULL, "no command given");
	cmd = find_command(argv[i]);
	if (!cmd)
		return cli_usage(NULL, "unknown command \"%s\"", argv[i]);
	args.cmd = cmd;
	rc = cli_args_parse(&args, argc - i - 1, argv + i + 1);
	if (rc)
		return rc;
	cli_fault_set_store(args.db_path);
	if (args.help) {
		cli_print_help(stdout, cmd);
		return finish(0);
	}
	return finish(cmd->run(&args));
}
