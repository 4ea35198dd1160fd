package rules

import "testing"

func TestLivenessEqualsReadiness(t *testing.T) { testRule(t, livenessEqualsReadiness) }
