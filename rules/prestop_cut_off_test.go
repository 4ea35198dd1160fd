package rules

import "testing"

func TestPrestopCutOff(t *testing.T) { testRule(t, prestopCutOff) }
