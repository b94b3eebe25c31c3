/* common.c: helpers shared by the fcdb command's files (see common.h). */
#include "common.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 65536

/* ---- errors and exit statuses ---- */

int cli_status(int code)
{
	switch (code) {
	case FCDB_OK:
		return CLI_EXIT_OK;
	case FCDB_EINVAL:
		return CLI_EXIT_INVALID;
	case FCDB_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case FCDB_EEXISTS:
	case FCDB_EPRECONDITION:
	case FCDB_ECONCURRENT:
	case FCDB_ETRANSITION:
		return CLI_EXIT_CONFLICT;
	default: /* EIO, ECORRUPT, ENOMEM, EMISUSE, EINTERNAL, EBUSY, unknown */
		return CLI_EXIT_FAILURE;
	}
}

/* Print text on one line: a stray newline must not split the error. */
static void put_line_text(const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, stderr);
}

static int error_printed;

int cli_error_printed(void)
{
	return error_printed;
}

static void error_line(const char *word, const char *field, const char *msg)
{
	error_printed = 1;
	fputs("fcdb: ", stderr);
	fputs(word, stderr);
	fputs(": ", stderr);
	if (field && *field && !strstr(msg, field)) {
		put_line_text(field);
		fputs(": ", stderr);
	}
	put_line_text(msg);
	fputc('\n', stderr);
}

int cli_fail(int code)
{
	const fcdb_error *e = fcdb_error_last();

	if (e->code == code && e->message[0])
		error_line(fcdb_error_name(code), e->field, e->message);
	else /* the call did not record details: say what the code means */
		error_line(fcdb_error_name(code), NULL, fcdb_strerror(code));
	return cli_status(code);
}

int cli_failf(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_line(fcdb_error_name(code), NULL, msg);
	return cli_status(code);
}

int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_printed = 1;
	fputs("fcdb: UsageError: ", stderr);
	put_line_text(msg);
	if (cmd)
		fprintf(stderr, "; usage: fcdb [--db PATH] %s\n", cmd->synopsis);
	else
		fputs("; usage: fcdb [--db PATH] COMMAND [ARGS] "
		      "(fcdb help lists the commands)\n", stderr);
	return CLI_EXIT_USAGE;
}

/* ---- parsing ---- */

static int find_option(const struct cli_option *opts, const char *name,
                       size_t len)
{
	int i;

	for (i = 0; opts && opts[i].name; i++)
		if (strlen(opts[i].name) == len &&
		    memcmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

/* The usage error for a missing positional argument names it: the
   (n+1)-th upper-case word of the synopsis, NAME in "delete NAME". */
static int missing_argument(const struct cli_command *cmd, int n)
{
	const char *s = cmd->synopsis;
	size_t len, word;

	while (*s) {
		s += strspn(s, " ");
		len = strcspn(s, " ");
		word = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		if (word && (word == len || s[word] == '|') && n-- == 0)
			return cli_usage(cmd, "missing %.*s", (int)len, s);
		s += len;
	}
	return cli_usage(cmd, "missing argument");
}

/* Does the command line ask for help (-h or --help as an option, not as
   an option's value or after "--")?  Then help wins over any other
   problem of the line, wherever it stands. */
static int wants_help(const struct cli_command *cmd, int argc, char **argv)
{
	int i, k;

	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0)
			return 0;
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)
			return 1;
		if (s[0] != '-' || s[1] == '\0' || strchr(s, '='))
			continue;
		if (s[1] != '-') {
			for (k = 0; cmd->options && cmd->options[k].name; k++)
				if (cmd->options[k].letter == s[1] && s[2] == '\0')
					break;
		} else {
			k = find_option(cmd->options, s + 2, strlen(s + 2));
		}
		if (strcmp(s, "--db") == 0 ||
		    (k >= 0 && cmd->options && cmd->options[k].name &&
		     cmd->options[k].arg))
			i++; /* its value */
	}
	return 0;
}

