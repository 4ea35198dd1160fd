package rules

import "testing"

func TestNegativeGracePeriod(t *testing.T) { testRule(t, negativeGracePeriod) }
