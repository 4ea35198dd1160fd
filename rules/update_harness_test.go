package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

// Update fixtures are pairs: testdata/<rule-id>/{pass,fail}/<name>.old.yaml and
// <name>.new.yaml. `# want:` comments go on the offending line of the new file
// (of the old file for removed objects). A fixture pins a release with a
// `# kubernetes-version:` line in its new file.

// updatePairs returns the new files of a directory's fixture pairs, checking each has its old file.
func updatePairs(t *testing.T, dir string) []string {
	t.Helper()
	news, _ := filepath.Glob(filepath.Join(dir, "*.new.yaml"))
	for _, n := range news {
		if _, err := os.Stat(oldOf(n)); err != nil {
			t.Errorf("%s has no %s", n, filepath.Base(oldOf(n)))
		}
	}
	return news
}

func oldOf(newPath string) string { return strings.TrimSuffix(newPath, ".new.yaml") + ".old.yaml" }

// checkUpdateFiles runs every built-in rule over old → new at the given release.
func checkUpdateFiles(t *testing.T, oldPath, newPath, version string) *lint.Result {
	t.Helper()
	rel, err := lint.ParseRelease(version)
	if err != nil {
		t.Fatal(err)
	}
	res := lint.NewEngine(All(), lint.Options{Release: rel}).RunUpdate(context.Background(),
		lint.Sources([]string{oldPath}, nil), lint.Sources([]string{newPath}, nil))
	for _, e := range res.Internal {
		t.Errorf("%s: internal error: %v", newPath, e)
	}
	return res
}

// testUpdateRule checks an update rule against its fixture pairs, as testRule
// does for the other rules: a fail pair must produce exactly the findings its
// `# want:` comments name (for the rules they mention and the rule under test),
// in the file, on the line and at the field named; a pass pair must produce no
// finding of the rule under test and no input error.
func testUpdateRule(t *testing.T, rule *lint.Rule) {
	t.Helper()
	dir := filepath.Join("testdata", rule.ID)
	fails, passes := updatePairs(t, filepath.Join(dir, "fail")), updatePairs(t, filepath.Join(dir, "pass"))
	if len(fails) == 0 || len(passes) == 0 {
		t.Fatalf("rule %s needs fixture pairs (*.old.yaml, *.new.yaml) in %s/pass and %s/fail", rule.ID, dir, dir)
	}
	for _, newPath := range fails {
		t.Run("fail/"+strings.TrimSuffix(filepath.Base(newPath), ".new.yaml"), func(t *testing.T) {
			oldPath := oldOf(newPath)
			wantsByFile := map[string][]expectation{newPath: parseWants(t, newPath), oldPath: parseWants(t, oldPath)}
			watched := map[string]bool{rule.ID: true}
			found := false
			for _, ws := range wantsByFile {
				for _, w := range ws {
					watched[w.Rule] = true
					found = found || w.Rule == rule.ID
				}
			}
			if !found {
				t.Fatalf("%s: a fail fixture needs at least one `# want: %s ...`", newPath, rule.ID)
			}
			res := checkUpdateFiles(t, oldPath, newPath, fixtureVersion(t, newPath))
			got := map[string][]expectation{}
			for _, f := range res.Findings {
				if f.Category == lint.CategoryInput {
					t.Errorf("%s: input error: %s", f.Position.File, f.Message)
				}
				if !watched[f.Rule] {
					continue
				}
				if f.Message == "" {
					t.Errorf("%s:%d: %s finding has no message", f.Position.File, f.Position.Line, f.Rule)
				}
				got[f.Position.File] = append(got[f.Position.File], expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
			}
			for file, ws := range wantsByFile {
				diff(t, file, ws, got[file])
				delete(got, file)
			}
			for file, gs := range got {
				diff(t, file, nil, gs)
			}
		})
	}
	for _, newPath := range passes {
		t.Run("pass/"+strings.TrimSuffix(filepath.Base(newPath), ".new.yaml"), func(t *testing.T) {
			res := checkUpdateFiles(t, oldOf(newPath), newPath, fixtureVersion(t, newPath))
			if res.Summary.Objects == 0 {
				t.Errorf("%s: no object checked", newPath)
			}
			for _, f := range res.Findings {
				if f.Rule == rule.ID || f.Category == lint.CategoryInput {
					t.Errorf("%s:%d: unexpected %s at %s: %s", f.Position.File, f.Position.Line, f.Rule, f.Field, f.Message)
				}
			}
		})
	}
}

// TestUpdateRuleMetadata keeps the update rules shaped like the others: one file
// per rule with its test (update_<rule_id>.go), and fixture pairs.
func TestUpdateRuleMetadata(t *testing.T) {
	for _, r := range updates() {
		if r.CheckUpdate != nil {
			file := "update_" + strings.ReplaceAll(r.ID, "-", "_")
			for _, f := range []string{file + ".go", file + "_test.go"} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s: missing %s (one file per rule, with its test)", r.ID, f)
				}
			}
		}
		for _, dir := range []string{"pass", "fail"} {
			if news, _ := filepath.Glob(filepath.Join("testdata", r.ID, dir, "*.new.yaml")); len(news) == 0 {
				t.Errorf("%s: no fixture pairs in testdata/%s/%s", r.ID, r.ID, dir)
			}
		}
	}
}

func TestObjectRemoved(t *testing.T) { testUpdateRule(t, lint.RuleObjectRemoved) }
