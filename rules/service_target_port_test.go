package rules

import "testing"

func TestServiceTargetPort(t *testing.T) { testRule(t, serviceTargetPort) }
