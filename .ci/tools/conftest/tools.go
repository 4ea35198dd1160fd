//go:build tools

// Package tools pins conftest for scripts/bench-policy.sh, which builds it with
// `go build -o .bench/bin/conftest github.com/open-policy-agent/conftest`.
package tools

import _ "github.com/open-policy-agent/conftest"
