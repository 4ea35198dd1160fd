package rules

import "testing"

func TestLivenessWithoutStartup(t *testing.T) { testRule(t, livenessWithoutStartup) }
