#!/bin/sh
# test_readme_tour.sh: the README's terminal tour is real output.  Each
# "$ " line of the block after "A terminal tour" is run in order in one
# shell, from a directory where tests/ is the project's; what it prints
# (stdout and stderr) must equal the lines that follow it in the README,
# with ids and times normalized.  UPDATE_GOLDEN=1 prints the block as it
# runs now instead, to paste into the README.
. "$(dirname "$0")/lib.sh"

README=$CLI_DIR/../../README.md

# The tour: the fenced block after the line that announces it.
tour() {
	awk '/^A terminal tour/ { t = 1; next }
	     t == 1 && /^```/ { t = 2; next }
	     t == 2 && /^```/ { exit }
	     t == 2 { print }' "$README"
}

test_tour_is_real_output() {
	ln -s "$CLI_DIR/.." tests || fail "link tests/"
	tour >tour.txt
	[ "$(grep -c '^\$ ' tour.txt)" -ge 10 ] || fail "the tour is missing"
	: >actual.txt
	while IFS= read -r line; do
		case $line in
		'$ '*)
			printf '%s\n' "$line" >>actual.txt
			eval "${line#\$ }" >>actual.txt 2>&1 </dev/null
			;;
		esac
	done <tour.txt
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cat actual.txt >&2
		return 0
	fi
	normalize <tour.txt >want.txt
	normalize <actual.txt >got.txt
	diff -u want.txt got.txt >&2 ||
		fail "README tour differs from what the commands print"
}

run_tests test_tour_is_real_output
