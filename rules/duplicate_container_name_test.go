package rules

import "testing"

func TestDuplicateContainerName(t *testing.T) { testRule(t, duplicateContainerName) }