int cli_args_parse(struct cli_args *a, int argc, char **argv)
{
	const struct cli_command *cmd = a->cmd;
	int i, k, only_args = 0;

	if (wants_help(cmd, argc, argv)) {
		a->help = 1;
		return 0;
	}

	for (i = 0; i < argc; i++) {
		const char *s = argv[i], *name, *eq, *value;
		size_t len;

		if (only_args || s[0] != '-' || s[1] == '\0') {
			if (a->npos >= cmd->max_args || a->npos >= CLI_ARGS_MAX)
				return cli_usage(cmd, "unexpected argument \"%s\"",
				                 s);
			a->pos[a->npos++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			a->help = 1;
			continue;
		}
		if (s[1] != '-') {
			/* a one-letter alias: -o FILE */
			for (k = 0; cmd->options && cmd->options[k].name; k++)
				if (cmd->options[k].letter == s[1] && s[2] == '\0')
					break;
			if (!cmd->options || !cmd->options[k].name)
				return cli_usage(cmd, "unknown option %s", s);
			name = cmd->options[k].name;
			eq = NULL;
			len = strlen(name);
		} else {
			name = s + 2;
			eq = strchr(name, '=');
			len = eq ? (size_t)(eq - name) : strlen(name);
		}
		k = find_option(cmd->options, name, len);
		if (k < 0 && !(len == 2 && memcmp(name, "db", 2) == 0))
			return cli_usage(cmd, "unknown option --%.*s", (int)len,
			                 name);
		if (k >= 0 && !cmd->options[k].arg) {
			if (eq)
				return cli_usage(cmd, "--%s takes no value",
				                 cmd->options[k].name);
			value = "";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return cli_usage(cmd, "--%.*s needs a value", (int)len,
			                 name);
		}
		if (k < 0) { /* --db, accepted after the command too */
			if (!*value)
				return cli_usage(cmd, "--db needs a path");
			a->db_path = value;
			continue;
		}
		if (k >= CLI_OPTIONS_MAX || a->opt[k])
			return cli_usage(cmd, "--%s given twice",
			                 cmd->options[k].name);
		a->opt[k] = value;
	}
	if (!a->help && a->npos < cmd->min_args)
		return missing_argument(cmd, a->npos);
	return 0;
}

const char *cli_opt(const struct cli_args *args, const char *name)
{
	int k = find_option(args->cmd->options, name, strlen(name));

	return k < 0 || k >= CLI_OPTIONS_MAX ? NULL : args->opt[k];
}

int cli_parse_u64(const struct cli_args *args, const char *what,
                  const char *text, uint64_t min, uint64_t max,
                  uint64_t *out)
{
	unsigned long long v;
	char *end;

	*out = 0;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end ||
	    (errno && errno != ERANGE))
		return cli_usage(args->cmd, "%s wants a whole number, not "
		                 "\"%s\"", what, text);
	if (errno == ERANGE || v < min || v > max)
		return cli_usage(args->cmd, "%s wants a number from %llu to "
		                 "%llu, not %s", what, (unsigned long long)min,
		                 (unsigned long long)max, text);
	*out = v;
	return 0;
}

void cli_print_help(FILE *out, const struct cli_command *cmd)
{
	const struct cli_option *o;
	int width = (int)strlen("-h, --help");

	for (o = cmd->options; o && o->name; o++) {
		int w = 2 + (int)strlen(o->name) + (o->arg ? 1 + (int)strlen(o->arg)
		                                           : 0) + (o->letter ? 4 : 0);
		if (w > width)
			width = w;
	}
	fprintf(out, "usage: fcdb [--db PATH] %s\n\n%s\n", cmd->synopsis,
	        cmd->summary);
	if (cmd->details)
		fprintf(out, "\n%s", cmd->details);
	fputs("\nOptions:\n", out);
	for (o = cmd->options; o && o->name; o++) {
		int w = o->letter
		        ? fprintf(out, "  -%c, --%s%s%s", o->letter, o->name,
		                  o->arg ? " " : "", o->arg ? o->arg : "")
		        : fprintf(out, "  --%s%s%s", o->name, o->arg ? " " : "",
		                  o->arg ? o->arg : "");
		fprintf(out, "%*s  %s\n", width + 2 - w, "", o->help);
	}
	fprintf(out, "  %-*s  %s\n", width, "--db PATH",
	        "the store (default: $FCDB_PATH, then " CLI_DEFAULT_DB ")");
	fprintf(out, "  %-*s  %s\n", width, "-h, --help", "print this help");
}

/* ---- files to remove when a signal ends the command ---- */

