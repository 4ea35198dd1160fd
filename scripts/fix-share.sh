#!/usr/bin/env bash
# fix-share.sh [DIR]: the share of the error findings on DIR (default testdata/)
# that `podlint fix` resolves. It fixes a copy of DIR, checks the copy before and
# after, and counts an error as resolved when no error of the same rule, file,
# kind and field remains (the object's name may be what the fix restored). Needs
# go and python3.
set -euo pipefail
dir=${1:-testdata}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/podlint" ./cmd/podlint
cp -r "$dir" "$tmp/in"
(cd "$tmp" && ./podlint check -f json in >before.json || true)
(cd "$tmp" && ./podlint fix --write -q in 2>/dev/null || true)
(cd "$tmp" && ./podlint check -f json in >after.json || true)
python3 - "$tmp/before.json" "$tmp/after.json" <<'PY'
import collections, json, sys
def errors(path):
    return [f for f in json.load(open(path))["findings"] if f["severity"] == "error"]
key = lambda f: (f["rule"], f["file"], f["object"]["kind"], f["field"])
before, after = errors(sys.argv[1]), errors(sys.argv[2])
left = collections.Counter(key(f) for f in after)
resolved = collections.Counter()
for f in before:
    k = key(f)
    if left[k] > 0:
        left[k] -= 1
    else:
        resolved[f["rule"]] += 1
new = [f for f in after if key(f) not in {key(b) for b in before}]
n = sum(resolved.values())
print(f"errors before: {len(before)}, after: {len(after)}, resolved: {n} ({100*n/max(len(before),1):.0f}%), new: {len(new)}")
for rule, c in sorted(resolved.items()):
    print(f"  resolved {rule}: {c}")
for f in new:
    print(f"  new: {f['rule']} {f['file']}:{f['line']} {f['field']}")
PY
