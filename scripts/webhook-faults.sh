#!/usr/bin/env bash
# The webhook fault script: the real podlint process under load, through the
# Kubernetes API server's own webhook plugin where failurePolicy matters:
# SIGKILL mid-load (Ignore admits everything, Fail refuses everything after the
# kill with the API server's message), certificate rotations mid-load (same CA,
# then a new CA; no failed request), malformed and oversized reviews mixed into
# good ones (clean 4xx, no crash). CI runs the same tests for 2 s each.
#   scripts/webhook-faults.sh [RATE] [DURATION]    e.g. scripts/webhook-faults.sh 200 20s
set -euo pipefail
cd "$(dirname "$0")/../webhook/apiservertest"
PODLINT_FAULT_RATE=${1:-200} PODLINT_FAULT_DURATION=${2:-20s} \
	go test -count=1 -timeout 15m -run '^TestFault' -v . 2>&1 | grep -E '^\s+faults_test|^(--- |    --- |ok|FAIL|PASS)'
