package rules

import "testing"

func TestPodListEntries(t *testing.T) { testRule(t, podListEntries) }
