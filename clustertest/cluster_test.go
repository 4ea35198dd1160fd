package clustertest

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podlint/podlint/internal/testbin"
)

// Namespaces of the test, by the webhook that judges them (the label
// podlint.io/clustertest selects it).
const (
	nsDeny       = "deny-ns"
	nsWarn       = "warn-ns"
	nsExempt     = "exempt-ns" // labelled for deny, exempted by name
	nsFailOpen   = "failopen-ns"
	nsFailClosed = "failclosed-ns"
	nsAudit      = "audit-ns" // judged by no webhook: objects for podlint audit
	nsRelease    = "podlint-system"
)

// kinds are the fixture files under testdata/bad and testdata/good, one per
// kind podlint reads.
var kinds = []string{"pod", "deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob", "replicationcontroller"}

// badField is the field each bad fixture's init container is reported at.
var badField = map[string]string{
	"pod":                   "spec.initContainers[0].image",
	"deployment":            "spec.template.spec.initContainers[0].command",
	"replicaset":            "spec.template.spec.initContainers[0].command",
	"statefulset":           "spec.template.spec.initContainers[0].command",
	"daemonset":             "spec.template.spec.initContainers[0].command",
	"job":                   "spec.template.spec.initContainers[0].command",
	"cronjob":               "spec.jobTemplate.spec.template.spec.initContainers[0].command",
	"replicationcontroller": "spec.template.spec.initContainers[0].command",
}

// resourceOf is kubectl's name for each fixture's kind in its output.
var resourceOf = map[string]string{
	"pod": "pod", "deployment": "deployment.apps", "replicaset": "replicaset.apps", "statefulset": "statefulset.apps",
	"daemonset": "daemonset.apps", "job": "job.batch", "cronjob": "cronjob.batch", "replicationcontroller": "replicationcontroller",
}

func fixture(quality, kind string) string { return filepath.Join("testdata", quality, kind+".yaml") }

