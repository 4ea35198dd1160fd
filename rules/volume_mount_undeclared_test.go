package rules

import "testing"

func TestVolumeMountUndeclared(t *testing.T) { testRule(t, volumeMountUndeclared) }
