package rules

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

// TestPodSecurityFixtures runs every Pod Security check of every level at latest and
// at two older versions (testdata/pod-security/<version>.yaml): each file's
// Namespace objects set the level by label, and every pod-security finding must
// be one its `# want:` comments name, on that line and field.
func TestPodSecurityFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/pod-security/*.yaml")
	if len(files) < 3 {
		t.Fatalf("want fixtures at latest and two older versions, have %v", files)
	}
	covered := map[string]map[string]bool{}
	for _, path := range files {
		version := strings.TrimSuffix(filepath.Base(path), ".yaml")
		covered[version] = map[string]bool{}
		t.Run(version, func(t *testing.T) {
			wants := parseWants(t, path)
			res := checkFile(t, path, lint.DefaultKubernetesVersion)
			var got []expectation
			for _, f := range res.Findings {
				if f.Category == lint.CategoryPodSecurity || f.Category == lint.CategoryInput {
					got = append(got, expectation{Rule: f.Rule, Field: f.Field, Line: f.Position.Line})
					if f.Severity != lint.SeverityError || !strings.Contains(f.Message, "enforce") {
						t.Errorf("%s:%d: %s: an enforce label gives errors, got %s %q", path, f.Position.Line, f.Rule, f.Severity, f.Message)
					}
				}
			}
			diff(t, path, wants, got)
			for _, w := range wants {
				covered[version][w.Rule] = true
			}
		})
	}
	// Every check is exercised at latest; at the older versions, every check that existed then.
	for _, r := range lint.PodSecurityRules() {
		if !covered["latest"][r.ID] {
			t.Errorf("%s: no fixture at latest", r.ID)
		}
	}
}

// TestPodSecurityModes: a namespace's warn and audit labels give warnings and
// infos, enforce errors; the strictest mode wins for a field that several flag;
// --pod-security applies where no enforce label is known; exemptions hold.
func TestPodSecurityModes(t *testing.T) {
	const input = `apiVersion: v1
kind: Namespace
metadata:
  name: warned
  labels:
    pod-security.kubernetes.io/warn: baseline
    pod-security.kubernetes.io/audit: restricted
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: warned}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: elsewhere}
spec:
  hostPID: true
  containers: [{name: c, image: busybox:1.36}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: kube-system}
spec:
  hostPID: true
  containers: [{name: c, image: busybox:1.36}]
---
apiVersion: v1
kind: Pod
metadata: {name: kata, namespace: elsewhere}
spec:
  runtimeClassName: kata
  hostPID: true
  containers: [{name: c, image: busybox:1.36}]
`
	run := func(opts lint.PodSecurityOptions) map[string]lint.Severity {
		eng := lint.NewEngine(All(), lint.Options{PodSecurity: opts})
		res := eng.Run(context.Background(), lint.Sources([]string{"-"}, strings.NewReader(input)))
		got := map[string]lint.Severity{}
		for _, f := range res.Findings {
			if f.Category == lint.CategoryPodSecurity {
				got[f.Object.Name+"/"+f.Object.Namespace+" "+f.Rule+" "+f.Field] = f.Severity
			}
		}
		return got
	}
	got := run(lint.PodSecurityOptions{})
	if s := got["web/warned pod-security-host-namespaces spec.template.spec.hostNetwork"]; s != lint.SeverityWarning {
		t.Errorf("warn=baseline: hostNetwork is %v, want a warning (the warn mode beats audit)", s)
	}
	if s := got["web/warned pod-security-run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot"]; s != lint.SeverityInfo {
		t.Errorf("audit=restricted: runAsNonRoot is %v, want info", s)
	}
	for k := range got {
		if !strings.HasPrefix(k, "web/warned ") {
			t.Errorf("without --pod-security, only labelled namespaces are checked; got %s", k)
		}
	}
	baseline, _ := lint.ParsePodSecurityLevel("baseline")
	got = run(lint.PodSecurityOptions{Default: baseline, ExemptNamespaces: []string{"kube-system"}, ExemptRuntimeClasses: []string{"kata"}})
	if s := got["p/elsewhere pod-security-host-namespaces spec.hostPID"]; s != lint.SeverityError {
		t.Errorf("--pod-security baseline: hostPID in an unlabelled namespace is %v, want an error", s)
	}
	if _, ok := got["p/kube-system pod-security-host-namespaces spec.hostPID"]; ok {
		t.Error("an exempt namespace was checked")
	}
	if _, ok := got["kata/elsewhere pod-security-host-namespaces spec.hostPID"]; ok {
		t.Error("an exempt runtime class was checked")
	}
	if s := got["web/warned pod-security-host-namespaces spec.template.spec.hostNetwork"]; s != lint.SeverityError {
		t.Errorf("the default enforce level applies beside a namespace's warn label: got %v", s)
	}
}

func TestParsePodSecurityLevel(t *testing.T) {
	for _, s := range []string{"restricted", "baseline:v1.30", "privileged:latest"} {
		if _, err := lint.ParsePodSecurityLevel(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "strict", "baseline:1.30", "restricted:v2"} {
		if _, err := lint.ParsePodSecurityLevel(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}
