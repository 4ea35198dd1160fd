package parity

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/podlint/podlint/lint"
)

// TestPodSecurityParity runs the PodSecurity admission plugin's evaluator on every
// fixture of the repository and every generated object, at both levels and at
// latest and two older versions, and asserts that podlint reports exactly the
// checks the evaluator fails: no more, no fewer.
func TestPodSecurityParity(t *testing.T) {
	rel, err := lint.ParseRelease(lint.DefaultKubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	fixtures, err := Fixtures(filepath.Join("..", "rules", "testdata"), filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	cases := fixtures
	g, err := NewGenerator(uint64(envInt(t, "PARITY_SEED", defaultSeed)), seeds(t))
	if err != nil {
		t.Fatal(err)
	}
	for n := envInt(t, "PARITY_OBJECTS", defaultObjects); n > 0; n-- {
		cases = append(cases, g.Next())
	}
	var levels []psaapi.LevelVersion
	for _, s := range []string{"baseline:latest", "restricted:latest", "baseline:v1.33", "restricted:v1.33", "baseline:v1.22", "restricted:v1.22"} {
		lv, err := lint.ParsePodSecurityLevel(s)
		if err != nil {
			t.Fatal(err)
		}
		levels = append(levels, lv)
	}
	compared, failing, disagree := 0, 0, 0
	for _, c := range cases {
		for _, lv := range levels {
			reasons, ok := PodSecurityOracle(c.Data, lv)
			if !ok {
				continue
			}
			compared++
			if len(reasons) > 0 {
				failing++
			}
			got, findings := PodlintPodSecurity(rel, lv, c.Data)
			want := map[string]bool{}
			for _, r := range reasons {
				ids, known := ReasonRules[r]
				if !known {
					t.Fatalf("%s: the evaluator gives reason %q, which no podlint rule maps", c.Name, r)
				}
				hit := false
				for _, id := range ids {
					if got[id] {
						want[id], hit = true, true
					}
				}
				if !hit {
					want[ids[0]] = true
				}
			}
			if !sameKeys(want, got) {
				disagree++
				if disagree <= 20 {
					var msgs []string
					for _, f := range findings {
						msgs = append(msgs, f.Rule+" "+f.Field)
					}
					t.Errorf("%s at %s: evaluator fails %v (%s); podlint reports %v\n  %s", c.Name, lv, keys(want), strings.Join(reasons, ", "), keys(got), strings.Join(msgs, "\n  "))
				}
			}
		}
	}
	t.Logf("%d object-level evaluations compared (%d cases x %d levels, undecodable and pod-less objects left out), %d refused; %d disagreements", compared, len(cases), len(levels), failing, disagree)
	if failing == 0 {
		t.Fatal("no object fails any check: the comparison proves nothing")
	}
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
