package rules

import "testing"

func TestDuplicatePortName(t *testing.T) { testRule(t, duplicatePortName) }
