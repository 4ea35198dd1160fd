package clustertest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podlint/podlint/internal/testpki"
)

// Tokens of the static token file: an admin (system:masters bypasses RBAC) and
// an auditor with no group, who may do only what RBAC grants it.
const (
	adminToken   = "podlint-clustertest-admin"
	auditorToken = "podlint-clustertest-auditor"
	auditorUser  = "podlint-auditor"
	// The chart's ServiceAccount (release podlint in podlint-system), as the
	// API server names it: only the chart's RBAC gives it rights.
	chartSAToken = "podlint-clustertest-chart-sa"
	chartSAUser  = "system:serviceaccount:podlint-system:podlint"
)

// stage prints a timestamped line, so a slow CI run shows where the time went.
func stage(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("%s stage: %s", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// process is a started child process whose output goes to a log file.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs a process in the background. It dies with the test binary
// (Pdeathsig), even when `go test -timeout` kills it, and is stopped by the
// test's cleanup otherwise.
func start(t *testing.T, dir, name string, bin string, args ...string) *process {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("last lines of %s's log:\n%s", name, tail(logPath, 30))
		}
	})
	return p
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls ready until it returns nil, the process exits or the timeout passes.
func waitFor(t *testing.T, p *process, timeout time.Duration, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if p != nil && p.exited() {
			t.Fatalf("%s exited (%v) before it was ready; log:\n%s", p.name, p.err, tail(p.log, 40))
		}
		if err = ready(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s: %v", p.name, timeout, err)
}

// cluster is a running control plane.
type cluster struct {
	dir        string
	kubectl    string
	url        string
	kubeconfig string
	// auditorKubeconfig authenticates as auditorUser, who has no permissions
	// but those RBAC grants.
	auditorKubeconfig string
	// chartSAKubeconfig authenticates as the chart's ServiceAccount.
	chartSAKubeconfig string
	// ca signs the API server's and podlint's serving certificates.
	ca *testpki.CA
	// caFile is ca's PEM, the kubeconfig's certificate-authority and the
	// webhooks' caBundle.
	caFile string
}

// startCluster starts etcd and kube-apiserver on loopback ports, with every
// file in a temporary directory, and waits until the API server is ready.
func startCluster(t *testing.T, kubeBin, etcdBin string) *cluster {
	t.Helper()
	dir := t.TempDir()
	c := &cluster{dir: dir, kubectl: filepath.Join(kubeBin, "kubectl"), ca: testpki.NewCA(t, "podlint-clustertest-ca")}

	stage(t, "etcd")
	clientPort, peerPort := freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd := start(t, dir, "etcd", etcdBin,
		"--name=clustertest", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=clustertest="+peerURL,
		// A throwaway store: no need to wait for fsync on every write.
		"--unsafe-no-fsync", "--log-level=warn")
	waitFor(t, etcd, time.Minute, func() error { return httpOK(http.DefaultClient, etcdURL+"/health", "") })

	stage(t, "kube-apiserver")
	certPEM, keyPEM := c.ca.Serving(t, time.Time{}, time.Time{}, "kubernetes", "kubernetes.default", "kubernetes.default.svc")
	c.caFile = filepath.Join(dir, "ca.crt")
	testpki.Write(t, c.caFile, c.ca.PEM)
	testpki.Write(t, filepath.Join(dir, "apiserver.crt"), certPEM)
	testpki.Write(t, filepath.Join(dir, "apiserver.key"), keyPEM)
	saPub, saKey := serviceAccountKeys(t)
	testpki.Write(t, filepath.Join(dir, "sa.pub"), saPub)
	testpki.Write(t, filepath.Join(dir, "sa.key"), saKey)
	tokens := fmt.Sprintf("%s,admin,admin-uid,system:masters\n%s,%s,%s-uid\n%s,%s,%s-uid,\"system:serviceaccounts,system:serviceaccounts:%s\"\n",
		adminToken, auditorToken, auditorUser, auditorUser, chartSAToken, chartSAUser, chartSAUser, nsRelease)
	testpki.Write(t, filepath.Join(dir, "tokens.csv"), []byte(tokens))
	port := freePort(t)
	c.url = fmt.Sprintf("https://127.0.0.1:%d", port)
	api := start(t, dir, "kube-apiserver", filepath.Join(kubeBin, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--tls-cert-file="+filepath.Join(dir, "apiserver.crt"), "--tls-private-key-file="+filepath.Join(dir, "apiserver.key"),
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		// No controller-manager runs: nothing would keep the kubernetes
		// Service's endpoints, nor create the default ServiceAccount that the
		// ServiceAccount admission plugin waits for.
		"--endpoint-reconciler-type=none",
		"--disable-admission-plugins=ServiceAccount",
		"--v=1")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool(c.ca.PEM)}}}
	waitFor(t, api, 3*time.Minute, func() error { return httpOK(client, c.url+"/readyz", adminToken) })

	c.chartSAKubeconfig = filepath.Join(dir, "chart-sa.kubeconfig")
	testpki.Write(t, c.chartSAKubeconfig, kubeconfig(c.url, c.caFile, chartSAUser, chartSAToken))
	c.kubeconfig = filepath.Join(dir, "kubeconfig")
	c.auditorKubeconfig = filepath.Join(dir, "auditor.kubeconfig")
	testpki.Write(t, c.kubeconfig, kubeconfig(c.url, c.caFile, "admin", adminToken))
	testpki.Write(t, c.auditorKubeconfig, kubeconfig(c.url, c.caFile, auditorUser, auditorToken))
	return c
}

