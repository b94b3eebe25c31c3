#!/bin/sh
# test_io.sh: fcdb export and import: round trips, shapes, modes, refusals.
. "$(dirname "$0")/lib.sh"

# A store for region cn-shanghai, account 123 (the fixtures' own), with
# every valid fixture and the full GetFunction example.
seeded_store() {
	fcdb init --region cn-shanghai --account-id 123 >/dev/null ||
		fail "init"
	for f in "$DATA"/valid/*.json; do
		fcdb create "$f" >/dev/null || fail "create $f"
	done
	fcdb import "$DATA/import/function-full.json" >/dev/null ||
		fail "import function-full.json"
}

test_round_trip_ndjson_and_json() {
	seeded_store
	run export
	expect_ok
	cp out first.ndjson
	[ "$(wc -l <first.ndjson)" -eq 5 ] || fail "5 functions expected"
	hasnt first.ndjson '"revision"'
	has first.ndjson '"password":"abc123"'
	FCDB_PATH=$PWD/second.fcdb fcdb init --region cn-shanghai \
		--account-id 123 >/dev/null
	run --db second.fcdb import first.ndjson
	expect_ok
	[ "$(field out created)" = 5 ] || fail "created: $(cat out)"
	run --db second.fcdb export
	expect_ok
	cmp first.ndjson out || fail "export -> import -> export differs"
	run export --format json
	expect_ok
	cp out first.json
	has first.json '{"version":1,"region":"cn-shanghai","accountId":"123","functions":['
	FCDB_PATH=$PWD/third.fcdb fcdb init --region cn-shanghai \
		--account-id 123 >/dev/null
	run --db third.fcdb import first.json
	expect_ok
	run --db third.fcdb export --format json
	cmp first.json out || fail "JSON round trip differs"
}

test_export_to_file() {
	seeded_store
	run export -o backup.ndjson
	expect_ok
	[ "$(field out functions)" = 5 ] || fail "summary: $(cat out)"
	[ "$(stat -c %a backup.ndjson)" = 600 ] || fail "export file not 0600"
	[ "$(ls | grep -c 'backup.ndjson.tmp')" -eq 0 ] || fail "temp file left"
	run export --output backup.json --format json --prefix hello
	expect_ok
	[ "$(field out functions)" = 2 ] || fail "prefix: $(cat out)"
	run export --format xml
	expect_usage
	run export -o /nonexistent/dir/x.ndjson
	expect_error 1 IOError "/nonexistent/dir/x.ndjson"
}

test_import_from_pipe_and_shapes() {
	seeded_store
	fcdb export >all.ndjson
	FCDB_PATH=$PWD/p.fcdb fcdb init --region cn-shanghai --account-id 123 \
		>/dev/null
	cat all.ndjson | $FCDB --db p.fcdb import >out 2>err
	[ $? -eq 0 ] || fail "import from a pipe: $(cat err)"
	[ ! -s err ] || fail "stderr on a pipe: $(cat err)"
	[ "$(field out records)" = 5 ] || fail "pipe: $(cat out)"
	# a ListFunctions page
	{
		printf '{"functions": ['
		sed '$!s/$/,/' all.ndjson
		printf '], "nextToken": "x"}'
	} >page.json
	FCDB_PATH=$PWD/l.fcdb fcdb init --region cn-shanghai --account-id 123 \
		>/dev/null
	run --db l.fcdb import page.json
	expect_ok
	[ "$(field out created)" = 5 ] || fail "ListFunctions: $(cat out)"
}

test_import_modes() {
	seeded_store
	fcdb export >all.ndjson
	snapshot before
	run import all.ndjson
	expect_error 5 FunctionAlreadyExists "already exists" "line 1"
	expect_unchanged before
	run import all.ndjson --mode upsert
	expect_ok
	golden import-upsert-unchanged.json
	fcdb create "$DATA/valid/create-container.json" >/dev/null 2>&1
	printf '{"functionName":"extra","runtime":"go1","handler":"main","codeChecksum":"1"}\n' >extra.ndjson
	run import extra.ndjson --mode upsert
	expect_ok
	[ "$(field out created)" = 1 ] || fail "upsert created"
	run import all.ndjson --mode replace --dry-run
	expect_ok
	[ "$(field out deleted)" = 1 ] || fail "dry run deleted: $(cat out)"
	[ "$(field out dryRun)" = true ] || fail "dryRun flag"
	fcdb get extra >/dev/null || fail "a dry run deleted for real"
	run import all.ndjson --mode replace
	expect_ok
	golden import-replace.json
	run get extra
	expect_error 4 FunctionNotFound extra
	run export
	cmp all.ndjson out || fail "replace did not make the store the input"
	run import all.ndjson --mode merge
	expect_usage
}

test_import_refusals() {
	seeded_store
	snapshot before
	fcdb export >all.ndjson
	sed '3s/"memorySize":[0-9]*/"memorySize":200/' all.ndjson >bad.ndjson
	run import bad.ndjson --mode upsert
	expect_error 3 InvalidArgument "line 3" "memorySize" "multiple of 64"
	expect_unchanged before
	run import "$DATA/import/seed-example-function.json" --mode upsert
	expect_error 3 InvalidArgument codeChecksum functionArn functionId cpu
	expect_unchanged before
	head -c 300 all.ndjson >truncated.ndjson
	run import truncated.ndjson
	expect_error 3 InvalidArgument "end of input"
	printf 'this is not json\n' >text.txt
	run import text.txt
	expect_error 3 InvalidArgument "line 1"
	: >empty.json
	run import empty.json
	expect_error 3 InvalidArgument empty
	head -n 1 all.ndjson >dup.ndjson
	head -n 1 all.ndjson >>dup.ndjson
	run import dup.ndjson --mode upsert
	expect_error 3 InvalidArgument "appears twice" "line 2"
	printf '[1, 2]\n' >shape.json
	run import shape.json
	expect_error 3 InvalidArgument "array index 0" "JSON object"
	run import missing-file.ndjson
	expect_error 1 IOError missing-file.ndjson
	expect_unchanged before
	# lenient: a ratio an older tool allowed
	printf '{"functionName":"old","runtime":"python3.9","handler":"h","cpu":1,"memorySize":512,"codeChecksum":"3"}\n' >old.ndjson
	run import old.ndjson
	expect_error 3 InvalidArgument cpu ratio
	run import old.ndjson --lenient
	expect_ok
}

