package rules

import "testing"

func TestVolumeSource(t *testing.T) { testRule(t, volumeSource) }
