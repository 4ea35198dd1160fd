package rules

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

// expectation is one `# want: <rule-id> <field.path>` comment in a fixture.
type expectation struct {
	Rule  string
	Field string
	Line  int
}

func (e expectation) String() string { return fmt.Sprintf("line %d: %s %s", e.Line, e.Rule, e.Field) }

// parseWants reads the `# want:` comments of a fixture. Several expectations on
// one line are separated by ";".
func parseWants(t *testing.T, path string) []expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		_, want, ok := strings.Cut(sc.Text(), "# want:")
		if !ok {
			continue
		}
		for _, w := range strings.Split(want, ";") {
			fields := strings.Fields(w)
			if len(fields) != 2 {
				t.Fatalf("%s:%d: malformed want %q: need `# want: <rule-id> <field.path>`", path, line, w)
			}
			out = append(out, expectation{Rule: fields[0], Field: fields[1], Line: line})
		}
	}
	return out
}

// checkFile runs every built-in rule over a fixture at the given release.
func checkFile(t *testing.T, path, version string) *lint.Result {
	t.Helper()
	rel, err := lint.ParseRelease(version)
	if err != nil {
		t.Fatal(err)
	}
	res := lint.NewEngine(All(), lint.Options{Release: rel}).Run(context.Background(), lint.Sources([]string{path}, nil))
	for _, e := range res.Internal {
		t.Errorf("%s: internal error: %v", path, e)
	}
	return res
}

// fixtureVersion lets a fixture pin a release with a `# kubernetes-version: 1.35` line.
func fixtureVersion(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "# kubernetes-version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return lint.DefaultKubernetesVersion
}

// testRule checks a rule against its fixtures: every file in fail/ must produce
// exactly the findings its `# want:` comments name (for the rules they mention and
// the rule under test), on those lines and fields; no file in pass/ may produce a
// finding of the rule under test.
func testRule(t *testing.T, rule *lint.Rule) {
	t.Helper()
	dir := filepath.Join("testdata", rule.ID)
	fails, _ := filepath.Glob(filepath.Join(dir, "fail", "*.yaml"))
	passes, _ := filepath.Glob(filepath.Join(dir, "pass", "*.yaml"))
	if len(fails) == 0 || len(passes) == 0 {
		t.Fatalf("rule %s needs fixtures in %s/pass and %s/fail", rule.ID, dir, dir)
	}
	for _, path := range fails {
		t.Run("fail/"+filepath.Base(path), func(t *testing.T) {
			wants := parseWants(t, path)
			watched := map[string]bool{rule.ID: true}
			for _, w := range wants {
				watched[w.Rule] = true
			}
			if !hasRule(wants, rule.ID) {
				t.Fatalf("%s: a fail fixture needs at least one `# want: %s ...`", path, rule.ID)
			}
			res := checkFile(t, path, fixtureVersion(t, path))
			var got []expectation
			for _, f := range res.Findings {
				if watched[f.Rule] {
					got = append(got, expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
					if f.Message == "" {
						t.Errorf("%s:%d: %s finding has no message", path, f.Position.Line, f.Rule)
					}
				}
			}
			diff(t, path, wants, got)
		})
	}
	for _, path := range passes {
		t.Run("pass/"+filepath.Base(path), func(t *testing.T) {
			res := checkFile(t, path, fixtureVersion(t, path))
			if res.Summary.Objects == 0 {
				t.Errorf("%s: no object checked; a pass fixture must hold at least one object podlint checks", path)
			}
			for _, f := range res.Findings {
				if f.Rule == rule.ID || f.Category == lint.CategoryInput {
					t.Errorf("%s:%d: unexpected %s at %s: %s", path, f.Position.Line, f.Rule, f.Field, f.Message)
				}
			}
		})
	}
}

func hasRule(es []expectation, id string) bool {
	for _, e := range es {
		if e.Rule == id {
			return true
		}
	}
	return false
}

func diff(t *testing.T, path string, want, got []expectation) {
	t.Helper()
	key := func(e expectation) string { return fmt.Sprintf("%06d %s %s", e.Line, e.Rule, e.Field) }
	count := map[string]int{}
	for _, w := range want {
		count[key(w)]++
	}
	for _, g := range got {
		count[key(g)]--
	}
	var problems []string
	for k, n := range count {
		switch {
		case n > 0:
			problems = append(problems, "missing:    "+k)
		case n < 0:
			problems = append(problems, "unexpected: "+k)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("%s: %s", path, p)
	}
}
