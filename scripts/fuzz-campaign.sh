#!/usr/bin/env bash
# Fuzz every target for one bounded slice each, one worker at a time, and print
# a markdown row per target with the CPU time it used (user+system, from
# /usr/bin/time), so campaigns spread over several runs can be added up.
#   scripts/fuzz-campaign.sh [SLICE] [TARGET...]    e.g. scripts/fuzz-campaign.sh 10m FuzzLoader
# A crasher makes go test fail and leaves the input in testdata/fuzz/<Target>/;
# turn it into a regression test before committing it.
set -u
cd "$(dirname "$0")/.."
slice=${1:-5m}
shift || true
all="./lint/manifest:FuzzSplitter ./lint/manifest:FuzzDecode ./lint/manifest:FuzzLocate ./lint:FuzzLoader ./rules:FuzzRules ./webhook:FuzzReview ./runner/image:FuzzUnpack ./runner/image:FuzzLoad"
targets=()
for t in $all; do
	if [ $# -eq 0 ] || [[ " $* " == *" ${t##*:} "* ]]; then targets+=("$t"); fi
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "| date (UTC) | target | slice | CPU s | execs | result |"
echo "|---|---|---|---|---|---|"
status=0
for t in "${targets[@]}"; do
	pkg=${t%%:*} name=${t##*:}
	/usr/bin/time -f 'cpu %U %S' go test -run '^$' -fuzz "^${name}\$" -fuzztime "$slice" -parallel 1 "$pkg" >"$log" 2>&1
	rc=$?
	cpu=$(awk '/^cpu /{printf "%.0f", $2+$3}' "$log")
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	result=ok
	# A duration -fuzztime can end in "context deadline exceeded" with no failing
	# input (golang/go#75804, Go < 1.27): the slice ran, nothing was found.
	if [ $rc -ne 0 ] && grep -q 'context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written to|panic:' "$log"; then
		result="ok (deadline race at the end, golang/go#75804)"
	elif [ $rc -ne 0 ]; then
		result="FAIL: $(grep -m1 -E 'Failing input written to|panic:|--- FAIL' "$log" | tr '|' '/')"
		status=1
	fi
	echo "| $(date -u +%F\ %H:%M) | $name | $slice | ${cpu:-?} | ${execs:-?} | $result |"
done
exit $status
