package rules

import "testing"

func TestRestartPolicy(t *testing.T) { testRule(t, restartPolicy) }
