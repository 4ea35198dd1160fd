package rules

import "testing"

func TestNegativeRevisionHistoryLimit(t *testing.T) { testRule(t, negativeRevisionHistoryLimit) }
