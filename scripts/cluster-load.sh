#!/usr/bin/env bash
# podlint's webhook behind a real kube-apiserver under load: server-side
# dry-run creates of Pods and Deployments at RATE per second (default 50) for
# DURATION (default 60s), and the share of podlint's calls the API server's own
# apiserver_admission_webhook_admission_duration_seconds puts in its first
# bucket (5 ms); fails below 99%. Uses the control plane of make cluster-test.
#   scripts/cluster-load.sh [RATE] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null || { echo "etcd is missing: run make cluster-test once (as root it installs etcd-server)" >&2; exit 2; }
kube=$(bash scripts/kube-build.sh)
cd clustertest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
KUBE_BIN_DIR=$kube TMPDIR=$tmp PODLINT_APISERVER_LOAD_RATE=${1:-50} PODLINT_APISERVER_LOAD_DURATION=${2:-60s} PODLINT_LOAD_STRICT=1 \
	go test -count=1 -v -timeout 15m -run '^TestClusterAdmissionLatency$' . 2>&1 | grep -E 'selfmanaged_test|^(--- |ok|FAIL|PASS)'
