#!/usr/bin/env bash
# Feed podlint hostile and broken input and print a markdown table: what podlint
# does (exit code, first finding, summary), wall time and peak memory (from
# /usr/bin/time). Inputs are generated in a temporary directory that is removed
# on exit; every run is bounded by a timeout. Used for docs/hostile-input.md.
#   scripts/hostile.sh [PODLINT]     (default: builds ./cmd/podlint)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${1:-}
if [ -z "$bin" ]; then
	bin=$tmp/podlint
	go build -o "$bin" ./cmd/podlint
fi
pod='apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a, image: nginx:1.27}]'

py() { python3 -c "$1"; }

# gen NAME: write the input for one row; run ROW-TITLE ARGS...: measure podlint.
echo "| input | what podlint does | exit | wall s | peak MB |"
echo "|---|---|---|---|---|"
run() {
	local title=$1; shift
	local out=$tmp/out rc
	set +e
	/usr/bin/time -o "$tmp/time" -f '%e %M' timeout 300 "$bin" check "$@" >"$out" 2>&1
	rc=$?
	set -e
	read -r wall kb < <(tail -1 "$tmp/time") || true
	# First finding or skip note, then the summary line; backquotes and pipes escaped for markdown.
	local first summary
	# Input findings first: they are what the row is about.
	first=$( (grep -E '^[^ ].*: (error|info): .*(\((input-limit|file-unreadable|yaml-syntax|missing-kind)\)|skipped: )' "$out"; grep -E '^[^ ].*: (error|warning|info): ' "$out") |
		head -1 | sed -E 's/^[^ ]*: (error|warning|info): //' | cut -c1-160 || true)
	summary=$(tail -1 "$out" | sed -E 's/^[^(]*\((.*)\)$/\1/')
	[ $rc -eq 124 ] && first="TIMED OUT after 300 s"
	printf '| %s | %s; %s | %s | %s | %s |\n' "$title" "${first:-no finding}" "$summary" "$rc" "$wall" "$((kb / 1024))" | sed 's/`/\\`/g'
}

py "
import sys
doc='# ' + 'x'*98 + '\n'
chunk=('---\n' + doc*70000)
with open('$tmp/100mb.yaml','w') as f:
    for _ in range(15): f.write(chunk)
"
run "100 MB file (15 comment documents of 7 MB)" "$tmp/100mb.yaml"

py "
d='''$pod'''
open('$tmp/100k.yaml','w').write(('---\n'+d+'\n')*100000)
"
run "100,000 Pod documents in one file" "$tmp/100k.yaml"
run "the same, with --max-documents 100000" --max-documents 100000 "$tmp/100k.yaml"

py "
b='apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
for i in range(1,10):
    b+='    a%d: &a%d [%s]\n'%(i,i,', '.join(['*a%d'%(i-1)]*10))
b+='  managedFields:\n    - fieldsV1: *a9\n'
open('$tmp/laughs.yaml','w').write(b)
"
run "YAML alias bomb (billion laughs, 10^10 nodes)" "$tmp/laughs.yaml"

py "
s='x'*1000000
open('$tmp/bigalias.yaml','w').write('apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {a: &s \"'+s+'\"}\nspec:\n  containers:\n  - name: c\n    args: ['+','.join(['*s']*200000)+']\n')
"
run "1 MB string aliased 200,000 times (200 GB expanded)" "$tmp/bigalias.yaml"

py "
L=['apiVersion: v1','kind: Pod','metadata: {name: x}','x:','  - &m0 {a: b}']
for i in range(1,64): L.append('  - &m%d {<<: [*m%d, *m%d], k%d: v}'%(i,i-1,i-1,i))
L.append('spec:\n  nodeSelector: {<<: *m63}\n  containers: [{name: c, image: i}]')
open('$tmp/merge.yaml','w').write('\n'.join(L)+'\n')
"
run "merge-key chain (2^63 merge paths)" "$tmp/merge.yaml"

py "open('$tmp/deep.yaml','w').write('apiVersion: v1\nkind: Pod\nx: '+'['*10000+']'*10000+'\n')"
run "10,000-level nesting (flow)" "$tmp/deep.yaml"
py "open('$tmp/deep2.yaml','w').write('apiVersion: v1\nkind: Pod\nx:\n'+''.join(' '*i+'- \n' for i in range(1,3000)))"
run "3,000-level nesting (block lists)" "$tmp/deep2.yaml"

py "open('$tmp/wide.yaml','w').write('apiVersion: v1\nkind: Pod\nx: ['+'0,'*3900000+'0]\n')"
run "8 MB document of 3.9 million values" "$tmp/wide.yaml"

py "open('$tmp/line.yaml','w').write('apiVersion: v1\nkind: Pod\nmetadata: {name: '+'x'*(50<<20)+'}\n')"
run "50 MB single line" "$tmp/line.yaml"

head -c 10000000 /dev/urandom >"$tmp/random.yaml"
run "10 MB binary file, named" "$tmp/random.yaml"
mkdir -p "$tmp/dir"
cp "$tmp/random.yaml" "$tmp/dir/random.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n' >"$tmp/dir/latin1.yaml"
ln -s loop.yaml "$tmp/dir/loop.yaml"
ln -s . "$tmp/dir/self"
mkfifo "$tmp/dir/pipe.yaml"
printf '%s\n' "$pod" >"$tmp/dir/pod.yaml"
run "directory: binary, Latin-1, symlink loop, link to itself, FIFO, one Pod" "$tmp/dir"
run "Latin-1 file, named" "$tmp/dir/latin1.yaml"
run "/dev/zero, named" /dev/zero

printf '{"apiVersion": "v1", "kind": "Pod", // web\n "spec": {"containers": [],},}\n' >"$tmp/comments.json"
run "JSON with comments and trailing commas" "$tmp/comments.json"
printf 'apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n' >"$tmp/tabs.yaml"
run "tabs in indentation" "$tmp/tabs.yaml"

set +e
/usr/bin/time -o "$tmp/time" -f '%e %M' timeout 60 "$bin" check - <&- >"$tmp/out" 2>&1
rc=$?
set -e
read -r wall kb < <(tail -1 "$tmp/time")
printf '| stdin closed (check - <&-) | %s; %s | %s | %s | %s |\n' "$(grep -m1 'error' "$tmp/out" | sed -E 's/^[^ ]*: error: //' | cut -c1-150)" "$(tail -1 "$tmp/out" | sed -E 's/^[^(]*\((.*)\)$/\1/')" "$rc" "$wall" "$((kb / 1024))"
