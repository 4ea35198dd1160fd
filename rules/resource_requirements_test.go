package rules

import "testing"

func TestResourceRequirements(t *testing.T) { testRule(t, resourceRequirements) }
