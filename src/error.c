/* error.c: result code names and the thread-local last error. */
#include "error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 1024
#define FIELD_MAX 256

struct last_error {
	fcdb_error pub;
	char message[MESSAGE_MAX];
	char field[FIELD_MAX];
	int used;
};

static _Thread_local struct last_error last;

static const struct {
	int code;
	const char *name;
	const char *text;
} codes[] = {
	{ FCDB_OK, "OK", "success" },
	{ FCDB_EINVAL, "InvalidArgument", "invalid argument" },
	{ FCDB_ENOTFOUND, "FunctionNotFound", "function not found" },
	{ FCDB_EEXISTS, "FunctionAlreadyExists", "function already exists" },
	{ FCDB_EPRECONDITION, "PreconditionFailed", "revision does not match" },
	{ FCDB_ECONCURRENT, "ConcurrentUpdateError",
	  "an update is already in progress" },
	{ FCDB_ETRANSITION, "InvalidStateTransition",
	  "state transition not allowed" },
	{ FCDB_ECORRUPT, "StoreCorrupted", "store or record is damaged" },
	{ FCDB_EIO, "IOError", "input/output error" },
	{ FCDB_ENOMEM, "OutOfMemory", "out of memory" },
	{ FCDB_EMISUSE, "Misuse", "library misuse" },
	{ FCDB_EINTERNAL, "InternalError", "internal error" },
	{ FCDB_EBUSY, "Busy", "store in use by another process" },
};

const char *fcdb_error_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "UnknownError";
}

const char *fcdb_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "unknown error";
}

/*
 * Messages and field paths quote the caller's input (keys, values cut to
 * a length), so they may hold bytes that are not UTF-8, control
 * characters, or a multi-byte character cut in half.  Both are text for
 * people and logs, one line each: every such byte becomes '?'.
 */
static void scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		unsigned char c = *p;
		uint32_t cp;
		int n, k;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				*p = '?';
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			n = 0, cp = 0;
		for (k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		if (n == 0 || k <= n || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

int fcdb__error_set(int code, const char *field, int backend,
                    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	va_end(ap);
	snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
	scrub(last.message);
	scrub(last.field);
	last.pub.code = code;
	last.pub.backend = backend;
	last.used = 1;
	return code;
}

int fcdb__error_code(void)
{
	return last.pub.code;
}

const fcdb_error *fcdb_error_last(void)
{
	last.pub.message = last.message;
	last.pub.field = last.field;
	return &last.pub;
}

void fcdb__error_prefix(const char *fmt, ...)
{
	char head[MESSAGE_MAX], old[MESSAGE_MAX];
	va_list ap;

	memcpy(old, last.message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(last.message, sizeof(last.message), "%s%s", head, old);
	scrub(last.message);
}

void fcdb__error_field(const char *field)
{
	snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
	scrub(last.field);
}
