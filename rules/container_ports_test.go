package rules

import "testing"

func TestContainerPorts(t *testing.T) { testRule(t, containerPorts) }
