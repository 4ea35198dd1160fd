package rules

import "testing"

func TestProbeGracePeriod(t *testing.T) { testRule(t, probeGracePeriod) }
