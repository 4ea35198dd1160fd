package parity

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

// The corpus CI runs: the fixed seed and size. `make parity` raises the size.
const (
	defaultSeed    = 20261127
	defaultObjects = 1000
)

func envInt(t testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

func seeds(t testing.TB) []Case {
	cs, err := Fixtures("testdata/seeds")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func engine(t testing.TB) *lint.Engine {
	eng, _, err := NewEngine(lint.DefaultKubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestGates checks that the oracle runs with the feature gates podlint's release
// table gives the default release: the binary's defaults are 1.37's.
func TestGates(t *testing.T) {
	rel, err := lint.ParseRelease(lint.DefaultKubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckGates(rel); err != nil {
		t.Fatal(err)
	}
}

// TestSeedsAccepted: the generator must start from objects both sides accept,
// or every variant is rejected for the same reason.
func TestSeedsAccepted(t *testing.T) {
	eng := engine(t)
	for _, c := range seeds(t) {
		o, ok := Compare(eng, c)
		if !ok {
			t.Errorf("%s: not a checked kind", c.Name)
			continue
		}
		if o.Oracle.Rejected || o.Podlint.Rejected || o.Input {
			t.Errorf("%s: seed must be valid:\napiserver: %q\npodlint: %q", c.Name, o.Oracle.Errors, o.Podlint.Errors)
		}
	}
}

// TestOracleRejects makes sure the oracle is not vacuous: objects the API server
// is known to refuse are refused at the path it names.
func TestOracleRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, path string }{
		{"container name", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: Bad_Name, image: x}]\n", "spec.containers[0].name"},
		{"unknown field", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: x, imagePulPolicy: Always}]\n", "spec.containers[0].imagePulPolicy"},
		{"job restart policy", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x}]\n", "spec.template.spec.restartPolicy"},
		{"removed version", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: a}\n", "apiVersion"},
		{"missing name", "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: a, image: x}]\n", "metadata.name"},
	} {
		v, _, ok := Oracle([]byte(tc.doc))
		if !ok || !v.Rejected || !recalled(tc.path, v.Paths) {
			t.Errorf("%s: oracle verdict %+v, want rejection at %s", tc.name, v, tc.path)
		}
	}
}

