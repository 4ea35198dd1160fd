package rules

import "testing"

func TestHpaUtilizationRequest(t *testing.T) { testRule(t, hpaUtilizationRequest) }
