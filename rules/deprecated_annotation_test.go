package rules

import "testing"

func TestDeprecatedAnnotation(t *testing.T) { testRule(t, deprecatedAnnotation) }
