package apiservertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"

	"github.com/podlint/podlint/internal/testbin"
	"github.com/podlint/podlint/internal/testpki"
)

// This file runs the real podlint binary (`podlint webhook serve` as its own
// process, so it can be killed and measured) and drives load at it: the load
// and fault scripts (scripts/webhook-load.sh, scripts/webhook-faults.sh) are
// tests here, with short settings in CI.

func TestMain(m *testing.M) {
	// The API server's webhook plugin logs every failed call through klog;
	// the tests assert on those failures, so the lines are noise here.
	klog.SetLogger(logr.Discard())
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// serveProcess is a running `podlint webhook serve`.
type serveProcess struct {
	cmd         *exec.Cmd
	addr        string // host:port of the HTTPS listener
	metricsAddr string
	stderr      *syncBuffer
	exited      chan struct{}
}

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

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts podlint webhook serve with args (the listeners are added)
// and waits until it is ready. The process is killed at the end of the test.
func startServe(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{addr: freePort(t), metricsAddr: freePort(t), stderr: &syncBuffer{}, exited: make(chan struct{})}
	all := append([]string{"webhook", "serve", "--addr", p.addr, "--metrics-addr", p.metricsAddr, "--log-level", "warn"}, args...)
	p.cmd = exec.Command(testbin.Podlint(t, "../.."), all...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + p.metricsAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("podlint exited: %s", p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("podlint not ready after 20 s: %s", p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rssKiB reads the resident set size of pid from /proc (0 if unavailable).
func rssKiB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// reviewBodies are realistic AdmissionReviews, a Deployment and a Pod, from the
// handler's test data; each request gets its own UID.
type reviewBodies struct{ templates [][]byte }

func loadReviewBodies(t *testing.T) *reviewBodies {
	t.Helper()
	r := &reviewBodies{}
	for _, name := range []string{"create-clean.request.json", "create-pod.request.json"} {
		data, err := os.ReadFile(filepath.Join("../../testdata/webhook", name))
		if err != nil {
			t.Fatal(err)
		}
		var review map[string]any
		if err := json.Unmarshal(data, &review); err != nil {
			t.Fatal(err)
		}
		review["request"].(map[string]any)["uid"] = "UID-PLACEHOLDER"
		out, _ := json.Marshal(review)
		r.templates = append(r.templates, out)
	}
	return r
}

func (r *reviewBodies) body(i int) ([]byte, string) {
	uid := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
	return bytes.Replace(r.templates[i%len(r.templates)], []byte("UID-PLACEHOLDER"), []byte(uid), 1), uid
}

// tlsClient trusts caPEM; keepAlive false makes every request a new TLS
// handshake (to see certificate rotations).
func tlsClient(caPEM []byte, keepAlive bool) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 64,
	}}
}

// postReview sends one review and checks that the answer is a review for the
// same UID.
func postReview(ctx context.Context, c *http.Client, url string, body []byte, uid string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, data)
	}
	var out struct {
		Response struct {
			UID string `json:"uid"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Response.UID != uid {
		return fmt.Errorf("bad review response (uid %q, want %q): %.200s", out.Response.UID, uid, data)
	}
	return nil
}

// loadResult is what an open-loop load run saw.
type loadResult struct {
	sent      int
	latencies []time.Duration // of successful requests
	errors    []string
	elapsed   time.Duration
}

// runLoad calls do at rate per second for d, open loop: request i is due at
// start+i/rate whether or not earlier ones have answered, and its latency
// counts from when it was due, so a stall shows in the percentiles instead of
// slowing the load (no coordinated omission).
func runLoad(ctx context.Context, rate int, d time.Duration, do func(ctx context.Context, i int) error) *loadResult {
	res := &loadResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		res.sent++
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			err := do(ctx, i)
			lat := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errors = append(res.errors, fmt.Sprintf("request %d at %s: %v", i, due.Sub(start).Round(time.Millisecond), err))
				return
			}
			res.latencies = append(res.latencies, lat)
		}(i, due)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	sort.Slice(res.latencies, func(a, b int) bool { return res.latencies[a] < res.latencies[b] })
	return res
}

func (r *loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(r.latencies)))
	if i >= len(r.latencies) {
		i = len(r.latencies) - 1
	}
	return r.latencies[i]
}

func (r *loadResult) String() string {
	return fmt.Sprintf("%d requests in %s (%.0f/s), %d errors, latency p50 %s p90 %s p99 %s p99.9 %s max %s",
		r.sent, r.elapsed.Round(time.Millisecond), float64(r.sent)/r.elapsed.Seconds(), len(r.errors),
		r.percentile(50), r.percentile(90), r.percentile(99), r.percentile(99.9), r.percentile(100))
}

// envDuration and envInt read the load settings the scripts pass.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	return def
}

func envInt(t *testing.T, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	return def
}

// writeServing writes a serving certificate of ca for 127.0.0.1 and the
// Service name into dir/tls.crt and dir/tls.key (atomically).
func writeServing(t *testing.T, ca *testpki.CA, dir string) (certFile, keyFile string) {
	t.Helper()
	certPEM, keyPEM := ca.Serving(t, time.Time{}, time.Time{}, serverName)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// The key first: a reload between the two writes sees a mismatched pair
	// and keeps the previous certificate, which is what the reloader is for.
	testpki.Write(t, keyFile, keyPEM)
	testpki.Write(t, certFile, certPEM)
	return certFile, keyFile
}

func kill(p *serveProcess) {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}