#define REMOVE_MAX 4

static const char *volatile remove_paths[REMOVE_MAX];

static void remove_and_die(int sig)
{
	int i;

	for (i = 0; i < REMOVE_MAX; i++)
		if (remove_paths[i])
			unlink(remove_paths[i]); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_signals_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = remove_and_die;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* an ignored signal (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

void cli_remove_on_signal(const char *path)
{
	int i;

	for (i = 0; i < REMOVE_MAX; i++)
		if (!remove_paths[i]) {
			remove_paths[i] = path;
			return;
		}
}

void cli_remove_on_signal_clear(void)
{
	int i;

	for (i = 0; i < REMOVE_MAX; i++)
		remove_paths[i] = NULL;
}

/* ---- the store and input ---- */

/*
 * An import that has the store to itself (FCDB_OPEN_EXCLUSIVE) holds a
 * write lock on byte 0 of the lock file, and every other open waits for
 * it.  On a terminal, say so, so that a command that seems to hang
 * explains itself.  Only a probe: this process has no other descriptor
 * of the lock file whose locks closing this one could drop.
 */
static void say_if_waiting(const char *path)
{
	char real[4096], lock[4096 + 8];
	struct flock fl;
	int fd;

	if (!isatty(STDERR_FILENO))
		return;
	if (!realpath(path, real))
		return;
	snprintf(lock, sizeof(lock), "%s-lock", real);
	fd = open(lock, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_WRLCK)
		fprintf(stderr, "fcdb: waiting for process %ld, which has "
		        "the store to itself (an import)...\n", (long)fl.l_pid);
	close(fd);
}

int cli_open(fcdb **out, const struct cli_args *args, unsigned int flags)
{
	fcdb_options opts;
	int rc;

	say_if_waiting(args->db_path);
	fcdb_options_init(&opts);
	opts.flags = flags;
	rc = fcdb_open(out, args->db_path, &opts);
	if ((rc == FCDB_EBUSY || rc == FCDB_EIO) &&
	    (flags & FCDB_OPEN_EXCLUSIVE)) {
		/* in use elsewhere, or no disk for the exclusive map's room:
		   share it (the import's memory then grows); a shared open
		   that fails too says why */
		opts.flags = flags & ~FCDB_OPEN_EXCLUSIVE;
		rc = fcdb_open(out, args->db_path, &opts);
	}
	return rc ? cli_fail(rc) : 0;
}

/* fsync the directory holding path, so that a new name in it survives
   a power loss. */
static int sync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* dir/name of `path`'s directory into out: "." when it has no slash. */
static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s", slash == path ? 1
		         : (int)(slash - path), path);
}

int cli_open_create(fcdb **out, const struct cli_args *args,
                    struct cli_new_store *ns, unsigned int flags)
{
	char target[sizeof(ns->path)], dir[sizeof(ns->path)];
	fcdb_options opts;
	struct stat st;
	int fd, rc, hops;
	ssize_t n;

