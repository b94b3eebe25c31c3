/* cmd_checksum.c: fcdb checksum: the codeChecksum and codeSize of a package. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define CHUNK 65536

static int run(const struct cli_args *args)
{
	const char *path = args->pos[0];
	int from_stdin = strcmp(path, "-") == 0;
	FILE *f = from_stdin ? stdin : fopen(path, "rb");
	static unsigned char buf[CHUNK];
	uint64_t crc = 0, size = 0;
	struct cli_json w;
	char text[24];
	size_t n;
	int rc = 0;

	if (!f)
		return cli_failf(FCDB_EIO, "cannot open %s: %s", path,
		                 strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crc = fcdb_crc64(buf, n, crc);
		size += n;
	}
	if (ferror(f)) {
		rc = cli_failf(FCDB_EIO, "cannot read %s: %s",
		               from_stdin ? "standard input" : path,
		               strerror(errno));
		goto out;
	}
	snprintf(text, sizeof(text), "%llu", (unsigned long long)crc);
	cli_json_init(&w, stdout);
	cli_json_open(&w, NULL, '{');
	cli_json_str(&w, "codeChecksum", text);
	cli_json_u64(&w, "codeSize", size);
	cli_json_close(&w, '}');
	cli_json_end(&w);
out:
	if (!from_stdin)
		fclose(f);
	return rc;
}

const struct cli_command cmd_checksum = {
	.name = "checksum",
	.synopsis = "checksum FILE|-",
	.summary = "print the codeChecksum (CRC-64/XZ) and codeSize of a package",
	.details =
	"Prints {\"codeChecksum\": \"...\", \"codeSize\": N} for a code package,\n"
	"the values the store computes on create.  Needs no store.\n",
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
