package rules

import "testing"

func TestProbeSuccessThreshold(t *testing.T) { testRule(t, probeSuccessThreshold) }
