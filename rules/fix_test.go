package rules

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/fix"
)

// fixGlob finds the fix fixtures: testdata/<rule-id>/fix/<name>.yaml, each with
// the expected result of podlint fix beside it as <name>.fixed.yaml (golden,
// regenerated with UPDATE_GOLDEN=1 and reviewed by hand).
const fixGlob = "testdata/*/fix/*.yaml"

func fixEngine() *lint.Engine { return lint.NewEngine(All(), lint.Options{}) }

// findingKey identifies a finding across a fix, whose edits move lines.
func findingKey(f lint.Finding) string { return f.Rule + " " + f.Object.String() + " " + f.Field }

// TestFixGolden fixes every fixture and compares the result with its golden
// file, then checks what a fix must guarantee: the fixture had a fixable
// finding of its rule; the fixed text, checked again, has no finding of that
// rule that had a fix and no finding the original did not have; and fixing the
// fixed text again changes nothing.
func TestFixGolden(t *testing.T) {
	inputs, err := filepath.Glob(fixGlob)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".fixed.yaml") {
			continue
		}
		rule := filepath.Base(filepath.Dir(filepath.Dir(in)))
		covered[rule] = true
		t.Run(rule+"/"+filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			before := fixEngine().Run(context.Background(), []lint.Source{bufferSource(in, src)})
			fixable, unfixable := 0, map[string]bool{}
			beforeKeys := map[string]bool{}
			for _, f := range before.Findings {
				beforeKeys[findingKey(f)] = true
				if f.Rule == rule {
					if f.Fix != nil {
						fixable++
					} else {
						unfixable[findingKey(f)] = true
					}
				}
			}
			if fixable == 0 {
				t.Fatalf("%s has no finding of %s with a fix", in, rule)
			}
			r, err := fix.Buffer(context.Background(), fixEngine(), in, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".yaml") + ".fixed.yaml"
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, r.Fixed, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run UPDATE_GOLDEN=1 go test ./rules/ -run TestFixGolden and review it)", err)
			}
			if !bytes.Equal(r.Fixed, want) {
				t.Errorf("fixed %s differs from %s:\n%s", in, golden, r.Fixed)
			}
			for _, f := range r.Check.Findings {
				k := findingKey(f)
				if f.Rule == rule && !unfixable[k] {
					t.Errorf("after the fix, %s remains: %s", k, f.Message)
				}
				if !beforeKeys[k] {
					t.Errorf("the fix introduced %s: %s", k, f.Message)
				}
			}
			again, err := fix.Buffer(context.Background(), fixEngine(), in, r.Fixed, 0)
			if err != nil {
				t.Fatal(err)
			}
			if again.Rounds != 0 || !bytes.Equal(again.Fixed, r.Fixed) {
				t.Errorf("fixing the fixed text changed it again:\n%s", again.Fixed)
			}
		})
	}
	var missing []string
	for _, r := range All() {
		if r.AutoFix != "" && !covered[r.ID] {
			missing = append(missing, r.ID)
		}
		if r.AutoFix == "" && covered[r.ID] {
			t.Errorf("%s has a fix fixture but no AutoFix documentation", r.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fixable rules without a fixture in %s: %s", fixGlob, strings.Join(missing, ", "))
	}
}

func bufferSource(name string, data []byte) lint.Source {
	return lint.Source{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}
