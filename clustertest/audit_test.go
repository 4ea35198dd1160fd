package clustertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// auditPods is how many copies of the bad Pod audit-ns holds: more than one
// page at --page-size 2, so the audit must follow continue tokens.
const auditPods = 5

// testAudit runs podlint audit against the cluster TestCluster filled.
func testAudit(t *testing.T, c *cluster, bin string) {
	stage(t, "podlint audit")
	pod, err := os.ReadFile(fixture("bad", "pod"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= auditPods; i++ {
		renamed := strings.Replace(string(pod), "name: bad-pod", fmt.Sprintf("name: audit-pod-%d", i), 1)
		c.mustKubectl(t, []byte(renamed), "apply", "-n", nsAudit, "-f", "-")
	}
	audit := func(t *testing.T, kubeconfig string, args ...string) result {
		t.Helper()
		return run(t, nil, bin, append([]string{"audit", "--kubeconfig=" + kubeconfig}, args...)...)
	}

	t.Run("audit text grouped by namespace", func(t *testing.T) {
		r := audit(t, c.kubeconfig)
		if r.code != 0 {
			t.Fatalf("warnings only, default --fail-on error: want exit 0: %s", r)
		}
		var headings []string
		current := ""
		for _, line := range strings.Split(strings.TrimRight(r.stdout, "\n"), "\n") {
			if m := regexp.MustCompile(`^namespace (\S+): `).FindStringSubmatch(line); m != nil {
				current = m[1]
				headings = append(headings, current)
				continue
			}
			if strings.HasPrefix(line, "    hint:") || !strings.Contains(line, ": ") || strings.HasPrefix(line, "0 errors") {
				continue
			}
			// Kind/namespace/name: severity: field: message (rule-id)
			if !strings.Contains(strings.SplitN(line, ": ", 2)[0], "/"+current+"/") {
				t.Errorf("line under namespace %s names another object: %q", current, line)
			}
		}
		if want := []string{nsAudit, nsDeny, nsExempt, nsFailOpen, "kube-system", nsWarn}; !slices.Equal(headings, want) {
			t.Errorf("namespace headings %q, want %q (sorted, each once):\n%s", headings, want, r.stdout)
		}
		for _, kind := range kinds {
			line := fmt.Sprintf("/%s/bad-%s: warning: %s: ", nsWarn, kind, badField[kind])
			if !strings.Contains(r.stdout, line) {
				t.Errorf("no finding line with %q:\n%s", line, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "owned-pod") {
			t.Errorf("the Pod owned by a ReplicaSet was reported:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "judged through the owner's template instead: 1") {
			t.Errorf("stderr does not count the owned Pod: %q", r.stderr)
		}
		if !regexp.MustCompile(`(?m)^0 errors, \d+ warnings, \d+ infos \(\d+ objects checked\)$`).MatchString(r.stdout) {
			t.Errorf("no summary line:\n%s", r.stdout)
		}
	})

	t.Run("audit json", func(t *testing.T) {
		r := audit(t, c.kubeconfig, "--namespace", nsWarn, "--format", "json", "--fail-on", "warning")
		if r.code != 1 {
			t.Errorf("warnings with --fail-on warning: want exit 1: %s", r)
		}
		got := decodeReport(t, r.stdout)
		// The shape of podlint check's JSON, key for key.
		check := run(t, nil, bin, "check", "--format", "json", fixture("bad", "pod"))
		want := decodeReport(t, check.stdout)
		if !slices.Equal(keys(got.raw), keys(want.raw)) || !slices.Equal(keys(got.Findings[0]), keys(want.Findings[0])) {
			t.Errorf("audit JSON keys %q / finding keys %q; check's %q / %q", keys(got.raw), keys(got.Findings[0]), keys(want.raw), keys(want.Findings[0]))
		}
		byRule := map[string][]string{}
		for _, f := range got.Findings {
			obj := f["object"].(map[string]any)
			if obj["namespace"] != nsWarn || f["file"] != "" || f["line"].(float64) != 0 {
				t.Errorf("finding outside %s, or with a file position: %v", nsWarn, f)
			}
			byRule[f["rule"].(string)] = append(byRule[f["rule"].(string)], obj["kind"].(string)+"/"+obj["name"].(string)+" "+f["field"].(string))
		}
		var want8 []string
		for _, kind := range kinds {
			want8 = append(want8, kindName(kind)+"/bad-"+kind+" "+badField[kind])
		}
		sort.Strings(want8)
		got8 := byRule["init-container-never-exits"]
		sort.Strings(got8)
		if !slices.Equal(got8, want8) {
			t.Errorf("init-container-never-exits findings:\n got %q\nwant %q", got8, want8)
		}
		if d := byRule["duplicate-container-port"]; len(d) != 1 || d[0] != "Pod/bad-pod spec.containers[1].ports[0]" {
			t.Errorf("duplicate-container-port findings %q", d)
		}
		// bad-pod, good-pod; owned-pod is judged through its owner.
		if b := byRule["bare-pod"]; len(b) != 2 {
			t.Errorf("bare-pod findings %q, want bad-pod and good-pod", b)
		}
		// Objects: 8 bad, the good Pod; not the owned one.
		if n := got.Summary["objects"].(float64); n != float64(len(kinds)+1) {
			t.Errorf("summary.objects %v, want %d", n, len(kinds)+1)
		}
	})

	t.Run("audit pagination", func(t *testing.T) {
		all := audit(t, c.kubeconfig, "--format", "json", "-v")
		paged := audit(t, c.kubeconfig, "--format", "json", "-v", "--page-size", "2")
		if all.stdout != paged.stdout {
			t.Errorf("pages of 2 found other findings than pages of 500:\n%s\n---\n%s", paged.stdout, all.stdout)
		}
		pages := regexp.MustCompile(`listed (\d+) objects in (\d+) pages of at most (\d+)`)
		m, m2 := pages.FindStringSubmatch(all.stderr), pages.FindStringSubmatch(paged.stderr)
		if m == nil || m2 == nil {
			t.Fatalf("no list call count in %q / %q", all.stderr, paged.stderr)
		}
		listed, _ := strconv.Atoi(m2[1])
		calls, _ := strconv.Atoi(m2[2])
		if m[2] != strconv.Itoa(8) || m[1] != m2[1] || calls < listed/2 {
			t.Errorf("pages of 500: %s; pages of 2: %s: want one call per kind, and at least listed/2 calls", m[0], m2[0])
		}
		one := decodeReport(t, audit(t, c.kubeconfig, "--namespace", nsAudit, "--format", "json", "--page-size", "2").stdout)
		n := 0
		for _, f := range one.Findings {
			if f["rule"] == "duplicate-container-port" {
				n++
			}
		}
		if n != auditPods {
			t.Errorf("%d Pods of %s reported across pages, want %d", n, nsAudit, auditPods)
		}
	})

	t.Run("audit sarif junit github and --output", func(t *testing.T) {
		dir := t.TempDir()
		jsonFile, junitFile := filepath.Join(dir, "audit.json"), filepath.Join(dir, "audit.xml")
		r := audit(t, c.kubeconfig, "--namespace", nsWarn, "--format", "sarif", "--output", "json="+jsonFile, "--output", "junit="+junitFile)
		var sarif struct {
			Runs []struct {
				Results []struct {
					RuleID    string `json:"ruleId"`
					Locations []struct {
						LogicalLocations []struct {
							FullyQualifiedName string `json:"fullyQualifiedName"`
							Kind               string `json:"kind"`
						} `json:"logicalLocations"`
						PhysicalLocation any `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &sarif); err != nil || len(sarif.Runs) != 1 {
			t.Fatalf("SARIF: %v: %s", err, r)
		}
		want := "Deployment/" + nsWarn + "/bad-deployment/" + badField["deployment"]
		found := false
		for _, res := range sarif.Runs[0].Results {
			for _, l := range res.Locations {
				if l.PhysicalLocation != nil {
					t.Errorf("SARIF result with a physical location from a cluster: %+v", res)
				}
				for _, ll := range l.LogicalLocations {
					found = found || (ll.FullyQualifiedName == want && ll.Kind == "property")
				}
			}
		}
		if !found {
			t.Errorf("no SARIF logical location %q:\n%s", want, r.stdout)
		}
		if _, err := os.Stat(jsonFile); err != nil {
			t.Errorf("--output json: %v", err)
		}
		xml, err := os.ReadFile(junitFile)
		if err != nil || !strings.Contains(string(xml), `<testsuite name="namespace/`+nsWarn+`"`) {
			t.Errorf("JUnit without a namespace suite (%v):\n%s", err, xml)
		}
		gh := audit(t, c.kubeconfig, "--namespace", nsWarn, "--format", "github")
		if want := "::warning title=init-container-never-exits::Deployment/" + nsWarn + "/bad-deployment: " + badField["deployment"] + ": "; !strings.Contains(gh.stdout, want) {
			t.Errorf("github format lacks %q:\n%s", want, gh.stdout)
		}
	})

	t.Run("audit RBAC", func(t *testing.T) {
		r := audit(t, c.auditorKubeconfig, "--namespace", nsWarn)
		if r.code != 2 || !strings.Contains(r.stderr, "forbidden") || !strings.Contains(r.stderr, "listing pods") {
			t.Errorf("an identity without list permission: want exit 2 and a forbidden error: %s", r)
		}
		helm := os.Getenv("HELM")
		if helm == "" {
			t.Skip("HELM is not set: the chart's audit ClusterRole is not tested")
		}
		// The chart's ClusterRole, bound to the auditor through audit.subjects.
		rendered := run(t, nil, helm, "template", "podlint", "../charts/podlint", "--namespace", nsRelease,
			"--show-only", "templates/audit-rbac.yaml",
			"--set", "audit.subjects[0].kind=User", "--set", "audit.subjects[0].name="+auditorUser,
			"--set", "audit.subjects[0].apiGroup=rbac.authorization.k8s.io")
		if rendered.code != 0 {
			t.Fatalf("helm template: %s", rendered)
		}
		c.mustKubectl(t, []byte(rendered.stdout), "apply", "-f", "-")
		// RBAC is read through an informer too: wait for the binding.
		var last result
		for range 50 {
			if last = audit(t, c.auditorKubeconfig); last.code == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if last.code != 0 || !strings.Contains(last.stdout, "namespace "+nsWarn+": ") {
			t.Errorf("with the chart's audit ClusterRole: %s", last)
		}
	})

	t.Run("audit unreachable cluster", func(t *testing.T) {
		dir := t.TempDir()
		url := fmt.Sprintf("https://127.0.0.1:%d", freePort(t))
		kc := filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(kc, kubeconfig(url, c.caFile, "admin", adminToken), 0o600); err != nil {
			t.Fatal(err)
		}
		r := audit(t, kc)
		if r.code != 2 || !strings.Contains(r.stderr, "cluster "+url) || !strings.Contains(r.stderr, "connection refused") {
			t.Errorf("unreachable cluster: want exit 2 naming the server: %s", r)
		}
		r = audit(t, filepath.Join(dir, "missing"))
		if r.code != 2 || !strings.Contains(r.stderr, "kubeconfig") {
			t.Errorf("missing kubeconfig: want exit 2: %s", r)
		}
	})
}

// report is podlint's JSON report, decoded loosely to compare shapes.
type report struct {
	raw      map[string]any
	Findings []map[string]any
	Summary  map[string]any
}

func decodeReport(t *testing.T, s string) report {
	t.Helper()
	var r report
	if err := json.Unmarshal([]byte(s), &r.raw); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, s)
	}
	for _, f := range r.raw["findings"].([]any) {
		r.Findings = append(r.Findings, f.(map[string]any))
	}
	if len(r.Findings) == 0 {
		t.Fatalf("JSON report without findings:\n%s", s)
	}
	r.Summary = r.raw["summary"].(map[string]any)
	return r
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// kindName is the Kind of a fixture's file name.
func kindName(kind string) string {
	return map[string]string{"pod": "Pod", "deployment": "Deployment", "replicaset": "ReplicaSet", "statefulset": "StatefulSet",
		"daemonset": "DaemonSet", "job": "Job", "cronjob": "CronJob", "replicationcontroller": "ReplicationController"}[kind]
}
