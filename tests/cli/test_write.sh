#!/bin/sh
# test_write.sh: fcdb update, delete, set-state and set-update-status,
# with every conflict and the rule that a refused command changes nothing.
. "$(dirname "$0")/lib.sh"

rev() {
	fcdb get "$1" | sed -n 's/^  "revision": \([0-9]*\)$/\1/p'
}

# A fresh function that may be updated: Active, lastUpdateStatus Successful.
active_fixture() {
	create_fixture create-minimal-python.json
	fcdb set-state hello-python Active >/dev/null || fail "set-state Active"
}

test_update_merge() {
	active_fixture
	printf '{"timeout": 30, "description": "tuned"}' >upd.json
	run update hello-python upd.json
	expect_ok
	golden update-merge.json
	[ "$(field out timeout)" = 30 ] || fail "timeout not merged"
	[ "$(field out memorySize)" = 512 ] || fail "memorySize lost"
	[ "$(field out lastUpdateStatus)" = Successful ] || fail "not Successful"
	# from stdin, both ways
	printf '{"timeout": 31}' >upd2.json
	run_in upd2.json update hello-python
	expect_ok
	[ "$(field out timeout)" = 31 ] || fail "stdin update"
	printf '{"timeout": 32}' >upd3.json
	run_in upd3.json update hello-python -
	expect_ok
	[ "$(field out timeout)" = 32 ] || fail "stdin - update"
	# a top-level null removes an optional field
	printf '{"description": null}' >upd4.json
	run update hello-python upd4.json
	expect_ok
	hasnt out '"description"'
}

test_update_code() {
	active_fixture
	printf '{}' >empty.json
	printf 'not really a zip' >pkg.bin
	run checksum pkg.bin
	expect_ok
	sum=$(field out codeChecksum)
	run update hello-python empty.json --code pkg.bin
	expect_ok
	[ "$(field out codeChecksum)" = "$sum" ] || fail "checksum not recomputed"
	[ "$(field out codeSize)" = 16 ] || fail "codeSize not recomputed"
}

test_update_refusals() {
	active_fixture
	printf '{"timeout": 5}' >ok.json
	snapshot before
	r=$(rev hello-python)
	run update hello-python ok.json --if-revision $((r + 7))
	expect_error 5 PreconditionFailed hello-python
	run update nope ok.json
	expect_error 4 FunctionNotFound nope
	printf '{"memorySize": 100}' >bad.json
	run update hello-python bad.json
	expect_error 3 InvalidArgument memorySize
	printf '{"functionName": "renamed"}' >rename.json
	run update hello-python rename.json
	expect_error 3 InvalidArgument functionName
	printf '{"timeout": ' >trunc.json
	run update hello-python trunc.json
	expect_error 3 InvalidArgument
	run update hello-python missing.json
	expect_error 1 IOError missing.json
	run update hello-python ok.json --code missing.zip
	expect_error 1 IOError missing.zip
	expect_unchanged before
	# the right revision goes through
	run update hello-python ok.json --if-revision "$r"
	expect_ok
}

# An asynchronous update leaves InProgress; another update is refused
# until set-update-status ends it.
test_update_concurrent() {
	active_fixture
	printf '{"timeout": 9}' >ok.json
	run update hello-python ok.json --async
	expect_ok
	[ "$(field out lastUpdateStatus)" = InProgress ] || fail "--async"
	snapshot before
	run update hello-python ok.json
	expect_error 5 ConcurrentUpdateError hello-python
	expect_unchanged before
	run set-update-status hello-python Successful --reason-code Done
	expect_ok
	[ "$(field out lastUpdateStatus)" = Successful ] || fail "status"
	[ "$(field out lastUpdateStatusReasonCode)" = Done ] || fail "reason code"
	run update hello-python ok.json
	expect_ok
}

test_set_state() {
	create_fixture create-minimal-python.json
	run set-state hello-python Active
	expect_ok
	golden set-state-active.json
	r=$(rev hello-python)
	# same state: success, nothing changes
	run set-state hello-python Active
	expect_ok
	[ "$(rev hello-python)" = "$r" ] || fail "an idempotent move bumped the revision"
	run set-state hello-python Inactive --reason "no traffic"
	expect_ok
	[ "$(field out stateReasonCode)" = Idle ] || fail "Inactive reason code"
	[ "$(field out stateReason)" = "no traffic" ] || fail "reason text"
	run set-state hello-python Failed --reason-code ImagePullFailed \
		--reason "pull failed" --if-revision "$(rev hello-python)"
	expect_ok
	# Failed -> Failed is the same state: no reason code needed
	r=$(rev hello-python)
	fcdb set-state hello-python Failed --reason-code X >/dev/null ||
		fail "back to Failed"
	r=$(rev hello-python)
	run set-state hello-python Failed
	expect_ok
	[ "$(rev hello-python)" = "$r" ] || fail "Failed -> Failed changed"
	run set-state hello-python Pending
	expect_ok
	[ "$(field out stateReasonCode)" = Restoring ] || fail "restoring"
}

