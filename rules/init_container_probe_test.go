package rules

import "testing"

func TestInitContainerProbe(t *testing.T) { testRule(t, initContainerProbe) }
