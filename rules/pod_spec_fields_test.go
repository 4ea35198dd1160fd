package rules

import "testing"

func TestPodSpecFields(t *testing.T) { testRule(t, podSpecFields) }
