package rules

import "testing"

func TestProbeHandler(t *testing.T) { testRule(t, probeHandler) }
