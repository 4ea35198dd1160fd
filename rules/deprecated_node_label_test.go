package rules

import "testing"

func TestDeprecatedNodeLabel(t *testing.T) { testRule(t, deprecatedNodeLabel) }
