package rules

import "testing"

func TestWorkloadRollout(t *testing.T) { testUpdateRule(t, workloadRollout) }
