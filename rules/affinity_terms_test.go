package rules

import "testing"

func TestAffinityTerms(t *testing.T) { testRule(t, affinityTerms) }
