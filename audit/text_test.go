package audit

import (
	"bytes"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

// TestTextGroupsByNamespace: a heading per namespace with findings, in the
// result's order, lines naming the object; clean namespaces only with Verbose.
func TestTextGroupsByNamespace(t *testing.T) {
	obj := func(ns, name string) lint.ObjectRef {
		return lint.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name}
	}
	res := &lint.Result{
		Objects: []lint.CheckedObject{{Object: obj("a", "x")}, {Object: obj("a", "y")}, {Object: obj("b", "z")}, {Object: obj("c", "w")}},
		Findings: []lint.Finding{
			{Rule: "r1", Severity: lint.SeverityWarning, Field: "spec.f", Message: "m1", Object: obj("a", "x")},
			{Rule: "r2", Severity: lint.SeverityError, Field: "spec.g", Message: "m2", Object: obj("c", "w")},
		},
		Summary: lint.Summary{Objects: 4, Errors: 1, Warnings: 1},
	}
	var b bytes.Buffer
	if err := (&Text{}).Print(&b, res); err != nil {
		t.Fatal(err)
	}
	want := `namespace a: 1 finding in 2 objects
Deployment/a/x: warning: spec.f: m1 (r1)
namespace c: 1 finding in 1 object
Deployment/c/w: error: spec.g: m2 (r2)
1 error, 1 warning, 0 infos (4 objects checked)
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := (&Text{Options: report.TextOptions{Verbose: true}}).Print(&b, res); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("namespace b: no findings in 1 object\n")) {
		t.Errorf("verbose output names no clean namespace b:\n%s", b.String())
	}
}