test_export_closed_stdout() {
	seeded_store
	$FCDB export 2>err | head -n 1 >/dev/null
	[ ! -s err ] || fail "closed stdout printed: $(cat err)"
}

# -o replaces its FILE by rename(2): a link, FIFO or device is refused
# and left alone; a failing stdout is one error line.
test_export_output_checks() {
	seeded_store
	echo kept >target
	ln -s target link
	run export -o link
	expect_error 1 IOError "link is a symbolic link"
	[ -L link ] && [ "$(cat target)" = kept ] || fail "link replaced"
	mkfifo fifo || fail "mkfifo"
	run export -o fifo
	expect_error 1 IOError "fifo is a FIFO"
	[ -p fifo ] || fail "FIFO replaced"
	run export -o /dev/null
	expect_error 1 IOError "/dev/null is a device"
	[ -c /dev/null ] || fail "/dev/null replaced"
	run export -o ""
	expect_usage
	[ -z "$(ls | grep '\.tmp-')" ] || fail "temporary files left: $(ls)"
	# more than stdio's buffer, so the library's write fails first
	many_functions 100 | fcdb import - >/dev/null || fail "import"
	$FCDB export >/dev/full 2>err
	[ $? -eq 1 ] || fail "export to /dev/full: $(cat err)"
	[ "$(wc -l <err)" -eq 1 ] || fail "not one error line: $(cat err)"
	has err "fcdb: IOError: cannot write to standard output: No space left on device"
}

test_export_readonly_missing_store() {
	run --db nowhere.fcdb export
	expect_error 1 IOError nowhere.fcdb
	[ ! -e nowhere.fcdb ] || fail "export created a store"
}

# many_functions N: N small Functions as NDJSON, named f00001 ... (the
# computed fields an import may omit are filled in).
many_functions() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"functionName\":\"f%05d\",\"runtime\":\"python3.10\",\"handler\":\"index.handler\",\"codeChecksum\":\"%d\",\"codeSize\":%d}\n", i, i, 100 + i
	}'
}

# import has the store to itself when it can (its own memory then stays
# flat); while another process has the store open it shares it instead.
# An export stalled on a full pipe keeps the store open throughout.
test_import_while_another_process_reads() {
	many_functions 3100 >all.ndjson
	head -n 3000 all.ndjson >many.ndjson
	tail -n 100 all.ndjson >more.ndjson
	fcdb import many.ndjson >/dev/null || fail "first import"
	printf '%s\n' 'dd bs=1 count=1 >/dev/null 2>&1; : >started' \
		'n=0; while [ ! -e done ] && [ $n -lt 1200 ]; do' \
		'sleep 0.05; n=$((n + 1)); done; cat >/dev/null' >hold.sh
	fcdb export 2>/dev/null | sh hold.sh &
	n=0
	while [ ! -e started ] && [ $n -lt 1200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -e started ] || fail "the export did not start"
	run import more.ndjson
	: >done
	wait
	expect 0
	[ "$(field out created)" = 100 ] || fail "created: $(cat out)"
	[ "$(fcdb export | wc -l)" -eq 3100 ] || fail "not all there"
}

