package apiservertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlint/podlint/internal/testpki"
)

// The fault script (scripts/webhook-faults.sh runs these longer with
// PODLINT_FAULT_DURATION): the real podlint process under load, killed,
// rotated, and fed garbage.

// TestFaultKillMidLoad kills podlint with SIGKILL halfway through a load of
// reviews sent by the API server's own webhook plugin: with failurePolicy
// Ignore every request is admitted; with Fail every request after the kill is
// refused with the API server's "failed calling webhook" message, and none
// before it.
func TestFaultKillMidLoad(t *testing.T) {
	d := envDuration(t, "PODLINT_FAULT_DURATION", 2*time.Second)
	rate := envInt(t, "PODLINT_FAULT_RATE", 100)
	for _, policy := range []admissionregistrationv1.FailurePolicyType{admissionregistrationv1.Ignore, admissionregistrationv1.Fail} {
		t.Run(string(policy), func(t *testing.T) {
			ca := testpki.NewCA(t, "fault-ca")
			certFile, keyFile := writeServing(t, ca, t.TempDir())
			p := startServe(t, "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--mode", "deny")
			plugin := newPlugin(t, url.URL{Scheme: "https", Host: p.addr}, hook(policy, 2, ca.PEM))

			// A request that was in flight while podlint died may go either
			// way; only those that ended before the kill or began after it count.
			var killStart, killEnd atomic.Int64
			var mu sync.Mutex
			var admittedAfter, refusedBefore, refusedAfter int
			var wrongMessages []string
			killAt := rate * int(d/time.Second) / 2
			res := runLoad(context.Background(), rate, d, func(_ context.Context, i int) error {
				if i == killAt {
					killStart.Store(time.Now().UnixNano())
					kill(p)
					killEnd.Store(time.Now().UnixNano())
				}
				began := time.Now().UnixNano()
				// A Pod podlint has nothing against: only the outage decides.
				err, _ := admit(t, plugin, cleanPod("team-a", i), nil, false)
				ended := time.Now().UnixNano()
				ks, ke := killStart.Load(), killEnd.Load()
				before := ks == 0 || ended < ks
				after := ke != 0 && began > ke
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && after:
					admittedAfter++
				case err != nil && before:
					refusedBefore++
				case err != nil && after:
					refusedAfter++
					if !strings.Contains(err.Error(), `failed calling webhook "pods.podlint.io"`) {
						wrongMessages = append(wrongMessages, err.Error())
					}
				}
				return nil
			})
			t.Logf("%s: %s; after the kill: %d admitted, %d refused", policy, res, admittedAfter, refusedAfter)
			if refusedBefore > 0 {
				t.Errorf("%d requests refused while podlint was up", refusedBefore)
			}
			if admittedAfter+refusedAfter == 0 {
				t.Fatal("no request was sent after the kill")
			}
			switch policy {
			case admissionregistrationv1.Ignore:
				if refusedAfter > 0 {
					t.Errorf("fail-open refused %d requests", refusedAfter)
				}
			case admissionregistrationv1.Fail:
				if admittedAfter > 0 {
					t.Errorf("fail-closed admitted %d requests unjudged", admittedAfter)
				}
				if len(wrongMessages) > 0 {
					t.Errorf("refused without the API server's message: %q", wrongMessages[0])
				}
			}
		})
	}
}