	ns->tmp[0] = '\0';
	snprintf(ns->path, sizeof(ns->path), "%s", args->db_path);
	for (hops = 0;; hops++) {
		if (lstat(ns->path, &st) != 0) {
			if (errno != ENOENT)
				return cli_open(out, args, flags); /* it says why */
			break; /* missing: build it aside */
		}
		/* there, or nothing to decide: open it in place */
		if (!S_ISLNK(st.st_mode) || stat(ns->path, &st) == 0 ||
		    errno != ENOENT || hops == 40)
			return cli_open(out, args, flags);
		/* a symbolic link to a missing file: the store goes to the
		   link's target, so the link finds it */
		n = readlink(ns->path, target, sizeof(target) - 1);
		if (n < 0)
			return cli_open(out, args, flags);
		target[n] = '\0';
		dir_of(ns->path, dir, sizeof(dir));
		if (target[0] == '/')
			snprintf(ns->path, sizeof(ns->path), "%s", target);
		else if ((size_t)snprintf(ns->path, sizeof(ns->path), "%s/%s",
		                          dir, target) >= sizeof(ns->path))
			return cli_failf(FCDB_EIO, "the store path is too long");
	}
	/* a short name of its own in the same directory, whatever the
	   length of the store's name */
	dir_of(ns->path, dir, sizeof(dir));
	if ((size_t)snprintf(ns->tmp, sizeof(ns->tmp), "%s/.fcdb-new-XXXXXX",
	                     dir) >= sizeof(ns->tmp)) {
		ns->tmp[0] = '\0';
		return cli_failf(FCDB_EIO, "the store path is too long");
	}
	fd = mkstemp(ns->tmp); /* an empty file of mode 0600 */
	if (fd < 0) {
		rc = errno;
		ns->tmp[0] = '\0';
		return cli_failf(FCDB_EIO, "cannot create the store %s: %s",
		                 args->db_path, strerror(rc));
	}
	close(fd);
	snprintf(ns->lock, sizeof(ns->lock), "%s-lock", ns->tmp);
	snprintf(ns->journal, sizeof(ns->journal), "%s-journal", ns->tmp);
	cli_remove_on_signal(ns->tmp);
	cli_remove_on_signal(ns->lock);
	cli_remove_on_signal(ns->journal);
	fcdb_options_init(&opts);
	opts.flags = flags;
	rc = fcdb_open(out, ns->tmp, &opts);
	if (rc == FCDB_EIO && (flags & FCDB_OPEN_EXCLUSIVE)) {
		opts.flags = flags & ~FCDB_OPEN_EXCLUSIVE; /* as cli_open */
		rc = fcdb_open(out, ns->tmp, &opts);
	}
	if (rc) {
		rc = cli_fail(rc);
		cli_new_store_drop(ns);
	}
	return rc;
}

int cli_new_store_publish(fcdb **db, const struct cli_args *args,
                          struct cli_new_store *ns)
{
	int rc;

	if (!ns->tmp[0])
		return 0;
	fcdb_close(*db);
	*db = NULL;
	/* Neither ever replaces: a store another process made at the path
	   while this command ran stays as it is.  rename leaves one name
	   even if we are killed now; link is for file systems without
	   RENAME_NOREPLACE. */
	rc = renameat2(AT_FDCWD, ns->tmp, AT_FDCWD, ns->path,
	               RENAME_NOREPLACE) == 0 ? 0 : errno;
	if (rc == EINVAL || rc == ENOSYS || rc == ENOTSUP || rc == EOPNOTSUPP)
		rc = link(ns->tmp, ns->path) == 0 ? 0 : errno;
	if (rc == EEXIST) {
		cli_new_store_drop(ns);
		return cli_failf(FCDB_EIO, "%s was created by another process "
		                 "while this command ran; nothing was written to "
		                 "it: run the command again", args->db_path);
	}
	if (rc) {
		cli_new_store_drop(ns);
		return cli_failf(FCDB_EIO, "cannot create the store %s: %s",
		                 args->db_path, strerror(rc));
	}
	cli_new_store_drop(ns); /* a link's temporary name; the lock file */
	/* the new name is durable like the commit in it */
	if (sync_dir_of(ns->path) != 0)
		return cli_failf(FCDB_EIO, "the store %s was created and holds "
		                 "this change, but syncing its directory failed: "
		                 "%s", args->db_path, strerror(errno));
	return 0;
}

void cli_new_store_drop(struct cli_new_store *ns)
{
	if (!ns->tmp[0])
		return;
	/* after a rename the temporary name is gone; after a link it is a
	   second name of the published store, and only that name goes */
	unlink(ns->tmp);
	unlink(ns->lock);
	unlink(ns->journal);
	cli_remove_on_signal_clear();
	ns->tmp[0] = '\0';
}

