package rules

import "testing"

func TestDuplicateMountPath(t *testing.T) { testRule(t, duplicateMountPath) }
