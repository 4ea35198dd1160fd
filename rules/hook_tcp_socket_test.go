package rules

import "testing"

func TestHookTCPSocket(t *testing.T) { testRule(t, hookTCPSocket) }
