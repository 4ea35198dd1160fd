package rules

import "testing"

func TestHostIPWithoutHostPort(t *testing.T) { testRule(t, hostIPWithoutHostPort) }
