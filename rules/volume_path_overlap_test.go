package rules

import "testing"

func TestVolumePathOverlap(t *testing.T) { testRule(t, volumePathOverlap) }
