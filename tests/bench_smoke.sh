#!/bin/sh
# bench_smoke.sh: run the bench once at a tiny N so that it cannot rot.
#
# Checks that it runs every workload of every system to the end, writes
# its JSON, and that the systems which decode records agree on what they
# read (the checksums of the typed reads).  No timing is ever checked.
# Prints cmocka-style summary lines for tests/run.sh.
BENCH=${BENCH:-bench/bench}
dir=$(mktemp -d "${TMPDIR:-/tmp}/fcdb-bench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0

check() { # name, then a command that must succeed
	name=$1
	shift
	if "$@"; then
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		echo "[  FAILED  ] $name"
		failed=$((failed + 1))
	fi
}

runs() {
	TMPDIR=$dir "$BENCH" 300 7 --quick --json "$dir/latest.json" \
	  >"$dir/out.md" 2>"$dir/err.log" || { cat "$dir/err.log"; return 1; }
}

has_all_rows() {
	for w in create_durable import_ndjson get_by_name get_by_arn get_json \
	         read_state list_page set_state_durable export_ndjson \
	         bytes_per_record crc64 get_latency_p50 read_threads_2 \
	         import_peak_rss import_peak_anon; do
		for s in fcdb sqlite lmdb-json; do
			case $w in
			crc64|get_latency_p50) [ $s = fcdb ] || continue ;;
			esac
			grep -q "\"workload\":\"$w[@\"].*\"system\":\"$s\"" \
			  "$dir/latest.json" || { echo "no row $w $s"; return 1; }
		done
	done
	grep -q '^{"n":300,"seed":7,' "$dir/latest.json"
}

# fcdb, sqlite and lmdb-json decode the same records: same checksums.
checksums_agree() {
	for w in get_by_name get_by_arn read_state list_page; do
		n=$(grep "^| $w | \(fcdb\|sqlite\|lmdb-json\) | " "$dir/out.md" \
		    | awk -F'|' '{print $4}' | sort -u | wc -l)
		[ "$n" = 1 ] || { echo "$w: checksums differ"; \
		                  grep "^| $w | " "$dir/out.md"; return 1; }
	done
}

no_leftovers() {
	[ -z "$(ls "$dir" | grep fcdb-bench)" ]
}

check "bench runs every workload at N=300" runs
check "bench writes every row" has_all_rows
check "typed read checksums agree" checksums_agree
check "bench removes its temporary directory" no_leftovers

if [ $failed -ne 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed above."
	exit 1
fi
echo "[  PASSED  ] $passed test(s)."
