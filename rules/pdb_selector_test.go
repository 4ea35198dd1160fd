package rules

import "testing"

func TestPdbSelector(t *testing.T) { testRule(t, pdbSelector) }
