package updategen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/internal/updategen"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// The sizes: the differential oracle runs at least these many pairs.
const (
	podPairs      = 1000
	workloadPairs = 500
)

func TestWriteFiles(t *testing.T) {
	pairs, _ := updategen.Generate(updategen.Options{Seed: 1, Pods: 1, Workloads: 1})
	dir := t.TempDir()
	if err := updategen.WriteFiles(dir, pairs); err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		data, err := os.ReadFile(filepath.Join(dir, p.Name+".new.yaml"))
		if err != nil || !bytes.Equal(data, p.New) {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, err := updategen.Generate(updategen.Options{Seed: 7, Pods: 50, Workloads: 50})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := updategen.Generate(updategen.Options{Seed: 7, Pods: 50, Workloads: 50})
	c, _ := updategen.Generate(updategen.Options{Seed: 8, Pods: 50, Workloads: 50})
	same, differ := true, false
	for i := range a {
		same = same && bytes.Equal(a[i].Old, b[i].Old) && bytes.Equal(a[i].New, b[i].New)
		differ = differ || !bytes.Equal(a[i].Old, c[i].Old)
	}
	if !same || !differ {
		t.Errorf("same seed must give the same pairs (%v), another seed others (%v)", same, differ)
	}
}

// TestPodlintAgreesWithGenerator is the oracle's dry run without an API server:
// every generated object must pass podlint's create checks (so a verdict depends
// on the update alone), and podlint's update verdict must be the one the
// Kubernetes source predicts for the mutation. The parity module runs the same
// pairs against the API server's own validation.
func TestPodlintAgreesWithGenerator(t *testing.T) {
	pods, workloads := podPairs, workloadPairs
	if testing.Short() || raceEnabled {
		pods, workloads = 200, 150
	}
	pairs, err := updategen.Generate(updategen.Options{Seed: 1, Pods: pods, Workloads: workloads})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	engine := lint.NewEngine(rules.All(), lint.Options{Workers: 1})
	dir := t.TempDir()
	for i, p := range pairs {
		covered[p.Kind+"/"+p.Mutation] = true
		oldPath, newPath := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
		if err := os.WriteFile(oldPath, p.Old, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(newPath, p.New, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, side := range []string{oldPath, newPath} {
			res := engine.Run(context.Background(), lint.Sources([]string{side}, nil))
			for _, f := range res.Findings {
				if f.Severity == lint.SeverityError {
					t.Errorf("%s: %s is not a valid create: %s %s: %s\n%s", p.Name, filepath.Base(side), f.Rule, f.Field, f.Message, p.New)
				}
			}
		}
		res := engine.RunUpdate(context.Background(), lint.Sources([]string{oldPath}, nil), lint.Sources([]string{newPath}, nil))
		allowed := res.Summary.Errors == 0
		if allowed != p.Allowed {
			t.Errorf("%s (%s): podlint says allowed=%v, generator says %v; findings:", p.Name, p.Field, allowed, p.Allowed)
			for _, f := range res.Findings {
				t.Logf("  %s %s %s", f.Rule, f.Field, f.Message)
			}
		}
		if t.Failed() && i > 20 {
			t.FailNow()
		}
	}
	for kind, ms := range updategen.Mutations() {
		for _, m := range ms {
			if !covered[kind+"/"+m] {
				t.Errorf("mutation %s/%s not generated at these sizes", kind, m)
			}
		}
	}
}
