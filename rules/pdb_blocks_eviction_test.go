package rules

import "testing"

func TestPdbBlocksEviction(t *testing.T) { testRule(t, pdbBlocksEviction) }
