# lib.sh: helpers for the fcdb command's shell suites (POSIX sh).
#
# A suite sources this file, defines test_* functions and ends with
# `run_tests test_a test_b ...`.  Each test runs in a subshell inside its
# own fresh directory under one mktemp -d sandbox, removed on exit, with
# FCDB_PATH pointing at a store there, and prints cmocka-style lines
# that tests/run.sh sums.
#
# $FCDB is the fcdb command.  It may carry arguments, for example
#   FCDB="valgrind -q --error-exitcode=99 $PWD/tools/fcdb" sh tests/cli/test_get.sh
# so it is expanded unquoted (its path must not contain spaces).
# $UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.

: "${FCDB:?FCDB must name the fcdb command (make test sets it)}"

CLI_DIR=$(cd "$(dirname "$0")" && pwd)
DATA=$(cd "$CLI_DIR/../data" && pwd)
GOLDEN=$CLI_DIR/golden

SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/fcdb-cli.XXXXXX") || exit 1
trap 'rm -rf "$SANDBOX"' EXIT
trap 'rm -rf "$SANDBOX"; exit 1' INT TERM

# ---- running fcdb ----

# fcdb ARGS...: run the command as a user would.
fcdb() {
	$FCDB "$@"
}

# run ARGS...: run fcdb with stdout in ./out and stderr in ./err; the
# exit status is in $rc.  A status of 128 or more (a signal: a crash) or
# valgrind's 99 fails the test at once.
run() {
	$FCDB "$@" >out 2>err
	rc=$?
	if [ "$rc" -ge 128 ] || [ "$rc" -eq 99 ]; then
		fail "fcdb $* crashed or broke memory rules (status $rc): $(cat err)"
	fi
}

# run_in FILE ARGS...: run with standard input from FILE.
run_in() {
	_in=$1
	shift
	run "$@" <"$_in"
}

# ---- assertions; each failure ends the test ----

fail() {
	echo "    FAIL: $*" >&2
	exit 1
}

# expect STATUS: the last run ended with STATUS.
expect() {
	[ "$rc" -eq "$1" ] ||
		fail "expected status $1, got $rc; stderr: $(cat err)"
}

# expect_ok: status 0 and nothing on stderr.
expect_ok() {
	expect 0
	[ ! -s err ] || fail "unexpected stderr: $(cat err)"
}

# expect_error STATUS CODE [TEXT...]: the last run failed with STATUS,
# printed nothing on stdout and exactly one stderr line
# "fcdb: CODE: ..." containing every TEXT.
expect_error() {
	expect "$1"
	_code=$2
	shift 2
	[ ! -s out ] || fail "a failed command printed on stdout: $(cat out)"
	[ "$(wc -l <err)" -eq 1 ] || fail "stderr is not one line: $(cat err)"
	grep -q "^fcdb: $_code: ." err || fail "expected fcdb: $_code:, got: $(cat err)"
	for _t in "$@"; do
		grep -qF -- "$_t" err || fail "stderr lacks \"$_t\": $(cat err)"
	done
}

# expect_usage: a usage error (status 2, one UsageError line with the
# command's synopsis, nothing on stdout).
expect_usage() {
	expect_error 2 UsageError "; usage: fcdb "
}

# has FILE TEXT: FILE contains the fixed string TEXT.
has() {
	grep -qF -- "$2" "$1" || fail "$1 lacks \"$2\": $(head -c 2000 "$1")"
}

hasnt() {
	if grep -qF -- "$2" "$1"; then fail "$1 has \"$2\""; fi
}

# field FILE NAME: the value of the first member "NAME": value in FILE
# (one value per line, as fcdb prints), without quotes or comma.
field() {
	sed -n -e "s/^ *\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" -e t \
	       -e "s/^ *\"$2\": \([^\"][^,]*\),\{0,1\}\$/\1/p" "$1" |
		head -n 1
}

# normalize: replace what changes from run to run (ids, times, tokens).
normalize() {
	sed -e 's/[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}/<uuid>/g' \
	    -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/<time>/g' \
	    -e 's/\("nextToken": "\)[^"]*"/\1<token>"/' \
	    -e 's/^\(next page: --next-token \).*/\1<token>/'
}

# golden NAME [FILE]: FILE (default ./out), normalized, equals
# tests/cli/golden/NAME.
golden() {
	_file=${2:-out}
	normalize <"$_file" >"$_file.norm"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$_file.norm" "$GOLDEN/$1"
		return 0
	fi
	[ -f "$GOLDEN/$1" ] || fail "no golden file $GOLDEN/$1"
	diff -u "$GOLDEN/$1" "$_file.norm" >&2 ||
		fail "output differs from golden/$1"
}

# snapshot FILE: everything a reader can see of the store, for "a
# refused command changed nothing" checks: the data file's bytes and
# the full listing with secrets.
snapshot() {
	{
		cksum <"$FCDB_PATH"
		fcdb list --limit 100 --show-secrets
		fcdb stats | grep '"revision"'
	} >"$1" 2>&1
}

# expect_unchanged BEFORE: the store still matches snapshot BEFORE.
expect_unchanged() {
	snapshot "$1.after"
	diff -u "$1" "$1.after" >&2 || fail "a refused command changed the store"
}

# create_fixture NAME.json: create tests/data/valid/NAME.json.
create_fixture() {
	fcdb create "$DATA/valid/$1" >/dev/null ||
		fail "cannot create fixture $1"
}

# ---- the runner ----

run_tests() {
	_total=$#
	_passed=0
	_failed=""
	echo "[==========] Running $_total test(s)."
	for _t in "$@"; do
		echo "[ RUN      ] $_t"
		_dir=$(mktemp -d "$SANDBOX/$_t.XXXXXX") || exit 1
		(
			cd "$_dir" || exit 1
			FCDB_PATH=$_dir/store.fcdb
			export FCDB_PATH
			"$_t"
		)
		if [ $? -eq 0 ]; then
			echo "[       OK ] $_t"
			_passed=$((_passed + 1))
		else
			echo "[  FAILED  ] $_t"
			_failed="$_failed $_t"
		fi
		rm -rf "$_dir"
	done
	echo "[==========] $_total test(s) run."
	echo "[  PASSED  ] $_passed test(s)."
	if [ -n "$_failed" ]; then
		set -- $_failed
		echo "[  FAILED  ] $# test(s), listed below:"
		for _t in "$@"; do
			echo "[  FAILED  ] $_t"
		done
		exit 1
	fi
	exit 0
}