// TestParity runs the differential test: every fixture of the repository plus
// PARITY_OBJECTS generated variants (PARITY_SEED), and prints the agreement table
// and the disagreements by kind. It fails when verdict agreement or path recall
// falls below the floors in PARITY_MIN_AGREE / PARITY_MIN_RECALL (percent).
func TestParity(t *testing.T) {
	eng := engine(t)
	fixtures, err := Fixtures(filepath.Join("..", "rules", "testdata"), filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	n := envInt(t, "PARITY_OBJECTS", defaultObjects)
	g, err := NewGenerator(uint64(envInt(t, "PARITY_SEED", defaultSeed)), seeds(t))
	if err != nil {
		t.Fatal(err)
	}
	var fixOuts, genOuts []Outcome
	for _, c := range fixtures {
		if o, ok := Compare(eng, c); ok {
			fixOuts = append(fixOuts, o)
		}
	}
	for len(genOuts) < n {
		if o, ok := Compare(eng, g.Next()); ok {
			genOuts = append(genOuts, o)
		}
	}
	var b strings.Builder
	b.WriteString("\nfixtures\n")
	PrintTable(&b, Table(fixOuts))
	b.WriteString("\ngenerated\n")
	genRows := Table(genOuts)
	PrintTable(&b, genRows)
	b.WriteString("\ndisagreements\n")
	limit := envInt(t, "PARITY_LIST", 20)
	PrintDisagreements(&b, append(fixOuts, genOuts...), os.Getenv("PARITY_PATHS") != "", limit)
	t.Log(b.String())

	total := genRows[len(genRows)-1]
	agree := 100 * float64(total.Agree) / float64(total.Objects)
	recall := 100 * float64(total.PathsRecalled) / float64(max(total.Paths, 1))
	if min := float64(envInt(t, "PARITY_MIN_AGREE", minAgree)); agree < min {
		t.Errorf("verdict agreement %.2f%% is below the floor %.0f%%", agree, min)
	}
	if min := float64(envInt(t, "PARITY_MIN_RECALL", minRecall)); recall < min {
		t.Errorf("path recall %.2f%% is below the floor %.0f%%", recall, min)
	}
	mirrored := 100 * float64(total.WarningsMirrored) / float64(max(total.Warnings, 1))
	warnAgree := 100 * float64(total.WarnAgree) / float64(max(total.Warned, 1))
	if total.Warnings == 0 {
		t.Error("the generated objects drew no warning from the API server: the warning comparison is vacuous")
	}
	if min := float64(envInt(t, "PARITY_MIN_WARN", minWarn)); mirrored < min || warnAgree < min {
		t.Errorf("warnings mirrored %.2f%%, warning agreement %.2f%%: below the floor %.0f%%", mirrored, warnAgree, min)
	}
}

// TestAdmissionAndDecodingCases pins the cases where the verdict depends on what
// happens before validation: the ServiceAccount admission plugin, how a client
// turns a YAML or JSON file into a request body, and pod-level resources; and two
// of the API server's warnings podlint mirrors.
func TestAdmissionAndDecodingCases(t *testing.T) {
	eng := engine(t)
	const tokenPod = `apiVersion: v1
kind: Pod
metadata:
  name: token%s
spec:%s
  containers: [{name: app, image: registry.example/app:1.0}]
  volumes:
    - name: token
      projected:
        sources: [{serviceAccountToken: {path: token}}]
`
	for _, tc := range []struct {
		name, doc string
		rejected  bool
		warnings  int
	}{
		// ServiceAccount admission sets serviceAccountName: default first.
		{"projected token without serviceAccountName", fmt.Sprintf(tokenPod, "", ""), false, 0},
		// A mirror Pod gets no service account, and the plugin refuses the token.
		{"mirror pod with projected token", fmt.Sprintf(tokenPod, "\n  annotations: {kubernetes.io/config.mirror: abc}", "\n  nodeName: node-1"), true, 0},
		// kubectl converts YAML with sigs.k8s.io/yaml: the last value wins, no error.
		{"repeated key in YAML", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: nginx:1.25\n      image: nginx:1.27\n", false, 0},
		// A JSON body as written meets the API server's strict decoding.
		{"repeated key in JSON", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "a", "image": "x", "image": "y"}]}}`, true, 0},
		{"pod-level resources", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  resources: {limits: {cpu: '1', memory: 1Gi}}\n  containers: [{name: a, image: x, resources: {requests: {cpu: 500m}}}]\n", false, 0},
		{"pod-level ephemeral-storage", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  resources: {limits: {ephemeral-storage: 1Gi}}\n  containers: [{name: a, image: x}]\n", true, 0},
		{"pod-level request below its containers", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  resources: {requests: {cpu: 100m}}\n  containers: [{name: a, image: x, resources: {requests: {cpu: 500m}}}]\n", true, 0},
		// Warnings: a removed in-tree plugin and a port name shared by two containers.
		{"rbd volume", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: x}]\n  volumes: [{name: d, rbd: {monitors: ['10.0.0.1:6789'], image: d}}]\n", false, 1},
		{"shared port name", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - {name: a, image: x, ports: [{name: http, containerPort: 80}]}\n    - {name: b, image: x, ports: [{name: http, containerPort: 81}]}\n", false, 1},
	} {
		o, ok := Compare(eng, Case{Name: tc.name, Data: []byte(tc.doc)})
		if !ok {
			t.Errorf("%s: not a checked kind", tc.name)
			continue
		}
		if o.Oracle.Rejected != tc.rejected || !o.Agree() {
			t.Errorf("%s: API server rejected=%v (%q), podlint rejected=%v (%q); want both %v", tc.name, o.Oracle.Rejected, o.Oracle.Errors, o.Podlint.Rejected, o.Podlint.Errors, tc.rejected)
		}
		if len(o.Oracle.Warnings) != tc.warnings || !o.WarningsAgree() {
			t.Errorf("%s: API server warnings %q, podlint %q; want %d, mirrored", tc.name, o.Oracle.Warnings, o.Podlint.Warnings, tc.warnings)
		}
	}
}

// Floors the corpus must keep, in percent: every verdict must agree, and path
// recall may only fall short by the documented divergences of KNOWN.md.
const (
	minAgree  = 100
	minRecall = 98
	// minWarn is the floor for both the share of the API server's warnings podlint
	// mirrors and the objects on which the warnings agree exactly.
	minWarn = 100
)

// TestGeneratorDeterministic: a seed names a corpus, so a disagreement found by
// `make parity PARITY_SEED=n` can be replayed.
func TestGeneratorDeterministic(t *testing.T) {
	a, err := NewGenerator(42, seeds(t))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewGenerator(42, seeds(t))
	c, _ := NewGenerator(43, seeds(t))
	same := 0
	for i := 0; i < 200; i++ {
		x, y, z := a.Next(), b.Next(), c.Next()
		if x.Name != y.Name || string(x.Data) != string(y.Data) {
			t.Fatalf("variant %d differs between two generators with seed 42:\n%s\n%s", i, x.Name, y.Name)
		}
		if string(x.Data) == string(z.Data) {
			same++
		}
	}
	if same > 100 {
		t.Errorf("seeds 42 and 43 gave %d identical variants of 200", same)
	}
}
