#!/usr/bin/env bash
# Rego policies in podlint against conftest, on one core (GOMAXPROCS=1): the five
# example policies over the same generated corpus, next to podlint's built-in
# rules alone. conftest is built from its own module (.ci/tools/conftest), never
# from podlint's go.mod; everything lands in the gitignored .bench/.
#
# Usage: scripts/bench-policy.sh [FILES]    FILES manifest files (default 2000;
# 1 to 3 objects each). Each tool runs RUNS times (default 3); the fastest counts.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-2000}
runs=${RUNS:-3}
b=.bench
mkdir -p "$b/bin"

echo "building podlint and conftest (.ci/tools/conftest) into $b/bin"
go build -o "$b/bin/podlint" ./cmd/podlint
(cd .ci/tools/conftest && go build -o ../../../$b/bin/conftest github.com/open-policy-agent/conftest)

echo "generating $files manifest files into $b/corpus"
rm -rf "$b/corpus" "$b/corpus.objects"
PODLINT_BENCH_CORPUS="$PWD/$b/corpus" PODLINT_BENCH_FILES="$files" \
  go test -count=1 -run '^TestWriteBenchCorpus$' ./rules/rego/ >/dev/null
objects=$(cat "$b/corpus.objects")

# conftest gets the same policies (without their _test.rego files, which it would
# otherwise query too), podlint's library, and data.podlint.config as podlint gives it.
rm -rf "$b/policies" "$b/data" && mkdir -p "$b/policies" "$b/data"
for f in examples/policies/*.rego; do
  case $f in *_test.rego) ;; *) cp "$f" "$b/policies/" ;; esac
done
cp rules/rego/lib/podlint_lib.rego "$b/policies/"
version=$("$b/bin/podlint" check --help | sed -n 's/.*--kubernetes-version string.*(default "\([0-9.]*\)").*/\1/p')
echo "{\"podlint\": {\"config\": {\"kubernetes_version\": \"$version\"}}}" > "$b/data/config.json"

# measure NAME CMD...: the fastest of $runs runs; prints wall and CPU seconds.
measure() {
  local name=$1; shift
  local best=""
  for _ in $(seq "$runs"); do
    local t
    t=$( { TIMEFORMAT='%R %U %S'; time GOMAXPROCS=1 "$@" >"$b/out.$name" 2>"$b/err.$name" || true; } 2>&1 )
    local wall=${t%% *}
    if [ -z "$best" ] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then best=$t; fi
  done
  set -- $best
  awk -v n="$name" -v o="$objects" -v w="$1" -v u="$2" -v s="$3" \
    'BEGIN{printf "%-28s %7.2f s wall %7.2f s cpu %9.0f objects/s %9.0f objects/cpu-s\n", n, w, u+s, o/w, o/(u+s)}'
}

echo "$objects objects in $files files; GOMAXPROCS=1; fastest of $runs runs"
measure "podlint (built-ins)" "$b/bin/podlint" check --format json "$b/corpus"
measure "podlint (built-ins+policies)" "$b/bin/podlint" check --format json --policy examples/policies "$b/corpus"
measure "conftest (policies)" "$b/bin/conftest" test --no-color --all-namespaces --output json \
  --policy "$b/policies" --data "$b/data" "$b/corpus"

# The same policies must find the same problems in both tools.
p=$(grep -Ec '"rule": "(allowed-registries|required-resources|no-latest-tag|deployment-probes|init-non-root)"' "$b/out.podlint (built-ins+policies)" || true)
c=$(grep -c '"msg":' "$b/out.conftest (policies)" || true)
echo "policy findings: podlint $p, conftest $c"
if [ "$p" != "$c" ]; then
  echo "podlint and conftest disagree; see $b/out.* and $b/err.*" >&2
  exit 1
fi