# Write commands create a missing store, but a refused one, or a dry
# run, leaves none behind (a mistyped --db must not make one with the
# default region that a later init then refuses).
test_refused_command_leaves_no_store() {
	printf '{"functionName":"a","runtime":"python3.10","handler":"i.h","codeChecksum":"1","codeSize":3}\n' >ok.ndjson
	printf '{}' >upd.json
	for cmd in "delete nosuch" "set-state nosuch Active" \
		"set-update-status nosuch Successful" "update nosuch upd.json"; do
		# shellcheck disable=SC2086 # $cmd is words
		run --db new.fcdb $cmd
		expect_error 4 FunctionNotFound nosuch
	done
	for cmd in "create $DATA/invalid/missing-name.json" \
		"import $DATA/import/seed-example-function.json" \
		"import --dry-run ok.ndjson" "create --code nowhere.zip upd.json"; do
		# shellcheck disable=SC2086 # $cmd is words
		run --db new.fcdb $cmd
		[ "$rc" -ne 0 ] || [ "${cmd#import --dry-run}" != "$cmd" ] ||
			fail "fcdb $cmd succeeded"
	done
	[ -z "$(ls | grep '^new\.fcdb')" ] || fail "left behind: $(ls)"
	run --db new.fcdb init --region cn-shanghai --account-id 123
	expect_ok
	[ "$(field out created)" = true ] || fail "init did not create"
	# create and import make the store they need, and keep it
	run --db c.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	run --db i.fcdb import ok.ndjson
	expect_ok
	[ "$(field out created)" = 1 ] || fail "import: $(cat out)"
	fcdb --db c.fcdb get hello-python >/dev/null || fail "create's store"
	fcdb --db i.fcdb get a >/dev/null || fail "import's store"
	[ -z "$(ls | grep '\.new-')" ] || fail "temporary stores left: $(ls)"
	# an empty file is the store the user named: it is opened in place
	: >empty.fcdb
	run --db empty.fcdb delete nosuch
	expect_error 4 FunctionNotFound nosuch
	# a long name (the temporary store has a short name of its own)
	long=$(printf '%0240d' 0).fcdb
	run --db "$long" create "$DATA/valid/create-minimal-python.json"
	expect_ok
	[ -s "$long" ] || fail "the long-named store is missing"
}

# A signal (Ctrl-C, SIGTERM) that ends a write command building a new
# store, or an export -o, takes their temporary files with it: the shim
# raises SIGTERM where they would be renamed into place.
test_signal_removes_temporary_files() {
	shim=$CLI_DIR/../bin/link_race.so
	[ -f "$shim" ] || fail "$shim is not built (make test builds it)"
	LD_PRELOAD=$shim LINK_RACE=term ASAN_OPTIONS=verify_asan_link_order=0 \
		$FCDB --db new.fcdb create "$DATA/valid/create-minimal-python.json" \
		>out 2>err
	rc=$?
	[ "$rc" -eq 143 ] || fail "create: status $rc, not SIGTERM's 143"
	[ -z "$(ls -A | grep -v -x -e out -e err)" ] || fail "left: $(ls -A)"
	fcdb --db s.fcdb create "$DATA/valid/create-minimal-python.json" \
		>/dev/null || fail "create"
	LD_PRELOAD=$shim LINK_RACE=term ASAN_OPTIONS=verify_asan_link_order=0 \
		$FCDB --db s.fcdb export -o e.ndjson >out 2>err
	rc=$?
	[ "$rc" -eq 143 ] || fail "export: status $rc, not SIGTERM's 143"
	[ -z "$(ls -A | grep -v -x -e out -e err -e s.fcdb -e s.fcdb-lock)" ] ||
		fail "left: $(ls -A)"
}

