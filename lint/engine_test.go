package lint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/podlint/podlint/lint"
)

// everyContainer reports each app container's image, so tests can see which
// objects were checked and where paths point.
var everyContainer = &lint.Rule{
	ID: "test-every-container", Category: lint.CategoryPractice, Severity: lint.SeverityInfo,
	Title: "test", Remediation: "Nothing.",
	Check: func(p *lint.Pass) {
		for i, c := range p.Object.PodSpec.Containers {
			p.Report(p.Object.PodSpecPath.Child("containers").Index(i).Child("image"), "", c.Image, "image "+c.Image, "")
		}
	},
}

var panicky = &lint.Rule{
	ID: "test-panic", Category: lint.CategoryPractice, Severity: lint.SeverityInfo, Title: "test",
	Check: func(p *lint.Pass) {
		if p.Object.Ref.Name == "boom" {
			var m map[string]int
			m["x"] = 1
		}
	},
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, rules []*lint.Rule, paths []string, stdin string) *lint.Result {
	t.Helper()
	return lint.NewEngine(rules, lint.Options{}).Run(context.Background(), lint.Sources(paths, strings.NewReader(stdin)))
}

const twoPods = `---
# Source: chart/templates/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: team
spec:
  containers:
    - name: a
      image: img-a
---
# Source: chart/templates/empty.yaml
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: d
    spec:
      selector: {matchLabels: {app: d}}
      template:
        metadata: {labels: {app: d}}
        spec:
          containers:
            - name: d
              image: img-d
`

func TestRunPositionsDocumentsAndCounts(t *testing.T) {
	res := run(t, []*lint.Rule{everyContainer}, []string{"-"}, twoPods)
	if len(res.Findings) != 2 {
		t.Fatalf("got %d findings: %+v", len(res.Findings), res.Findings)
	}
	a, d := res.Findings[0], res.Findings[1]
	if a.Position != (lint.Position{File: "-", Line: 11, Column: 7}) || a.Document != 1 || a.Field != "spec.containers[0].image" ||
		a.Object != (lint.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "team", Name: "a"}) {
		t.Errorf("pod finding: %+v", a)
	}
	if d.Position.Line != 34 || d.Document != 4 || d.Field != "items[0].spec.template.spec.containers[0].image" || d.Object.Kind != "Deployment" {
		t.Errorf("list item finding: %+v", d)
	}
	want := lint.Summary{Files: 1, Objects: 2, Skipped: 1, Empty: 1, Infos: 2}
	if res.Summary != want {
		t.Errorf("summary %+v, want %+v", res.Summary, want)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Object.Kind != "ConfigMap" || res.Skipped[0].Position.Line != 15 {
		t.Errorf("skipped: %+v", res.Skipped)
	}
}

func TestRunKeepsGoingAfterBadDocumentsAndFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a-bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n---\n- a list\n---\nname: no-kind\n---\n"+strings.TrimPrefix(twoPods, "---\n"))
	write(t, dir, "b.json", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {"containers": [{"name": "c", "image": "img-j"}]}}`)
	write(t, dir, "notes.txt", "not yaml: [")
	write(t, dir, ".hidden/c.yaml", "apiVersion: v1\nkind: Pod\n")
	res := run(t, []*lint.Rule{everyContainer}, []string{dir, filepath.Join(dir, "missing.yaml")}, "")
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s doc%d %s", filepath.Base(f.Position.File), f.Position.Line, f.Rule, f.Document, f.Field))
	}
	want := []string{
		"a-bad.yaml:3 yaml-syntax doc1 ",
		"a-bad.yaml:5 missing-kind doc2 ",
		"a-bad.yaml:7 missing-kind doc3 ",
		"a-bad.yaml:18 test-every-container doc4 spec.containers[0].image",
		"a-bad.yaml:41 test-every-container doc7 items[0].spec.template.spec.containers[0].image",
		"b.json:1 test-every-container doc1 spec.containers[0].image",
		"missing.yaml:0 file-unreadable doc0 ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.InputErrors() != 4 || res.Summary.Files != 3 || res.Summary.Objects != 3 {
		t.Errorf("input errors %d, summary %+v", res.InputErrors(), res.Summary)
	}
}

func TestRunAPIVersionOfKnownKinds(t *testing.T) {
	res := run(t, nil, []string{"-"}, `apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old}
