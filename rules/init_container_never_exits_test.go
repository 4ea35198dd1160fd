package rules

import "testing"

func TestInitContainerNeverExits(t *testing.T) { testRule(t, initContainerNeverExits) }
