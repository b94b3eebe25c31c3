/* cmd_check.c: fcdb check: verify every record and index entry. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "fault.h"

/*
 * The walk runs in a child process.  LMDB trusts its own page structure:
 * a damaged page header or node offset can make liblmdb itself fault,
 * whatever fcdb checks around it.  The child sends each problem through a
 * pipe (three length-prefixed strings); the parent prints them and, if
 * the child dies of a signal, reports that as the store's damage instead
 * of dying with it.
 */

struct msg_out {
	int fd;
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void send_str(int fd, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);

	write_all(fd, &len, sizeof(len));
	write_all(fd, s, len);
}

static void report(void *ctx, const char *name, const char *phase,
                   const char *problem)
{
	struct msg_out *o = ctx;

	write_all(o->fd, "P", 1);
	send_str(o->fd, name);
	send_str(o->fd, phase);
	send_str(o->fd, problem);
}

/* The child: walk the store, send the problems, then "R" with the result
   and the library's message. */
static int child(const struct cli_args *args, int fd)
{
	struct msg_out o = { fd };
	uint64_t problems = 0;
	fcdb_options opts;
	fcdb *db = NULL;
	int32_t rc;

	fcdb_options_init(&opts);
	opts.flags = FCDB_OPEN_READONLY;
	rc = fcdb_open(&db, args->db_path, &opts);
	if (rc == 0)
		rc = fcdb_check(db, report, &o, &problems);
	/* "O": the store would not open; "R": the walk's result */
	write_all(fd, db ? "R" : "O", 1);
	write_all(fd, &rc, sizeof(rc));
	send_str(fd, rc ? fcdb_error_last()->message : "");
	fcdb_close(db);
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static char *recv_str(int fd)
{
	uint32_t len;
	char *s;

	if (read_all(fd, &len, sizeof(len)) || len > (1u << 20))
		return NULL;
	s = malloc((size_t)len + 1);
	if (!s)
		return NULL;
	if (read_all(fd, s, len)) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

static int run(const struct cli_args *args)
{
	uint64_t problems = 0;
	struct cli_json w;
	int pfd[2], status = 0, rc = -1, opened = 0, not_opened = 0;
	int32_t lib_rc = FCDB_EINTERNAL;
	char *message = NULL;
	pid_t pid;
	char tag;

	if (pipe(pfd))
		return cli_failf(FCDB_EIO, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_failf(FCDB_EIO, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		signal(SIGPIPE, SIG_IGN);
		/* the parent reports a fault here as phase "lmdb": the
		   child must die of it, not print StoreCorrupted itself */
		cli_fault_restore();
		_exit(child(args, pfd[1]));
	}
	close(pfd[1]);
	/* Problems are printed as they arrive: a badly damaged store does
	   not have to fit in memory. */
	while (read_all(pfd[0], &tag, 1) == 0) {
		if (tag == 'P') {
			char *name = recv_str(pfd[0]), *phase = recv_str(pfd[0]);
			char *text = recv_str(pfd[0]);

			if (name && phase && text) {
				if (!opened) {
					cli_json_init(&w, stdout);
					cli_json_open(&w, NULL, '{');
					cli_json_open(&w, "problems", '[');
					opened = 1;
				}
				cli_json_open(&w, NULL, '{');
				cli_json_str(&w, "name", name);
				cli_json_str(&w, "phase", phase);
				cli_json_str(&w, "message", text);
				cli_json_close(&w, '}');
				problems++;
			}
			free(name);
			free(phase);
			free(text);
		} else if (tag == 'R' || tag == 'O') {
			if (read_all(pfd[0], &lib_rc, sizeof(lib_rc)) == 0)
				message = recv_str(pfd[0]);
			rc = 0;
			not_opened = tag == 'O';
			break;
		} else {
			break;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) || rc) {
		/* the walk died inside the store's own structure */
		char why[160];

		snprintf(why, sizeof(why), "the walk stopped with signal %d "
		         "(%s) reading LMDB's own pages: the store's structure "
		         "is damaged; restore it from a backup",
		         WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		         WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
		                             : "no result");
		if (!opened) {
			cli_json_init(&w, stdout);
			cli_json_open(&w, NULL, '{');
			cli_json_open(&w, "problems", '[');
			opened = 1;
		}
		cli_json_open(&w, NULL, '{');
		cli_json_str(&w, "name", "(store)");
		cli_json_str(&w, "phase", "lmdb");
		cli_json_str(&w, "message", why);
		cli_json_close(&w, '}');
		problems++;
		cli_json_close(&w, ']');
		cli_json_u64(&w, "problemCount", problems);
		cli_json_bool(&w, "clean", 0);
		cli_json_close(&w, '}');
		cli_json_end(&w);
		free(message);
		return cli_failf(FCDB_ECORRUPT, "%s", why);
	}
	/* the store could not be opened at all: no report, one error line */
	if (not_opened) {
		rc = cli_failf(lib_rc, "%s", message ? message : "cannot open");
		free(message);
		return rc;
	}
	if (!opened) {
		cli_json_init(&w, stdout);
		cli_json_open(&w, NULL, '{');
		cli_json_open(&w, "problems", '[');
	}
	cli_json_close(&w, ']');
	cli_json_u64(&w, "problemCount", problems);
	cli_json_bool(&w, "clean", lib_rc == 0);
	cli_json_close(&w, '}');
	cli_json_end(&w);
	rc = lib_rc ? cli_failf(lib_rc, "%s", message ? message : "check failed")
	            : 0;
	free(message);
	return rc;
}

const struct cli_command cmd_check = {
	.name = "check",
	.synopsis = "check",
	.summary = "verify every record and index entry; exit 1 on problems",
	.details =
	"Walks every record (envelope version and XXH3, MessagePack decoding,\n"
	"name, ARN and id against the keys) and every by_arn and by_id entry\n"
	"from one read snapshot.  Prints {\"problems\": [{\"name\", \"phase\",\n"
	"\"message\"}...], \"problemCount\": N, \"clean\": BOOL}; phases are\n"
	"envelope, decode, record, by_arn, by_id, meta, and lmdb when LMDB's\n"
	"own page structure is so damaged that reading it faults (the walk\n"
	"runs in a child process, so the command survives to say so).  Exits\n"
	"0 when clean, else 1 with a StoreCorrupted line on stderr.  Opens the\n"
	"store read-only.\n",
	.run = run,
};
