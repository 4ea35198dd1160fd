package rules

import "testing"

func TestMissingImage(t *testing.T) { testRule(t, missingImage) }
