#!/bin/sh
# test_create.sh: fcdb create from files, stdin and --code; every refusal.
. "$(dirname "$0")/lib.sh"

test_create_from_file() {
	run create "$DATA/valid/create-minimal-python.json"
	expect_ok
	golden create-minimal-python.json
	[ -f "$FCDB_PATH" ] || fail "create did not make the store"
	run get hello-python
	expect_ok
	golden create-minimal-python.json
}

test_create_from_stdin() {
	run_in "$DATA/valid/create-minimal-python.json" create
	expect_ok
	has out '"functionName": "hello-python"'
	run_in "$DATA/valid/create-with-checksum.json" create -
	expect_ok
	has out '"functionName": "hello-checked"'
	has out '"codeChecksum": "15509210073434968621"'
}

test_create_every_valid_fixture() {
	for f in "$DATA"/valid/*.json; do
		run create "$f"
		expect_ok
		has out '"state": "Pending"'
		has out '"lastUpdateStatus": "InProgress"'
		has out '"revision": '
	done
	run list --limit 100
	expect_ok
	[ "$(grep -c '^      "functionName"' out)" -eq \
	  "$(ls "$DATA"/valid/*.json | wc -l)" ] || fail "not every fixture listed"
}

# --code loads the package bytes; the store computes the checksum.
test_create_with_code_file() {
	printf '{"functionName":"zipped","runtime":"nodejs18","handler":"index.handler"}' >in.json
	run create in.json --code "$DATA/code/hello.zip"
	expect_ok
	[ "$(field out codeChecksum)" = 15509210073434968621 ] ||
		fail "codeChecksum: $(field out codeChecksum)"
	[ "$(field out codeSize)" = 168 ] || fail "codeSize: $(field out codeSize)"
	# the package from stdin, the JSON from a file
	sed 's/zipped/zipped2/' in.json >in2.json
	run_in "$DATA/code/hello.zip" create in2.json --code -
	expect_ok
	[ "$(field out codeChecksum)" = 15509210073434968621 ] ||
		fail "codeChecksum from stdin: $(field out codeChecksum)"
	run create - --code -
	expect_usage
	run create in.json --code missing.zip
	expect_error 1 IOError missing.zip
	# --code and code.zipFile together is a bad input
	run create "$DATA/valid/create-minimal-python.json" --code "$DATA/code/hello.zip"
	expect_error 3 InvalidArgument code
}

# Every invalid fixture: status 3, InvalidArgument naming the field of
# the manifest, and the store unchanged.
test_create_invalid_fixtures() {
	create_fixture create-minimal-python.json
	snapshot before
	awk -F'"' '/"file":/ { f = $4 } /"field":/ { print f, $4 }' \
		"$DATA/invalid/manifest.json" >cases
	[ "$(wc -l <cases)" -ge 30 ] || fail "manifest not read: $(cat cases)"
	while read -r file fld; do
		run create "$DATA/invalid/$file"
		if [ -n "$fld" ]; then
			expect_error 3 InvalidArgument "$fld"
		else
			expect_error 3 InvalidArgument
		fi
	done <cases
	expect_unchanged before
}

test_create_refusals() {
	create_fixture create-minimal-python.json
	snapshot before
	run create "$DATA/valid/create-minimal-python.json"
	expect_error 5 FunctionAlreadyExists hello-python
	run create nosuchfile.json
	expect_error 1 IOError nosuchfile.json
	run create .
	expect_error 1 IOError
	printf 'not json' >bad.json
	run_in bad.json create
	expect_error 3 InvalidArgument JSON
	run create bad.json
	expect_error 3 InvalidArgument JSON
	: >empty.json
	run create empty.json
	expect_error 3 InvalidArgument
	printf '{"functionName":"x","runtime":"python3.10","handler":"h","memorysize":128,"code":{"zipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}' >typo.json
	run create typo.json
	expect_error 3 InvalidArgument memorysize
	expect_unchanged before
}

# A write command creates a missing store with the default region.
test_create_makes_store() {
	run --db sub.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_ok
	has out '"functionArn": "acs:fc:cn-hangzhou:1000000000000000:functions/hello-python"'
	[ -f sub.fcdb ] || fail "no store file"
	run --db nodir/sub.fcdb create "$DATA/valid/create-minimal-python.json"
	expect_error 1 IOError
}

run_tests test_create_from_file test_create_from_stdin \
	test_create_every_valid_fixture test_create_with_code_file \
	test_create_invalid_fixtures test_create_refusals test_create_makes_store
