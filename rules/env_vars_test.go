package rules

import "testing"

func TestEnvVars(t *testing.T) { testRule(t, envVars) }
