package rules

import (
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/lint"
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
