package parity

import (
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
}

// Floors the corpus must keep, in percent: every verdict must agree, and path
// recall may only fall short by the documented divergences of KNOWN.md.
const (
	minAgree  = 100
	minRecall = 98
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
