package rules

import "testing"

func TestSharedPortName(t *testing.T) { testRule(t, sharedPortName) }
