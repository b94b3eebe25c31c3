#!/bin/sh
# run.sh: run test suites, one per argument, and end with one summary line.
#
# A suite is a cmocka binary or a shell script (*.sh).  Both print cmocka's
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" lines, which are
# summed.  $VALGRIND, when set, prefixes every binary.  $FCDB_SHOW=1 prints
# every suite's whole output, not only a failed one's (make stress sets it:
# the reliability suites print their figures).  Exit 1 on failure.
suites=0
passed=0
failed=0
skipped=0
skipped_in=""
broken=""
for t in "$@"; do
	suites=$((suites + 1))
	log=$(mktemp)
	t0=$(date +%s)
	case "$t" in
	*.sh) sh "$t" >"$log" 2>&1 ;;
	*) $VALGRIND "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	k=${k:-0}
	if [ "$k" -ne 0 ]; then
		skipped=$((skipped + k))
		skipped_in="$skipped_in $t"
		# a skipped test says why: show it
		grep -i 'skip' "$log" | grep -v '^\[' | sed 's/^/     /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
		cat "$log"
		echo "FAIL: $t (exit $rc, $p passed, $f failed)"
		broken="$broken $t"
		[ "$f" -eq 0 ] && failed=$((failed + 1))
	else
		if [ "${FCDB_SHOW:-0}" = 1 ]; then
			cat "$log"
			echo "ok   $t ($p tests, $(($(date +%s) - t0)) s)"
		else
			echo "ok   $t ($p tests)"
		fi
	fi
	rm -f "$log"
done
note=""
[ "$skipped" -ne 0 ] && note=", $skipped skipped in:$skipped_in"
if [ -n "$broken" ]; then
	echo "fcdb tests: $suites suites, $passed passed, $failed FAILED in:$broken$note"
	exit 1
fi
echo "fcdb tests: $suites suites, $passed passed, 0 failed$note"
