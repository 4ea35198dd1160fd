package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestRuleMetadata keeps every rule documented: unique kebab-case IDs, a title,
// a doc, a remediation that ends with a period, api rules defaulting to error,
// and a test file and fixtures for every rule with a Check.
func TestRuleMetadata(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !kebab.MatchString(r.ID) {
			t.Errorf("%s: ID is not kebab-case", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Doc == "" || !strings.HasSuffix(r.Remediation, ".") {
			t.Errorf("%s: needs a title, a doc and a remediation ending with a period", r.ID)
		}
		switch r.Category {
		case lint.CategoryAPI, lint.CategoryInput:
			if r.Severity != lint.SeverityError {
				t.Errorf("%s: %s rules default to error", r.ID, r.Category)
			}
		case lint.CategoryLifecycle, lint.CategoryPractice, lint.CategoryPodSecurity:
		default:
			t.Errorf("%s: unknown category %q", r.ID, r.Category)
		}
		if r.Check == nil && r.CheckSet == nil {
			continue
		}
		file := strings.ReplaceAll(r.ID, "-", "_")
		for _, f := range []string{file + ".go", file + "_test.go"} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: missing %s (one file per rule, with its test)", r.ID, f)
			}
		}
		for _, dir := range []string{"pass", "fail"} {
			if files, _ := filepath.Glob(filepath.Join("testdata", r.ID, dir, "*.yaml")); len(files) == 0 {
				t.Errorf("%s: no fixtures in testdata/%s/%s", r.ID, r.ID, dir)
			}
		}
	}
	// Every fixture directory belongs to a rule (testdata/fuzz is Go's fuzz corpus;
	// testdata/pod-security holds the pod-security rules' fixtures, by version;
	// testdata/custom-kinds runs every rule over custom resources, TestCustomKinds).
	dirs, _ := filepath.Glob("testdata/*")
	for _, d := range dirs {
		if b := filepath.Base(d); !seen[b] && b != "fuzz" && b != "custom-kinds" && b != "pod-security" {
			t.Errorf("%s: fixtures for no rule", d)
		}
	}
}

// TestRuleDocsCurrent keeps rules/README.md generated from the metadata.
// UPDATE_GOLDEN=1 regenerates it.
func TestRuleDocsCurrent(t *testing.T) {
	want := Markdown()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("rules/README.md: %v (UPDATE_GOLDEN=1 go test ./rules/ generates it)", err)
	}
	if string(got) != want {
		t.Errorf("rules/README.md is out of date with the rule metadata: run UPDATE_GOLDEN=1 go test ./rules/")
	}
}

// TestEveryFixtureWantsKnownRules catches typos in `# want:` comments.
func TestEveryFixtureWantsKnownRules(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*/*.yaml")
	for _, path := range files {
		for _, w := range parseWants(t, path) {
			if Lookup(w.Rule) == nil {
				t.Errorf("%s:%d: want names unknown rule %q", path, w.Line, w.Rule)
			}
		}
	}
}