spec:
  rollbackTo: {revision: 1}
  template:
    spec:
      containers: [{name: a, image: b}]
---
apiVersion: apps/v1
kind: Pod
metadata: {name: p}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: custom}
`)
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%d %s %s %s", f.Position.Line, f.Rule, f.Field, f.TypeString()))
	}
	want := "1 api-version apiVersion NotSupported\n10 api-version apiVersion NotSupported"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if !strings.Contains(res.Findings[0].Message, "removed in Kubernetes 1.16") || !strings.Contains(res.Findings[1].Message, "served under v1") {
		t.Errorf("messages: %q / %q", res.Findings[0].Message, res.Findings[1].Message)
	}
	if res.Summary.Skipped != 1 || res.Summary.Objects != 2 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func TestRunReportsRulePanicsAsInternalErrors(t *testing.T) {
	res := run(t, []*lint.Rule{panicky, everyContainer}, []string{"-"}, `apiVersion: v1
kind: Pod
metadata: {name: boom}
spec:
  containers: [{name: a, image: b}]
`)
	if len(res.Internal) != 1 || !strings.Contains(res.Internal[0].Error(), "test-panic") {
		t.Fatalf("internal: %v", res.Internal)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("other rules must still run: %+v", res.Findings)
	}
}

func TestRunFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "big.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"+strings.Repeat("# padding\n", 200))
	res := lint.NewEngine(nil, lint.Options{MaxFileBytes: 100}).Run(context.Background(), lint.Sources([]string{path}, nil))
	if res.InputErrors() != 1 || res.Findings[0].Rule != "input-limit" || !strings.Contains(res.Findings[0].Message, "100 bytes") {
		t.Fatalf("findings: %+v", res.Findings)
	}
	if res.Summary.Objects != 1 {
		t.Errorf("the document before the limit must still be checked: %+v", res.Summary)
	}
}

func TestEngineConcurrentUse(t *testing.T) {
	e := lint.NewEngine([]*lint.Rule{everyContainer}, lint.Options{Workers: 4})
	var docs strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  containers: [{name: a, image: img%d}]\n", i, i)
	}
	done := make(chan *lint.Result)
	for g := 0; g < 4; g++ {
		go func() {
			done <- e.Run(context.Background(), lint.Sources([]string{"-"}, strings.NewReader(docs.String())))
		}()
	}
	for g := 0; g < 4; g++ {
		res := <-done
		if len(res.Findings) != 200 {
			t.Fatalf("got %d findings", len(res.Findings))
		}
		for i, f := range res.Findings {
			if f.BadValue != fmt.Sprintf("img%d", i) || f.Document != i+1 {
				t.Fatalf("finding %d out of order: %+v", i, f)
			}
		}
	}
}

func TestReleaseTable(t *testing.T) {
	for _, v := range []string{"1.35", "v1.36", "1.37.2"} {
		r, err := lint.ParseRelease(v)
		if err != nil || !r.Enabled(lint.GateContainerRestartRules) || r.Enabled(lint.GateContainerStopSignals) {
			t.Errorf("%s: %v %+v", v, err, r)
		}
	}
	if _, err := lint.ParseRelease("1.30"); err == nil || !strings.Contains(err.Error(), "1.35, 1.36, 1.37") {
		t.Errorf("want an error listing the supported releases, got %v", err)
	}
}

// TestObjectInputAndReportFinding checks what rules outside the engine (the Rego
// adapter) rely on: Input is the item as written, Memo computes once per object,
// and ReportFinding keeps a finding's own severity and position.
func TestObjectInputAndReportFinding(t *testing.T) {
	var memoCalls atomic.Int32 // documents are checked on several goroutines
	type memoKey struct{}
	r := &lint.Rule{
		ID: "test-input", Category: lint.CategoryPractice, Severity: lint.SeverityError, Title: "test", Remediation: "Default hint.",
		Check: func(p *lint.Pass) {
			in, err := p.Object.Input()
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 2; i++ {
				p.Object.Memo(memoKey{}, func() any { memoCalls.Add(1); return nil })
			}
			kind, _ := in["kind"].(string)
			if pos := p.Object.Position; pos.File != "-" || (pos.Line != 3 && pos.Line != 23) {
				t.Errorf("%s: object position %+v", kind, pos)
			}
			p.ReportFinding(lint.Finding{Severity: lint.SeverityWarning, Field: p.Object.Path("metadata", "name").String(), Message: "kind " + kind})
			p.ReportFinding(lint.Finding{Rule: "other-id", Message: "at the policy", Position: lint.Position{File: "policy.rego", Line: 7, Column: 3}})
		},
	}
	res := run(t, []*lint.Rule{r}, []string{"-"}, twoPods)
	if n := memoCalls.Load(); n != 2 {
		t.Errorf("Memo computed %d times for 2 objects", n)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s:%d:%d %s %q %s", f.Rule, f.Severity, f.Field, f.Position.File, f.Position.Line, f.Position.Column, f.Object.Name, f.Message, f.Hint))
	}
	want := []string{
		`test-input warning metadata.name -:6:3 a "kind Pod" Default hint.`,
		`other-id error  policy.rego:7:3 a "at the policy" Default hint.`,
		// Within a document findings sort by line, whatever their file.
		`other-id error  policy.rego:7:3 d "at the policy" Default hint.`,
		`test-input warning items[0].metadata.name -:26:7 d "kind Deployment" Default hint.`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A repeated key in YAML is what kubectl silently resolves (the last value wins),
// in a JSON body as written it is what the API server's strict decoding rejects.
func TestDuplicateKeys(t *testing.T) {
	dir := t.TempDir()
	yamlDoc := write(t, dir, "pod.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      image: nginx:1.27
`)
	jsonDoc := write(t, dir, "pod.json", `{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "web"},
 "spec": {"containers": [{"name": "web",
   "image": "nginx:1.25",
   "image": "nginx:1.27"}]}}
`)
	var seen *lint.Object
	probe := &lint.Rule{ID: "probe", Category: lint.CategoryPractice, Severity: lint.SeverityInfo,
		Check: func(p *lint.Pass) { seen = p.Object }}
	res := run(t, []*lint.Rule{probe}, []string{yamlDoc}, "")
	if len(res.Findings) != 1 {
		t.Fatalf("YAML: want one finding, got %+v", res.Findings)
	}
	f := res.Findings[0]
	if f.Rule != "duplicate-key" || f.Category != lint.CategoryLifecycle || f.Severity != lint.SeverityWarning ||
		f.Field != "spec.containers[0].image" || f.Position.Line != 8 || f.Position.Column != 7 || !strings.Contains(f.Message, "line 9") {
		t.Errorf("YAML: got %s %s %s %s at %d:%d: %s", f.Rule, f.Category, f.Severity, f.Field, f.Position.Line, f.Position.Column, f.Message)
	}
	if seen == nil || seen.PodSpec.Containers[0].Image != "nginx:1.27" {
		t.Errorf("YAML: rules must see the kept (last) value, got %+v", seen)
	}
	res = run(t, nil, []string{jsonDoc}, "")
	if len(res.Findings) != 1 {
		t.Fatalf("JSON: want one finding, got %+v", res.Findings)
	}
	f = res.Findings[0]
	if f.Rule != "duplicate-field" || f.Category != lint.CategoryAPI || f.Severity != lint.SeverityError ||
		f.Field != "spec.containers[0].image" || f.Position.Line != 4 || !strings.Contains(f.Message, "line 5") {
		t.Errorf("JSON: got %s %s %s %s at %d:%d: %s", f.Rule, f.Category, f.Severity, f.Field, f.Position.Line, f.Position.Column, f.Message)
	}
}
