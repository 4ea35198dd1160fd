package rules

import "testing"

func TestPodScheduling(t *testing.T) { testRule(t, podScheduling) }