int cli_read_file(const char *path, const char *what, char **out,
                  size_t *len)
{
	int from_stdin = strcmp(path, "-") == 0;
	const char *shown = from_stdin ? "standard input" : path;
	FILE *f = from_stdin ? stdin : fopen(path, "rb");
	size_t used = 0, cap = 0, n;
	char *buf = NULL, *grown;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (!f)
		return cli_failf(FCDB_EIO, "cannot open %s %s: %s", what, shown,
		                 strerror(errno));
	do {
		if (cap - used < READ_CHUNK + 1) {
			cap = cap ? cap * 2 : READ_CHUNK * 2;
			grown = realloc(buf, cap);
			if (!grown) {
				rc = cli_failf(FCDB_ENOMEM, "reading %s %s: out of "
				               "memory", what, shown);
				goto out;
			}
			buf = grown;
		}
		n = fread(buf + used, 1, READ_CHUNK, f);
		used += n;
	} while (n == READ_CHUNK);
	if (ferror(f)) {
		rc = cli_failf(FCDB_EIO, "cannot read %s %s: %s", what, shown,
		               strerror(errno));
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	if (!from_stdin)
		fclose(f);
	return rc;
}

/* ---- output ---- */

unsigned int cli_function_flags(const struct cli_args *args)
{
	unsigned int flags = FCDB_JSON_PRETTY | FCDB_JSON_REVISION;

	if (!cli_opt(args, "show-secrets"))
		flags |= FCDB_JSON_MASK_SECRETS;
	return flags;
}

int cli_print_function(const fcdb_function *fn, unsigned int flags)
{
	char *text;
	size_t len;
	int rc = fcdb_function_json(&text, &len, fn, flags);

	if (rc)
		return cli_fail(rc);
	fwrite(text, 1, len, stdout);
	fcdb_json_free(text);
	return 0;
}

static void json_indent(struct cli_json *w, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", w->out);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Start a value: the separator, the indent and the key. */
static void json_member(struct cli_json *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->members[w->depth] ? ",\n" : "\n", w->out);
		json_indent(w, w->depth);
	}
	w->members[w->depth]++;
	if (key) {
		json_string(w->out, key);
		fputs(": ", w->out);
	}
}

void cli_json_init(struct cli_json *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

void cli_json_open(struct cli_json *w, const char *key, char bracket)
{
	json_member(w, key);
	fputc(bracket, w->out);
	if (w->depth + 1 < CLI_JSON_DEPTH)
		w->members[++w->depth] = 0;
}

void cli_json_close(struct cli_json *w, char bracket)
{
	if (w->members[w->depth]) {
		fputc('\n', w->out);
		json_indent(w, w->depth - 1);
	}
	if (w->depth > 0)
		w->depth--;
	fputc(bracket, w->out);
}

void cli_json_str(struct cli_json *w, const char *key, const char *value)
{
	json_member(w, key);
	if (value)
		json_string(w->out, value);
	else
		fputs("null", w->out);
}

void cli_json_u64(struct cli_json *w, const char *key, uint64_t value)
{
	json_member(w, key);
	fprintf(w->out, "%llu", (unsigned long long)value);
}

void cli_json_bool(struct cli_json *w, const char *key, int value)
{
	json_member(w, key);
	fputs(value ? "true" : "false", w->out);
}

void cli_json_raw(struct cli_json *w, const char *key, const char *json)
{
	const char *nl;

	json_member(w, key);
	while ((nl = strchr(json, '\n')) != NULL && nl[1] != '\0') {
		fwrite(json, 1, (size_t)(nl - json) + 1, w->out);
		json_indent(w, w->depth);
		json = nl + 1;
	}
	fwrite(json, 1, nl ? (size_t)(nl - json) : strlen(json), w->out);
}

void cli_json_end(struct cli_json *w)
{
	fputc('\n', w->out);
}

/* ---- progress ---- */

static double now_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void cli_progress_init(struct cli_progress *p, const char *verb)
{
	memset(p, 0, sizeof(*p));
	p->verb = verb;
	p->enabled = isatty(STDERR_FILENO);
	p->start = p->last = now_seconds();
}

static void progress_draw(struct cli_progress *p, double t)
{
	double rate = t > p->start ? (double)p->records / (t - p->start) : 0;

	fprintf(stderr, "\r%s: %llu records, %.0f records/s", p->verb,
	        (unsigned long long)p->records, rate);
	fflush(stderr);
	p->shown = 1;
	p->last = t;
}

void cli_progress_update(void *ctx, uint64_t records)
{
	struct cli_progress *p = ctx;
	double t;

	p->records = records;
	if (!p->enabled)
		return;
	t = now_seconds();
	if (t - p->start >= 1.0 && t - p->last >= 0.2)
		progress_draw(p, t);
}

void cli_progress_end(struct cli_progress *p, uint64_t records)
{
	p->records = records;
	if (!p->shown)
		return;
	progress_draw(p, now_seconds());
	fputc('\n', stderr);
}
