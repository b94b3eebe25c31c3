/*
 * rss.h: the peak memory of an import, measured in a forked child so that
 * nothing the bench itself holds is counted and each import starts from
 * the same small process.
 */
#ifndef FCDB_BENCH_RSS_H
#define FCDB_BENCH_RSS_H

#include <stdint.h>

#include "system.h"

typedef struct rss_result {
	uint64_t records;   /* records the child imported */
	long maxrss_kb;     /* getrusage(RUSAGE_SELF).ru_maxrss of the child */
	long peak_anon_kb;  /* largest RssAnon seen (progress samples + end) */
	long start_anon_kb; /* RssAnon when the child started */
	double secs;        /* the import's wall time */
} rss_result;

/*
 * Fork a child that opens a new store of `sys` at `path`, imports `in`
 * (sampling /proc/self/status at every progress call) and reports back
 * through a pipe.  The caller removes the store afterwards.  0 or -1.
 */
int rss_measure(const bench_system *sys, const char *path,
                const bench_input *in, rss_result *out);

/* RssAnon of this process in KiB (0 when unknown). */
long rss_anon_kb(void);

#endif
