package rules

import "testing"

func TestNameNotDNSLabel(t *testing.T) { testRule(t, nameNotDNSLabel) }
