package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podlint/podlint/internal/testpki"
)

// syncBuffer is a bytes.Buffer safe for the server's log writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestWebhookServe runs `podlint webhook serve` as a user would, with a Rego
// policy and a per-rule mode, sends it a review over HTTPS, and stops it with
// the context (SIGTERM in Main).
func TestWebhookServe(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "webhook", "create-pod.request.json")) // TestMain moved to the root
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir) // no .podlint.yaml of the repository
	ca := testpki.NewCA(t, "podlint-test-ca")
	certFile, keyFile, caFile := ca.Files(t, dir)
	policy := filepath.Join(dir, "policies", "team.rego")
	os.MkdirAll(filepath.Dir(policy), 0o755)
	os.WriteFile(policy, []byte(`# METADATA
# title: Pods carry a team label
# custom:
#   id: team-label
#   severity: warning
package podlint.team

deny contains {"msg": "the object has no team label", "path": ["metadata", "labels"]} if {
	not input.metadata.labels.team
}
`), 0o644)
	addr, maddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, Streams{In: strings.NewReader(""), Out: io.Discard, Err: &stderr}, []string{"webhook", "serve",
			"--addr", addr, "--metrics-addr", maddr, "--tls-cert-file", certFile, "--tls-private-key-file", keyFile,
			"--ca-bundle-file", caFile, "--policy", filepath.Join(dir, "policies"),
			"--mode", "warn", "--rule-mode", "init-container-never-exits=deny", "--rule-mode", "team-label=audit"})
	}()
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var ready bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(50 * time.Millisecond) {
		if resp, err := client.Get("http://" + maddr + "/readyz"); err == nil {
			ready = resp.StatusCode == 200
			resp.Body.Close()
		}
	}
	if !ready {
		t.Fatalf("not ready; log:\n%s", stderr.String())
	}
	resp, err := client.Post("https://"+addr+"/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var review admissionv1.AdmissionReview
	err = json.NewDecoder(resp.Body).Decode(&review)
	resp.Body.Close()
	if err != nil || review.Response == nil || review.Response.Allowed || len(review.Response.Warnings) != 1 {
		t.Fatalf("review: %v %+v", err, review.Response)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitClean {
			t.Errorf("exit %d; log:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	var decision map[string]any
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, `"msg":"admission review"`) {
			if err := json.Unmarshal([]byte(line), &decision); err != nil {
				t.Fatal(err)
			}
		}
	}
	if decision["decision"] != "denied" || decision["user"] != "alice@example.com" {
		t.Errorf("decision log: %v", decision)
	}
	if got := decision["auditRules"]; len(got.([]any)) != 2 { // bare-pod (info) and team-label
		t.Errorf("auditRules = %v", got)
	}
}

func TestWebhookServeUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{name: "no certificate", args: []string{"webhook", "serve"}, stderr: "--tls-cert-file and --tls-private-key-file, or --cert-secret for self-managed certificates, are required"},
		{name: "both kinds of certificate", args: []string{"webhook", "serve", "--tls-cert-file", "x", "--tls-private-key-file", "y", "--cert-secret", "ns/s", "--webhook-config-name", "p"}, stderr: "exclude each other"},
		{name: "secret without namespace", args: []string{"webhook", "serve", "--cert-secret", "certs", "--webhook-config-name", "p"}, stderr: `--cert-secret "certs": want NAMESPACE/NAME`},
		{name: "secret without webhook configuration", args: []string{"webhook", "serve", "--cert-secret", "ns/certs"}, stderr: "--cert-secret needs --webhook-config-name"},
		{name: "no kubeconfig outside a cluster", args: []string{"webhook", "serve", "--cert-secret", "ns/certs", "--webhook-config-name", "p", "--cert-dns-name", "x", "--kubeconfig", "testdata/kubeconfig/absent.yaml"}, stderr: "self-managed certificates need the Kubernetes API"},
		{name: "bad mode", args: []string{"webhook", "serve", "--mode", "block", "--tls-cert-file", "x", "--tls-private-key-file", "y"}, stderr: `unknown mode "block"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, cliCase{args: tc.args})
			if code != ExitUsage || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}
