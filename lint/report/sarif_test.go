package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
	"github.com/podlint/podlint/rules"
)

const schemaFile = "../../testdata/sarif/sarif-schema-2.1.0.json"

// runExamples checks the example manifests, a file with suppressions, and the
// same Pod on stdin, so that the output holds file findings, suppressed findings,
// findings without a file, and a file that cannot be parsed.
func runExamples(t *testing.T) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy\n  annotations:\n    podlint.io/ignore: bare-pod # owned by a script\nspec:\n  restartPolicy: Onfailure # podlint:ignore restart-policy\n  containers:\n    - name: c\n      image: busybox:1.37\n      imagePulPolicy: Always\n"
	if err := os.WriteFile(filepath.Join(dir, "legacy.yaml"), []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{"../../testdata/examples", filepath.Join(dir, "legacy.yaml"), filepath.Join(dir, "broken.yaml"), "-"}
	return lint.NewEngine(rules.All(), lint.Options{}).Run(context.Background(), lint.Sources(paths, strings.NewReader(pod)))
}

// TestSARIFValidatesAgainstSchema checks the output against the official SARIF
// 2.1.0 schema (testdata/sarif/README.md says where it comes from), with format
// assertions on, and checks the properties code scanning relies on.
func TestSARIFValidatesAgainstSchema(t *testing.T) {
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(report.SARIFSchema, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(report.SARIFSchema)
	if err != nil {
		t.Fatal(err)
	}

	res := runExamples(t)
	if len(res.Suppressed) != 4 { // two in the file, two on stdin
		t.Fatalf("fixture should suppress 4 findings, got %d", len(res.Suppressed))
	}
	var buf bytes.Buffer
	if err := (&report.SARIF{Rules: rules.All(), Version: "v1.2.3"}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("SARIF output does not validate:\n%v\n%s", err, buf.String())
	}

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
						Help    struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
				Suppressions []struct {
					Kind          string `json:"kind"`
					Justification string `json:"justification"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(rules.All()) {
		t.Errorf("%d rules in tool.driver.rules, want all %d", len(run.Tool.Driver.Rules), len(rules.All()))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.HelpURI != report.RuleHelpURI+r.ID || r.Help.Text == "" {
			t.Errorf("rule %s: helpUri %q, help %q", r.ID, r.HelpURI, r.Help.Text)
		}
	}
	if len(run.Results) != len(res.Findings)+len(res.Suppressed) {
		t.Errorf("%d results for %d findings and %d suppressed", len(run.Results), len(res.Findings), len(res.Suppressed))
	}
	var stdinOnlyLogical, suppressed, broken int
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s: ruleIndex %d names %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		if len(r.Suppressions) > 0 {
			suppressed++
		}
		for _, l := range r.Locations {
			if p := l.PhysicalLocation; p != nil {
				if p.Region.StartLine < 1 || p.Region.StartColumn < 1 {
					t.Errorf("result %s in %s: region %+v", r.RuleID, p.ArtifactLocation.URI, p.Region)
				}
				if strings.HasSuffix(p.ArtifactLocation.URI, "broken.yaml") {
					broken++
				}
			} else if len(l.LogicalLocations) > 0 {
				stdinOnlyLogical++
			}
		}
	}
	if suppressed != 4 {
		t.Errorf("%d results carry suppressions, want 4", suppressed)
	}
	if broken != 1 {
		t.Errorf("the unparsable file should have one result with a region, got %d", broken)
	}
	// stdin: the same Pod as legacy.yaml: unknown-field and the two suppressed findings.
	if stdinOnlyLogical != 3 {
		t.Errorf("%d results with only a logical location, want 3 (stdin)", stdinOnlyLogical)
	}

	// The validator must be able to fail: a level SARIF does not define.
	bad := bytes.Replace(buf.Bytes(), []byte(`"level": "note"`), []byte(`"level": "info"`), 1)
	if inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad)); err != nil || schema.Validate(inst) == nil {
		t.Errorf("a result with level \"info\" validated (%v); the schema is not applied", err)
	}
}

// TestSARIFFixes checks that findings' fixes appear as SARIF fixes that validate
// against the schema, and that applying their replacements (by byte region) to
// the file gives the same text as applying the finding's edits; the line and
// column range must name the same bytes.
func TestSARIFFixes(t *testing.T) {
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(report.SARIFSchema, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(report.SARIFSchema)
	if err != nil {
		t.Fatal(err)
	}
	src := "\ufeffapiVersion: apps/v1\r\nkind: Deployment\r\nname: web # é\r\nmetadata:\r\n  labels: {app: web}\r\nspec:\r\n  selector: {matchLabels: {app: web}}\r\n  template:\r\n    metadata: {labels: {app: web}}\r\n    spec:\r\n      restartPolicy: Onfalure\r\n      containers:\r\n      - name: a\r\n        image: nginx:1.27 # ☃\r\n        imagePulPolicy: Always\r\n"
	path := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res := lint.NewEngine(rules.All(), lint.Options{}).Run(context.Background(), lint.Sources([]string{path}, nil))
	var buf bytes.Buffer
	if err := (&report.SARIF{Rules: rules.All()}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("SARIF with fixes does not validate:\n%v\n%s", err, buf.String())
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Fixes  []struct {
					Description     struct{ Text string } `json:"description"`
					ArtifactChanges []struct {
						Replacements []struct {
							DeletedRegion struct {
								StartLine, StartColumn, EndLine, EndColumn, ByteOffset, ByteLength int
							} `json:"deletedRegion"`
							InsertedContent *struct{ Text string } `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(src, "\n")
	byLineCol := func(line, col int) int {
		off := 0
		for _, l := range lines[:line-1] {
			off += len(l)
		}
		l := lines[line-1]
		if line == 1 {
			l, off = strings.TrimPrefix(l, "\ufeff"), off+len("\ufeff")
		}
		return off + len(string([]rune(l)[:col-1]))
	}
	fixed := map[string]bool{}
	for _, r := range log.Runs[0].Results {
		for _, fx := range r.Fixes {
			if fx.Description.Text == "" {
				t.Errorf("%s: fix without a description", r.RuleID)
			}
			fixed[r.RuleID] = true
			for _, ch := range fx.ArtifactChanges {
				for _, rep := range ch.Replacements {
					d := rep.DeletedRegion
					if s, e := byLineCol(d.StartLine, d.StartColumn), byLineCol(d.EndLine, d.EndColumn); s != d.ByteOffset || e-s != d.ByteLength {
						t.Errorf("%s: region %+v names bytes [%d,%d)", r.RuleID, d, s, e)
					}
				}
			}
		}
	}
	for _, id := range []string{"unknown-field", "restart-policy"} {
		if !fixed[id] {
			t.Errorf("no SARIF fix for %s:\n%s", id, buf.String())
		}
	}
}
