/* baseline_json.c: the Function handling shared by the JSON baselines. */
#include "baseline_json.h"

#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>

#include "system.h"

int bj_keys(const cJSON *doc, const char **name, const char **arn,
            const char **id)
{
	*name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	                             "functionName"));
	*arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	                            "functionArn"));
	*id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	                           "functionId"));
	return *name && *arn && *id;
}

uint64_t bj_typed(const cJSON *doc)
{
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(doc, "memorySize");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "state");

	return (uint64_t)(cJSON_IsNumber(mem) ? mem->valueint : 0) * 8 +
	       (uint64_t)bench_state_num(cJSON_GetStringValue(st));
}

uint64_t bj_state(const cJSON *doc)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "state");
	const cJSON *us = cJSON_GetObjectItemCaseSensitive(doc,
	                                                   "lastUpdateStatus");

	return (uint64_t)bench_state_num(cJSON_GetStringValue(st)) * 4 +
	       (uint64_t)bench_status_num(cJSON_GetStringValue(us));
}

static int set_str(cJSON *doc, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (!v)
		return -1;
	if (cJSON_HasObjectItem(doc, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(doc, key, v) ? 0 : -1;
	return cJSON_AddItemToObject(doc, key, v) ? 0 : -1;
}

int bj_complete(cJSON *doc)
{
	const char *name = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(doc, "functionName"));
	char arn[400], id[37], now[32];
	uuid_t u;

	if (!name)
		return -1;
	uuid_generate_random(u);
	uuid_unparse_lower(u, id);
	snprintf(arn, sizeof(arn), "acs:fc:%s:%s:functions/%s", BENCH_REGION,
	         BENCH_ACCOUNT, name);
	bench_now(now);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "code");
	if (set_str(doc, "functionId", id) || set_str(doc, "functionArn", arn) ||
	    set_str(doc, "createdTime", now) ||
	    set_str(doc, "lastModifiedTime", now) ||
	    set_str(doc, "state", "Pending") ||
	    set_str(doc, "stateReasonCode", "Creating") ||
	    set_str(doc, "lastUpdateStatus", "InProgress"))
		return -1;
	return 0;
}

/* fcdb's table (DESIGN.md section 4); a same-state move is allowed. */
static int allowed(int from, int to)
{
	static const unsigned char ok[5][5] = {
		/* to:  -, Pending, Active, Inactive, Failed */
		{ 0, 0, 0, 0, 0 },
		{ 0, 1, 1, 1, 1 }, /* Pending */
		{ 0, 0, 1, 1, 1 }, /* Active */
		{ 0, 1, 0, 1, 1 }, /* Inactive */
		{ 0, 1, 0, 0, 1 }, /* Failed */
	};

	return from >= 1 && from <= 4 && to >= 1 && to <= 4 && ok[from][to];
}

int bj_set_state(cJSON *doc, int state)
{
	int from = bench_state_num(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(doc, "state")));
	char now[32];

	if (!allowed(from, state))
		return -1;
	bench_now(now);
	if (set_str(doc, "state", bench_state_name(state)) ||
	    set_str(doc, "lastModifiedTime", now))
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "stateReason");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "stateReasonCode");
	if (state == 3 && set_str(doc, "stateReasonCode", "Idle"))
		return -1;
	if (state == 1 && set_str(doc, "stateReasonCode", "Restoring"))
		return -1;
	return 0;
}
