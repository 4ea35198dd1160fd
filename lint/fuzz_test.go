package lint_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/podlint/podlint/internal/fuzzcorpus"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
	"github.com/podlint/podlint/rules"
)

// fuzzLimits are small, so that every limit is reachable from fuzzed input
// and one input's cost stays within what the target asserts.
var fuzzLimits = lint.Options{
	Workers:          2,
	MaxFileBytes:     1 << 20,
	MaxDocumentBytes: 256 << 10,
	MaxDocuments:     200,
	MaxObjects:       500,
	DocumentLimits:   manifest.Limits{MaxNodes: 20_000, MaxDepth: 64, MaxScalarBytes: 64 << 10, MaxExpandedNodes: 100_000, MaxExpandedBytes: 1 << 20},
}

// FuzzLoader runs the whole loader and engine, with every rule, over arbitrary
// bytes on stdin. Beyond not panicking: the run takes bounded time and
// allocates bounded memory, no rule fails internally, every input finding has
// a position, and input is never dropped silently (an input finding exactly
// when something is counted unreadable).
func FuzzLoader(f *testing.F) {
	for _, s := range []string{"", "\xff\xfe", "\x00", "---\n---\n", "apiVersion: v1\nkind: List\nitems: [{}, 1, {kind: Pod}]\n"} {
		f.Add([]byte(s))
	}
	engine := lint.NewEngine(rules.All(), fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		res := engine.Run(context.Background(), lint.Sources([]string{"-"}, bytes.NewReader(data)))
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)

		for _, err := range res.Internal {
			t.Fatal(err)
		}
		// Generous bounds: the fuzzer shares a loaded machine, and the limits
		// above allow ~1M nodes of alias expansion. Unbounded input blows far past them.
		if elapsed > 30*time.Second {
			t.Fatalf("run took %v on %d bytes", elapsed, len(data))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20+200*uint64(len(data)) {
			t.Fatalf("run allocated %d MB on %d bytes", alloc>>20, len(data))
		}
		for _, f := range res.Findings {
			if f.Category == lint.CategoryInput && f.Position.File != "-" {
				t.Fatalf("input finding without a file: %+v", f)
			}
			if f.Category == lint.CategoryInput && f.Position.Line < 1 && f.Rule != lint.RuleFileUnreadable.ID {
				t.Fatalf("input finding without a line: %+v", f)
			}
		}
		if (res.InputErrors() > 0) != (res.Summary.Unreadable > 0) {
			t.Fatalf("%d input findings but %d unreadable: %+v", res.InputErrors(), res.Summary.Unreadable, res.Findings)
		}
		if res.Summary.Files != 1 {
			t.Fatalf("summary %+v: stdin is one file", res.Summary)
		}
	})
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzLoader in step with the fixtures
// (UPDATE_FUZZ_CORPUS=1 regenerates it).
func TestFuzzCorpus(t *testing.T) {
	var entries [][]any
	for _, content := range fuzzcorpus.Fixtures(t, "../rules/testdata/*/*/*.yaml", "../testdata/*/*.yaml", "../testdata/*/*.json") {
		entries = append(entries, []any{content})
	}
	fuzzcorpus.Sync(t, "FuzzLoader", entries)
}
