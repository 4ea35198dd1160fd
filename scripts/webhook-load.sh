#!/usr/bin/env bash
# The webhook load script: realistic Pod and Deployment AdmissionReviews at a
# fixed rate (default 500/s) for 60 s over TLS on loopback to one
# `podlint webhook serve` process, open loop. Prints p50/p90/p99/max latency as
# the client sees it, errors, and the server's resident memory over the run,
# beside a bare Go HTTPS server loaded the same way in the same run (the
# machine's floor). Fails unless p99 < 5 ms, zero errors and flat memory.
#   scripts/webhook-load.sh [RATE] [DURATION]      e.g. scripts/webhook-load.sh 500 60s
set -euo pipefail
cd "$(dirname "$0")/../webhook/apiservertest"
PODLINT_LOAD_RATE=${1:-500} PODLINT_LOAD_DURATION=${2:-60s} PODLINT_LOAD_STRICT=1 \
	go test -count=1 -timeout 15m -run '^TestLoad$' -v . 2>&1 | grep -E '^\s+load_test|^(--- |ok|FAIL|PASS)'
