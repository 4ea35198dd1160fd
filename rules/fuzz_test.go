package rules

import (
	"bytes"
	"context"
	"testing"

	"github.com/podlint/podlint/internal/fuzzcorpus"
	"github.com/podlint/podlint/lint"
)

// FuzzRules runs the whole engine with every rule over arbitrary input: no rule
// may panic on any object that decodes (nil pointers, empty lists, huge numbers).
func FuzzRules(f *testing.F) {
	// Seeds: the committed corpus in testdata/fuzz/FuzzRules (see TestFuzzCorpus).
	engine := lint.NewEngine(All(), lint.Options{Workers: 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		res := engine.Run(context.Background(), lint.Sources([]string{"-"}, bytes.NewReader(data)))
		for _, err := range res.Internal {
			t.Fatal(err)
		}
	})
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzRules in step with the rule fixtures
// (UPDATE_FUZZ_CORPUS=1 regenerates it).
func TestFuzzCorpus(t *testing.T) {
	var entries [][]any
	for _, content := range fuzzcorpus.Fixtures(t, "testdata/*/*/*.yaml", "../testdata/*/*.yaml") {
		entries = append(entries, []any{content})
	}
	fuzzcorpus.Sync(t, "FuzzRules", entries)
}
