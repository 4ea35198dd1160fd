package rules

import "testing"

func TestDuplicateVolumeName(t *testing.T) { testRule(t, duplicateVolumeName) }
