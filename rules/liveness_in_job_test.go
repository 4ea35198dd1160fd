package rules

import "testing"

func TestLivenessInJob(t *testing.T) { testRule(t, livenessInJob) }
