/*
 * common.h: helpers shared by the fcdb command's files: the command
 * table entry, option parsing, opening the store, reading input, error
 * lines and exit statuses, and a small pretty JSON writer.
 *
 * The tool is a client of include/fcdb.h only.  Every helper that can
 * fail prints its own `fcdb: <Code>: <message>` line and returns the exit
 * status to end with, so a command's run function can simply return it.
 */
#ifndef FCDB_TOOLS_COMMON_H
#define FCDB_TOOLS_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "fcdb.h"

/* Exit statuses: DESIGN.md section 5. */
#define CLI_EXIT_OK       0
#define CLI_EXIT_FAILURE  1 /* IOError, StoreCorrupted, InternalError */
#define CLI_EXIT_USAGE    2 /* UsageError */
#define CLI_EXIT_INVALID  3 /* InvalidArgument */
#define CLI_EXIT_NOTFOUND 4 /* FunctionNotFound */
#define CLI_EXIT_CONFLICT 5 /* FunctionAlreadyExists, PreconditionFailed, ... */

/* The store used when neither --db nor $FCDB_PATH names one. */
#define CLI_DEFAULT_DB "./functions.fcdb"

#define CLI_ARGS_MAX 4     /* positional arguments of any command */
#define CLI_OPTIONS_MAX 16 /* options of any command */

/* One option of a command: --name, or --name ARG when arg is set. */
struct cli_option {
	const char *name; /* without the dashes; NULL ends a table */
	const char *arg;  /* placeholder of its value ("ZIP"); NULL: a flag */
	const char *help; /* one line for `fcdb help COMMAND` */
	char letter;      /* a one-letter alias (-o), or 0 */
};

struct cli_command;

/* An invocation, after parsing. */
struct cli_args {
	const struct cli_command *cmd;  /* the command being run */
	const char *db_path;            /* --db, $FCDB_PATH or CLI_DEFAULT_DB */
	const char *pos[CLI_ARGS_MAX];  /* positional arguments */
	int npos;
	const char *opt[CLI_OPTIONS_MAX]; /* by index in the command's options;
	                                     NULL absent, "" a flag given */
	int help;                       /* --help or -h was given */
};

/*
 * A command: one row of the dispatch table in fcdb.c, defined by its own
 * tools/cmd_<verb>.c.  The same row drives parsing, dispatch and help.
 */
struct cli_command {
	const char *name;     /* "set-state" */
	const char *synopsis; /* after "fcdb [--db PATH] ": "get NAME | --arn ARN" */
	const char *summary;  /* one line for `fcdb help` */
	const char *details;  /* paragraphs for `fcdb help COMMAND`, or NULL */
	int min_args, max_args;            /* positional arguments */
	const struct cli_option *options;  /* NULL-terminated, or NULL */
	int (*run)(const struct cli_args *args);
};

/* Options several commands share, so their help reads the same. */
#define CLI_OPTION_SHOW_SECRETS \
	{ "show-secrets", NULL, "show the registry password, not abc***", 0 }
#define CLI_OPTION_IF_REVISION \
	{ "if-revision", "N", "refuse unless the function's revision is N", 0 }

/* ---- parsing ---- */

/*
 * cli_args_parse: parse argv (after the command name) against cmd's
 * options and argument counts.  Options and arguments may be mixed;
 * "--name=value" and "--name value" both work; "--" ends the options;
 * "-" is an argument (stdin); --db PATH is accepted by every command.
 * Returns 0, or prints a usage line and returns CLI_EXIT_USAGE.
 * args->cmd and args->db_path must be set by the caller beforehand.
 */
int cli_args_parse(struct cli_args *args, int argc, char **argv);

/* cli_opt: the value of option `name` (a flag gives ""), NULL if absent. */
const char *cli_opt(const struct cli_args *args, const char *name);

/*
 * cli_parse_u64: parse a whole decimal number in [min, max] given for
 * `what` ("--limit").  Returns 0, or prints a usage line and returns
 * CLI_EXIT_USAGE.
 */
int cli_parse_u64(const struct cli_args *args, const char *what,
                  const char *text, uint64_t min, uint64_t max,
                  uint64_t *out);

/* ---- errors and exit statuses ---- */

/* cli_status: the exit status for an FCDB_E* code (0 for FCDB_OK). */
int cli_status(int code);

/*
 * cli_fail: print `fcdb: <Code>: <message>` for the library's last error
 * on this thread (which must have returned `code`) and return
 * cli_status(code).
 */
int cli_fail(int code);

