#!/bin/sh
# test_admin.sh: fcdb init, checksum, stats, check and backup on healthy stores.
. "$(dirname "$0")/lib.sh"

test_init() {
	run --db ship.fcdb init --region cn-shanghai --account-id 123456789
	expect_ok
	golden init.json
	[ "$(field out created)" = true ] || fail "created"
	run --db ship.fcdb init
	expect_ok
	[ "$(field out created)" = false ] || fail "second init says created"
	[ "$(field out region)" = cn-shanghai ] || fail "region lost"
	run --db ship.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	has out '"functionArn": "acs:fc:cn-shanghai:123456789:functions/hello-python"'
	snapshot before
	run --db ship.fcdb init --region cn-beijing
	expect_error 3 InvalidArgument "InvalidArgument: region: " cn-shanghai cn-beijing
	run --db ship.fcdb init --account-id 42
	expect_error 3 InvalidArgument "InvalidArgument: accountId: "
	expect_unchanged before
	run --db new.fcdb init --region Not_A_Region
	expect_error 3 InvalidArgument "InvalidArgument: region: "
	run --db new.fcdb init --account-id 12ab
	expect_error 3 InvalidArgument "InvalidArgument: accountId: "
	[ ! -e new.fcdb ] || fail "a refused init created a store"
	run init
	expect_ok
	has out '"region": "cn-hangzhou"'
	has out '"accountId": "1000000000000000"'
	run --db nodir/x.fcdb init
	expect_error 1 IOError
}

# The default store is ./functions.fcdb when neither --db nor FCDB_PATH.
test_default_path() {
	unset FCDB_PATH
	run init
	expect_ok
	has out '"path": "./functions.fcdb"'
	[ -f functions.fcdb ] || fail "no ./functions.fcdb"
	FCDB_PATH= run list
	expect_ok
	FCDB_PATH=elsewhere.fcdb run --db functions.fcdb list
	expect_ok
}

test_checksum() {
	run checksum "$DATA/code/hello.zip"
	expect_ok
	golden checksum-hello.json
	run_in "$DATA/code/hello.zip" checksum -
	expect_ok
	golden checksum-hello.json
	printf 123456789 >vector
	run checksum vector
	expect_ok
	[ "$(field out codeChecksum)" = 11051210869376104954 ] || fail "CRC-64/XZ vector"
	: >empty
	run checksum empty
	expect_ok
	[ "$(field out codeChecksum)" = 0 ] && [ "$(field out codeSize)" = 0 ] ||
		fail "empty file"
	# larger than one read chunk
	i=0
	while [ $i -lt 200 ]; do cat "$DATA/code/hello.zip"; i=$((i + 1)); done >big
	run checksum big
	expect_ok
	[ "$(field out codeSize)" = 33600 ] || fail "codeSize of big"
	run checksum missing.zip
	expect_error 1 IOError missing.zip
	run checksum .
	expect_error 1 IOError
	[ ! -e "$FCDB_PATH" ] || fail "checksum created a store"
}

# stats: counts are exact; storage figures are numbers (normalized).
test_stats() {
	create_fixture create-minimal-python.json
	create_fixture create-container.json
	create_fixture create-custom-runtime.json
	create_fixture create-with-checksum.json
	fcdb set-state web-container Active >/dev/null || fail "set-state"
	fcdb set-state hello-checked Failed --reason-code Broken >/dev/null ||
		fail "set-state Failed"
	fcdb delete custom_runtime-1 >/dev/null || fail "delete"
	run stats
	expect_ok
	[ "$(field out path)" = "$FCDB_PATH" ] || fail "path"
	for k in recordBytes averageRecordBytes fileBytes mapBytes pageSize \
	         used leaf treeDepth byArn byId max; do
		v=$(field out $k)
		[ -n "$v" ] && [ "$v" -gt 0 ] 2>/dev/null || fail "$k is $v"
	done
	sed -e 's/^\(  "path": \).*/\1"<path>",/' \
	    -e '/Bytes"\|"pageSize"\|"used"\|"branch"\|"leaf"\|"overflow"\|"treeDepth"\|"max"/s/[0-9][0-9]*/N/' \
	    out >stats.out
	golden stats.json stats.out
	# the same figures as the data file's size
	[ "$(field out fileBytes)" -eq "$(wc -c <"$FCDB_PATH")" ] || fail "fileBytes"
}

test_check_clean() {
	run check
	expect_error 1 IOError
	run init
	expect_ok
	run check
	expect_ok
	golden check-clean.json
	create_fixture create-minimal-python.json
	create_fixture create-container.json
	fcdb delete web-container >/dev/null || fail "delete"
	run check
	expect_ok
	golden check-clean.json
}

test_backup() {
	create_fixture create-minimal-python.json
	create_fixture create-container.json
	fcdb set-state hello-python Active >/dev/null || fail "set-state"
	run backup copy.fcdb
	expect_ok
	has out '"backup": "copy.fcdb"'
	[ "$(field out bytes)" -eq "$(wc -c <copy.fcdb)" ] || fail "bytes"
	perm=$(ls -l copy.fcdb | cut -c1-10)
	[ "$perm" = "-rw-------" ] || fail "backup mode is $perm"
	fcdb list --limit 100 --show-secrets >orig.list
	run --db copy.fcdb list --limit 100 --show-secrets
	expect_ok
	diff -u orig.list out >&2 || fail "the backup lists differently"
	run --db copy.fcdb check
	expect_ok
	# the copy is a store of its own
	run --db copy.fcdb delete hello-python
	expect_ok
	run get hello-python
	expect_ok
	# refusals
	run backup copy.fcdb
	expect_error 1 IOError copy.fcdb
	run backup nodir/copy.fcdb
	expect_error 1 IOError
	[ ! -e nodir ] || fail "backup made a directory"
}

run_tests test_init test_default_path test_checksum test_stats \
	test_check_clean test_backup
