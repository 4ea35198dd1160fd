package rego_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/rules/rego"
)

const examples = "../../examples/policies"

// writePolicies writes files (name to content) into a new directory.
func writePolicies(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, opts rego.Options, dirs ...string) *rego.Set {
	t.Helper()
	set, err := rego.Load(context.Background(), dirs, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return set
}

// check runs the policies alone over manifest (read as stdin "-").
func check(t *testing.T, set *rego.Set, manifest string, workers int) *lint.Result {
	t.Helper()
	e := lint.NewEngine(set.Rules(), lint.Options{Workers: workers})
	return e.Run(context.Background(), lint.Sources([]string{"-"}, strings.NewReader(manifest)))
}

// lines renders findings as "line:col severity field (rule): message".
func lines(res *lint.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s:%d:%d %s %s (%s): %s", f.Position.File, f.Position.Line, f.Position.Column, f.Severity, f.Field, f.Rule, f.Message))
	}
	return out
}

func TestLoadExamplesMetadata(t *testing.T) {
	set := load(t, rego.Options{}, examples)
	type meta struct {
		ID, Title, Package string
		Category           lint.Category
		Severity           lint.Severity
		Remediation        bool
	}
	var got []meta
	for _, p := range set.Policies {
		got = append(got, meta{p.Rule.ID, p.Rule.Title, p.Package, p.Rule.Category, p.Rule.Severity, strings.HasSuffix(p.Rule.Remediation, ".")})
		if p.Rule.Doc == "" || p.Rule.Check == nil || !strings.HasSuffix(p.File, ".rego") || p.Line == 0 {
			t.Errorf("%s: doc, check or location missing: %+v", p.Rule.ID, p)
		}
	}
	want := []meta{
		{"allowed-registries", "Images come from the organisation's registries", "data.podlint.policies.allowed_registries", lint.CategoryPractice, lint.SeverityError, true},
		{"deployment-probes", "Deployments' app containers have readiness and liveness probes", "data.podlint.policies.deployment_probes", lint.CategoryLifecycle, lint.SeverityWarning, true},
		{"init-non-root", "Init containers run as a non-root user", "data.podlint.policies.init_non_root", lint.CategoryPractice, lint.SeverityError, true},
		{"no-latest-tag", "Images are pinned to a version tag or a digest", "data.podlint.policies.no_latest_tag", lint.CategoryPractice, lint.SeverityError, true},
		{"required-resources", "Containers declare CPU and memory requests and a memory limit", "data.podlint.policies.required_resources", lint.CategoryPractice, lint.SeverityWarning, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("policies:\n got %+v\nwant %+v", got, want)
	}
	if rs := set.Rules(); len(rs) != 6 || rs[0] != rego.RulePolicyError {
		t.Errorf("Rules() should list policy-error first, then the 5 policies: %d rules", len(rs))
	}
	if set.Lookup("no-latest-tag") == nil || set.Lookup("nope") != nil {
		t.Error("Lookup")
	}
}

func TestLoadSameFilesTwice(t *testing.T) {
	set := load(t, rego.Options{}, examples, examples+"/", "./"+examples+"/no_latest_tag.rego")
	if len(set.Policies) != 5 {
		t.Errorf("got %d policies, want 5", len(set.Policies))
	}
}

func TestDefaultMetadata(t *testing.T) {
	dir := writePolicies(t, map[string]string{"p.rego": `package org.team_labels

deny contains "every object needs a team label" if not input.metadata.labels.team
`})
	p := load(t, rego.Options{}, dir).Policies[0]
	r := p.Rule
	if r.ID != "team-labels" || r.Title != "team-labels" || r.Category != lint.CategoryPractice || r.Severity != lint.SeverityError {
		t.Errorf("defaults: %+v", r)
	}
}

// The five example policies, all kinds, both path forms and the List prefix.
const manifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true}
      initContainers:
        - name: migrate
          image: registry.example.com/web-migrate:2.0.1
      containers:
        - name: web
          image: registry.example.com/web
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
          readinessProbe: {httpGet: {path: /, port: 80}}
          livenessProbe: {httpGet: {path: /, port: 80}}
---
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: report
    spec:
      schedule: "0 * * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: Never
              initContainers:
                - name: fetch
                  image: ghcr.io/example/fetch:1.0
                  securityContext: {runAsUser: 0}
              containers:
                - name: report
                  image: docker.io/library/python:3.13
                  imagePullPolicy: Always
                  resources:
                    requests: {cpu: 1, memory: 1Gi}
