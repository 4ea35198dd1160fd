package app

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSARIFDescribesPolicies: a Rego policy's rules[] entry in SARIF carries its
// METADATA (title, description, remediation), not its ID, and no helpUri into
// rules/README.md, which does not document it; printers are built after the
// policies load.
func TestSARIFDescribesPolicies(t *testing.T) {
	out, stderr, code := runCLI(t, cliCase{args: []string{"check", "--policy", "testdata/policy/team", "-f", "sarif", "testdata/policy/manifests.yaml"}})
	if code > 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string                `json:"id"`
						ShortDescription struct{ Text string } `json:"shortDescription"`
						FullDescription  struct{ Text string } `json:"fullDescription"`
						Help             struct{ Text string } `json:"help"`
						HelpURI          string                `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		switch r.ID {
		case "team-annotation":
			found = true
			if r.ShortDescription.Text != "Objects name their owning team" ||
				!strings.HasPrefix(r.FullDescription.Text, "The on-call rota") ||
				!strings.HasSuffix(r.Help.Text, "Fix: Set the annotation example.com/team to the owning team's name.") ||
				r.HelpURI != "" {
				t.Errorf("policy rule entry: %+v", r)
			}
		case "policy-error":
			if !strings.HasSuffix(r.HelpURI, "README.md#organisation-policies-rego") {
				t.Errorf("policy-error helpUri %q", r.HelpURI)
			}
		}
	}
	if !found {
		t.Error("no rules[] entry for the team-annotation policy")
	}
}
