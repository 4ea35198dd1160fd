package rules

import "testing"

func TestDuplicateContainerPort(t *testing.T) { testRule(t, duplicateContainerPort) }
