package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/config"
	"github.com/podlint/podlint/rules"
)

func TestParseErrorsHavePositions(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{name: "unknown top-level key", src: "failOn: warning\nkubernetesVersio: \"1.36\"\n",
			want: `.podlint.yaml:2:1: unknown key "kubernetesVersio" in the configuration; did you mean "kubernetesVersion"?`},
		{name: "unknown key under rules", src: "rules:\n  disabled: [bare-pod]\n",
			want: `.podlint.yaml:2:3: unknown key "disabled" in rules; did you mean "disable"?`},
		{name: "unknown rule", src: "rules:\n  disable:\n    - bare-pods\n",
			want: `.podlint.yaml:3:7: no rule "bare-pods"; did you mean "bare-pod"?`},
		{name: "input rules stay on", src: "rules:\n  disable: [yaml-syntax]\n",
			want: ".podlint.yaml:2:13: yaml-syntax is an input rule and cannot be disabled"},
		{name: "bad severity", src: "rules:\n  severity:\n    bare-pod: fatal\n",
			want: `.podlint.yaml:3:15: rules.severity.bare-pod: "fatal" is not error, warning or info`},
		{name: "wrong type", src: "exclude: vendor/\n",
			want: `.podlint.yaml:1:10: exclude: expected a list, got "vendor/"`},
		{name: "bad release", src: "kubernetesVersion: \"1.20\"\n",
			want: ".podlint.yaml:1:20: kubernetesVersion:"},
		{name: "enabled and disabled", src: "rules:\n  enable: [bare-pod]\n  disable: [bare-pod]\n",
			want: ".podlint.yaml: rules: bare-pod is both enabled and disabled"},
		{name: "syntax", src: "rules: [\n", want: ".podlint.yaml: "},
		{name: "custom kind without group", src: "customKinds:\n  - apiVersion: v1\n    kind: Thing\n    templates: [{path: spec.template, as: Deployment}]\n",
			want: `.podlint.yaml:2:5: customKinds[0]: apiVersion "v1" must be group/version`},
		{name: "custom kind in a Kubernetes group", src: "customKinds:\n  - apiVersion: apps/v1\n    kind: Thing\n    templates: [{path: spec.template, as: Deployment}]\n",
			want: ".podlint.yaml:2:5: customKinds[0]: apps is a Kubernetes API group"},
		{name: "custom kind as unknown kind", src: "customKinds:\n  - apiVersion: x.io/v1\n    kind: Thing\n    templates: [{path: spec.template, as: Deploymnt}]\n",
			want: `.podlint.yaml:2:5: customKinds[0]: spec.template: as "Deploymnt" is not a built-in kind`},
		{name: "custom kind bad path", src: "customKinds:\n  - apiVersion: x.io/v1\n    kind: Thing\n    templates: [{path: \"spec.items[0].template\", as: PodTemplate}]\n",
			want: `.podlint.yaml:2:5: customKinds[0]: bad segment "items[0]"`},
		{name: "custom kind unknown key", src: "customKinds:\n  - apiVersion: x.io/v1\n    kind: Thing\n    templates: [{path: spec.template, as: Job, jobspec: true}]\n",
			want: `.podlint.yaml:4:48: unknown key "jobspec" in customKinds[0].templates[0]; did you mean "jobSpec"?`},
		{name: "job spec as a Deployment", src: "customKinds:\n  - apiVersion: x.io/v1\n    kind: Thing\n    templates: [{path: spec.job, as: Deployment, jobSpec: true}]\n",
			want: `.podlint.yaml:2:5: customKinds[0]: spec.job: a Job spec is checked as a Job`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse(".podlint.yaml", "/repo", []byte(c.src), rules.All())
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want prefix %q", err, c.want)
			}
		})
	}
}

