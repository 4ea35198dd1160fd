package rules

import "testing"

func TestPodFieldImmutable(t *testing.T) { testUpdateRule(t, podFieldImmutable) }
