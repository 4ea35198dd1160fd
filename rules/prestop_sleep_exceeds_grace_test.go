package rules

import "testing"

func TestPrestopSleepExceedsGrace(t *testing.T) { testRule(t, prestopSleepExceedsGrace) }
