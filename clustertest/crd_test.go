package clustertest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podlint/podlint/internal/testbin"
)

// crdModules are the Go modules that ship the CRDs of podlint's built-in custom
// kinds, at the releases their templates were checked against (KubeRay's
// operator module is published up to v1.5.0; its pod template paths are those
// of v1.7.0), and the CRD files in each.
var crdModules = []struct {
	module string
	files  []string
}{
	{"github.com/argoproj/argo-rollouts@v1.9.1", []string{"manifests/crds/rollout-crd.yaml"}},
	{"github.com/kedacore/keda/v2@v2.20.2", []string{"config/crd/bases/keda.sh_scaledjobs.yaml"}},
	{"github.com/openkruise/kruise@v1.9.0", []string{"config/crd/bases/apps.kruise.io_clonesets.yaml",
		"config/crd/bases/apps.kruise.io_statefulsets.yaml", "config/crd/bases/apps.kruise.io_daemonsets.yaml"}},
	{"github.com/kubeflow/training-operator@v1.9.0", []string{"manifests/base/crds/kubeflow.org_pytorchjobs.yaml",
		"manifests/base/crds/kubeflow.org_tfjobs.yaml", "manifests/base/crds/kubeflow.org_mpijobs.yaml",
		"manifests/base/crds/kubeflow.org_xgboostjobs.yaml", "manifests/base/crds/kubeflow.org_paddlejobs.yaml",
		"manifests/base/crds/kubeflow.org_jaxjobs.yaml"}},
	{"github.com/ray-project/kuberay/ray-operator@v1.5.0", []string{"config/crd/bases/ray.io_rayclusters.yaml",
		"config/crd/bases/ray.io_rayjobs.yaml", "config/crd/bases/ray.io_rayservices.yaml"}},
	{"volcano.sh/volcano@v1.15.1", []string{"config/crd/volcano/bases/batch.volcano.sh_jobs.yaml"}},
}

// schemaRules are podlint's findings that stand for the API server's schema
// validation of a custom resource (the template rules judge what its
// controller would do later, which a dry run cannot show).
var schemaRules = map[string]bool{"unknown-field": true, "invalid-type": true, "duplicate-field": true, "custom-resource-schema": true, "api-version": true}

var caseName = regexp.MustCompile(`(?m)^kind: (\S+)\nmetadata: \{name: ([^}]+)\}`)

// TestCRDSchemaParity installs the built-in custom kinds' CRDs in the real API
// server and requires that a server-side dry run (strict field validation)
// refuses exactly the custom resources for which `podlint check --crd` reports a
// schema finding, and that podlint's fields are in the server's refusal.
func TestCRDSchemaParity(t *testing.T) {
	kubeBin, etcdBin := clusterBinaries(t)
	stage(t, "CRDs from the projects' Go modules")
	crdDir := t.TempDir()
	for _, m := range crdModules {
		out, err := exec.Command("go", "mod", "download", "-json", m.module).Output()
		if err != nil {
			t.Fatalf("go mod download %s: %v\n%s", m.module, err, out)
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
			t.Fatalf("go mod download %s: %v %s", m.module, err, info.Error)
		}
		for _, f := range m.files {
			data, err := os.ReadFile(filepath.Join(info.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(crdDir, filepath.Base(f)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	stage(t, "build podlint")
	bin := testbin.Podlint(t, "..")
	c := startCluster(t, kubeBin, etcdBin)
	stage(t, "install CRDs")
	// Server-side apply: these CRDs are too large for the last-applied annotation.
	c.mustKubectl(t, nil, "apply", "--server-side", "-f", crdDir)
	c.mustKubectl(t, nil, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")

	data, err := os.ReadFile(filepath.Join("testdata", "crd", "cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	agree, total := 0, 0
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		expect := ""
		for _, l := range strings.Split(string(doc), "\n") {
			if v, ok := strings.CutPrefix(l, "# expect: "); ok {
				expect = strings.TrimSpace(v)
			}
		}
		if expect == "" {
			continue
		}
		total++
		// The server's refusal: a dry run, so nothing is stored. The retries
		// cover the moment a new CRD's REST mapping takes to appear.
		var srv result
		for try := 0; try < 10; try++ {
			srv = c.kubectlAs(t, c.kubeconfig, doc, "create", "--dry-run=server", "--validate=strict", "-n", "default", "-f", "-")
			if !strings.Contains(srv.stderr, "ensure CRDs are installed first") && !strings.Contains(srv.stderr, "the server could not find the requested resource") {
				break
			}
			time.Sleep(time.Second)
		}
		refused := srv.code != 0

		lint := run(t, doc, bin, "check", "--crd", crdDir, "--format", "json", "--fail-on", "none", "-")
		if lint.code != 0 {
			t.Fatalf("case %d: podlint check: %s", i, lint)
		}
		var rep struct {
			Findings []struct {
				Rule  string `json:"rule"`
				Field string `json:"field"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(lint.stdout), &rep); err != nil {
			t.Fatalf("case %d: podlint JSON: %v\n%s", i, err, lint.stdout)
		}
		// With --validate=strict the API server decodes strictly first and stops at
		// unknown fields, so its refusal then names only those, not the schema
		// errors it would report next; the other fields are compared only when the
		// refusal comes from the schema.
		strictOnly := strings.Contains(srv.stderr, "strict decoding error")
		var fields, named []string
		for _, f := range rep.Findings {
			if schemaRules[f.Rule] {
				fields = append(fields, f.Field)
				if !strictOnly || f.Rule == "unknown-field" {
					named = append(named, f.Field)
				}
			}
		}
		flagged := len(fields) > 0
		name := ""
		if m := caseName.FindSubmatch(doc); m != nil {
			name = string(m[1]) + " " + string(m[2])
		}
		switch {
		case refused != flagged:
			t.Errorf("case %d (%s): API server refused=%v, podlint schema findings %v\nserver: %s", i, name, refused, fields, srv)
		case (expect == "refuse") != refused:
			t.Errorf("case %d (%s): expected to %s, API server refused=%v: %s", i, name, expect, refused, srv)
		default:
			agree++
			for _, f := range named {
				if leaf := f[strings.LastIndexAny(f, ".]")+1:]; !strings.Contains(srv.stderr, leaf) {
					t.Errorf("case %d (%s): podlint field %s is not in the server's refusal:\n%s", i, name, f, srv.stderr)
				}
			}
		}
	}
	t.Logf("CRD schema parity: podlint and the API server agree on %d of %d custom resources", agree, total)
	if total == 0 {
		t.Fatal("no cases")
	}
}
