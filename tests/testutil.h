/* testutil.h: helpers shared by the C test suites. */
#ifndef FCDB_TESTUTIL_H
#define FCDB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/*
 * A fresh temporary directory for one test (under $TMPDIR), and the path
 * of a store file inside it.  tu_sandbox_free removes the directory and
 * everything in it.
 */
typedef struct tu_sandbox {
	char dir[256];
	char store[300];
} tu_sandbox;

void tu_sandbox_new(tu_sandbox *sb);
void tu_sandbox_free(tu_sandbox *sb);

/*
 * Remove every sandbox made by this process and not freed yet: a failed
 * cmocka assertion jumps past the test's own tu_sandbox_free.  Meant for
 * a group teardown; says on stderr what it removed.  Returns how many.
 */
size_t tu_sandbox_sweep(void);

/* Path of a file under tests/data ($FCDB_TEST_DATA overrides the root);
   returns a static buffer. */
const char *tu_data(const char *rel);

/* Read a whole file; NUL-terminated; *len may be NULL.  Fails the test
   when the file cannot be read.  free() the result. */
char *tu_slurp(const char *path, size_t *len);

/* Write bytes to a file (mode 0600), replacing it. */
void tu_write(const char *path, const void *data, size_t len);

/* Seeded PRNG (xorshift64*): tests print the seed and accept
   FCDB_TEST_SEED to replay. */
uint64_t tu_seed(void);
uint64_t tu_rand(uint64_t *state);

/* List the *.json files of a data directory (sorted); returns count,
   fills names (static storage, up to max). */
size_t tu_list_json(const char *reldir, char names[][128], size_t max);

#endif
