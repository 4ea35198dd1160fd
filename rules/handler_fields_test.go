package rules

import "testing"

func TestHandlerFields(t *testing.T) { testRule(t, handlerFields) }
