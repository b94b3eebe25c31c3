/* cmd_export.c: fcdb export: every Function as NDJSON or fcdb's JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "fault.h"

static const struct cli_option options[] = {
	{ "format", "FORMAT", "ndjson (default: one Function a line) or json", 0 },
	{ "output", "FILE", "write to FILE (mode 0600) instead of stdout", 'o' },
	{ "prefix", "P", "only functions whose name starts with P", 0 },
	{ NULL, NULL, NULL, 0 }
};

static int write_errno; /* why the output refused the data */

static int write_out(void *ctx, const char *data, size_t len)
{
	if (fwrite(data, 1, len, (FILE *)ctx) == len)
		return 0;
	write_errno = errno;
	return -1;
}

/* -o FILE is replaced by rename(2): it must be a regular file or a new
   name, never a link, FIFO or device that the rename would destroy. */
static int check_output(const struct cli_args *args, const char *output)
{
	struct stat st;

	if (!*output)
		return cli_usage(args->cmd, "-o needs a file name");
	if (lstat(output, &st) != 0)
		return errno == ENOENT ? 0
		       : cli_failf(FCDB_EIO, "cannot write %s: %s", output,
		                   strerror(errno));
	if (S_ISREG(st.st_mode))
		return 0;
	return cli_failf(FCDB_EIO, "%s is %s, not a regular file: -o replaces "
	                 "the file it names; leave out -o to write to "
	                 "standard output", output,
	                 S_ISLNK(st.st_mode) ? "a symbolic link"
	                 : S_ISDIR(st.st_mode) ? "a directory"
	                 : S_ISFIFO(st.st_mode) ? "a FIFO"
	                 : S_ISSOCK(st.st_mode) ? "a socket" : "a device");
}

static int run(const struct cli_args *args)
{
	const char *format = cli_opt(args, "format");
	const char *output = cli_opt(args, "output");
	fcdb_export_options eo;
	struct cli_progress prog;
	char *tmp = NULL;
	FILE *out = stdout;
	uint64_t count = 0;
	fcdb *db = NULL;
	int rc, fd;

	fcdb_export_options_init(&eo);
	if (format && strcmp(format, "json") == 0)
		eo.format = FCDB_FORMAT_JSON;
	else if (format && strcmp(format, "ndjson") != 0)
		return cli_usage(args->cmd, "--format is ndjson or json, not "
		                 "\"%s\"", format);
	eo.prefix = cli_opt(args, "prefix");
	if (output && (rc = check_output(args, output)) != 0)
		return rc;
	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	if (output) {
		/* a temporary file beside FILE, renamed over it when the
		   export is whole: FILE is never left half-written */
		tmp = malloc(strlen(output) + 16);
		if (!tmp) {
			rc = cli_failf(FCDB_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(tmp, "%s.tmp-XXXXXX", output);
		fd = mkstemp(tmp); /* mode 0600 */
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			rc = cli_failf(FCDB_EIO, "cannot create %s: %s", output,
			               strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			tmp = NULL;
			out = stdout;
			goto out;
		}
	}
	cli_progress_init(&prog, "export");
	eo.progress = cli_progress_update;
	eo.progress_ctx = &prog;
	/* LMDB faulting on a damaged page must not leave the temporary
	   file behind */
	cli_fault_unlink_on_fault(tmp);
	if (tmp)
		cli_remove_on_signal(tmp);
	rc = fcdb_export(db, write_out, out, &eo, &count);
	cli_fault_unlink_on_fault(NULL);
	cli_progress_end(&prog, count);
	if (rc) {
		/* a closed stdout ends quietly (see main); anything else is
		   the library's error */
		if (out == stdout && ferror(stdout) && write_errno == EPIPE)
			rc = 0;
		else if (ferror(out))
			rc = cli_failf(FCDB_EIO, "cannot write to %s: %s",
			               out == stdout ? "standard output" : output,
			               strerror(write_errno));
		else
			rc = cli_fail(rc);
		goto out;
	}
	if (out != stdout) {
		if (fflush(out) || fsync(fileno(out)) || ferror(out)) {
			rc = cli_failf(FCDB_EIO, "writing %s: %s", output,
			               strerror(errno));
			goto out;
		}
		fclose(out);
		out = stdout;
		if (rename(tmp, output)) {
			rc = cli_failf(FCDB_EIO, "cannot rename %s to %s: %s", tmp,
			               output, strerror(errno));
			goto out;
		}
		cli_remove_on_signal_clear();
		free(tmp);
		tmp = NULL;
		{
			struct cli_json w;

			cli_json_init(&w, stdout);
			cli_json_open(&w, NULL, '{');
			cli_json_str(&w, "output", output);
			cli_json_str(&w, "format", eo.format == FCDB_FORMAT_JSON
			                           ? "json" : "ndjson");
			cli_json_u64(&w, "functions", count);
			cli_json_close(&w, '}');
			cli_json_end(&w);
		}
	}
out:
	if (out != stdout)
		fclose(out);
	if (tmp) {
		unlink(tmp);
		cli_remove_on_signal_clear();
		free(tmp);
	}
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_export = {
	.name = "export",
	.synopsis = "export [--format ndjson|json] [-o FILE] [--prefix P]",
	.summary = "write every function as NDJSON (default) or JSON",
	.details =
	"Writes the store's functions in name order, in the service's shape\n"
	"without the store-local \"revision\" and with the registry password\n"
	"whole: keep exports private.  ndjson prints one Function a line;\n"
	"json prints {\"version\":1,\"region\":..,\"accountId\":..,\"functions\":[..]}.\n"
	"Reads one snapshot of the store while writers go on, with constant\n"
	"memory.  With -o FILE the output goes to a new file of mode 0600\n"
	"(written beside FILE and renamed over it when complete) and a summary\n"
	"is printed.  On a terminal, an export longer than a second shows its\n"
	"progress on stderr.  Opens the store read-only.\n",
	.max_args = 0,
	.options = options,
	.run = run,
};
