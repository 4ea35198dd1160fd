package rules

import "testing"

func TestUnboundedRevisionHistory(t *testing.T) { testRule(t, unboundedRevisionHistory) }
