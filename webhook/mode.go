// Package webhook is podlint as a Kubernetes validating admission webhook: an
// http.Handler that reads AdmissionReview v1 requests for Pods and every workload
// kind podlint checks, runs the lint engine on the object (and, for UPDATE, the
// update rules on the old and new object), and answers according to each finding's
// enforcement mode: deny, warn or audit. Server adds TLS, health, readiness and
// graceful shutdown around it.
package webhook

import (
	"fmt"
	"sort"
	"strings"
)

// Mode is what the webhook does with a finding.
type Mode string

// Enforcement modes, from least to most strict.
const (
	// ModeAudit only logs the finding and counts it in the metrics.
	ModeAudit Mode = "audit"
	// ModeWarn returns the finding as an admission warning (kubectl prints it) and allows.
	ModeWarn Mode = "warn"
	// ModeDeny rejects the request, with the finding's field path as a cause.
	ModeDeny Mode = "deny"
)

// DefaultMode is the mode of a fresh installation: nothing is rejected until an
// operator has seen the warnings and chosen to deny.
const DefaultMode = ModeWarn

// ParseMode parses deny, warn or audit.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeAudit, ModeWarn, ModeDeny:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want deny, warn or audit)", s)
}

// rank orders modes by strictness; "" (no finding) is below audit.
func (m Mode) rank() int {
	switch m {
	case ModeAudit:
		return 1
	case ModeWarn:
		return 2
	case ModeDeny:
		return 3
	}
	return 0
}

// ParseRuleModes parses RULE-ID=MODE pairs (the --rule-mode flag) into a map.
// known, when not nil, reports whether a rule ID exists, so a misspelt ID is an
// error rather than a silently ignored setting.
func ParseRuleModes(pairs []string, known func(id string) bool) (map[string]Mode, error) {
	out := map[string]Mode{}
	for _, p := range pairs {
		id, m, ok := strings.Cut(p, "=")
		id = strings.TrimSpace(id)
		if !ok || id == "" {
			return nil, fmt.Errorf("rule mode %q: want RULE-ID=MODE", p)
		}
		mode, err := ParseMode(m)
		if err != nil {
			return nil, fmt.Errorf("rule mode %q: %w", p, err)
		}
		if known != nil && !known(id) {
			return nil, fmt.Errorf("rule mode %q: no rule %q", p, id)
		}
		out[id] = mode
	}
	return out, nil
}

// sortedKeys returns the keys of a set in order, for stable logs and tests.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
