#!/bin/sh
# test_get_list.sh: fcdb get and list: lookups, masking, paging, table.
. "$(dirname "$0")/lib.sh"

# mkfn NAME [RUNTIME]: create a small function with the hello.zip package.
mkfn() {
	printf '{"functionName":"%s","runtime":"%s","handler":"index.handler"}' \
		"$1" "${2:-python3.10}" >mkfn.json
	fcdb create mkfn.json --code "$DATA/code/hello.zip" >/dev/null ||
		fail "cannot create $1"
}

test_get_by_name_arn_id() {
	create_fixture create-minimal-python.json
	run get hello-python
	expect_ok
	cp out by-name
	arn=$(field out functionArn)
	id=$(field out functionId)
	[ "$arn" = "acs:fc:cn-hangzhou:1000000000000000:functions/hello-python" ] ||
		fail "arn: $arn"
	run get --arn "$arn"
	expect_ok
	diff by-name out >&2 || fail "get --arn differs"
	run get --id "$id"
	expect_ok
	diff by-name out >&2 || fail "get --id differs"
	run get --arn="$arn"
	expect_ok
}

test_get_not_found() {
	create_fixture create-minimal-python.json
	run get nope
	expect_error 4 FunctionNotFound nope
	run get --arn acs:fc:cn-hangzhou:1000000000000000:functions/nope
	expect_error 4 FunctionNotFound
	run get --id 00000000-0000-0000-0000-000000000000
	expect_error 4 FunctionNotFound
}

# Inspection commands never create a store.
test_readonly_never_creates() {
	for c in "get x" "list" "stats" "check" "backup copy.fcdb"; do
		run --db missing.fcdb $c
		expect_error 1 IOError missing.fcdb
	done
	[ ! -e missing.fcdb ] && [ ! -e missing.fcdb-lock ] && [ ! -e copy.fcdb ] ||
		fail "an inspection command created files: $(ls)"
	FCDB_PATH=$PWD/env.fcdb run list
	expect_error 1 IOError env.fcdb
}

test_masking() {
	create_fixture create-container.json
	# the fixture's own password is already "abc***"
	run get web-container
	expect_ok
	has out '"password": "abc***"'
	sed 's/"abc\*\*\*"/"s3cretPassw0rd"/' "$DATA/valid/create-container.json" |
		sed 's/web-container/secret-box/' >secret.json
	run create secret.json
	expect_ok
	has out '"password": "s3c***"'
	hasnt out s3cretPassw0rd
	run create "$DATA/valid/create-container.json" --db other.fcdb --show-secrets
	expect_ok
	run get secret-box
	expect_ok
	has out '"password": "s3c***"'
	hasnt out s3cretPassw0rd
	golden get-container-masked.json
	run get secret-box --show-secrets
	expect_ok
	has out '"password": "s3cretPassw0rd"'
	run list
	expect_ok
	has out '"password": "s3c***"'
	hasnt out s3cretPassw0rd
	run list --show-secrets
	expect_ok
	has out '"password": "s3cretPassw0rd"'
}

test_list_json() {
	run --db empty.fcdb init
	expect_ok
	run --db empty.fcdb list
	expect_ok
	golden list-empty.json
	create_fixture create-minimal-python.json
	create_fixture create-custom-runtime.json
	run list
	expect_ok
	golden list-two.json
	hasnt out nextToken
}

test_list_paging() {
	for n in e c a d b; do mkfn "fn-$n"; done
	token=""
	: >names
	pages=0
	while :; do
		if [ -n "$token" ]; then
			run list --limit 2 --next-token "$token"
		else
			run list --limit 2
		fi
		expect_ok
		pages=$((pages + 1))
		sed -n 's/^      "functionName": "\(.*\)",$/\1/p' out >>names
		token=$(field out nextToken)
		[ -n "$token" ] || break
		[ "$pages" -lt 10 ] || fail "paging does not end"
	done
	[ "$pages" -eq 3 ] || fail "expected 3 pages, got $pages"
	printf 'fn-a\nfn-b\nfn-c\nfn-d\nfn-e\n' >want
	diff -u want names >&2 || fail "pages did not list every name once, in order"
	run list --limit 5
	expect_ok
	hasnt out nextToken
	run list --limit 4
	expect_ok
	token=$(field out nextToken)
	# a token from another store is refused, never a silent restart
	run --db other.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	run --db other.fcdb list --next-token "$token"
	expect_error 3 InvalidArgument nextToken
	for bad in AAAA not-a-token "$token"x ""x; do
		run list --next-token "$bad"
		expect_error 3 InvalidArgument nextToken
	done
	run list --limit 0
	expect_error 3 InvalidArgument limit
	run list --limit 101
	expect_error 3 InvalidArgument limit
	run list --limit 100
	expect_ok
}

test_list_filters() {
	mkfn alpha-1
	mkfn alpha-2 nodejs18
	mkfn beta-1 nodejs18
	fcdb set-state alpha-2 Active >/dev/null || fail "set-state"
	run list --prefix alpha
	expect_ok
	[ "$(grep -c '^      "functionName"' out)" -eq 2 ] || fail "prefix"
	run list --runtime nodejs18
	expect_ok
	has out alpha-2
	has out beta-1
	hasnt out alpha-1
	run list --state Active
	expect_ok
	has out alpha-2
	hasnt out beta-1
	run list --state Active --runtime python3.10
	expect_ok
	golden list-empty.json
	run list --state Sleeping
	expect_error 3 InvalidArgument Sleeping
	run list --prefix zzz --format table
	expect_ok
	golden list-table-empty.txt
}

test_list_table() {
	create_fixture create-minimal-python.json
	create_fixture create-container.json
	create_fixture create-custom-runtime.json
	fcdb set-state web-container Active >/dev/null || fail "set-state"
	run list --format table
	expect_ok
	golden list-table.txt
	run list --format=table --limit 2
	expect_ok
	golden list-table-page.txt
	has out "next page: --next-token "
	token=$(sed -n 's/^next page: --next-token //p' out)
	run list --format table --limit 2 --next-token "$token"
	expect_ok
	has out web-container
	hasnt out hello-python
	hasnt out "next page"
	run list --format json
	expect_ok
	has out '"functions": ['
}

# A closed stdout (`fcdb list | head -c 10`) ends quietly.
test_closed_stdout() {
	for n in a b c d e f g h; do mkfn "closed-$n"; done
	fcdb list --limit 100 2>err | head -c 10 >/dev/null
	[ ! -s err ] || fail "stderr on a closed pipe: $(cat err)"
	# a reader that is gone before fcdb writes at all: EPIPE for sure
	{ sleep 1; $FCDB list --limit 100; echo $? >status; } 2>err | true
	[ "$(cat status)" = 0 ] || fail "status $(cat status) on a closed pipe"
	[ ! -s err ] || fail "stderr on a closed pipe: $(cat err)"
	{ sleep 1; $FCDB list --format table; echo $? >status; } 2>err | true
	[ "$(cat status)" = 0 ] || fail "status $(cat status) on a closed pipe"
	[ ! -s err ] || fail "stderr on a closed pipe: $(cat err)"
	# other write errors are reported
	if [ -w /dev/full ]; then
		run list >/dev/full
		$FCDB list >/dev/full 2>err
		[ $? -eq 1 ] || fail "a full disk is not an error"
		has err "fcdb: IOError: "
	fi
}

run_tests test_get_by_name_arn_id test_get_not_found \
	test_readonly_never_creates test_masking test_list_json \
	test_list_paging test_list_filters test_list_table test_closed_stdout