// TestCluster runs podlint's webhook behind a real kube-apiserver and applies
// the fixtures with the real kubectl, then audits the cluster with podlint
// audit. The control plane is started once; the subtests share it in order.
func TestCluster(t *testing.T) {
	kubeBin, etcdBin := clusterBinaries(t)
	stage(t, "build podlint")
	bin := testbin.Podlint(t, "..")

	c := startCluster(t, kubeBin, etcdBin)

	stage(t, "versions")
	v := c.mustKubectl(t, nil, "version")
	for _, want := range []string{"Client Version: v1.37.2", "Server Version: v1.37.2"} {
		if !strings.Contains(v.stdout, want) {
			t.Errorf("kubectl version lacks %q:\n%s", want, v.stdout)
		}
	}

	stage(t, "podlint webhooks")
	deny := c.startPodlint(t, bin, "podlint-deny", "--mode=deny")
	warn := c.startPodlint(t, bin, "podlint-warn", "--mode=warn")
	failing := c.startPodlint(t, bin, "podlint-failing", "--mode=deny")
	for ns, mode := range map[string]string{nsDeny: "deny", nsWarn: "warn", nsExempt: "deny", nsFailOpen: "failopen", nsFailClosed: "failclosed", nsAudit: "none", nsRelease: "none"} {
		c.mustKubectl(t, nil, "create", "namespace", ns)
		c.mustKubectl(t, nil, "label", "namespace", ns, "podlint.io/clustertest="+mode)
	}
	// kube-system is labelled for deny too: only its name exempts it.
	c.mustKubectl(t, nil, "label", "namespace", "kube-system", "podlint.io/clustertest=deny")
	c.mustKubectl(t, []byte(webhookConfiguration(c, deny.port, warn.port, failing.port)), "apply", "-f", "-")
	// The API server reads webhook configurations through an informer: wait
	// until the configuration is in force.
	waitFor(t, deny.proc, 30*time.Second, func() error {
		r := c.kubectlRun(t, "apply", "--dry-run=server", "-n", nsDeny, "-f", fixture("bad", "pod"))
		if r.code == 0 {
			return fmt.Errorf("bad pod still admitted:\n%s", r)
		}
		return nil
	})

	t.Run("server dry run", func(t *testing.T) {
		stage(t, "server dry run")
		r := c.kubectlRun(t, "apply", "--dry-run=server", "-n", nsDeny, "-f", fixture("bad", "pod"))
		wantDenied(t, r, "Pod", "bad-pod", "spec.initContainers[0].image", "spec.containers[1].ports[0]")
		r = c.kubectlRun(t, "apply", "--dry-run=server", "-n", nsDeny, "-f", fixture("good", "deployment"))
		if r.code != 0 || !strings.Contains(r.stdout, "deployment.apps/good-deployment created (server dry run)") {
			t.Errorf("good deployment, server dry run: %s", r)
		}
		if r := c.kubectlRun(t, "get", "deployment", "good-deployment", "-n", nsDeny); r.code == 0 {
			t.Errorf("a server dry run stored the deployment: %s", r)
		}
	})

	t.Run("deny", func(t *testing.T) {
		stage(t, "deny mode")
		for _, kind := range kinds {
			r := c.kubectlRun(t, "apply", "-n", nsDeny, "-f", fixture("bad", kind))
			fields := []string{badField[kind]}
			if kind == "pod" {
				fields = append(fields, "spec.containers[1].ports[0]")
			}
			wantDenied(t, r, kindName(kind), "bad-"+kind, fields...)
			r = c.kubectlRun(t, "apply", "-n", nsDeny, "-f", fixture("good", kind))
			if want := resourceOf[kind] + "/good-" + kind + " created"; r.code != 0 || !strings.Contains(r.stdout, want) || strings.Contains(r.stderr, "Warning: podlint:") {
				t.Errorf("good %s in deny mode: want %q and no warning: %s", kind, want, r)
			}
		}
	})

	t.Run("warn", func(t *testing.T) {
		stage(t, "warn mode")
		for _, kind := range kinds {
			r := c.kubectlRun(t, "apply", "-n", nsWarn, "-f", fixture("bad", kind))
			if want := resourceOf[kind] + "/bad-" + kind + " created"; r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("bad %s in warn mode was not admitted: %s", kind, r)
				continue
			}
			want := "Warning: podlint: " + badField[kind] + ": "
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "(init-container-never-exits)") {
				t.Errorf("bad %s in warn mode: kubectl printed no %q … (init-container-never-exits):\n%s", kind, want, r.stderr)
			}
		}
		r := c.kubectlRun(t, "apply", "-n", nsWarn, "-f", fixture("good", "pod"))
		if r.code != 0 || strings.Contains(r.stderr, "Warning: podlint:") {
			t.Errorf("good pod in warn mode: %s", r)
		}
		// UPDATE: a change that leaves the pod template alone is not judged
		// again, so existing objects stay manageable; one that changes it is.
		r = c.kubectlRun(t, "label", "deployment", "bad-deployment", "-n", nsWarn, "tier=web")
		if r.code != 0 || strings.Contains(r.stderr, "Warning: podlint:") {
			t.Errorf("labelling an existing bad deployment: want no podlint warning: %s", r)
		}
		r = c.kubectlRun(t, "set", "image", "deployment/bad-deployment", "-n", nsWarn, "app=example/app:1.1")
		if r.code != 0 || !strings.Contains(r.stderr, "Warning: podlint: "+badField["deployment"]) {
			t.Errorf("changing the template of a bad deployment: want its warning again: %s", r)
		}
		// A Pod created by a controller: its owner's template is what is judged.
		r = c.kubectlRun(t, "apply", "-n", nsWarn, "-f", fixture("bad", "owned-pod"))
		if r.code != 0 || strings.Contains(r.stderr, "Warning: podlint:") {
			t.Errorf("owned pod in warn mode: want admitted without warnings: %s", r)
		}
	})

	t.Run("exempt namespaces", func(t *testing.T) {
		stage(t, "namespace exemption")
		for _, ns := range []string{"kube-system", nsExempt} {
			r := c.kubectlRun(t, "apply", "-n", ns, "-f", fixture("bad", "pod"))
			if r.code != 0 || strings.Contains(r.stderr, "Warning: podlint:") {
				t.Errorf("bad pod in %s (exempt by kubernetes.io/metadata.name): want admitted unjudged: %s", ns, r)
			}
		}
	})

	t.Run("failure policy", func(t *testing.T) {
		stage(t, "failurePolicy with podlint up")
		r := c.kubectlRun(t, "apply", "-n", nsFailClosed, "-f", fixture("bad", "deployment"))
		wantDenied(t, r, "Deployment", "bad-deployment", badField["deployment"])
		stage(t, "failurePolicy with podlint stopped")
		failing.proc.stop()
		r = c.kubectlRun(t, "apply", "-n", nsFailOpen, "-f", fixture("bad", "deployment"))
		if r.code != 0 || !strings.Contains(r.stdout, "deployment.apps/bad-deployment created") {
			t.Errorf("failurePolicy Ignore with podlint down: want admitted: %s", r)
		}
		r = c.kubectlRun(t, "apply", "-n", nsFailClosed, "-f", fixture("good", "deployment"))
		want := `failed calling webhook "closed.podlint.io"`
		if r.code == 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "connection refused") {
			t.Errorf("failurePolicy Fail with podlint down: want denied with %q … connection refused: %s", want, r)
		}
	})

	t.Run("API server metrics", func(t *testing.T) {
		stage(t, "API server webhook metrics")
		metrics := c.mustKubectl(t, nil, "get", "--raw", "/metrics").stdout
		count := func(metric string, labels ...string) int {
			n := 0
			for _, line := range strings.Split(metrics, "\n") {
				if !strings.HasPrefix(line, metric+"{") {
					continue
				}
				ok := true
				for _, l := range labels {
					ok = ok && strings.Contains(line, l)
				}
				if ok {
					v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
					n += int(v)
				}
			}
			return n
		}
		const duration = "apiserver_admission_webhook_admission_duration_seconds_count"
		if n := count(duration, `name="deny.podlint.io"`, `rejected="true"`, `type="validating"`); n < len(kinds)+1 {
			t.Errorf("%s for deny.podlint.io rejections: %d, want at least %d", duration, n, len(kinds)+1)
		}
		if n := count(duration, `name="warn.podlint.io"`, `rejected="false"`); n < len(kinds) {
			t.Errorf("%s for warn.podlint.io admissions: %d, want at least %d", duration, n, len(kinds))
		}
		if n := count("apiserver_admission_webhook_fail_open_count", `name="open.podlint.io"`); n < 1 {
			t.Errorf("apiserver_admission_webhook_fail_open_count for open.podlint.io: %d, want at least 1", n)
		}
		// podlint's own count of the same decisions.
		resp, err := http.Get(deny.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		own, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !regexp.MustCompile(`(?m)^podlint_webhook_violations_total\{mode="deny",rule="init-container-never-exits"\} [1-9]`).Match(own) {
			t.Errorf("podlint's /metrics counts no denied init-container-never-exits:\n%s", own)
		}
		if t.Failed() {
			re := regexp.MustCompile(`(?m)^apiserver_admission_webhook.*podlint.*$`)
			t.Logf("webhook metrics:\n%s", strings.Join(re.FindAllString(metrics, -1), "\n"))
		}
	})

	t.Run("helm chart", func(t *testing.T) {
		helm := os.Getenv("HELM")
		if helm == "" {
			t.Skip("HELM is not set: make cluster-test builds helm from .ci/tools/helm and sets it")
		}
		stage(t, "helm template | kubectl apply --dry-run=server")
		rendered := run(t, nil, helm, "template", "podlint", "../charts/podlint", "--namespace", nsRelease,
			"--set", "tls.certManager.enabled=false", "--set", "tls.secretName=podlint-tls",
			"--set", "tls.caBundle="+base64.StdEncoding.EncodeToString(c.ca.PEM))
		if rendered.code != 0 {
			t.Fatalf("helm template: %s", rendered)
		}
		r := c.kubectlAs(t, c.kubeconfig, []byte(rendered.stdout), "apply", "--dry-run=server", "-f", "-")
		if r.code != 0 {
			t.Fatalf("kubectl apply --dry-run=server of the rendered chart: %s", r)
		}
		for _, want := range []string{"deployment.apps/podlint created (server dry run)", "validatingwebhookconfiguration.admissionregistration.k8s.io/podlint created (server dry run)", "poddisruptionbudget.policy/podlint created (server dry run)"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("kubectl did not print %q:\n%s", want, r.stdout)
			}
		}
	})

	testAudit(t, c, bin)
}

