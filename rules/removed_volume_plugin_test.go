package rules

import "testing"

func TestRemovedVolumePlugin(t *testing.T) { testRule(t, removedVolumePlugin) }
