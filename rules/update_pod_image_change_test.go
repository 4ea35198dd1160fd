package rules

import "testing"

func TestPodImageChange(t *testing.T) { testUpdateRule(t, podImageChange) }
