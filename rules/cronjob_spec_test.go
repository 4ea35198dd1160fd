package rules

import "testing"

func TestCronJobSpec(t *testing.T) { testRule(t, cronJobSpec) }
