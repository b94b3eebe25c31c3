#!/bin/sh
# run.sh: run libFuzzer targets for a while each and sum up.
#
#   sh tests/fuzz/run.sh SECONDS BINARY...
#
# Each BINARY (tests/fuzz/bin/fuzz_NAME) runs for SECONDS from a copy of
# its seed corpus tests/fuzz/corpus/fuzz_NAME (the committed corpus is
# never written to), with tests/fuzz/fuzz_NAME.dict or else
# tests/fuzz/json.dict as its dictionary.  The stores the targets open
# live in a scratch directory ($TMPDIR points there) removed at the end.
#
# One line per target: executions, executions per second, seconds, new
# corpus entries, peak RSS.  A crash, leak, timeout, out-of-memory or
# sanitizer report fails the target: its input is saved in
# tests/fuzz/crashes/ (fuzz_NAME-crash-<sha1>, ...) and the end of the
# fuzzer's log is printed.  The last line is a summary; exit 1 when any
# target failed.
#
# Per input: -timeout=25 s, -rss_limit_mb=2048.  UBSan reports are made
# fatal, so undefined behaviour fails a run like a crash does.
# $FUZZ_ARGS adds libFuzzer options (for example -jobs=2 -workers=2).

set -u
if [ $# -lt 2 ]; then
	echo "usage: sh tests/fuzz/run.sh SECONDS BINARY..." >&2
	exit 2
fi
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
crashes="$here/crashes"
mkdir -p "$crashes"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fcdb-fuzz-run-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM # stop, not go on to the next target

UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS ASAN_OPTIONS

targets=0
failed=""
total_execs=0
total_secs=0
for bin in "$@"; do
	name=$(basename "$bin")
	targets=$((targets + 1))
	corpus="$scratch/corpus-$name"
	tmp="$scratch/tmp-$name"
	log="$scratch/$name.log"
	mkdir -p "$corpus" "$tmp"
	if [ -d "$here/corpus/$name" ]; then
		cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null
	fi
	seeds=$(ls "$corpus" | wc -l)
	dict="$here/$name.dict"
	[ -f "$dict" ] || dict="$here/json.dict"
	start=$(date +%s)
	# shellcheck disable=SC2086
	TMPDIR="$tmp" "$bin" "$corpus" -max_total_time="$secs" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/$name-" -dict="$dict" \
		${FUZZ_ARGS:-} >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	elapsed=$((end - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
	if [ -z "$execs" ]; then
		# no final stats (a crash): the last "#N ... exec/s: R" line
		last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
		execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
		rate=$(echo "$last" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
		rss=$(echo "$last" | sed -n 's/.*rss: \([0-9]*\)Mb.*/\1/p')
	fi
	execs=${execs:-0}
	rate=${rate:-0}
	corpus_after=$(ls "$corpus" | wc -l)
	total_execs=$((total_execs + execs))
	total_secs=$((total_secs + elapsed))
	if [ $rc -ne 0 ] || grep -q -E '^(==[0-9]+==ERROR|SUMMARY: )' "$log"; then
		echo "FAIL $name: exit $rc after $execs executions in ${elapsed} s"
		grep -E 'artifact_prefix|Test unit written to' "$log"
		tail -n 60 "$log"
		failed="$failed $name"
	else
		printf 'ok   %s: %s executions, %s exec/s, %s s, corpus %s -> %s, peak RSS %s MB\n' \
			"$name" "$execs" "$rate" "$elapsed" "$seeds" "$corpus_after" \
			"${rss:-?}"
	fi
done
if [ -n "$failed" ]; then
	echo "fcdb fuzz: $targets targets, $total_execs executions in ${total_secs} s, FAILED:$failed (inputs in tests/fuzz/crashes/)"
	exit 1
fi
echo "fcdb fuzz: $targets targets, $total_execs executions in ${total_secs} s, 0 failed"
