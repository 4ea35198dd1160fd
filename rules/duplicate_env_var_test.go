package rules

import "testing"

func TestDuplicateEnvVar(t *testing.T) { testRule(t, duplicateEnvVar) }
