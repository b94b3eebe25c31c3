#!/bin/sh
# readme.sh: run the README's C example (built by make as
# tests/bin/readme_example) in a temporary directory and check what it says.
bin="$(pwd)/tests/bin/readme_example"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
check() {
	if [ "$1" = 0 ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "not ok: $2"; fi
}
out=$($VALGRIND "$bin" "$dir/example.fcdb")
check $? "first run exits 0"
echo "$out" | head -n 1 | grep -qx \
	'hello is Active, 1024 MB, 0.50 vCPU, codeChecksum 2220831586920633690'
check $? "first line names state, memory, cpu and checksum"
echo "$out" | grep -q '"functionArn": "acs:fc:cn-shanghai:123:functions/hello"'
check $? "JSON holds the ARN"
# A second run finds the function already there and still succeeds.
$VALGRIND "$bin" "$dir/example.fcdb" >/dev/null
check $? "second run exits 0"
[ "$(stat -c %a "$dir/example.fcdb")" = 600 ]
check $? "store file is mode 0600"
if [ $fail -ne 0 ]; then echo "[  FAILED  ] $fail test(s)"; exit 1; fi
echo "[  PASSED  ] $pass test(s)."
