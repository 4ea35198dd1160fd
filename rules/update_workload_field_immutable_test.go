package rules

import "testing"

func TestWorkloadFieldImmutable(t *testing.T) { testUpdateRule(t, workloadFieldImmutable) }
