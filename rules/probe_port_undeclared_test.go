package rules

import "testing"

func TestProbePortUndeclared(t *testing.T) { testRule(t, probePortUndeclared) }