// TestFaultRotationMidLoad replaces the serving certificate twice during the
// load, first by one of the same CA, then by one of a new CA that the client
// already trusts beside the old one (the caBundle during a CA rotation), with
// every request a fresh TLS handshake: no request may fail, and the new
// certificates must really be served.
func TestFaultRotationMidLoad(t *testing.T) {
	d := envDuration(t, "PODLINT_FAULT_DURATION", 2*time.Second)
	rate := envInt(t, "PODLINT_FAULT_RATE", 100)
	oldCA, newCA := testpki.NewCA(t, "old-ca"), testpki.NewCA(t, "new-ca")
	dir := t.TempDir()
	certFile, keyFile := writeServing(t, oldCA, dir)
	p := startServe(t, "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--cert-reload-interval", "100ms")
	bundle := append(append([]byte{}, oldCA.PEM...), newCA.PEM...)
	client := tlsClient(bundle, false)
	var seenMu sync.Mutex
	seen := map[string]bool{} // issuers of the certificates served
	client.Transport.(*http.Transport).TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
		seenMu.Lock()
		defer seenMu.Unlock()
		seen[cs.PeerCertificates[0].Issuer.CommonName] = true
		return nil
	}
	bodies := loadReviewBodies(t)
	n := rate * int(d/time.Second)
	res := runLoad(context.Background(), rate, d, func(ctx context.Context, i int) error {
		switch i {
		case n / 3:
			writeServing(t, oldCA, dir)
		case 2 * n / 3:
			writeServing(t, newCA, dir)
		}
		body, uid := bodies.body(i)
		return postReview(ctx, client, "https://"+p.addr+"/validate", body, uid)
	})
	t.Logf("rotation: %s", res)
	if len(res.errors) > 0 {
		t.Errorf("%d requests failed during rotations, first: %s", len(res.errors), res.errors[0])
	}
	if !seen["new-ca"] || !seen["old-ca"] {
		t.Errorf("served certificates were issued by %v, want both CAs", seen)
	}
}

// TestFaultGarbage sends malformed and oversized reviews while good ones keep
// coming: each bad one gets a clean 4xx, the good ones are all answered, and
// podlint is still alive at the end.
func TestFaultGarbage(t *testing.T) {
	d := envDuration(t, "PODLINT_FAULT_DURATION", 2*time.Second)
	rate := envInt(t, "PODLINT_FAULT_RATE", 100)
	ca := testpki.NewCA(t, "garbage-ca")
	certFile, keyFile := writeServing(t, ca, t.TempDir())
	p := startServe(t, "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--max-request-bytes", "1048576")
	u := "https://" + p.addr + "/validate"
	client := tlsClient(ca.PEM, true)
	bodies := loadReviewBodies(t)
	good, _ := bodies.body(0)
	bad := []struct {
		name, method, contentType string
		body                      []byte
		want                      int
	}{
		{"not JSON", http.MethodPost, "application/json", []byte("{{{{"), http.StatusBadRequest},
		{"truncated", http.MethodPost, "application/json", good[:len(good)/2], http.StatusBadRequest},
		{"not a review", http.MethodPost, "application/json", []byte(`{"apiVersion":"v1","kind":"Pod"}`), http.StatusBadRequest},
		{"oversized", http.MethodPost, "application/json", bytes.Repeat([]byte(" "), 2<<20), http.StatusRequestEntityTooLarge},
		{"YAML", http.MethodPost, "application/yaml", good, http.StatusUnsupportedMediaType},
		{"GET", http.MethodGet, "", nil, http.StatusMethodNotAllowed},
		{"binary", http.MethodPost, "application/json", []byte{0, 1, 2, 0xff, 0xfe}, http.StatusBadRequest},
	}
	var mu sync.Mutex
	var wrong []string
	res := runLoad(context.Background(), rate, d, func(ctx context.Context, i int) error {
		if i%2 == 0 {
			body, uid := bodies.body(i)
			return postReview(ctx, client, u, body, uid)
		}
		b := bad[(i/2)%len(bad)]
		req, _ := http.NewRequestWithContext(ctx, b.method, u, bytes.NewReader(b.body))
		if b.contentType != "" {
			req.Header.Set("Content-Type", b.contentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != b.want {
			mu.Lock()
			wrong = append(wrong, b.name+": HTTP "+resp.Status)
			mu.Unlock()
		}
		return nil
	})
	t.Logf("garbage: %s", res)
	if len(res.errors) > 0 {
		t.Errorf("%d failures, first: %s", len(res.errors), res.errors[0])
	}
	if len(wrong) > 0 {
		t.Errorf("%d bad requests got the wrong status, first: %s", len(wrong), wrong[0])
	}
	select {
	case <-p.exited:
		t.Fatalf("podlint exited: %s", p.stderr)
	default:
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("podlint logged a panic: %s", p.stderr)
	}
	if os.Getenv("PODLINT_FAULT_VERBOSE") == "1" {
		t.Log(p.stderr)
	}
}

// cleanPod is a Pod podlint finds nothing to deny in, named by i.
func cleanPod(ns string, i int) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: ns},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "example/app:1.0"}},
		},
	}
}
