package rules

import "testing"

func TestEphemeralContainers(t *testing.T) { testRule(t, ephemeralContainers) }
