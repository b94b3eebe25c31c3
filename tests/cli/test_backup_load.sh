#!/bin/sh
# test_backup_load.sh: fcdb backup of a store that another process keeps
# writing: the copy opens, passes check, and holds every function
# committed before the backup began.
. "$(dirname "$0")/lib.sh"

# all_names DB: every function name in DB, one a line, by paging.
all_names() {
	_token=""
	while :; do
		if [ -n "$_token" ]; then
			fcdb --db "$1" list --limit 100 --next-token "$_token" >page
		else
			fcdb --db "$1" list --limit 100 >page
		fi || fail "list of $1 failed"
		sed -n 's/^      "functionName": "\(.*\)",$/\1/p' page
		_token=$(field page nextToken)
		[ -n "$_token" ] || break
	done
}

# wait_lines FILE N: wait (up to a minute) until FILE has N lines.
wait_lines() {
	_i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || fail "the writer made no progress: $(cat writer.err)"
		sleep 0.1
	done
}

test_backup_under_load() {
	fcdb init >/dev/null || fail "init"
	: >committed
	# The writer logs a name only after its create has returned 0, so
	# every name in the log was committed before the log line exists.
	(
		i=0
		while [ ! -f stop ] && [ $i -lt 5000 ]; do
			printf '{"functionName":"load-%05d","runtime":"python3.10","handler":"index.handler","description":"written under load"}' \
				$i >w.json
			if $FCDB create w.json --code "$DATA/code/hello.zip" \
				>/dev/null 2>>writer.err; then
				echo "load-$(printf %05d $i)" >>committed
			fi
			i=$((i + 1))
		done
	) &
	writer=$!
	wait_lines committed 50
	cp committed before-backup
	run backup copy.fcdb
	status=$rc
	cp err backup.err
	# keep the writer going a little past the backup, then stop it
	wait_lines committed $(($(wc -l <before-backup) + 5))
	kill -0 $writer 2>/dev/null || fail "the writer stopped before the backup ended"
	touch stop
	wait $writer
	rc=$status
	cp backup.err err
	expect 0
	[ ! -s writer.err ] || fail "the writer failed: $(cat writer.err)"
	run --db copy.fcdb check
	expect_ok
	has out '"clean": true'
	all_names copy.fcdb >in-copy
	while read -r name; do
		grep -qx "$name" in-copy ||
			fail "$name was committed before the backup but is not in it"
	done <before-backup
	# nothing in the copy that the writer never committed
	while read -r name; do
		grep -qx "$name" committed || fail "$name in the copy was never committed"
	done <in-copy
	run check
	expect_ok
	echo "    $(wc -l <before-backup) before, $(wc -l <in-copy) in the copy, $(wc -l <committed) committed in all"
}

run_tests test_backup_under_load
