package rules

import "testing"

func TestFractionalBytes(t *testing.T) { testRule(t, fractionalBytes) }
