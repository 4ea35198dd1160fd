//go:build linux && cgo

package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/runner/image/testimage"
)

// grpcImages returns the image localhost/podlint/grpc-health:1, busybox with
// the static gRPC health server of testdata/grpchealth at
// /usr/local/bin/grpchealth, in a store chained before the host's busybox.
// scripts/runner-tests.sh builds the server as root (the test user cannot
// read root's module cache) and names it in PODLINT_GRPC_HEALTH_SERVER;
// otherwise the test builds it.
func grpcImages(t *testing.T) Images {
	t.Helper()
	canRun(t)
	bin := os.Getenv("PODLINT_GRPC_HEALTH_SERVER")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "grpchealth")
		cmd := exec.Command("go", "build", "-o", bin, "./testdata/grpchealth")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("cannot build the gRPC health server (scripts/runner-tests.sh builds it): %v\n%s", err, out)
		}
	}
	body, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	img := busyboxImage(t)
	img.Name = "localhost/podlint/grpc-health:1"
	img.Layers = append(img.Layers, testimage.Layer{Entries: []testimage.Entry{
		testimage.Dir("usr/local", 0o755), testimage.Dir("usr/local/bin", 0o755),
		testimage.File("usr/local/bin/grpchealth", 0o755, string(body)),
	}})
	store := storeWith(t, img)
	return ChainImages{StoreImages{Store: store}, testImages(t)}
}

// TestGRPCProbes checks gRPC probes with the standard health protocol, run
// from inside the Pod's network namespace on the Pod's IP: SERVING is
// success (readiness once the server turns SERVING), a named service that
// is NOT_SERVING fails liveness and restarts the container, and a port
// nobody listens on fails as the kubelet's blocking dial does, with a
// connect timeout.
func TestGRPCProbes(t *testing.T) {
	imgs := grpcImages(t)
	p := runWith(t, `
apiVersion: v1
kind: Pod
metadata: {name: grpc}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: ready
    image: localhost/podlint/grpc-health:1
    command: [/usr/local/bin/grpchealth, -addr, ":50051", -serving-after, 1s]
    readinessProbe:
      grpc: {port: 50051}
      periodSeconds: 1
      timeoutSeconds: 5
  - name: sick
    image: localhost/podlint/grpc-health:1
    command: [/usr/local/bin/grpchealth, -addr, ":50052", -status, db=NOT_SERVING, -status, web=SERVING]
    # Generous timeouts and a late liveness probe: under load, starting the
    # probe helper in the Pod can take most of a second, and readiness must
    # be seen before liveness restarts the container.
    readinessProbe:
      grpc: {port: 50052, service: web}
      periodSeconds: 1
      timeoutSeconds: 5
    livenessProbe:
      grpc: {port: 50052, service: db}
      initialDelaySeconds: 3
      periodSeconds: 1
      timeoutSeconds: 5
      failureThreshold: 1
  - name: nothing
    image: busybox
    command: [sleep, "100"]
    readinessProbe:
      grpc: {port: 50053}
      periodSeconds: 1
      timeoutSeconds: 1
`, Options{Images: imgs})
	st := waitFor(t, p, "ready Ready and sick restarted", 60*time.Second, func(st v1.PodStatus) bool {
		return ctrStatus(st, "ready").Ready && ctrStatus(st, "sick").RestartCount >= 1
	})
	readyAt := firstTime(t, p, "ready Ready", func(st v1.PodStatus) bool { return ctrStatus(st, "ready").Ready })
	if started := ctrStatus(st, "ready").State.Running.StartedAt.Time; readyAt.Sub(started) < 900*time.Millisecond {
		t.Errorf("ready %v after start, before the server reported SERVING", readyAt.Sub(started))
	}
	firstTime(t, p, "sick Ready (service web SERVING)", func(st v1.PodStatus) bool { return ctrStatus(st, "sick").Ready })
	if conditionTrue(st, v1.PodReady) || ctrStatus(st, "nothing").Ready {
		t.Errorf("nothing listens for the probe of nothing: %s", describe(st))
	}
	waitEvent(t, p, 30*time.Second, func(e Event) bool { return e.Container == "nothing" && e.Reason == "Unhealthy" })
	var sickMsg, killing, nothingMsg string
	for _, e := range p.Events() {
		switch {
		case e.Container == "sick" && e.Reason == "Unhealthy" && sickMsg == "":
			sickMsg = e.Message
		case e.Container == "sick" && e.Reason == "Killing" && killing == "":
			killing = e.Message
		case e.Container == "nothing" && e.Reason == "Unhealthy" && nothingMsg == "":
			nothingMsg = e.Message
		case e.Container == "ready" && e.Reason == "Unhealthy" && !strings.Contains(e.Message, `responded with "NOT_SERVING"`):
			t.Errorf("ready: %s", e.Message)
		}
	}
	if want := `Liveness probe failed: service unhealthy (responded with "NOT_SERVING")`; sickMsg != want {
		t.Errorf("sick: Unhealthy %q, want %q", sickMsg, want)
	}
	if killing != "Container sick failed liveness probe, will be restarted" {
		t.Errorf("sick: Killing %q", killing)
	}
	if want := `Readiness probe failed: timeout: failed to connect service "127.0.0.1:50053" within 1s: context deadline exceeded`; nothingMsg != want {
		t.Errorf("nothing: Unhealthy %q, want %q", nothingMsg, want)
	}
}
