#!/usr/bin/env bash
# Runs the control plane test (clustertest/): installs Debian's etcd-server when
# etcd is missing, builds kube-apiserver and kubectl (scripts/kube-build.sh,
# cached) and helm (.ci/tools/helm, as chart-test does), then runs the Go test,
# which starts etcd, kube-apiserver and podlint itself on loopback ports and
# removes them and their temporary directories when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ts() { echo "cluster-test $(date -u +%H:%M:%S) $*"; }

ts "etcd"
if ! command -v etcd >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "cluster-test: etcd is missing; as root: apt-get install etcd-server" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi
etcd --version | sed -n 1p

ts "kube-apiserver and kubectl (scripts/kube-build.sh)"
kube=$(bash scripts/kube-build.sh)
"$kube/kubectl" version --client | sed -n 1p

ts "helm (.ci/tools/helm)"
mkdir -p "${BIN_DIR:-.bin}"
b=$(cd "${BIN_DIR:-.bin}" && pwd)
(cd .ci/tools/helm && go build -o "$b/helm" helm.sh/helm/v3/cmd/helm)

ts "go test (clustertest)"
cd clustertest
go vet ./...
# The test removes its temporary directories and stops its processes when it
# ends; if it is killed instead (go test -timeout), its processes die with it
# (Pdeathsig) and this directory goes here.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
KUBE_BIN_DIR=$kube HELM=$b/helm TMPDIR=$tmp go test -count=1 -v -timeout 20m ./...
ts "done"
