#!/bin/sh
# test_damage.sh: damaged and foreign stores are reported, never a crash.
. "$(dirname "$0")/lib.sh"

MARKER=damage-marker-7f3a91

# A store with a healthy function and a victim whose description is a
# string found nowhere else, then a copy with bytes flipped inside the
# victim's record (every copy of it LMDB still has in the file).
make_damaged() {
	create_fixture create-minimal-python.json
	printf '{"functionName":"victim","runtime":"nodejs18","handler":"index.handler","description":"%s"}' \
		"$MARKER" >victim.json
	fcdb create victim.json --code "$DATA/code/hello.zip" >victim.out ||
		fail "create victim"
	cp "$FCDB_PATH" damaged.fcdb
	offsets=$(grep -obUaF "$MARKER" damaged.fcdb | cut -d: -f1)
	[ -n "$offsets" ] || fail "the marker is not in the store file"
	for off in $offsets; do
		printf 'Z' | dd of=damaged.fcdb bs=1 seek=$((off + 3)) \
			conv=notrunc 2>/dev/null || fail "dd"
	done
	cmp -s "$FCDB_PATH" damaged.fcdb && fail "nothing was flipped"
	return 0
}

test_check_reports_record() {
	make_damaged
	run --db damaged.fcdb check
	expect 1
	has out '"name": "victim"'
	has out '"phase": "envelope"'
	has out '"problemCount": 1'
	has out '"clean": false'
	hasnt out hello-python
	[ "$(wc -l <err)" -eq 1 ] || fail "stderr: $(cat err)"
	has err "fcdb: StoreCorrupted: "
	sed -e 's/"message": ".*"/"message": "<message>"/' out >check.out
	golden check-damaged.json check.out
	# the original is untouched and clean
	run check
	expect_ok
}

test_reads_report_record() {
	make_damaged
	arn=$(field victim.out functionArn)
	id=$(field victim.out functionId)
	run --db damaged.fcdb get victim
	expect_error 1 StoreCorrupted '"victim"'
	run --db damaged.fcdb get --arn "$arn"
	expect_error 1 StoreCorrupted victim
	run --db damaged.fcdb get --id "$id"
	expect_error 1 StoreCorrupted victim
	run --db damaged.fcdb list
	expect_error 1 StoreCorrupted victim
	run --db damaged.fcdb list --format table
	expect_error 1 StoreCorrupted victim
	run --db damaged.fcdb stats
	expect_error 1 StoreCorrupted victim
	# the healthy function is still readable
	run --db damaged.fcdb get hello-python
	expect_ok
	run --db damaged.fcdb list --prefix hello
	expect_ok
	has out hello-python
}

# Writes to the damaged record are refused, with no crash; the rest of
# the store keeps working.
test_writes_on_damage() {
	make_damaged
	printf '{"timeout": 9}' >upd.json
	for c in "update victim upd.json" "set-state victim Active" \
	         "set-update-status victim Successful"; do
		run --db damaged.fcdb $c
		expect_error 1 StoreCorrupted victim
	done
	run --db damaged.fcdb set-state hello-python Active
	expect_ok
	# delete removes a damaged record with its index entries: the
	# operator's way out, after which the store is clean again
	run --db damaged.fcdb delete victim
	expect_ok
	run --db damaged.fcdb check
	expect_ok
}

# A backup copies the damage faithfully; check finds it in the copy.
test_backup_of_damage() {
	make_damaged
	run --db damaged.fcdb backup copy.fcdb
	expect_ok
	run --db copy.fcdb check
	expect 1
	has out '"name": "victim"'
}

test_not_a_store() {
	head -c 65536 /dev/urandom >junk.fcdb
	for c in check "get x" list stats "backup c.fcdb"; do
		run --db junk.fcdb $c
		expect_error 1 StoreCorrupted junk.fcdb
	done
	run --db junk.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_error 1 StoreCorrupted junk.fcdb
	printf 'hello, I am a text file\n' >text.fcdb
	run --db text.fcdb list
	expect 1
	: >empty.fcdb
	run --db empty.fcdb list
	expect 1
	has err "fcdb: "
	mkdir dir.fcdb
	run --db dir.fcdb list
	expect_error 1 IOError dir.fcdb
	run --db dir.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_error 1 IOError dir.fcdb
}

test_unreadable_store() {
	create_fixture create-minimal-python.json
	# a path that cannot be opened, whoever runs the test
	printf 'x' >plainfile
	run --db plainfile/store.fcdb list
	expect_error 1 IOError plainfile/store.fcdb
	run --db plainfile/store.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_error 1 IOError plainfile/store.fcdb
	# permission bits stop everyone but root
	if [ "$(id -u)" -ne 0 ]; then
		chmod 000 "$FCDB_PATH"
		run list
		chmod 600 "$FCDB_PATH"
		expect_error 1 IOError
	fi
}

# A copy cut short (a full disk during cp) must be refused at open: its
# pages would be mapped past the end of the file, and reading them kills
# the process with SIGBUS.
test_truncated_store() {
	create_fixture create-minimal-python.json
	create_fixture create-container.json
	head -c 8192 "$FCDB_PATH" >cut.fcdb
	for cmd in list check stats "get hello-python" export; do
		run --db cut.fcdb $cmd
		expect_error 1 StoreCorrupted "truncated"
	done
	[ ! -e cut.fcdb-lock ] || fail "a refused open left a lock file"
	run --db cut.fcdb create "$DATA/valid/create-with-checksum.json"
	expect_error 1 StoreCorrupted "truncated"
}

run_tests test_check_reports_record test_reads_report_record \
	test_writes_on_damage test_backup_of_damage test_not_a_store \
	test_unreadable_store test_truncated_store
