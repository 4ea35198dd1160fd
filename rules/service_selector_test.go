package rules

import "testing"

func TestServiceSelector(t *testing.T) { testRule(t, serviceSelector) }
