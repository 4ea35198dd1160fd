package rules

import "testing"

func TestWorkloadSpec(t *testing.T) { testRule(t, workloadSpec) }