/* cli_failf: the same line with a message of the tool's own. */
int cli_failf(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * cli_usage: print `fcdb: UsageError: <message>; usage: fcdb <synopsis>`
 * (one line, on stderr) and return CLI_EXIT_USAGE.  cmd may be NULL for
 * the tool's own synopsis.
 */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cli_error_printed: has this run printed its one error line yet? */
int cli_error_printed(void);

/* cli_print_help: the whole help of one command, to `out`. */
void cli_print_help(FILE *out, const struct cli_command *cmd);

/* ---- the store and input ---- */

/*
 * Temporary files the command made (a store being built, an export being
 * written) must not outlive a Ctrl-C.  cli_signals_install (once, in
 * main) handles SIGINT, SIGTERM and SIGHUP, unless ignored: the files
 * registered with cli_remove_on_signal (at most 4; the pointers are
 * kept) are removed, then the signal ends the command as it would have.
 * cli_remove_on_signal_clear forgets them all.
 */
void cli_signals_install(void);
void cli_remove_on_signal(const char *path);
void cli_remove_on_signal_clear(void);

/*
 * cli_open: open the store args->db_path with `flags` (FCDB_OPEN_*).
 * Inspection commands pass FCDB_OPEN_READONLY and never create a store;
 * write commands use cli_open_create instead.  FCDB_OPEN_EXCLUSIVE is a
 * wish: a store in use elsewhere is opened shared instead.  On success *out is OWNED (fcdb_close).  On failure prints
 * the error and returns its exit status.
 */
int cli_open(fcdb **out, const struct cli_args *args, unsigned int flags);

/*
 * cli_open_create: open the store for a write command, which creates a
 * missing one.  A store that is there, or an empty file, is opened in
 * place.  A missing one (or the missing target of a symbolic link) is
 * made under a temporary name in the same directory (ns->tmp), so that
 * a refused command or a dry run leaves nothing behind:
 * cli_new_store_publish closes *db and renames the new store into place
 * when the command has succeeded, never over a store another process
 * made there meanwhile (then an IOError, and nothing of this command's
 * is kept); cli_new_store_drop removes it (call it on every path after
 * fcdb_close; a no-op once published or when the store was there).
 * Both print their error and return its exit status.
 */
struct cli_new_store {
	char path[4096];     /* where it goes: the path, or a link's target */
	char tmp[4096 + 32]; /* "" when there is no new store */
	char lock[4096 + 40];/* tmp's lock file */
	char journal[4096 + 48]; /* tmp's import journal (fcdb.h) */
};

int cli_open_create(fcdb **out, const struct cli_args *args,
                    struct cli_new_store *ns, unsigned int flags);
int cli_new_store_publish(fcdb **db, const struct cli_args *args,
                          struct cli_new_store *ns);
void cli_new_store_drop(struct cli_new_store *ns);

/*
 * cli_read_file: read a whole file, or standard input when path is "-",
 * into *out (OWNED: free(3); NUL-terminated; *len excludes the NUL).
 * `what` names the input in the error ("JSON input", "code package").
 * On failure prints an IOError line and returns its exit status.
 */
int cli_read_file(const char *path, const char *what, char **out,
                  size_t *len);

/* ---- output ---- */

/* The JSON flags for a Function on stdout: pretty, with revision,
   masked unless --show-secrets was given. */
unsigned int cli_function_flags(const struct cli_args *args);

/*
 * cli_print_function: print `fn` as pretty JSON on stdout.  Returns 0 or,
 * after printing the error, an exit status.
 */
int cli_print_function(const fcdb_function *fn, unsigned int flags);

/*
 * A pretty JSON writer for the tool's own objects, in the layout of
 * FCDB_JSON_PRETTY (two-space indent, "key": value).  `key` is the member
 * name inside an object and NULL inside an array or at the top level.
 * Write errors are left in the stream for the final check in main.
 */
#define CLI_JSON_DEPTH 16

struct cli_json {
	FILE *out;
	int depth;
	unsigned long members[CLI_JSON_DEPTH]; /* written at each depth */
};

void cli_json_init(struct cli_json *w, FILE *out);
void cli_json_open(struct cli_json *w, const char *key, char bracket);
void cli_json_close(struct cli_json *w, char bracket);
void cli_json_str(struct cli_json *w, const char *key, const char *value);
void cli_json_u64(struct cli_json *w, const char *key, uint64_t value);
void cli_json_bool(struct cli_json *w, const char *key, int value);
/* A value that is already pretty JSON text (a Function), re-indented. */
void cli_json_raw(struct cli_json *w, const char *key, const char *json);
/* Ends the top-level value with a newline. */
void cli_json_end(struct cli_json *w);

/* ---- progress ---- */

/*
 * Progress of a long import or export on stderr: shown only when stderr
 * is a terminal and the work has run for a second, redrawn at most five
 * times a second, finished with a newline by cli_progress_end.
 */
struct cli_progress {
	const char *verb;  /* "import", "export" */
	int enabled;
	int shown;
	double start, last;
	uint64_t records;
};

void cli_progress_init(struct cli_progress *p, const char *verb);
/* An fcdb_progress_fn; ctx is the struct cli_progress. */
void cli_progress_update(void *ctx, uint64_t records);
void cli_progress_end(struct cli_progress *p, uint64_t records);

#endif /* FCDB_TOOLS_COMMON_H */
