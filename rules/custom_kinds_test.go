package rules

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/config"
)

// TestCustomKinds checks the pod templates of the built-in custom kinds with
// every rule: a fail fixture must produce exactly the findings its `# want:`
// lines name, of any rule, at those lines and fields of the custom resource; a
// pass fixture none at all.
func TestCustomKinds(t *testing.T) {
	fails, _ := filepath.Glob(filepath.Join("testdata", "custom-kinds", "fail", "*.yaml"))
	passes, _ := filepath.Glob(filepath.Join("testdata", "custom-kinds", "pass", "*.yaml"))
	if len(fails) == 0 || len(passes) == 0 {
		t.Fatal("no custom-kinds fixtures")
	}
	for _, path := range fails {
		t.Run("fail/"+filepath.Base(path), func(t *testing.T) {
			res := checkFile(t, path, lint.DefaultKubernetesVersion)
			var got []expectation
			for _, f := range res.Findings {
				got = append(got, expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
				if f.Object.Kind == "Deployment" || f.Object.Kind == "PodTemplate" || f.Object.APIVersion == "v1" {
					t.Errorf("%s:%d: finding names the stand-in %s, not the custom resource", path, f.Position.Line, f.Object)
				}
			}
			diff(t, path, parseWants(t, path), got)
		})
	}
	for _, path := range passes {
		t.Run("pass/"+filepath.Base(path), func(t *testing.T) {
			res := checkFile(t, path, lint.DefaultKubernetesVersion)
			if res.Summary.Skipped != 0 {
				t.Errorf("%s: %d objects skipped; every built-in custom kind should be read", path, res.Summary.Skipped)
			}
			for _, f := range res.Findings {
				t.Errorf("%s:%d: unexpected %s at %s: %s", path, f.Position.Line, f.Rule, f.Field, f.Message)
			}
		})
	}
}

// TestDeclaredCustomKinds checks kinds declared in a configuration file: their
// templates at every path the declaration names, each as its built-in kind.
func TestDeclaredCustomKinds(t *testing.T) {
	dir := filepath.Join("testdata", "custom-kinds", "declared")
	cfg, err := config.Load(filepath.Join(dir, "podlint.yaml"), All())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "objects.yaml")
	res := lint.NewEngine(All(), lint.Options{CustomKinds: cfg.LintKinds()}).Run(context.Background(), lint.Sources([]string{path}, nil))
	var got []expectation
	for _, f := range res.Findings {
		got = append(got, expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
	}
	diff(t, path, parseWants(t, path), got)
	if res.Summary.Objects != 2 || res.Summary.Skipped != 1 {
		t.Errorf("checked %d objects and skipped %d; want 2 (WebApp v1, Pipeline of any version) and 1 (WebApp v2, not declared)", res.Summary.Objects, res.Summary.Skipped)
	}
	// Without the declarations the same objects are other kinds, not checked.
	res = lint.NewEngine(All(), lint.Options{}).Run(context.Background(), lint.Sources([]string{path}, nil))
	if res.Summary.Objects != 0 || len(res.Findings) != 0 {
		t.Errorf("without customKinds: %d objects checked, %d findings; want none", res.Summary.Objects, len(res.Findings))
	}
}

// TestCustomResourceSchema validates custom resources against their CRD's
// schema, found among the inputs or given apart (check --crd), and not at all
// without it.
func TestCustomResourceSchema(t *testing.T) {
	dir := filepath.Join("testdata", "custom-kinds", "schema")
	objects := filepath.Join(dir, "objects.yaml")
	crds, err := lint.LoadCRDs([]string{filepath.Join(dir, "crd.yaml")})
	if err != nil || len(crds) != 1 {
		t.Fatalf("LoadCRDs: %v, %d CRDs", err, len(crds))
	}
	for _, c := range []struct {
		name    string
		sources []string
		crds    []*lint.CRD
	}{
		{"in the inputs", []string{dir}, nil},
		{"with --crd", []string{objects}, crds},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := lint.NewEngine(All(), lint.Options{CRDs: c.crds}).Run(context.Background(), lint.Sources(c.sources, nil))
			var got []expectation
			for _, f := range res.Findings {
				got = append(got, expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
			}
			diff(t, objects, parseWants(t, objects), got)
			if res.Summary.Objects != 3 {
				t.Errorf("%d objects checked, want the 3 WebApps", res.Summary.Objects)
			}
		})
	}
	res := lint.NewEngine(All(), lint.Options{}).Run(context.Background(), lint.Sources([]string{objects}, nil))
	if len(res.Findings) != 0 || res.Summary.Objects != 0 {
		t.Errorf("without the CRD: %d findings, %d objects checked; want none", len(res.Findings), res.Summary.Objects)
	}
}
