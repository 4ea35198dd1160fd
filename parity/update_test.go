package parity

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/podlint/podlint/internal/updategen"
)

// TestParityUpdate compares podlint's update rules with the API server's update
// validation on generated (old, new) pairs of Pods and every workload kind: every
// pair must get the same verdict. PARITY_UPDATE_PODS and PARITY_UPDATE_WORKLOADS
// size the corpus (the floor is 1,000 and 500, which CI runs).
func TestParityUpdate(t *testing.T) {
	pairs, err := updategen.Generate(updategen.Options{
		Seed:      int64(envInt(t, "PARITY_SEED", defaultSeed)),
		Pods:      envInt(t, "PARITY_UPDATE_PODS", 1000),
		Workloads: envInt(t, "PARITY_UPDATE_WORKLOADS", 500),
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := engine(t)
	type row struct{ pairs, rejected, agree int }
	byKind := map[string]*row{}
	for _, p := range pairs {
		ov, kind, err := UpdateOracle(p.Old, p.New)
		if err != nil {
			t.Errorf("%s: oracle: %v", p.Name, err)
			continue
		}
		pv := PodlintUpdate(eng, p.Old, p.New)
		r := byKind[kind]
		if r == nil {
			r = &row{}
			byKind[kind] = r
		}
		r.pairs++
		if ov.Rejected {
			r.rejected++
		}
		if ov.Rejected == pv.Rejected {
			r.agree++
			continue
		}
		t.Errorf("%s (%s at %s): API server rejected=%v, podlint rejected=%v\n  api: %v\n  podlint: %v",
			p.Name, p.Mutation, p.Field, ov.Rejected, pv.Rejected, ov.Errors, pv.Errors)
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(os.Stdout, "%-22s %7s %9s %7s %8s\n", "update pairs", "pairs", "rejected", "agree", "verdict")
	var total row
	for _, k := range kinds {
		r := byKind[k]
		total.pairs, total.rejected, total.agree = total.pairs+r.pairs, total.rejected+r.rejected, total.agree+r.agree
		fmt.Fprintf(os.Stdout, "%-22s %7d %9d %7d %8s\n", k, r.pairs, r.rejected, r.agree, pct(r.agree, r.pairs))
	}
	fmt.Fprintf(os.Stdout, "%-22s %7d %9d %7d %8s\n", "total", total.pairs, total.rejected, total.agree, pct(total.agree, total.pairs))
	if total.pairs < 1500 && os.Getenv("PARITY_UPDATE_PODS") == "" {
		t.Errorf("only %d pairs generated; the floor is 1,000 Pod and 500 workload pairs", total.pairs)
	}
}
