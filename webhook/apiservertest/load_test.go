package apiservertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/podlint/podlint/internal/testpki"
)

// TestLoad is the webhook load script (scripts/webhook-load.sh sets
// PODLINT_LOAD_RATE=500 PODLINT_LOAD_DURATION=60s PODLINT_LOAD_STRICT=1):
// realistic Pod and Deployment reviews at a fixed rate over TLS to one
// `podlint webhook serve` process, latency as the client sees it, errors and
// the server's resident memory. A bare Go HTTPS server that answers a canned
// review, loaded the same way in the same run, is the peer: the latency floor
// of this machine, TLS and the load generator. CI runs it short and only
// requires zero errors; the strict run also requires p99 under 5 ms and flat
// memory.
func TestLoad(t *testing.T) {
	rate := envInt(t, "PODLINT_LOAD_RATE", 100)
	d := envDuration(t, "PODLINT_LOAD_DURATION", 3*time.Second)
	strict := os.Getenv("PODLINT_LOAD_STRICT") == "1"
	ca := testpki.NewCA(t, "load-ca")
	dir := t.TempDir()
	certFile, keyFile := writeServing(t, ca, dir)
	bodies := loadReviewBodies(t)
	ctx := context.Background()

	// The peer: same certificate, same client, no judging.
	peer := startPeer(t, certFile, keyFile)
	client := tlsClient(ca.PEM, true)
	peerRes := runLoad(ctx, rate, min(d, 20*time.Second), func(ctx context.Context, i int) error {
		body, uid := bodies.body(i)
		return postReview(ctx, client, peer+"/validate", body, uid)
	})
	t.Logf("peer (bare HTTPS, canned answer): %s", peerRes)

	p := startServe(t, "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--mode", "warn")
	url := "https://" + p.addr + "/validate"
	client = tlsClient(ca.PEM, true)
	// Warm up: connections, the engine's first calls.
	runLoad(ctx, rate, time.Second, func(ctx context.Context, i int) error {
		body, uid := bodies.body(i)
		return postReview(ctx, client, url, body, uid)
	})

	var rss []int
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampled sync.WaitGroup
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			rss = append(rss, rssKiB(p.cmd.Process.Pid))
			select {
			case <-sampleCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	res := runLoad(ctx, rate, d, func(ctx context.Context, i int) error {
		body, uid := bodies.body(i + 1_000_000)
		return postReview(ctx, client, url, body, uid)
	})
	stopSampling()
	sampled.Wait()
	rss = append(rss, rssKiB(p.cmd.Process.Pid))

	t.Logf("podlint: %s", res)
	if peerRes.percentile(99) > 0 {
		t.Logf("podlint/peer: p50 x%.2f, p99 x%.2f", ratio(res.percentile(50), peerRes.percentile(50)), ratio(res.percentile(99), peerRes.percentile(99)))
	}
	quarter, maxRSS := rss[len(rss)/4], 0
	for _, v := range rss {
		maxRSS = max(maxRSS, v)
	}
	last := rss[len(rss)-1]
	t.Logf("podlint RSS: %d MiB at the start, %d MiB a quarter in, %d MiB max, %d MiB at the end (%d samples)",
		rss[0]/1024, quarter/1024, maxRSS/1024, last/1024, len(rss))

	if len(res.errors) > 0 || len(peerRes.errors) > 0 {
		t.Errorf("%d errors (peer %d), first: %v %v", len(res.errors), len(peerRes.errors), first(res.errors), first(peerRes.errors))
	}
	if strict {
		if p99 := res.percentile(99); p99 >= 5*time.Millisecond {
			t.Errorf("p99 %s, want under 5ms", p99)
		}
		// Flat: no growth past the first quarter beyond GC noise.
		if quarter > 0 && float64(last) > 1.25*float64(quarter)+4096 {
			t.Errorf("memory grew from %d KiB to %d KiB", quarter, last)
		}
		if got, want := float64(res.sent)/res.elapsed.Seconds(), 0.95*float64(rate); got < want {
			t.Errorf("the load generator sent %.0f/s, below the %d/s asked: the numbers above do not show the target rate", got, rate)
		}
	}
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// startPeer serves a canned allowed review over HTTPS with the same
// certificate, reading the whole request body as podlint does.
func startPeer(t *testing.T, certFile, keyFile string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		uid := extractUID(body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true}}`, uid)
	})}
	go srv.ServeTLS(ln, certFile, keyFile)
	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String()
}

// extractUID finds the request UID without decoding the whole review (the
// peer must stay a floor, not a second JSON decoder).
func extractUID(body []byte) string {
	const key = `"uid":"`
	for i := 0; i+len(key) < len(body); i++ {
		if string(body[i:i+len(key)]) == key {
			rest := body[i+len(key):]
			for j, c := range rest {
				if c == '"' {
					return string(rest[:j])
				}
			}
		}
	}
	return ""
}
