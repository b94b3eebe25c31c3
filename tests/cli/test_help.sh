#!/bin/sh
# test_help.sh: help, version and usage errors of the fcdb command.
. "$(dirname "$0")/lib.sh"

COMMANDS="init create get list update delete set-state set-update-status
checksum stats check backup help version"

test_help_overview() {
	run help
	expect_ok
	golden help.txt
	for c in $COMMANDS; do
		has out "  $c "
	done
	has out "./functions.fcdb"
	run --help
	expect_ok
	golden help.txt
	run -h
	expect_ok
	golden help.txt
}

# Every command's help, three ways, to stdout with status 0.
test_help_commands() {
	: >all
	for c in $COMMANDS; do
		run help "$c"
		expect_ok
		has out "usage: fcdb [--db PATH] $c"
		has out "--db PATH"
		awk '/^  -/ && length > 80 { bad = 1 } END { exit bad }' out ||
			fail "help $c has an option line over 80 columns"
		cat out >>all
		cp out one
		run "$c" --help
		expect_ok
		diff one out >&2 || fail "$c --help differs from help $c"
		run "$c" -h
		expect_ok
		diff one out >&2 || fail "$c -h differs from help $c"
	done
	golden help-commands.txt all
}

# The man page describes every command of the table, and the default store.
test_man_page() {
	man=$CLI_DIR/../../tools/fcdb.1
	[ -f "$man" ] || fail "no tools/fcdb.1"
	for c in $COMMANDS; do
		roff=$(printf '%s' "$c" | sed 's/-/\\\\-/g')
		grep -q "^\.B $roff\( \|\$\)" "$man" || fail "fcdb.1 lacks the command $c"
	done
	has "$man" "./functions.fcdb"
	has "$man" "FCDB_PATH"
	if command -v groff >/dev/null 2>&1; then
		groff -man -ww -z "$man" 2>groff.err
		[ ! -s groff.err ] || fail "groff warnings: $(cat groff.err)"
	fi
}

# --help wins over missing arguments and works without a store.
test_help_needs_nothing() {
	run --db /nonexistent/dir/x.fcdb update --help
	expect_ok
	has out "usage: fcdb [--db PATH] update NAME"
	[ ! -e /nonexistent/dir ] || fail "help touched the file system"
	[ ! -e "$FCDB_PATH" ] || fail "help created a store"
	# wherever it stands, over a bad option or value too
	for line in "get --help --bogus" "get --bogus --help" \
		"list --limit abc --help" "delete -h"; do
		# shellcheck disable=SC2086 # $line is words
		run $line
		expect_ok
		has out "usage: fcdb [--db PATH] ${line%% *}"
	done
	# but not as an option's value, nor after --
	run set-state --reason -h
	expect_usage
	run get -- --help
	expect_error 1 IOError
}

# The version is the header's: FCDB_VERSION_STRING in include/fcdb.h.
test_version() {
	v=$(sed -n 's/^#define FCDB_VERSION_STRING "\(.*\)"$/\1/p' \
		"$CLI_DIR/../../include/fcdb.h")
	[ -n "$v" ] || fail "no FCDB_VERSION_STRING in include/fcdb.h"
	printf '{\n  "version": "%s",\n  "library": "%s"\n}\n' "$v" "$v" >want
	run version
	expect_ok
	diff -u want out >&2 || fail "version output"
	run --version
	expect_ok
	diff -u want out >&2 || fail "--version output"
}

test_usage_errors() {
	run
	expect_usage
	has err "no command given"
	run frobnicate
	expect_usage
	has err 'unknown command "frobnicate"'
	run help frobnicate
	expect_usage
	run --bogus list
	expect_usage
	run list --bogus
	expect_usage
	has err "unknown option --bogus"
	has err "usage: fcdb [--db PATH] list [--prefix P]"
	run list -x
	expect_usage
	run get
	expect_usage
	has err "give exactly one of NAME, --arn and --id"
	run get a --arn b
	expect_usage
	run get a b
	expect_usage
	has err 'unexpected argument "b"'
	run set-state onlyname
	expect_usage
	has err "missing STATE;"
	run set-update-status
	expect_usage
	has err "missing NAME;"
	run checksum
	expect_usage
	has err "missing FILE|-;"
	run list --limit 99999999999999999999999
	expect_usage
	has err "--limit wants a number from"
	run update
	expect_usage
	run delete
	expect_usage
	run checksum
	expect_usage
	run backup
	expect_usage
	run stats extra
	expect_usage
	run list --limit
	expect_usage
	has err "--limit needs a value"
	run list --format yaml
	expect_usage
	run list --show-secrets=yes
	expect_usage
	run list --limit 5 --limit 6
	expect_usage
	has err "given twice"
	run --db
	expect_usage
	run --db= list
	expect_usage
	[ ! -e "$FCDB_PATH" ] || fail "a usage error created a store"
}

# Numbers are whole decimal strings; malformed ones are usage errors.
test_usage_numbers() {
	for n in "" x 1x -1 +1 " 1" 0x10 1.5 99999999999999999999999; do
		run list --limit "$n"
		expect_usage
		run delete f --if-revision "$n"
		expect_usage
	done
	run update f --if-revision 0
	expect_usage
	run set-state f Active --if-revision 0
	expect_usage
	run set-update-status f Successful --if-revision abc
	expect_usage
	[ ! -e "$FCDB_PATH" ] || fail "a usage error created a store"
}

run_tests test_help_overview test_help_commands test_help_needs_nothing \
	test_man_page \
	test_version test_usage_errors test_usage_numbers
