/*
 * state.c: the lifecycle state machine of DESIGN.md section 4, as tables.
 *
 * Two independent machines: `state` (Pending, Active, Inactive, Failed) and
 * `lastUpdateStatus` (InProgress, Successful, Failed).  What a move does to
 * the other fields (reasons, the coupled status) is function.c's business;
 * this file only answers whether a move is legal.
 */
#include "state.h"

#include "error.h"

#include <string.h>

#define NSTATES 5  /* index 0 is "none" */
#define NSTATUS 4

static const char *const state_names[NSTATES] = {
	NULL, "Pending", "Active", "Inactive", "Failed"
};
static const char *const status_names[NSTATUS] = {
	NULL, "InProgress", "Successful", "Failed"
};

/* allowed_state[from][to]: 1 when the move is legal.  Same-state is
   handled before the table is read. */
static const unsigned char allowed_state[NSTATES][NSTATES] = {
	/*                 -  Pend Act Inact Fail */
	/* none     */   { 0, 0,   0,  0,    0 },
	/* Pending  */   { 0, 0,   1,  1,    1 },
	/* Active   */   { 0, 0,   0,  1,    1 },
	/* Inactive */   { 0, 1,   0,  0,    1 },
	/* Failed   */   { 0, 1,   0,  0,    0 },
};

static const unsigned char allowed_status[NSTATUS][NSTATUS] = {
	/*                   -  InPr Succ Fail */
	/* none       */   { 0, 0,   0,   0 },
	/* InProgress */   { 0, 0,   1,   1 },
	/* Successful */   { 0, 1,   0,   0 },
	/* Failed     */   { 0, 1,   0,   0 },
};

int fcdb__state_move(fcdb_state from, fcdb_state to)
{
	if ((unsigned)from >= NSTATES || (unsigned)to >= NSTATES ||
	    from == FCDB_STATE_NONE || to == FCDB_STATE_NONE)
		return FCDB__MOVE_REFUSED;
	if (from == to)
		return FCDB__MOVE_SAME;
	return allowed_state[from][to] ? FCDB__MOVE_ALLOWED : FCDB__MOVE_REFUSED;
}

int fcdb__update_status_move(fcdb_update_status from, fcdb_update_status to)
{
	if ((unsigned)from >= NSTATUS || (unsigned)to >= NSTATUS ||
	    from == FCDB_UPDATE_NONE || to == FCDB_UPDATE_NONE)
		return FCDB__MOVE_REFUSED;
	if (from == to)
		return FCDB__MOVE_SAME;
	return allowed_status[from][to] ? FCDB__MOVE_ALLOWED : FCDB__MOVE_REFUSED;
}

int fcdb_state_transition_allowed(fcdb_state from, fcdb_state to)
{
	return fcdb__state_move(from, to) != FCDB__MOVE_REFUSED;
}

int fcdb_update_status_transition_allowed(fcdb_update_status from,
                                          fcdb_update_status to)
{
	return fcdb__update_status_move(from, to) != FCDB__MOVE_REFUSED;
}

const char *fcdb_state_name(fcdb_state state)
{
	return (unsigned)state < NSTATES ? state_names[state] : NULL;
}

const char *fcdb_update_status_name(fcdb_update_status status)
{
	return (unsigned)status < NSTATUS ? status_names[status] : NULL;
}

int fcdb_state_parse(fcdb_state *out, const char *name)
{
	unsigned i;

	if (out)
		*out = FCDB_STATE_NONE;
	if (!out || !name)
		return fcdb__error_set(FCDB_EINVAL, "state", 0, "no state given");
	for (i = 1; i < NSTATES; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (fcdb_state)i;
			return FCDB_OK;
		}
	return fcdb__error_set(FCDB_EINVAL, "state", 0,
	                       "\"%.64s\" is not a state: Pending, Active, "
	                       "Inactive or Failed", name);
}

int fcdb_update_status_parse(fcdb_update_status *out, const char *name)
{
	unsigned i;

	if (out)
		*out = FCDB_UPDATE_NONE;
	if (!out || !name)
		return fcdb__error_set(FCDB_EINVAL, "lastUpdateStatus", 0,
		                       "no lastUpdateStatus given");
	for (i = 1; i < NSTATUS; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (fcdb_update_status)i;
			return FCDB_OK;
		}
	return fcdb__error_set(FCDB_EINVAL, "lastUpdateStatus", 0,
	                       "\"%.64s\" is not a lastUpdateStatus: "
	                       "InProgress, Successful or Failed", name);
}
