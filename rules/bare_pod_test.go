package rules

import "testing"

func TestBarePod(t *testing.T) { testRule(t, barePod) }
