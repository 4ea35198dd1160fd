#!/usr/bin/env bash
# Builds kube-apiserver and kubectl from .ci/tools/kube (k8s.io/kubernetes from the
# Go module proxy) and prints the directory holding them. The binaries are cached
# under ${XDG_CACHE_HOME:-$HOME/.cache}/podlint/kube-<hash>, keyed by that module's
# go.sum and the Go version, because a cold build takes tens of minutes on 2 cores.
# Built as Kubernetes' own hack/lib/version.sh does: version ldflags for both
# version packages (so `kubectl version` and /version report v1.37.2), no -trimpath.
set -euo pipefail
cd "$(dirname "$0")/../.ci/tools/kube"
ver=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
hash=$( { cat go.sum; go version; } | sha256sum | cut -c1-16)
dir=${XDG_CACHE_HOME:-$HOME/.cache}/podlint/kube-$hash
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kubectl" ]; then
  echo "$dir"
  exit 0
fi
major=${ver#v}; major=${major%%.*}
minor=${ver#v"$major".}; minor=${minor%%.*}
ld=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=$ver -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=module-proxy-$ver"
done
tmp=$(mktemp -d "${dir}.tmp.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$dir")"; mktemp -d "${dir}.tmp.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "kube-build: building kube-apiserver and kubectl $ver into $dir (cold: tens of minutes)" >&2
go build -ldflags "$ld" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
go build -ldflags "$ld" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl >&2
echo "kube-build: built in $(($(date +%s) - start))s" >&2
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir"
