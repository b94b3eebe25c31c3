/* cmd_backup.c: fcdb backup: a consistent, compacted copy of a live store. */
#include <sys/stat.h>

#include "common.h"
#include "fault.h"

static int run(const struct cli_args *args)
{
	const char *dest = args->pos[0];
	struct cli_json w;
	struct stat st;
	fcdb *db = NULL;
	int rc;

	rc = cli_open(&db, args, FCDB_OPEN_READONLY);
	if (rc)
		goto out;
	/* fcdb_backup creates DEST (it must not exist) before LMDB copies
	   into it: if LMDB faults on a damaged page, the half-written copy
	   must not pass for a backup */
	cli_fault_unlink_on_fault(dest);
	rc = fcdb_backup(db, dest);
	cli_fault_unlink_on_fault(NULL);
	if (rc) {
		rc = cli_fail(rc);
		goto out;
	}
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "source", args->db_path);
	cli_json_str(&w, "backup", dest);
	if (stat(dest, &st) == 0)
		cli_json_u64(&w, "bytes", (uint64_t)st.st_size);
	cli_json_close(&w, '}');
	cli_json_end(&w);
out:
	fcdb_close(db);
	return rc;
}

const struct cli_command cmd_backup = {
	.name = "backup",
	.synopsis = "backup DEST",
	.summary = "write a consistent, compacted copy of the store to DEST",
	.details =
	"Copies one read snapshot of the store into the new file DEST (mode\n"
	"0600; it must not exist) while other processes keep writing; the\n"
	"copy holds every change committed before the backup began and is a\n"
	"store of its own.  Never copy a live store with cp(1).  Opens the\n"
	"store read-only.\n",
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
