package rules

import "testing"

func TestJobSpec(t *testing.T) { testRule(t, jobSpec) }
