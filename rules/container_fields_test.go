package rules

import "testing"

func TestContainerFields(t *testing.T) { testRule(t, containerFields) }
