/* state.h: the lifecycle state machine as data (internal). */
#ifndef FCDB_STATE_H
#define FCDB_STATE_H

#include "fcdb.h"

/* Result of checking a move. */
enum {
	FCDB__MOVE_REFUSED = 0,
	FCDB__MOVE_ALLOWED = 1,
	FCDB__MOVE_SAME = 2 /* already there: idempotent success, no write */
};

int fcdb__state_move(fcdb_state from, fcdb_state to);
int fcdb__update_status_move(fcdb_update_status from, fcdb_update_status to);

#endif
