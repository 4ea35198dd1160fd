package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

func print(t *testing.T, p report.Printer, fs ...lint.Finding) string {
	t.Helper()
	res := &lint.Result{Findings: fs}
	var b bytes.Buffer
	if err := p.Print(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestGitHubEscaping: the Actions runner splits properties at "," and the
// command at "::", and reads %0A as a newline; a file name or message holding
// them must not break the annotation.
func TestGitHubEscaping(t *testing.T) {
	f := lint.Finding{Rule: "restart-policy", Severity: lint.SeverityWarning, Field: "spec.restartPolicy",
		Message: "100% wrong: see\nhere", Position: lint.Position{File: "k8s/a,b:c.yaml", Line: 3, Column: 0}}
	got := print(t, &report.GitHub{NoSummary: true}, f)
	want := "::warning file=k8s/a%2Cb%3Ac.yaml,line=3,col=1,title=restart-policy::spec.restartPolicy: 100%25 wrong: see%0Ahere\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	stdin := lint.Finding{Rule: "bare-pod", Severity: lint.SeverityInfo, Message: "m", Position: lint.Position{File: "-", Line: 7, Column: 2}}
	if got := print(t, &report.GitHub{NoSummary: true}, stdin); got != "::notice title=bare-pod::stdin:7:2: m\n" {
		t.Errorf("stdin finding: %q", got)
	}
}

// TestShowSourceCaret: the caret sits under the column however the line is
// indented; tabs in the line are copied so a terminal expands both alike.
func TestShowSourceCaret(t *testing.T) {
	f := lint.Finding{Rule: "r", Severity: lint.SeverityError, Message: "m",
		Position: lint.Position{File: "a.yaml", Line: 12, Column: 16}, Source: "  args: [\"\t\", \"é\", x]"}
	got := print(t, &report.Text{Options: report.TextOptions{ShowSource: true, NoSummary: true}}, f)
	lines := strings.Split(got, "\n")
	if len(lines) < 3 {
		t.Fatalf("output %q", got)
	}
	if lines[1] != "  12 |   args: [\"\t\", \"é\", x]" {
		t.Errorf("source line %q", lines[1])
	}
	// Column 16 is the "é" (columns count characters, not bytes): 15 before it, one a tab.
	if want := "     |           \t    ^"; lines[2] != want {
		t.Errorf("caret line %q, want %q", lines[2], want)
	}
	// No source, no source block.
	f.Source = ""
	if got := print(t, &report.Text{Options: report.TextOptions{ShowSource: true, NoSummary: true}}, f); strings.Contains(got, "|") {
		t.Errorf("finding without source printed a source block: %q", got)
	}
}

// TestObjectLocatedFindings: a finding from a cluster (podlint audit) has no
// file; every printer names its object instead, and JUnit groups by namespace.
func TestObjectLocatedFindings(t *testing.T) {
	f := lint.Finding{Rule: "bare-pod", Severity: lint.SeverityWarning, Field: "metadata.ownerReferences", Message: "m",
		Object: lint.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "team-a", Name: "web"}}
	res := &lint.Result{Findings: []lint.Finding{f}, Summary: lint.Summary{Objects: 1, Warnings: 1},
		Objects: []lint.CheckedObject{{Object: f.Object}}}
	out := func(p report.Printer) string {
		var b bytes.Buffer
		if err := p.Print(&b, res); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got, want := out(&report.Text{}), "Pod/team-a/web: warning: metadata.ownerReferences: m (bare-pod)\n0 errors, 1 warning, 0 infos (1 object checked)\n"; got != want {
		t.Errorf("text:\n got %q\nwant %q", got, want)
	}
	if got, want := out(&report.GitHub{NoSummary: true}), "::warning title=bare-pod::Pod/team-a/web: metadata.ownerReferences: m\n"; got != want {
		t.Errorf("github:\n got %q\nwant %q", got, want)
	}
	if got := out(report.JUnit{}); !strings.Contains(got, `<testsuite name="namespace/team-a"`) || !strings.Contains(got, `Pod/team-a/web: warning: metadata.ownerReferences: m (bare-pod)`) {
		t.Errorf("junit: no namespace suite or object in:\n%s", got)
	}
}