// wantDenied checks kubectl's output for a denial by podlint, printed like a
// built-in validation error: the API server returns podlint's Invalid status
// as it is ("The Pod "x" is invalid: * field: ..."), so the causes name each
// field and rule, and the webhook's name does not appear.
func wantDenied(t *testing.T, r result, kind, name string, fields ...string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("%s %s admitted, want denied: %s", kind, name, r)
		return
	}
	wants := []string{fmt.Sprintf("The %s %q is invalid: ", kind, name), "(init-container-never-exits)"}
	for _, f := range fields {
		wants = append(wants, f+": ")
	}
	for _, want := range wants {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("kubectl's error lacks %q:\n%s", want, r.stderr)
		}
	}
}

// webhookConfiguration registers the three podlint servers: deny and warn
// modes, and a third one (deny mode) behind webhooks that fail open and closed.
func webhookConfiguration(c *cluster, denyPort, warnPort, failingPort int) string {
	caBundle := base64.StdEncoding.EncodeToString(c.ca.PEM)
	hook := func(name string, port int, failurePolicy string, selector string) string {
		return fmt.Sprintf(`  - name: %s
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: %s
    timeoutSeconds: 5
    matchPolicy: Equivalent
    clientConfig:
      url: https://127.0.0.1:%d/validate
      caBundle: %s
    namespaceSelector:
      matchExpressions:
%s
    rules:
      - operations: ["CREATE", "UPDATE"]
        apiGroups: [""]
        apiVersions: ["v1"]
        resources: ["pods", "replicationcontrollers"]
        scope: Namespaced
      - operations: ["CREATE", "UPDATE"]
        apiGroups: ["apps"]
        apiVersions: ["v1"]
        resources: ["deployments", "replicasets", "statefulsets", "daemonsets"]
        scope: Namespaced
      - operations: ["CREATE", "UPDATE"]
        apiGroups: ["batch"]
        apiVersions: ["v1"]
        resources: ["jobs", "cronjobs"]
        scope: Namespaced
`, name, failurePolicy, port, caBundle, selector)
	}
	mode := func(m string) string {
		return fmt.Sprintf("        - {key: podlint.io/clustertest, operator: In, values: [%s]}", m)
	}
	// The chart's exemption: by the immutable name label the API server sets.
	exempt := "\n        - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, " + nsExempt + "]}"
	return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: podlint-clustertest
webhooks:
` + hook("deny.podlint.io", denyPort, "Fail", mode("deny")+exempt) +
		hook("warn.podlint.io", warnPort, "Ignore", mode("warn")) +
		hook("open.podlint.io", failingPort, "Ignore", mode("failopen")) +
		hook("closed.podlint.io", failingPort, "Fail", mode("failclosed"))
}