# wait_sealed: wait until an import has committed its first step (its
# undo journal's header is sealed).
wait_sealed() {
	n=0
	while [ $n -lt 1200 ]; do
		for j in .*-journal *-journal; do
			[ -f "$j" ] && [ "$(head -c 8 "$j")" = fcdbUND1 ] && return 0
		done
		sleep 0.05
		n=$((n + 1))
	done
	fail "no import journal was sealed: $(ls -A)"
}

# A signal in the middle of an import that has committed steps: into a
# new store, nothing is left (the temporary store, its lock file and its
# journal go); into an existing one, the next command that opens the
# store undoes the steps.  A FIFO holds the import after 2,100 records.
test_signal_mid_import() {
	many_functions 3000 >many.ndjson
	head -n 100 many.ndjson >first.ndjson
	tail -n 2100 many.ndjson >rest.ndjson
	mkfifo in || fail "mkfifo"
	for db in new.fcdb store.fcdb; do
		if [ $db = store.fcdb ]; then
			fcdb import first.ndjson >/dev/null || fail "first"
		fi
		$FCDB --db $db import in >out 2>err &
		pid=$!
		exec 3>in
		cat rest.ndjson >&3
		wait_sealed
		kill -TERM $pid
		{ wait $pid; } 2>/dev/null
		rc=$?
		exec 3>&-
		[ "$rc" -eq 143 ] || fail "$db: status $rc, not SIGTERM's 143"
	done
	left=$(ls -A | grep -v -x -e many.ndjson -e first.ndjson \
		-e rest.ndjson -e in -e out -e err -e store.fcdb \
		-e store.fcdb-lock -e store.fcdb-journal)
	[ -z "$left" ] || fail "left: $left"
	[ -f store.fcdb-journal ] || fail "the existing store has no journal"
	run stats
	expect 0
	[ "$(field out functions)" = 100 ] || fail "stats: $(cat out)"
	[ ! -e store.fcdb-journal ] || fail "the journal is still there"
	run check
	expect 0
}

# The progress line appears on a terminal only.  A pipe that stalls
# for 1.2 s once fcdb is under way makes the import and the export last
# over a second, however slowly fcdb starts (valgrind): the writer's
# first 2,000 lines fill the pipe before it stalls, the reader stalls
# after fcdb's first byte.  script(1) gives fcdb a terminal on stderr
# while stdin and stdout stay pipes.
test_progress_on_terminal_only() {
	many_functions 10000 >many.ndjson
	[ "$(wc -l <many.ndjson)" -eq 10000 ] || fail "corpus"
	printf '%s\n' 'head -n 2000 many.ndjson; sleep 1.2' \
		'tail -n +2001 many.ndjson' >slow_in.sh
	printf '%s\n' 'dd bs=1 count=1 2>/dev/null; sleep 1.2; cat' >slow_out.sh
	sh slow_in.sh | fcdb import - >out 2>err || fail "import: $(cat err)"
	[ ! -s err ] || fail "progress on a pipe: $(cat err)"
	[ "$(field out created)" = 10000 ] || fail "created: $(cat out)"
	fcdb export 2>err | sh slow_out.sh >/dev/null
	[ ! -s err ] || fail "export progress on a pipe: $(cat err)"

	script -qec "sh slow_in.sh | $FCDB --db tty.fcdb import - >tty.out" \
		/dev/null </dev/null >tty.log || fail "import on a terminal: $(cat tty.log)"
	has tty.log "import: 10000 records, "
	has tty.log " records/s"
	[ "$(field tty.out created)" = 10000 ] || fail "created: $(cat tty.out)"
	script -qec "$FCDB --db tty.fcdb export | sh slow_out.sh >tty.ndjson" \
		/dev/null </dev/null >tty.log || fail "export on a terminal: $(cat tty.log)"
	has tty.log "export: 10000 records, "
	fcdb --db tty.fcdb export >pipe.ndjson || fail "export"
	[ "$(wc -l <pipe.ndjson)" -eq 10000 ] || fail "export lines"
	cmp tty.ndjson pipe.ndjson || fail "export on a terminal differs"
}

run_tests test_round_trip_ndjson_and_json test_export_to_file \
	test_import_from_pipe_and_shapes test_import_modes \
	test_import_refusals test_export_closed_stdout \
	test_export_readonly_missing_store test_progress_on_terminal_only \
	test_export_output_checks test_import_while_another_process_reads \
	test_signal_mid_import
