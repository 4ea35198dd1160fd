package rules

import "testing"

func TestNullLabelSelector(t *testing.T) { testRule(t, nullLabelSelector) }
