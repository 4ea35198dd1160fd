package rules

import "testing"

func TestSecurityContext(t *testing.T) { testRule(t, securityContext) }
