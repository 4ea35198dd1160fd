package clustertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/podlint/podlint/internal/testbin"
)

const (
	nsEnforce = "psa-enforce" // pod-security.kubernetes.io/enforce=restricted
	nsWarned  = "psa-warn"    // pod-security.kubernetes.io/warn=baseline
)

// podlintFinding is the part of podlint's JSON finding this test reads.
type podlintFinding struct {
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Object   struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"object"`
}

// violation is what podlint's message quotes of the evaluator: "reason (detail)".
var violation = regexp.MustCompile(`^Pod Security "[^"]+" \([a-z]+, [^)]*\): (.*?)(; the API server accepts|; applying it prints|$)`)

// TestPodSecurity: a namespace labelled enforce=restricted in the real API server
// refuses exactly the Pods podlint predicts, with exactly the violations podlint
// names, and one labelled warn=baseline returns exactly the warnings podlint
// predicts, over Pods covering every check (rules/testdata/pod-security/latest.yaml).
func TestPodSecurity(t *testing.T) {
	// Not yet run against a real API server by its author (the kube binaries'
	// cold build did not finish in time): opt in until it has passed once.
	if os.Getenv("PODLINT_CLUSTERTEST_PODSECURITY") == "" {
		t.Skip("PODLINT_CLUSTERTEST_PODSECURITY is not set")
	}
	kubeBin, etcdBin := clusterBinaries(t)
	stage(t, "build podlint")
	bin := testbin.Podlint(t, "..")
	c := startCluster(t, kubeBin, etcdBin)

	pods := fixturePods(t)
	// The input podlint sees: the two Namespaces with their labels, and every Pod in each.
	var input strings.Builder
	input.WriteString("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + nsEnforce + "\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n")
	input.WriteString("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + nsWarned + "\n  labels:\n    pod-security.kubernetes.io/warn: baseline\n")
	for _, ns := range []string{nsEnforce, nsWarned} {
		for _, p := range pods {
			input.WriteString("---\n" + inNamespace(p.doc, ns))
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "pods.yaml")
	if err := os.WriteFile(file, []byte(input.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, bin, "check", "--format", "json", "--fail-on", "none", file)
	if r.code != 0 {
		t.Fatalf("podlint check: %s", r)
	}
	var report struct {
		Findings []podlintFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("podlint JSON: %v", err)
	}
	// predicted[ns/name] is the violations podlint predicts; invalid are the Pods
	// the API server refuses for other reasons (podlint's api findings), left out.
	predicted, invalid := map[string][]string{}, map[string]bool{}
	checks := map[string]bool{}
	for _, f := range report.Findings {
		key := f.Object.Namespace + "/" + f.Object.Name
		switch f.Category {
		case "api":
			invalid[f.Object.Name] = true
		case "pod-security":
			m := violation.FindStringSubmatch(f.Message)
			if m == nil {
				t.Fatalf("podlint message without the evaluator's violation: %q", f.Message)
			}
			want := map[string]string{nsEnforce: "error", nsWarned: "warning"}[f.Object.Namespace]
			if f.Severity != want {
				t.Errorf("%s: %s is %s, want %s", key, f.Rule, f.Severity, want)
			}
			if !contains(predicted[key], m[1]) {
				predicted[key] = append(predicted[key], m[1])
			}
			if !invalid[f.Object.Name] && f.Object.Namespace == nsEnforce {
				checks[f.Rule] = true
			}
		}
	}

	stage(t, "namespaces labelled for Pod Security")
	c.mustKubectl(t, nil, "create", "namespace", nsEnforce)
	c.mustKubectl(t, nil, "label", "namespace", nsEnforce, "pod-security.kubernetes.io/enforce=restricted")
	c.mustKubectl(t, nil, "create", "namespace", nsWarned)
	c.mustKubectl(t, nil, "label", "namespace", nsWarned, "pod-security.kubernetes.io/warn=baseline")

	stage(t, "Pods against enforce=restricted and warn=baseline")
	refused := 0
	for _, p := range pods {
		if invalid[p.name] {
			continue
		}
		for _, ns := range []string{nsEnforce, nsWarned} {
			key := ns + "/" + p.name
			want := predicted[key]
			r := c.kubectlAs(t, c.kubeconfig, []byte(inNamespace(p.doc, ns)), "create", "--dry-run=server", "-f", "-")
			var got string // what the API server says about Pod Security
			switch ns {
			case nsEnforce:
				if r.code == 0 {
					break
				}
				const marker = `violates PodSecurity "restricted:latest": `
				i := strings.Index(r.stderr, marker)
				if i < 0 {
					t.Errorf("%s: refused for another reason than Pod Security: %s", key, r)
					continue
				}
				got = strings.TrimSpace(r.stderr[i+len(marker):])
				refused++
			case nsWarned:
				if r.code != 0 {
					t.Errorf("%s: a warn label must not refuse: %s", key, r)
					continue
				}
				const marker = `would violate PodSecurity "baseline:latest": `
				if i := strings.Index(r.stderr, marker); i >= 0 {
					got = strings.TrimSpace(strings.SplitN(r.stderr[i+len(marker):], "\n", 2)[0])
				}
			}
			if (got != "") != (len(want) > 0) {
				t.Errorf("%s: podlint predicts %q; the API server says %q (%s)", key, want, got, r.stderr)
				continue
			}
			// Exactly podlint's violations: each is in the server's message, and
			// nothing but separators remains once they are taken out.
			rest := got
			for _, v := range want {
				if !strings.Contains(rest, v) {
					t.Errorf("%s: the API server does not report podlint's %q: %q", key, v, got)
				}
				rest = strings.Replace(rest, v, "", 1)
			}
			if strings.Trim(rest, ", ") != "" {
				t.Errorf("%s: the API server reports more than podlint predicts: %q left of %q (podlint: %q)", key, rest, got, want)
			}
		}
	}
	if refused == 0 {
		t.Fatal("no Pod was refused: the test proves nothing")
	}
	var missing []string
	for _, id := range []string{"pod-security-host-namespaces", "pod-security-privileged", "pod-security-capabilities-baseline",
		"pod-security-capabilities-restricted", "pod-security-host-path-volumes", "pod-security-host-ports",
		"pod-security-host-probes-and-host-lifecycle", "pod-security-apparmor-profile", "pod-security-selinux-options",
		"pod-security-proc-mount-restricted", "pod-security-seccomp-profile-baseline", "pod-security-seccomp-profile-restricted",
		"pod-security-sysctls", "pod-security-windows-host-process", "pod-security-restricted-volumes",
		"pod-security-allow-privilege-escalation", "pod-security-run-as-non-root", "pod-security-run-as-user"} {
		if !checks[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("checks no valid Pod exercised in the cluster: %v", missing)
	}
	t.Logf("%d Pods, %d refused by enforce=restricted, %d checks exercised", len(pods)-len(invalid), refused, len(checks))
}

type fixturePod struct{ name, doc string }

// fixturePods reads the Pods of the latest pod-security fixture.
func fixturePods(t *testing.T) []fixturePod {
	data, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "pod-security", "latest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`(?m)^  name: (\S+)$`)
	var out []fixturePod
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if !strings.Contains(doc, "\nkind: Pod\n") {
			continue
		}
		m := name.FindStringSubmatch(doc)
		if m == nil {
			t.Fatalf("a fixture Pod without a name:\n%s", doc)
		}
		out = append(out, fixturePod{name: m[1], doc: doc + "\n"})
	}
	if len(out) < 20 {
		t.Fatalf("only %d Pods in the fixture", len(out))
	}
	return out
}

var namespaceLine = regexp.MustCompile(`(?m)^  namespace: \S+$`)

func inNamespace(doc, ns string) string {
	return namespaceLine.ReplaceAllString(doc, "  namespace: "+ns)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
