package rules

import "testing"

func TestEmptyDirPersistence(t *testing.T) { testRule(t, emptyDirPersistence) }
