package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podlint/podlint/internal/testpki"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/webhook"
)

type running struct {
	url, metricsURL string
	client          *http.Client
	server          *webhook.Server
	stop            context.CancelFunc
	done            chan error
}

// start runs a real Server on loopback listeners with cfg's files and handler.
func start(t *testing.T, cfg webhook.ServerConfig, ca *testpki.CA) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := webhook.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry, cfg.Metrics = reg, m
	if cfg.Handler == nil && cfg.LoadError == nil {
		h, err := webhook.NewHandler(webhook.Config{Engine: lint.NewEngine(rules.All(), lint.Options{}), Metrics: m,
			RuleModes: map[string]webhook.Mode{"init-container-never-exits": webhook.ModeDeny}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Handler = h
	}
	srv, err := webhook.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{url: "https://" + ln.Addr().String(), metricsURL: "http://" + mln.Addr().String(),
		server: srv, stop: cancel, done: make(chan error, 1)}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	r.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	go func() { r.done <- srv.Serve(ctx, ln, mln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return r
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestServerHTTPS(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-test-ca")
	certFile, keyFile, caFile := ca.Files(t, t.TempDir())
	r := start(t, webhook.ServerConfig{CertFile: certFile, KeyFile: keyFile, CABundleFile: caFile, ReloadInterval: 20 * time.Millisecond}, ca)

	body, err := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.client.Post(r.url+webhook.ValidatePath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var review admissionv1.AdmissionReview
	err = json.NewDecoder(resp.Body).Decode(&review)
	resp.Body.Close()
	if err != nil || review.Response == nil || review.Response.Allowed || len(review.Response.Warnings) != 1 {
		t.Fatalf("review over HTTPS: %v %+v", err, review.Response)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("not TLS 1.2+: %+v", resp.TLS)
	}

	for _, base := range []string{r.url, r.metricsURL} {
		if code, body := get(t, r.client, base+webhook.HealthzPath); code != 200 {
			t.Errorf("%s/healthz: %d %s", base, code, body)
		}
		if code, body := get(t, r.client, base+webhook.ReadyzPath); code != 200 {
			t.Errorf("%s/readyz: %d %s", base, code, body)
		}
	}
	_, metrics := get(t, r.client, r.metricsURL+webhook.MetricsPath)
	for _, want := range []string{
		`podlint_webhook_requests_total{decision="denied",kind="Pod",mode="deny",operation="CREATE"} 1`,
		`podlint_webhook_violations_total{mode="deny",rule="init-container-never-exits"} 1`,
		`podlint_webhook_request_duration_seconds_bucket{kind="Pod",operation="CREATE",le="0.001"}`,
		`podlint_webhook_request_duration_seconds_bucket{kind="Pod",operation="CREATE",le="10"} 1`,
		`podlint_webhook_certificate_expiry_timestamp_seconds `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// TLS 1.1 and plain HTTP are refused.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get(r.url + webhook.HealthzPath); err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}
	if resp, err := http.Get("http://" + strings.TrimPrefix(r.url, "https://") + webhook.HealthzPath); err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP was served")
		}
		resp.Body.Close()
	}
}

func TestServerCertificateRotation(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-test-ca")
	dir := t.TempDir()
	certFile, keyFile, caFile := ca.Files(t, dir)
	r := start(t, webhook.ServerConfig{CertFile: certFile, KeyFile: keyFile, CABundleFile: caFile, ReloadInterval: 20 * time.Millisecond}, ca)
	if err := r.server.Ready(); err != nil {
		t.Fatalf("not ready with a good certificate: %v", err)
	}
	served := func() *x509.Certificate {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(r.url, "https://"), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	first := served()

	// A certificate from another CA: served (it loads), but not ready, as the
	// API server's caBundle would reject it.
	other := testpki.NewCA(t, "other-ca")
	c, k := other.Serving(t, time.Time{}, time.Time{})
	testpki.Write(t, keyFile, k)
	testpki.Write(t, certFile, c)
	eventually(t, "the new certificate to be served", func() bool { return !served().Equal(first) })
	eventually(t, "readyz to fail on the wrong CA", func() bool {
		err := r.server.Ready()
		return err != nil && strings.Contains(err.Error(), "does not chain")
	})
	code, body := get(t, r.client, r.metricsURL+webhook.ReadyzPath)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "does not chain") {
		t.Errorf("/readyz: %d %s", code, body)
	}

	// A broken key: the previous certificate stays served, readyz says why.
	testpki.Write(t, keyFile, []byte("not a key"))
	eventually(t, "readyz to fail on the broken key", func() bool {
		err := r.server.Ready()
		return err != nil && strings.Contains(err.Error(), "loading the serving certificate")
	})
	if served() == nil {
		t.Error("no certificate served after a failed reload")
	}

	// Back to one of the right CA: ready again.
	c, k = ca.Serving(t, time.Time{}, time.Time{})
	testpki.Write(t, keyFile, k)
	testpki.Write(t, certFile, c)
	eventually(t, "readyz to recover", func() bool { return r.server.Ready() == nil })

	// An expired certificate is not ready even without a CA bundle check.
	c, k = ca.Serving(t, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	testpki.Write(t, keyFile, k)
	testpki.Write(t, certFile, c)
	eventually(t, "readyz to fail on expiry", func() bool {
		err := r.server.Ready()
		return err != nil && strings.Contains(err.Error(), "expired")
	})
}

func TestServerNotReadyWithoutRules(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-test-ca")
	certFile, keyFile, _ := ca.Files(t, t.TempDir())
	r := start(t, webhook.ServerConfig{CertFile: certFile, KeyFile: keyFile, LoadError: errors.New("policy.rego:3: rego_parse_error")}, ca)
	code, body := get(t, r.client, r.url+webhook.ReadyzPath)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "rego_parse_error") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, _ := get(t, r.client, r.url+webhook.HealthzPath); code != 200 {
		t.Errorf("/healthz: %d (liveness must not fail on configuration)", code)
	}
	resp, err := r.client.Post(r.url+webhook.ValidatePath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("review answered %d without rules", resp.StatusCode)
	}
}

// Shutdown waits for a review in flight, and refuses new connections.
func TestServerGracefulShutdown(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-test-ca")
	certFile, keyFile, _ := ca.Files(t, t.TempDir())
	entered := make(chan struct{})
	slow := &lint.Rule{ID: "test-slow", Category: lint.CategoryPractice, Severity: lint.SeverityWarning, Title: "slow",
		Check: func(p *lint.Pass) {
			close(entered)
			time.Sleep(300 * time.Millisecond)
			p.Report(p.Object.PodSpecPath, "", nil, "slow but done", "")
		}}
	h, err := webhook.NewHandler(webhook.Config{Engine: lint.NewEngine([]*lint.Rule{slow}, lint.Options{}), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := start(t, webhook.ServerConfig{CertFile: certFile, KeyFile: keyFile, Handler: h}, ca)
	body, _ := os.ReadFile(filepath.Join(testdata, "create-pod.request.json"))
	type result struct {
		warnings []string
		err      error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := r.client.Post(r.url+webhook.ValidatePath, "application/json", bytes.NewReader(body))
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var review admissionv1.AdmissionReview
		err = json.NewDecoder(resp.Body).Decode(&review)
		if err == nil && review.Response == nil {
			err = errors.New("no response")
		}
		if err != nil {
			res <- result{err: err}
			return
		}
		res <- result{warnings: review.Response.Warnings}
	}()
	<-entered
	r.stop()
	got := <-res
	if got.err != nil || len(got.warnings) != 1 || !strings.Contains(got.warnings[0], "slow but done") {
		t.Fatalf("in-flight review: %+v", got)
	}
	if err := <-r.done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	r.done <- nil // for the cleanup
	if _, err := r.client.Get(r.url + webhook.HealthzPath); err == nil {
		t.Error("served after shutdown")
	}
}
