/* cmd_list.c: fcdb list: one page of functions, as JSON or as a table. */
#include <stdio.h>
#include <string.h>

#include "common.h"

static const struct cli_option options[] = {
	{ "prefix", "P", "only names starting with P", 0 },
	{ "limit", "N", "at most N functions per page, 1 to 100 (default 20)", 0 },
	{ "next-token", "T", "the page after the one that printed nextToken T", 0 },
	{ "runtime", "R", "only functions of runtime R", 0 },
	{ "state", "S", "only state S: Pending, Active, Inactive or Failed", 0 },
	{ "format", "F", "json (default) or table", 0 },
	CLI_OPTION_SHOW_SECRETS,
	{ NULL, NULL, NULL, 0 }
};

static int print_json(const fcdb_list *list, unsigned int flags)
{
	struct cli_json w;
	size_t i, n = fcdb_list_count(list);
	int rc = 0;

	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_open(&w, "functions", '[');
	for (i = 0; i < n && rc == 0; i++) {
		char *text;

		rc = fcdb_function_json(&text, NULL, fcdb_list_at(list, i), flags);
		if (rc)
			break;
		cli_json_raw(&w, NULL, text);
		fcdb_json_free(text);
	}
	cli_json_close(&w, ']');
	if (fcdb_list_next_token(list))
		cli_json_str(&w, "nextToken", fcdb_list_next_token(list));
	cli_json_close(&w, '}');
	cli_json_end(&w);
	return rc ? cli_fail(rc) : 0;
}

/* The columns of the table: a heading and how to get a row's cell. */
enum { COL_NAME, COL_RUNTIME, COL_STATE, COL_UPDATE, COL_MEMORY,
       COL_REVISION, COL_MODIFIED, NCOLS };

static const struct {
	const char *heading;
	int right; /* numbers align right */
} columns[NCOLS] = {
	{ "NAME", 0 }, { "RUNTIME", 0 }, { "STATE", 0 },
	{ "LAST_UPDATE", 0 }, { "MEMORY_MB", 1 }, { "REVISION", 1 },
	{ "LAST_MODIFIED", 0 },
};

/* Cell `col` of `fn` (NULL for the heading row) into buf. */
static const char *cell(const fcdb_function *fn, int col, char *buf,
                        size_t size)
{
	const char *s = NULL;

	if (!fn)
		return columns[col].heading;
	switch (col) {
	case COL_NAME:
		s = fcdb_function_name(fn);
		break;
	case COL_RUNTIME:
		s = fcdb_function_runtime(fn);
		break;
	case COL_STATE:
		s = fcdb_state_name(fcdb_function_state(fn));
		break;
	case COL_UPDATE:
		s = fcdb_update_status_name(fcdb_function_update_status(fn));
		break;
	case COL_MEMORY:
		snprintf(buf, size, "%ld", (long)fcdb_function_memory_size(fn));
		s = buf;
		break;
	case COL_REVISION:
		snprintf(buf, size, "%llu",
		         (unsigned long long)fcdb_function_revision(fn));
		s = buf;
		break;
	case COL_MODIFIED:
		s = fcdb_function_last_modified_time(fn);
		break;
	}
	return s && *s ? s : "-";
}

static void print_table(const fcdb_list *list)
{
	size_t width[NCOLS] = { 0 }, i, n = fcdb_list_count(list);
	char buf[32];
	int c;

	for (i = 0; i <= n; i++) /* row 0 is the heading */
		for (c = 0; c < NCOLS; c++) {
			size_t w = strlen(cell(i ? fcdb_list_at(list, i - 1) : NULL,
			                       c, buf, sizeof(buf)));
			if (w > width[c])
				width[c] = w;
		}
	for (i = 0; i <= n; i++) {
		const fcdb_function *fn = i ? fcdb_list_at(list, i - 1) : NULL;

		for (c = 0; c < NCOLS; c++) {
			const char *s = cell(fn, c, buf, sizeof(buf));
			int w = (int)width[c];

			if (c == NCOLS - 1)
				printf("%s\n", s);
			else if (columns[c].right)
				printf("%*s  ", w, s);
			else
				printf("%-*s  ", w, s);
		}
	}
	if (fcdb_list_next_token(list))
		printf("next page: --next-token %s\n",
		       fcdb_list_next_token(list));
}

static int run(const struct cli_args *args)
{
	const char *format = cli_opt(args, "format");
	const char *limit = cli_opt(args, "limit");
	const char *state = cli_opt(args, "state");
	fcdb_list_options lo;
	fcdb_list *list = NULL;
	fcdb *db = NULL;
	uint64_t n;
	int table = 0, rc;

	fcdb_list_options_init(&lo);
	if (format && strcmp(format, "table") == 0)
		table = 1;
	else if (format && strcmp(format, "json") != 0)
		return cli_usage(args->cmd, "--format is json or table, not "
		                 "\"%s\"", format);
	if (limit) {
		rc = cli_parse_u64(args, "--limit", limit, 0, UINT64_MAX, &n);
		if (rc)
			return rc;
		/* The library reads 0 as "the default": refuse it here. */
		if (n < 1 || n > FCDB_LIST_LIMIT_MAX)
			return cli_failf(FCDB_EINVAL, "limit must be 1 to %d "
			                 "(got %llu)", FCDB_LIST_LIMIT_MAX,
			                 (unsigned long long)n);
		lo.limit = (unsigned int)n;
	}
	if (state && fcdb_state_parse(&lo.state, state) != 0)
		return cli_failf(FCDB_EINVAL, "state: \"%s\" is not Pending, "
		                 "Active, Inactive or Failed", state);
	lo.prefix = cli_opt(args, "prefix");
	lo.next_token = cli_opt(args, "next-token");
	lo.runtime = cli_opt(args, "runtime");
	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	rc = fcdb_function_list(db, &list, &lo);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	if (table)
		print_table(list);
	else
		rc = print_json(list, cli_function_flags(args));
out:
	fcdb_list_free(list);
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_list = {
	.name = "list",
	.synopsis = "list [--prefix P] [--limit N] [--next-token T] "
	            "[--runtime R] [--state S] [--format json|table] "
	            "[--show-secrets]",
	.summary = "print one page of functions in name order",
	.details =
	"Prints {\"functions\":[...],\"nextToken\":\"...\"}; the last page has\n"
	"no nextToken.  Pass the token back with --next-token (and the same\n"
	"filters) for the next page; a token from elsewhere is an\n"
	"InvalidArgument.  --format table prints the page as an aligned table\n"
	"for people (name, runtime, state, lastUpdateStatus, memory, revision,\n"
	"lastModifiedTime), then \"next page: --next-token T\" when there is\n"
	"one.  Passwords are masked unless --show-secrets.  Opens the store\n"
	"read-only.\n",
	.options = options,
	.run = run,
};
