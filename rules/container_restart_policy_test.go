package rules

import "testing"

func TestContainerRestartPolicy(t *testing.T) { testRule(t, containerRestartPolicy) }
