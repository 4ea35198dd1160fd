package rules

import "testing"

func TestVolumeMounts(t *testing.T) { testRule(t, volumeMounts) }
