package rules

import "testing"

func TestServiceTargetPortNumber(t *testing.T) { testRule(t, serviceTargetPortNumber) }
