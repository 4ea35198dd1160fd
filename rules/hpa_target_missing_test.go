package rules

import "testing"

func TestHpaTargetMissing(t *testing.T) { testRule(t, hpaTargetMissing) }
