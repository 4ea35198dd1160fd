package rules

import "testing"

func TestHpaReplicasSet(t *testing.T) { testRule(t, hpaReplicasSet) }
