/* error.c: result code names and the thread-local last error. */
#include "error.h"

#include <stdarg.h>
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

int fcdb__error_set(int code, const char *field, int backend,
                    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	va_end(ap);
	snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
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
}

void fcdb__error_field(const char *field)
{
	snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
}
