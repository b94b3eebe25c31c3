/*
 * baseline_json.h: what the JSON baselines (sqlite, lmdb-json) do with a
 * Function document, shared so both do exactly the same work: cJSON for
 * the keys and typed fields, the computed fields of a create, and a state
 * move checked against fcdb's state machine.
 */
#ifndef FCDB_BENCH_BASELINE_JSON_H
#define FCDB_BENCH_BASELINE_JSON_H

#include <stdint.h>

#include <cjson/cJSON.h>

/* The three keys of a Function; 1 when all are strings. */
int bj_keys(const cJSON *doc, const char **name, const char **arn,
            const char **id);

/* memorySize * 8 + state: the typed read's checksum term (system.h). */
uint64_t bj_typed(const cJSON *doc);

/* state * 4 + lastUpdateStatus: read_state's checksum term. */
uint64_t bj_state(const cJSON *doc);

/* Turn a CreateFunctionInput into the stored Function: functionId,
   functionArn, createdTime, lastModifiedTime, state Pending (Creating),
   lastUpdateStatus InProgress; the code package is dropped.  0 or -1. */
int bj_complete(cJSON *doc);

/* Move the Function to `state` if fcdb's state machine allows it, with
   fcdb's default reason codes and a new lastModifiedTime.  0 or -1. */
int bj_set_state(cJSON *doc, int state);

#endif
