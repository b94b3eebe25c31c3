/* error.h: result codes and the thread-local last error (internal). */
#ifndef FCDB_ERROR_H
#define FCDB_ERROR_H

#include "fcdb.h"

#if defined(__GNUC__)
#define FCDB__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FCDB__PRINTF(a, b)
#endif

/*
 * fcdb__error_set: record a failure for this thread and return `code`, so
 * callers write `return fcdb__error_set(FCDB_EINVAL, "cpu", 0, "...")`.
 * `field` may be NULL.  The message is truncated to fit; never fails.
 */
int fcdb__error_set(int code, const char *field, int backend,
                    const char *fmt, ...) FCDB__PRINTF(4, 5);

/* The code of this thread's last recorded failure. */
int fcdb__error_code(void);

/* Prepend formatted text to this thread's last message (keeps code, field
   and backend). */
void fcdb__error_prefix(const char *fmt, ...) FCDB__PRINTF(1, 2);

/* Replace the field path of the last error. */
void fcdb__error_field(const char *field);

#endif
