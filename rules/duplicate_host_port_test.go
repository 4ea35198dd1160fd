package rules

import "testing"

func TestDuplicateHostPort(t *testing.T) { testRule(t, duplicateHostPort) }