func TestParseAndEngineOptions(t *testing.T) {
	src := `kubernetesVersion: "1.36"
failOn: warning
exclude: ["vendor", "charts/**/tests/*.yaml"]
policies: [policies/, /etc/podlint/policies]
rules:
  disable: [all]
  enable: [restart-policy, bare-pod]
  severity:
    bare-pod: warning
`
	c, err := config.Parse(".podlint.yaml", "/repo", []byte(src), rules.All())
	if err != nil {
		t.Fatal(err)
	}
	disabled, sev := c.EngineOptions(rules.All())
	if disabled["restart-policy"] || disabled["bare-pod"] || disabled["yaml-syntax"] || !disabled["liveness-in-job"] || disabled["all"] {
		t.Errorf("disabled %v", disabled)
	}
	if sev["bare-pod"] != lint.SeverityWarning || len(sev) != 1 {
		t.Errorf("severity %v", sev)
	}
	if got := strings.Join(c.PolicyDirs(), " "); got != "/repo/policies /etc/podlint/policies" {
		t.Errorf("policy dirs %q", got)
	}
	for file, want := range map[string]bool{
		"/repo/vendor/x/pod.yaml":                   true,
		"/repo/app/vendor/pod.yaml":                 true,
		"/repo/charts/web/templates/tests/t.yaml":   true,
		"/repo/charts/tests/t.yaml":                 true,
		"/repo/charts/web/templates/tests/t.json":   false,
		"/repo/app/pod.yaml":                        false,
		"-":                                         false,
		"/repo/charts/web/templates/deploy.yaml":    false,
		"/elsewhere/charts/web/templates/deploy.ya": false,
	} {
		if got := c.Excluded(file); got != want {
			t.Errorf("Excluded(%s) = %v, want %v", file, got, want)
		}
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := config.Find(deep); err != nil || got != "" {
		// A .podlint.yaml above the temp directory would make this test meaningless.
		t.Skipf("a %s exists above %s (%q, %v)", config.FileName, root, got, err)
	}
	want := filepath.Join(root, "a", config.FileName)
	if err := os.WriteFile(want, []byte("failOn: info\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := config.Find(deep)
	if err != nil || got != want {
		t.Fatalf("Find = %q, %v; want %q", got, err, want)
	}
	c, err := config.Load(got, rules.All())
	if err != nil || c.FailOn != "info" || c.Dir != filepath.Join(root, "a") {
		t.Errorf("Load = %+v, %v", c, err)
	}
}

func TestPrintRoundTrips(t *testing.T) {
	c := config.Default("/repo")
	c.Rules.Severity["bare-pod"] = "error"
	out, err := c.Print()
	if err != nil {
		t.Fatal(err)
	}
	back, err := config.Parse("printed", "/repo", out, rules.All())
	if err != nil {
		t.Fatalf("printed configuration does not parse: %v\n%s", err, out)
	}
	if back.Rules.Severity["bare-pod"] != "error" || back.FailOn != "error" {
		t.Errorf("round trip lost values:\n%s", out)
	}
}

func TestPodSecurity(t *testing.T) {
	c, err := config.Parse("p.yaml", "/", []byte("podSecurity:\n  default: restricted:v1.30\n  exemptions:\n    namespaces: [kube-system]\n    runtimeClasses: [kata]\n"), rules.All())
	if err != nil {
		t.Fatal(err)
	}
	o := c.PodSecurityOptions()
	if o.Default.String() != "restricted:v1.30" || o.ExemptNamespaces[0] != "kube-system" || o.ExemptRuntimeClasses[0] != "kata" {
		t.Errorf("got %+v", o)
	}
	for in, want := range map[string]string{
		"podSecurity:\n  default: strict\n":                 "p.yaml:2:12: podSecurity.default",
		"podSecurity:\n  exemptions:\n    usernames: [a]\n": "p.yaml:3:16: podSecurity.exemptions.usernames",
		"podSecurity:\n  level: baseline\n":                 `unknown key "level" in podSecurity`,
	} {
		_, err := config.Parse("p.yaml", "/", []byte(in), rules.All())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", in, err, want)
		}
	}
}

func TestPrintRoundTripsCustomKinds(t *testing.T) {
	src := "customKinds:\n  - apiVersion: platform.example.com/*\n    kind: WebApp\n    templates:\n      - path: spec.template\n        as: Deployment\n        siblings: [replicas, selector]\n"
	c, err := config.Parse("in", "/repo", []byte(src), rules.All())
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Print()
	if err != nil {
		t.Fatal(err)
	}
	back, err := config.Parse("printed", "/repo", out, rules.All())
	if err != nil {
		t.Fatalf("printed configuration does not parse: %v\n%s", err, out)
	}
	kinds := back.LintKinds()
	if len(kinds) != 1 || kinds[0].Group != "platform.example.com" || kinds[0].Version != "" || kinds[0].Templates[0].Siblings[1] != "selector" {
		t.Errorf("round trip lost the custom kind: %+v\n%s", kinds, out)
	}
	if !strings.Contains(string(out), "# custom kinds built in") || !strings.Contains(string(out), "argoproj.io/* Rollout") {
		t.Errorf("config print does not list the built-in custom kinds:\n%s", out)
	}
}