// httpOK GETs url and wants 200.
func httpOK(client *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return fmt.Errorf("%s: %s: %s", url, resp.Status, strings.TrimSpace(b.String()))
	}
	return nil
}

func pool(pemData []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pemData)
	return p
}

// serviceAccountKeys returns a PEM public and private key for signing
// service account tokens, which kube-apiserver requires at startup.
func serviceAccountKeys(t *testing.T) (pub, priv []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func kubeconfig(server, caFile, user, token string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: clustertest
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: clustertest
  context:
    cluster: clustertest
    user: %s
current-context: clustertest
`, server, caFile, user, token, user)
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs a command to completion (within two minutes), with stdin if not nil.
func run(t *testing.T, stdin []byte, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return r
}

// kubectl runs the real kubectl as the admin.
func (c *cluster) kubectlAs(t *testing.T, kubeconfig string, stdin []byte, args ...string) result {
	t.Helper()
	return run(t, stdin, c.kubectl, append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
}

func (c *cluster) kubectlRun(t *testing.T, args ...string) result {
	t.Helper()
	return c.kubectlAs(t, c.kubeconfig, nil, args...)
}

// mustKubectl runs kubectl and fails the test unless it succeeds.
func (c *cluster) mustKubectl(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	r := c.kubectlAs(t, c.kubeconfig, stdin, args...)
	if r.code != 0 {
		t.Fatalf("kubectl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// podlint is a running `podlint webhook serve`.
type podlint struct {
	proc *process
	port int
	// metrics is the base URL of /metrics, /healthz and /readyz.
	metrics string
}

// startPodlint serves the webhook on a loopback port with a certificate of
// the cluster's CA, and waits for /readyz (which checks that the certificate
// chains to the caBundle).
func (c *cluster) startPodlint(t *testing.T, bin, name string, args ...string) *podlint {
	t.Helper()
	dir := filepath.Join(c.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, caFile := c.ca.Files(t, dir)
	port, metricsPort := freePort(t), freePort(t)
	p := &podlint{port: port, metrics: fmt.Sprintf("http://127.0.0.1:%d", metricsPort)}
	p.proc = start(t, c.dir, name, bin, append([]string{"webhook", "serve",
		fmt.Sprintf("--addr=127.0.0.1:%d", port), fmt.Sprintf("--metrics-addr=127.0.0.1:%d", metricsPort),
		"--tls-cert-file=" + certFile, "--tls-private-key-file=" + keyFile, "--ca-bundle-file=" + caFile,
		// The webhook configurations below allow 5 s.
		"--timeout=4s"}, args...)...)
	waitFor(t, p.proc, time.Minute, func() error {
		return httpOK(http.DefaultClient, p.metrics+"/readyz", "")
	})
	return p
}