# A symbolic link is followed: a store used through one shares the real
# file's lock file (two lock files for one store would let two writers
# in at once); a link to a missing file gets the store at its target,
# and a refused command leaves nothing there either.
test_store_through_symlink() {
	fcdb --db real.fcdb init >/dev/null || fail "init"
	ln -s real.fcdb sym.fcdb
	run --db sym.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	[ ! -e sym.fcdb-lock ] || fail "a second lock file: $(ls)"
	fcdb --db real.fcdb get hello-python >/dev/null || fail "not in real.fcdb"
	mkdir d
	ln -s d/target.fcdb dangling.fcdb
	run --db dangling.fcdb delete nosuch
	expect_error 4 FunctionNotFound nosuch
	[ -z "$(ls -A d)" ] || fail "a refused command left: $(ls -A d)"
	[ -L dangling.fcdb ] || fail "the link is gone"
	run --db dangling.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	[ -s d/target.fcdb ] && [ -L dangling.fcdb ] || fail "store not at the target"
	[ "$(ls -A d)" = target.fcdb ] || fail "left in d: $(ls -A d)"
	fcdb --db d/target.fcdb get hello-python >/dev/null || fail "target"
}

# An open refused after the empty file was made private gives the file
# its mode back.
test_refused_open_keeps_empty_file_mode() {
	: >e.fcdb
	chmod 644 e.fcdb
	mkdir e.fcdb-lock # LMDB cannot open its lock file
	run --db e.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_error 1 IOError e.fcdb
	[ "$(stat -c %a e.fcdb)" = 644 ] || fail "mode now $(stat -c %a e.fcdb)"
	[ ! -s e.fcdb ] || fail "e.fcdb was written"
}

# Another process makes a store at the path while a create or import on
# the missing store runs (tests/cli/link_race.c makes it at the moment
# fcdb links its new store into place): that file is left as it is, the
# command says so and keeps nothing of its own.
test_new_store_never_replaces_another() {
	shim=$CLI_DIR/../bin/link_race.so
	[ -f "$shim" ] || fail "$shim is not built (make test builds it)"
	printf '{"functionName":"a","runtime":"python3.10","handler":"i.h","codeChecksum":"1","codeSize":3}\n' >ok.ndjson
	for cmd in "create $DATA/valid/create-minimal-python.json" \
		"import ok.ndjson"; do
		rm -f raced.fcdb
		# ASan wants its runtime first among the libraries
		# shellcheck disable=SC2086 # $cmd is words
		LD_PRELOAD=$shim ASAN_OPTIONS=verify_asan_link_order=0 \
			$FCDB --db raced.fcdb $cmd >out 2>err
		rc=$?
		expect_error 1 IOError "raced.fcdb was created by another process"
		[ "$(cat raced.fcdb)" = "another process" ] ||
			fail "fcdb $cmd replaced the other process's file"
		[ -z "$(ls | grep '\.new-')" ] || fail "temporary stores left: $(ls)"
	done
}

test_set_state_refusals() {
	create_fixture create-minimal-python.json
	fcdb set-state hello-python Active >/dev/null || fail "set-state"
	snapshot before
	run set-state hello-python Pending
	expect_error 5 InvalidStateTransition Active Pending
	run set-state hello-python Failed
	expect_error 3 InvalidArgument stateReasonCode
	run set-state hello-python Asleep
	expect_error 3 InvalidArgument Asleep
	run set-state hello-python Inactive --if-revision 999
	expect_error 5 PreconditionFailed
	run set-state nope Active
	expect_error 4 FunctionNotFound nope
	run set-update-status hello-python Done
	expect_error 3 InvalidArgument Done
	run set-update-status nope Failed
	expect_error 4 FunctionNotFound nope
	expect_unchanged before
}

test_set_update_status() {
	create_fixture create-minimal-python.json
	fcdb set-state hello-python Active >/dev/null || fail "set-state"
	run set-update-status hello-python InProgress --reason-code Deploying
	expect_ok
	[ "$(field out lastUpdateStatus)" = InProgress ] || fail "InProgress"
	run set-update-status hello-python Failed --reason-code Timeout --reason "took too long"
	expect_ok
	golden set-update-status-failed.json
}

test_delete() {
	create_fixture create-minimal-python.json
	create_fixture create-with-checksum.json
	snapshot before
	run delete hello-python --if-revision 99
	expect_error 5 PreconditionFailed
	run delete nope
	expect_error 4 FunctionNotFound nope
	expect_unchanged before
	run delete hello-python --if-revision "$(rev hello-python)"
	expect_ok
	golden delete.json
	run get hello-python
	expect_error 4 FunctionNotFound
	run delete hello-python
	expect_error 4 FunctionNotFound
	run delete hello-checked
	expect_ok
	run list
	expect_ok
	golden list-empty.json
	run check
	expect_ok
}

run_tests test_update_merge test_update_code test_update_refusals \
	test_update_concurrent test_set_state test_set_state_refusals \
	test_set_update_status test_delete test_refused_command_leaves_no_store \
	test_new_store_never_replaces_another test_store_through_symlink \
	test_refused_open_keeps_empty_file_mode \
	test_signal_removes_temporary_files
