/*
 * corpus.h: a seeded generator of realistic Function records, shared by
 * the bench and the tests so every system is measured on the same data.
 *
 * The same (seed, i) always gives the same function.  A mix of runtimes,
 * code-package and container functions, some with VPC, NAS, OSS, logs,
 * environment, tags, layers, lifecycle hooks, sizes from the minimal
 * fixture to the full one, states and update statuses in every value.
 */
#ifndef FCDB_BENCH_CORPUS_H
#define FCDB_BENCH_CORPUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct corpus_buf {
	char *data;
	size_t len;
	size_t cap;
} corpus_buf;

void corpus_buf_free(corpus_buf *b);

#define CORPUS_FUNCTION 0 /* the whole Function, as GetFunction returns it */
#define CORPUS_CREATE   1 /* a CreateFunctionInput */

/*
 * Append function number `i` of corpus `seed` as one line of compact JSON
 * (no newline) to `out`.  Names are unique within a corpus and do not come
 * out in name order.  region/account make the ARN (CORPUS_FUNCTION).
 */
void corpus_function(corpus_buf *out, uint64_t seed, uint64_t i, int shape,
                     const char *region, const char *account);

/* The name of function i, into out (>= 64 bytes). */
void corpus_name(char *out, uint64_t seed, uint64_t i);

#endif