`

func TestExamplePoliciesFindingsAndPositions(t *testing.T) {
	set := load(t, rego.Options{}, examples)
	got := lines(check(t, set, manifests, 2))
	want := []string{
		"-:16:11 error spec.template.spec.containers[0].image (no-latest-tag): app container \"web\" uses image \"registry.example.com/web\", which is (or defaults to) the mutable :latest tag",
		"-:40:37 error items[0].spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.runAsUser (init-non-root): init container \"fetch\" runs as root (runAsUser: 0)",
		"-:43:19 error items[0].spec.jobTemplate.spec.template.spec.containers[0].image (allowed-registries): app container \"report\" uses image \"docker.io/library/python:3.13\" from docker.io, which is not an allowed registry (ghcr.io/example, registry.example.com)",
		"-:44:19 warning items[0].spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy (no-latest-tag): app container \"report\" pulls its pinned image \"docker.io/library/python:3.13\" on every start (imagePullPolicy: Always)",
		// A missing field points at its nearest parent that exists: requests' sibling is absent, so resources.
		"-:45:19 warning items[0].spec.jobTemplate.spec.template.spec.containers[0].resources.limits[memory] (required-resources): app container \"report\" has no resources.limits.memory",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPathForms(t *testing.T) {
	dir := writePolicies(t, map[string]string{"paths.rego": `# METADATA
# title: Path forms
# custom:
#   id: path-forms
#   severity: info
package paths

