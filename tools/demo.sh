#!/bin/sh
# demo.sh: the main job of fcdb on a demo store, run by `make demo`:
# create a store, create functions from the sample inputs, move them
# through their lifecycle, list them, and read one back by ARN.
set -eu
fcdb=${FCDB:-tools/fcdb}
db=${DEMO_DB:-demo.fcdb}
data=tests/data

step() {
	printf '\n$ fcdb %s\n' "$*"
	$fcdb --db "$db" "$@"
}

# brief: a step whose Function output is cut to its lifecycle fields
brief() {
	printf '\n$ fcdb %s   (output: lifecycle fields)\n' "$*"
	$fcdb --db "$db" "$@" |
		grep -E '"(functionName|state|stateReasonCode|lastUpdateStatus|revision)"'
}

rm -f "$db" "$db-lock"
step init --region cn-shanghai --account-id 123
for f in create-minimal-python create-custom-runtime create-container; do
	printf '\n$ fcdb create %s/valid/%s.json   (output: name, state)\n' \
		"$data" "$f"
	$fcdb --db "$db" create "$data/valid/$f.json" |
		grep -E '"(functionName|state)"'
done
printf '\n$ echo {"functionName":"hello-zip",...} | fcdb create --code %s/code/hello.zip   (output: checksum)\n' "$data"
printf '{"functionName":"hello-zip","runtime":"python3.10","handler":"index.handler"}' |
	$fcdb --db "$db" create --code "$data/code/hello.zip" |
	grep -E '"(codeChecksum|codeSize)"'
step list --format table
# the provisioner finishes two functions; one container image fails
brief set-state hello-python Active
brief set-state hello-zip Active
brief set-state web-container Failed --reason-code ImageAccessDenied \
	--reason "the image cannot be pulled"
brief set-update-status custom_runtime-1 Successful
step list --format table
step get --arn acs:fc:cn-shanghai:123:functions/hello-python
printf '\n$ fcdb set-state hello-python Pending   (refused: not a legal move)\n'
$fcdb --db "$db" set-state hello-python Pending || echo "(exit status $?)"
step check
printf '\ndemo store: %s (remove it with: rm %s %s-lock)\n' "$db" "$db" "$db"
