package rules

import "testing"

func TestObjectMetadata(t *testing.T) { testRule(t, objectMetadata) }