deny contains {"msg": "array", "path": ["metadata", "annotations", "example.com/team"]}
deny contains {"msg": "string", "path": "metadata.annotations[example.com/team]"}
deny contains {"msg": "missing leaf points at its parent", "path": ["spec", "containers", 0, "resources", "limits"]}
deny contains {"msg": "labels render as map keys", "path": ["metadata", "labels", "app"]}
deny contains {"msg": "no path: the object"}
deny contains "plain string"
`})
	const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    app: p
  annotations:
    example.com/team: payments
spec:
  containers:
    - name: a
      image: x
`
	got := lines(check(t, load(t, rego.Options{}, dir), pod, 1))
	want := []string{
		// OPA orders a set's strings before its objects.
		"-:1:1 info  (path-forms): plain string",
		"-:1:1 info  (path-forms): no path: the object",
		"-:6:5 info metadata.labels[app] (path-forms): labels render as map keys",
		"-:8:5 info metadata.annotations[example.com/team] (path-forms): array",
		"-:8:5 info metadata.annotations[example.com/team] (path-forms): string",
		"-:11:7 info spec.containers[0].resources.limits (path-forms): missing leaf points at its parent",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWarnIsAtMostWarning(t *testing.T) {
	dir := writePolicies(t, map[string]string{"w.rego": `# METADATA
# custom:
#   severity: info
package sev.low

warn contains {"msg": "w"}
deny contains {"msg": "d"}
`, "w2.rego": `package sev.high

warn contains {"msg": "w"}
`})
	got := lines(check(t, load(t, rego.Options{}, dir), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n", 1))
	want := []string{
		"-:1:1 info  (low): d",
		"-:1:1 info  (low): w",
		"-:1:1 warning  (high): w",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConfigAndInputAsWritten(t *testing.T) {
	dir := writePolicies(t, map[string]string{"c.rego": `package cfg

deny contains {"msg": sprintf("judged as %s; typo kept: %v", [data.podlint.config.kubernetes_version, input.spec.containers[0].imagePulPolicy])}
`})
	rel, err := lint.ParseRelease("1.35")
	if err != nil {
		t.Fatal(err)
	}
	got := lines(check(t, load(t, rego.Options{Release: rel}, dir), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x, imagePulPolicy: Always}]}\n", 1))
	// The engine also reports the unknown field; the policy sees it as written.
	if len(got) != 2 || !strings.HasSuffix(got[0], "(cfg): judged as 1.35; typo kept: Always") {
		t.Errorf("findings: %q", got)
	}
}

// TestLoadErrors: every load error names the policy's file and line.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		opts  rego.Options
		want  string // file:line: and a fragment of the message
	}{
		{name: "syntax", files: map[string]string{"a.rego": "package a\n\ndeny contains x if {\n  x := \n}\n"}, want: "a.rego:5:"},
		{name: "type", files: map[string]string{"a.rego": "package a\n\ndeny contains {\"msg\": m} if {\n  m := concat(\",\", 1)\n}\n"}, want: "a.rego:4:8: rego_type_error"},
		{name: "unsafe var", files: map[string]string{"a.rego": "package a\n\ndeny contains m if {\n  m != 1\n}\n"}, want: "a.rego:4:3: rego_unsafe_var_error"},
		{name: "network builtin", files: map[string]string{"a.rego": "package a\n\ndeny contains r if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n"}, want: "a.rego:4:8: rego_type_error: undefined function http.send"},
		{name: "severity", files: map[string]string{"a.rego": "# METADATA\n# custom:\n#   severity: fatal\npackage a\n\ndeny contains \"x\"\n"}, want: "a.rego:1:1: METADATA custom.severity \"fatal\""},
		{name: "category", files: map[string]string{"a.rego": "# METADATA\n# custom:\n#   category: input\npackage a\n\ndeny contains \"x\"\n"}, want: "a.rego:1:1: METADATA custom.category \"input\""},
		{name: "id not kebab", files: map[string]string{"a.rego": "# METADATA\n# custom:\n#   id: No_Good\npackage a\n\ndeny contains \"x\"\n"}, want: "a.rego:1:1: METADATA custom.id \"No_Good\""},
		{name: "metadata yaml", files: map[string]string{"a.rego": "# METADATA\n# custom:\n#   remediation: Set x: y.\npackage a\n\ndeny contains \"x\"\n"}, want: "a.rego:3:1: rego_parse_error: yaml"},
		{name: "built-in id", files: map[string]string{"a.rego": "package restart_policy\n\ndeny contains \"x\"\n"}, opts: rego.Options{Reserved: []string{"restart-policy"}}, want: "a.rego:1:1: rule ID \"restart-policy\" is a built-in rule's"},
		{name: "duplicate id", files: map[string]string{"a.rego": "package x.dup\n\ndeny contains \"x\"\n", "b.rego": "package y.dup\n\ndeny contains \"x\"\n"}, want: "b.rego:1:1: rule ID \"dup\" is also data.x.dup's"},
		{name: "reserved package", files: map[string]string{"a.rego": "package podlint.lib\n\nx := 1\n"}, want: "a.rego:1:1: package data.podlint.lib"},
		{name: "no deny or warn", files: map[string]string{"a.rego": "package a\n\nviolation contains \"x\"\n"}, want: "no package defines deny or warn rules"},
		{name: "empty dir", files: map[string]string{"a_test.rego": "package a\n"}, want: "no .rego policy files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePolicies(t, c.files)
			_, err := rego.Load(context.Background(), []string{dir}, c.opts)
			var es rego.Errors
			if !errors.As(err, &es) {
				t.Fatalf("want rego.Errors, got %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not contain %q", msg, c.want)
			}
		})
	}
	if _, err := rego.Load(context.Background(), []string{"no/such/dir"}, rego.Options{}); err == nil || !strings.Contains(err.Error(), "no/such/dir: cannot stat") {
		t.Errorf("missing directory: %v", err)
	}
}

// TestEvaluationErrors: a policy failing on an object is a policy-error finding
// (category input) at the policy's file and line, and other policies still run.
func TestEvaluationErrors(t *testing.T) {
	dir := writePolicies(t, map[string]string{
		"shape.rego":   "package shape\n\ndeny contains 42 if true\n",
		"path.rego":    "package path\n\ndeny contains {\"msg\": \"m\", \"path\": [\"spec\", true]} if true\n",
		"nomsg.rego":   "package nomsg\n\ndeny contains {\"message\": \"m\"} if true\n",
		"notset.rego":  "package notset\n\ndeny := \"a string\"\n",
		"runtime.rego": "package runtime\n\nf(x) := 1\nf(x) := 2\n\ndeny contains {\"msg\": sprintf(\"%v\", [f(1)])} if true\n",
		"slow.rego":    "package slow\n\ndeny contains {\"msg\": \"never\"} if {\n  some i in numbers.range(1, 100000)\n  some j in numbers.range(1, 100000)\n  i * j < 0\n}\n",
		"fine.rego":    "package fine\n\ndeny contains {\"msg\": \"still checked\"} if true\n",
	})
	set := load(t, rego.Options{Timeout: 50 * time.Millisecond}, dir)
	res := check(t, set, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n", 1)
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Rule != rego.RulePolicyError.ID {
			got[f.Rule] = f.Message
			continue
		}
		if f.Category != lint.CategoryInput || f.Severity != lint.SeverityError || f.Object.Name != "p" {
			t.Errorf("policy error finding: %+v", f)
		}
		got[filepath.Base(f.Position.File)+fmt.Sprintf(":%d", f.Position.Line)] = f.Message
	}
	want := map[string]string{
		"shape.rego:3":   "deny returned a number (42)",
		"path.rego:3":    "path[1] is a boolean",
		"nomsg.rego:3":   `want "msg" as a string`,
		"notset.rego:3":  "deny must be a set",
		"runtime.rego:4": "eval_conflict_error",
		"slow.rego:3":    "deny ran past the 50ms time limit",
		"fine":           "still checked",
	}
	for k, frag := range want {
		if !strings.Contains(got[k], frag) {
			t.Errorf("%s: message %q does not contain %q (all: %q)", k, got[k], frag, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d: %q", len(got), len(want), got)
	}
	if res.InputErrors() != 6 {
		t.Errorf("InputErrors() = %d, want 6 (exit 2)", res.InputErrors())
	}
}

// TestConcurrentEvaluation runs the example policies with the built-in rules on
// many objects across workers (run with -race): results match a serial run.
func TestConcurrentEvaluation(t *testing.T) {
	// A generous limit: under -race on a loaded machine a time-limit finding
	// in one run and not the other would be a false difference.
	set := load(t, rego.Options{Timeout: time.Minute}, examples)
	all := append(rules.All(), set.Rules()...)
	var b strings.Builder
	for i := 0; i < 200; i++ {
		b.WriteString("---\n")
		b.WriteString(manifests)
	}
	run := func(workers int) []string {
		e := lint.NewEngine(all, lint.Options{Workers: workers})
		res := e.Run(context.Background(), lint.Sources([]string{"-"}, strings.NewReader(b.String())))
		if len(res.Internal) > 0 {
			t.Fatal(res.Internal)
		}
		return lines(res)
	}
	serial, parallel := run(1), run(8)
	if len(serial) < 200*5 {
		t.Fatalf("only %d findings", len(serial))
	}
	if len(serial) != len(parallel) {
		t.Fatalf("parallel run has %d findings, serial %d", len(parallel), len(serial))
	}
	for i := range serial {
		if serial[i] != parallel[i] {
			t.Fatalf("parallel run differs from serial run at finding %d:\n%s\n%s", i, parallel[i], serial[i])
		}
	}
}

func TestRunTests(t *testing.T) {
	results, err := rego.RunTests(context.Background(), []string{examples}, lint.Release{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 20 {
		t.Errorf("only %d tests", len(results))
	}
	for _, r := range results {
		if !r.Passed() {
			t.Errorf("%s", r)
		}
	}

	dir := writePolicies(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains \"x\" if input.bad\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_fails if {\n  count(p.deny) == 0 with input as {\"bad\": true}\n}\n\ntest_errs if {\n  x := to_number(\"one\")\n  x == 1\n}\n\ntest_passes if {\n  data.podlint.lib.image_tag(\"nginx\") == \"latest\"\n}\n",
	})
	results, err = rego.RunTests(context.Background(), []string{dir}, lint.Release{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, r.Outcome+" "+r.Name)
	}
	want := []string{"FAIL data.p_test.test_fails", "FAIL data.p_test.test_errs", "PASS data.p_test.test_passes"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results %q, want %q", got, want)
	}
}

// TestUndefinedRuleFallsBack: all policies are evaluated in one query; a deny
// that is a complete rule and undefined on an object makes that query undefined,
// and each policy then runs on its own, so the others still report.
func TestUndefinedRuleFallsBack(t *testing.T) {
	dir := writePolicies(t, map[string]string{
		"undef.rego": "package undef\n\ndeny := {\"only deployments\"} if input.kind == \"Deployment\"\n",
		"fine.rego":  "package fine\n\ndeny contains {\"msg\": \"still checked\", \"path\": [\"metadata\", \"name\"]} if true\n",
	})
	got := lines(check(t, load(t, rego.Options{}, dir), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n", 1))
	want := []string{"-:3:12 error metadata.name (fine): still checked"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}
