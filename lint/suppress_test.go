package lint_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// A bare Pod with a bad restartPolicy: bare-pod (info) at metadata, restart-policy
// (error) at spec.restartPolicy, line 9.
const suppressPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    podlint.io/ignore: "%s"
spec:
  %s
  restartPolicy: %s
  containers:
    - name: web
      image: nginx:1.27
`

func check(t *testing.T, opts lint.Options, src string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	path := write(t, dir, "pod.yaml", src)
	return lint.NewEngine(rules.All(), opts).Run(context.Background(), lint.Sources([]string{path}, nil))
}

func rulesOf(fs []lint.Finding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, fmt.Sprintf("%s@%d", f.Rule, f.Position.Line))
	}
	return strings.Join(ids, " ")
}

func TestSuppressions(t *testing.T) {
	cases := []struct {
		name       string
		annotation string
		above      string // a line before restartPolicy
		policy     string // restartPolicy's value and any trailing comment
		want       string // remaining findings as rule@line
		suppressed int
	}{
		{name: "none", annotation: "", above: "# nothing", policy: "Onfailure",
			want: "bare-pod@3 unused-suppression@6 restart-policy@9"},
		{name: "annotation hides the whole object", annotation: "bare-pod,restart-policy # legacy pod, tracked in JIRA-1", above: "# nothing", policy: "Onfailure",
			want: "", suppressed: 2},
		{name: "comment on the line", annotation: "bare-pod", policy: "Onfailure # podlint:ignore restart-policy migrating",
			want: "", suppressed: 2},
		{name: "comment on the line above", annotation: "bare-pod", above: "# podlint:ignore restart-policy", policy: "Onfailure",
			want: "", suppressed: 2},
		{name: "comment two lines above does not reach", annotation: "bare-pod", above: "# podlint:ignore restart-policy\n  terminationGracePeriodSeconds: 30", policy: "Onfailure",
			want: "unused-suppression@8 restart-policy@10", suppressed: 1},
		{name: "unused comment and unused annotation entry", annotation: "bare-pod,restart-policy", above: "# podlint:ignore restart-policy", policy: "Never",
			want: "unused-suppression@6 unused-suppression@8", suppressed: 1},
		{name: "unknown rule", annotation: "bare-pod,restart-polcy", above: "# x", policy: "Never",
			want: "unused-suppression@6", suppressed: 1},
		{name: "marker inside a string is not a comment", annotation: "bare-pod", above: `hostname: "x # podlint:ignore restart-policy"`, policy: "Onfailure",
			// The hostname itself is invalid (pod-spec-fields); what matters is that
			// restart-policy is still reported.
			want: "pod-spec-fields@8 restart-policy@9", suppressed: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := check(t, lint.Options{}, fmt.Sprintf(suppressPod, c.annotation, c.above, c.policy))
			if got := rulesOf(res.Findings); got != c.want {
				t.Errorf("findings %q, want %q", got, c.want)
			}
			if len(res.Suppressed) != c.suppressed || res.Summary.Suppressed != c.suppressed {
				t.Errorf("suppressed %d (summary %d), want %d", len(res.Suppressed), res.Summary.Suppressed, c.suppressed)
			}
			n := res.Summary.Errors + res.Summary.Warnings + res.Summary.Infos
			if n != len(res.Findings) {
				t.Errorf("summary counts %d findings, result has %d: suppressed findings must not count", n, len(res.Findings))
			}
		})
	}
}

func TestSuppressionDetails(t *testing.T) {
	res := check(t, lint.Options{}, fmt.Sprintf(suppressPod, "bare-pod # legacy, tracked in JIRA-1", "", "Onfailure  # podlint:ignore restart-policy,bare-pod migrating"))
	if len(res.Suppressed) != 2 {
		t.Fatalf("suppressed %v", res.Suppressed)
	}
	sort.Slice(res.Suppressed, func(i, j int) bool { return res.Suppressed[i].Rule < res.Suppressed[j].Rule })
	if s := res.Suppressed[0]; s.Rule != "bare-pod" || s.Via != "annotation" || s.Reason != "legacy, tracked in JIRA-1" {
		t.Errorf("annotation suppression: %+v", s)
	}
	if s := res.Suppressed[1]; s.Rule != "restart-policy" || s.Via != "comment" || s.Reason != "migrating" {
		t.Errorf("comment suppression: %+v", s)
	}
	// bare-pod is named twice; the comment's copy covers line 9, where no bare-pod finding is.
	if len(res.Findings) != 1 || res.Findings[0].Rule != "unused-suppression" || res.Findings[0].BadValue != "bare-pod" ||
		res.Findings[0].Position.Line != 9 || res.Findings[0].Position.Column != 29 || res.Findings[0].Object.Name != "web" {
		t.Errorf("findings %+v", res.Findings)
	}

	res = check(t, lint.Options{}, fmt.Sprintf(suppressPod, "restart-polcy", "", "Never"))
	var hint string
	for _, f := range res.Findings {
		if f.Rule == "unused-suppression" {
			hint = f.Hint
		}
	}
	if !strings.Contains(hint, `"restart-policy"`) {
		t.Errorf("unknown rule hint %q, want a suggestion", hint)
	}
}

func TestConfigOptions(t *testing.T) {
	src := fmt.Sprintf(suppressPod, "restart-policy", "", "Never")
	res := check(t, lint.Options{Disabled: map[string]bool{"restart-policy": true}, Severity: map[string]lint.Severity{"bare-pod": lint.SeverityError}}, src)
	// restart-policy is disabled, so its suppression cannot be judged and is not reported.
	if got := rulesOf(res.Findings); got != "bare-pod@3" || res.Findings[0].Severity != lint.SeverityError || res.Summary.Errors != 1 {
		t.Errorf("findings %q %+v", got, res.Summary)
	}
	if res.Findings[0].Source != "metadata:" {
		t.Errorf("source line %q", res.Findings[0].Source)
	}
}

func TestSourceLineBounded(t *testing.T) {
	long := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"pad": "` + strings.Repeat("x", lint.MaxSourceLineBytes) + `"}}, "spec": {"restartPolicy": "Onfailure", "containers": [{"name": "c", "image": "i"}]}}`
	res := check(t, lint.Options{}, long)
	if len(res.Findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range res.Findings {
		if f.Source != "" {
			t.Errorf("%s kept a %d-byte source line", f.Rule, len(f.Source))
		}
	}
}
