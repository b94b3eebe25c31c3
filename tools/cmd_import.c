/* cmd_import.c: fcdb import: load Functions in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

static const struct cli_option options[] = {
	{ "mode", "MODE", "create (default), upsert or replace", 0 },
	{ "dry-run", NULL, "validate everything and write nothing", 0 },
	{ "lenient", NULL, "skip range and ratio rules (data from older tools)", 0 },
	{ NULL, NULL, NULL, 0 }
};

static int read_in(void *ctx, char *buf, size_t cap, size_t *got)
{
	FILE *f = ctx;

	*got = fread(buf, 1, cap, f);
	return ferror(f) ? -1 : 0;
}

static int rewind_in(void *ctx)
{
	return fseek((FILE *)ctx, 0, SEEK_SET);
}

/* Standard input that cannot seek (a pipe) is spooled to an unlinked
   temporary file, so the import can restart if the map must grow. */
static FILE *seekable_stdin(void)
{
	char buf[65536];
	struct stat st;
	FILE *spool;
	size_t n;

	if (fstat(fileno(stdin), &st) == 0 && S_ISREG(st.st_mode))
		return stdin;
	spool = tmpfile();
	if (!spool)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, spool) != n)
			goto fail;
	if (ferror(stdin) || fflush(spool) || fseek(spool, 0, SEEK_SET))
		goto fail;
	return spool;
fail:
	fclose(spool);
	return NULL;
}

static const char *mode_name(int mode)
{
	return mode == FCDB_IMPORT_UPSERT ? "upsert"
	       : mode == FCDB_IMPORT_REPLACE ? "replace" : "create";
}

static int run(const struct cli_args *args)
{
	const char *file = args->npos ? args->pos[0] : "-";
	const char *mode = cli_opt(args, "mode");
	fcdb_import_options io;
	fcdb_import_report rep;
	struct cli_progress prog;
	struct cli_json w;
	struct cli_new_store ns = { .tmp = "" };
	FILE *in = NULL;
	fcdb *db = NULL;
	struct stat st;
	int rc;

	fcdb_import_options_init(&io);
	if (!mode || strcmp(mode, "create") == 0)
		io.mode = FCDB_IMPORT_CREATE;
	else if (strcmp(mode, "upsert") == 0)
		io.mode = FCDB_IMPORT_UPSERT;
	else if (strcmp(mode, "replace") == 0)
		io.mode = FCDB_IMPORT_REPLACE;
	else
		return cli_usage(args->cmd, "--mode is create, upsert or "
		                 "replace, not \"%s\"", mode);
	if (cli_opt(args, "dry-run"))
		io.flags |= FCDB_IMPORT_DRY_RUN;
	if (cli_opt(args, "lenient"))
		io.flags |= FCDB_IMPORT_LENIENT;
	/* The clock starts before a pipe is spooled: the user waits for
	   both, and the line appears once the whole wait passes a second. */
	cli_progress_init(&prog, io.flags & FCDB_IMPORT_DRY_RUN ? "import "
	                  "(dry run)" : "import");
	in = strcmp(file, "-") == 0 ? seekable_stdin() : fopen(file, "rb");
	if (!in)
		return cli_failf(FCDB_EIO, "cannot read %s: %s",
		                 strcmp(file, "-") ? file : "standard input",
		                 strerror(errno));
	rc = cli_open_create(&db, args, &ns, FCDB_OPEN_EXCLUSIVE);
	if (rc)
		goto out;
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
		io.size_hint = (uint64_t)st.st_size;
	io.rewind = rewind_in;
	io.progress = cli_progress_update;
	io.progress_ctx = &prog;
	rc = fcdb_import(db, read_in, in, &io, &rep);
	cli_progress_end(&prog, rc ? prog.records : rep.records);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	/* a dry run on a missing store leaves none: ns is dropped below */
	if (!(io.flags & FCDB_IMPORT_DRY_RUN)) {
		rc = cli_new_store_publish(&db, args, &ns);
		if (rc)
			goto out;
	}
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "mode", mode_name(io.mode));
	cli_json_bool(&w, "dryRun", (io.flags & FCDB_IMPORT_DRY_RUN) != 0);
	cli_json_u64(&w, "records", rep.records);
	cli_json_u64(&w, "created", rep.created);
	cli_json_u64(&w, "updated", rep.updated);
	cli_json_u64(&w, "unchanged", rep.unchanged);
	cli_json_u64(&w, "deleted", rep.deleted);
	cli_json_u64(&w, "revision", rep.revision);
	cli_json_close(&w, '}');
	cli_json_end(&w);
out:
	if (in && in != stdin)
		fclose(in);
	fcdb_close(db);
	cli_new_store_drop(&ns);
	return rc;
}

const struct cli_command cmd_import = {
	.name = "import",
	.synopsis = "import [FILE|-] [--mode create|upsert|replace] [--dry-run] "
	            "[--lenient]",
	.summary = "load functions from NDJSON or JSON, all or nothing",
	.details =
	"Reads FILE (or standard input) and detects its shape: NDJSON, a JSON\n"
	"array of Functions, one Function, fcdb's export, or the service's\n"
	"ListFunctions output.  Records keep their computed fields and are\n"
	"validated like a create; functionArn must name this store's region,\n"
	"account and the record's name.  One transaction: every record lands\n"
	"or none does.  Modes: create refuses the import if any name exists;\n"
	"upsert creates and replaces; replace makes the store exactly the\n"
	"input.  --dry-run validates and writes nothing.  --lenient keeps the\n"
	"structural checks but skips range and ratio rules.  Prints a summary;\n"
	"an error names the record (line or array index) and the field.  On a\n"
	"terminal, an import longer than a second shows its progress on\n"
	"stderr.  Creates a missing store.  When no other process has the\n"
	"store open, the import has it to itself: it commits in steps, its\n"
	"memory stays flat, an undo journal (PATH-journal) keeps it all or\n"
	"nothing, other commands wait; else it shares the store.\n",
	.max_args = 1,
	.options = options,
	.run = run,
};
