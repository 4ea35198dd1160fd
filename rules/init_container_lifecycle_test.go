package rules

import "testing"

func TestInitContainerLifecycle(t *testing.T) { testRule(t, initContainerLifecycle) }
