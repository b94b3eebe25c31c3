#!/bin/sh
# test_secrets.sh: files that hold credentials are 0600 whatever the umask;
# the registry password is masked by get/list/create output unless
# --show-secrets, whole in exports, and never on stderr when a command
# that carries it fails.
. "$(dirname "$0")/lib.sh"

SECRET=Pw7f3a9cSECRETd41d8cZ

# mode_is FILE: FILE is a regular file with mode -rw------- exactly.
mode_is_0600() {
	[ -f "$1" ] || fail "$1 does not exist: $(ls -la)"
	_m=$(ls -l "$1" | cut -c1-10)
	[ "$_m" = "-rw-------" ] || fail "$1 has mode $_m, want -rw-------"
}

# container NAME PASSWORD-JSON [EXTRA-MEMBERS]: a container function
# document on stdout.
container() {
	printf '{"functionName":"%s","runtime":"custom-container",' "$1"
	printf '"customContainerConfig":{"image":"r.example/i:1",'
	printf '"registryConfig":{"authConfig":{"userName":"u","password":%s}}}' "$2"
	[ -n "${3:-}" ] && printf ',%s' "$3"
	printf '}\n'
}

# no_secret: neither stdout nor stderr of the last run holds any eight
# bytes in a row of $SECRET.
no_secret() {
	_i=1
	while [ $_i -le $((${#SECRET} - 7)) ]; do
		_piece=$(printf '%s' "$SECRET" | cut -c$_i-$((_i + 7)))
		if grep -qF -- "$_piece" err out; then
			fail "the password shows: $(cat err out | head -c 500)"
		fi
		_i=$((_i + 1))
	done
}

# valid_utf8 FILE: FILE is valid UTF-8.
valid_utf8() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 ||
		fail "$1 is not valid UTF-8: $(od -c "$1" | head -20)"
}

# Every file that holds records is created 0600, even under umask 000.
test_modes_under_umask_000() {
	umask 000
	run init
	expect_ok
	mode_is_0600 store.fcdb
	mode_is_0600 store.fcdb-lock
	# a write command creating a missing store
	container box "\"$SECRET\"" >box.json
	run --db other.fcdb create box.json
	expect_ok
	mode_is_0600 other.fcdb
	run --db other.fcdb backup copy.fcdb
	expect_ok
	mode_is_0600 other.fcdb-lock
	mode_is_0600 copy.fcdb
	run --db other.fcdb export -o export.ndjson
	expect_ok
	mode_is_0600 export.ndjson
	has export.ndjson "$SECRET"
	run --db other.fcdb export --format json -o export.json
	expect_ok
	mode_is_0600 export.json
	# over an existing world-readable file: the new file is 0600
	echo old >old.ndjson
	chmod 644 old.ndjson
	run --db other.fcdb export -o old.ndjson
	expect_ok
	mode_is_0600 old.ndjson
	has old.ndjson "$SECRET"
	# no temporary file is left behind
	[ -z "$(ls | grep '\.tmp-')" ] || fail "temporary files left: $(ls)"
	# every file fcdb made (the test's own out, err and *.json are
	# not), and nothing else readable by others among them
	for f in store.fcdb* other.fcdb* copy.fcdb* export.* old.ndjson; do
		mode_is_0600 "$f"
	done
}

# An empty file given as the store becomes a store: private like one
# created from nothing, and init says it made it.
test_empty_file_becomes_private_store() {
	: >empty.fcdb
	chmod 644 empty.fcdb
	run --db empty.fcdb init
	expect_ok
	[ "$(field out created)" = true ] || fail "created: $(cat out)"
	mode_is_0600 empty.fcdb
	: >empty2.fcdb
	chmod 644 empty2.fcdb
	container box "\"$SECRET\"" >box.json
	run --db empty2.fcdb create box.json
	expect_ok
	mode_is_0600 empty2.fcdb
	has empty2.fcdb "$SECRET"
}

# get, list and the write commands mask; --show-secrets shows; export
# keeps the password whole.
test_masking_and_export() {
	container box "\"$SECRET\"" >box.json
	run create box.json
	expect_ok
	has out '"password": "Pw7***"'
	no_secret
	run get box
	expect_ok
	has out '"password": "Pw7***"'
	no_secret
	run list
	expect_ok
	no_secret
	run list --format table
	expect_ok
	no_secret
	run set-state box Active
	expect_ok
	no_secret
	printf '{"description":"d"}' >upd.json
	run update box upd.json
	expect_ok
	no_secret
	run get box --show-secrets
	expect_ok
	has out "\"password\": \"$SECRET\""
	run list --show-secrets
	expect_ok
	has out "\"password\": \"$SECRET\""
	run export
	expect_ok
	has out "\"password\":\"$SECRET\""
	run export --format json
	expect_ok
	has out "\"password\":\"$SECRET\""
}

# A password of multi-byte characters is masked by characters: the
# output stays valid UTF-8 (regression: the mask kept three bytes and
# cut the second character in half).
test_masking_multibyte() {
	container uml '"\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4"' >uml.json
	run create uml.json
	expect_ok
	valid_utf8 out
	has out '"password": "äää***"'
	run get uml
	expect_ok
	valid_utf8 out
	has out '"password": "äää***"'
	run list
	expect_ok
	valid_utf8 out
	has out '"password": "äää***"'
	run get uml --show-secrets
	expect_ok
	has out '"password": "ääääää"'
}

# Commands that carry the password and fail never print it.
test_no_password_in_errors() {
	printf '{"functionName":"victim","runtime":"python3.10","handler":"i.h"}' \
		>victim.json
	fcdb create victim.json --code "$DATA/code/hello.zip" >/dev/null ||
		fail "cannot create victim"
	fcdb set-state victim Active >/dev/null || fail "cannot activate"
	n=0
	while read -r label pw extra; do
		n=$((n + 1))
		[ "$extra" = "-" ] && extra=""
		container "leak$n" "$pw" "$extra" >doc.json
		run create doc.json
		[ "$rc" -ne 0 ] || fail "$label: create accepted it"
		no_secret
		# the same as an update of the victim
		sed 's/^{"functionName":"[^"]*",/{/' doc.json >upd.json
		run update victim upd.json
		no_secret
		if [ "$rc" -eq 0 ]; then
			fcdb delete victim >/dev/null
			fcdb create victim.json --code "$DATA/code/hello.zip" >/dev/null
			fcdb set-state victim Active >/dev/null
		fi
		# and as an import record
		tr -d '\n' <doc.json >rec.ndjson
		echo >>rec.ndjson
		run import rec.ndjson
		no_secret
		# cut short inside the password
		at=$(awk -v s="$SECRET" '{ print index($0, s); exit }' doc.json)
		if [ "$at" -gt 0 ]; then
			head -c $((at + 9)) doc.json >cut.json
			run create cut.json
			expect 3
			no_secret
		fi
	done <<EOF
timeout-out-of-range "$SECRET" "timeout":0
unknown-field "$SECRET" "memorysize":1
computed-field "$SECRET" "state":"Active"
code-and-container "$SECRET" "code":{"ossBucketName":"b","ossObjectName":"o"}
bad-ratio "$SECRET" "memorySize":32768,"cpu":0.05
password-duplicated "$SECRET","password":"$SECRET" -
password-as-number 9$SECRET -
password-as-array ["$SECRET"] -
password-as-object {"$SECRET":1} -
password-with-NUL-escape "$SECRET\u0000" -
password-with-bad-escape "$SECRET\q" -
password-with-lone-surrogate "$SECRET\udc00" -
not-json-after "$SECRET"x -
EOF
	# invalid UTF-8 and a raw control character in the password
	container bad "$(printf '"%s\377"' "$SECRET")" >bad.json
	run create bad.json
	expect_error 3 InvalidArgument
	no_secret
	container ctl "$(printf '"%s\001"' "$SECRET")" >ctl.json
	run create ctl.json
	expect_error 3 InvalidArgument
	no_secret
	# a record over the 1 MiB limit, most of it password
	big=$(awk -v s="$SECRET" 'BEGIN { for (i = 0; i < 60000; i++) printf "%s", s }')
	container huge "\"$big\"" >huge.json
	run create huge.json
	expect_error 3 InvalidArgument "1 MiB"
	no_secret
	# conflicts
	container taken "\"$SECRET\"" >taken.json
	run create taken.json
	expect_ok
	run create taken.json
	expect_error 5 FunctionAlreadyExists
	no_secret
	sed 's/^{"functionName":"[^"]*",/{/' taken.json >upd.json
	run update taken upd.json
	expect_error 5 ConcurrentUpdateError
	no_secret
	fcdb set-state taken Active >/dev/null
	run update taken upd.json --if-revision 1
	expect_error 5 PreconditionFailed
	no_secret
	run update missing upd.json
	expect_error 4 FunctionNotFound
	no_secret
	# an import in create mode over a name that exists
	fcdb export >all.ndjson
	run import all.ndjson
	expect_error 5 FunctionAlreadyExists
	no_secret
}

run_tests test_modes_under_umask_000 test_masking_and_export \
	test_masking_multibyte test_no_password_in_errors \
	test_empty_file_becomes_private_store
