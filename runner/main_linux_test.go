//go:build linux && cgo

package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func TestMain(m *testing.M) {
	// The test binary is also the container init and the infra process.
	if Reexec() {
		return
	}
	code := m.Run()
	if imagesDir != "" {
		_ = os.RemoveAll(imagesDir)
	}
	os.Exit(code)
}

var (
	imagesOnce sync.Once
	images     *BusyboxImages
	imagesDir  string
)

// testImages shares one busybox root filesystem between the package's tests.
func testImages(t *testing.T) Images {
	t.Helper()
	imagesOnce.Do(func() {
		imagesDir, _ = os.MkdirTemp("", "podlint-images-")
		images = &BusyboxImages{Dir: imagesDir}
	})
	return images
}

// canRun skips with the reason when this machine cannot run rootless
// sandboxes at all; CI's machine must run them (scripts/runner-tests.sh).
func canRun(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		t.Skip("runner tests need an unprivileged user: run scripts/runner-tests.sh")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	if _, err := os.Stat("/proc/self/ns/user"); err != nil {
		t.Skip("kernel without user namespaces")
	}
}

func decodePod(t *testing.T, manifest string) *v1.Pod {
	t.Helper()
	pod := &v1.Pod{}
	if err := yaml.UnmarshalStrict([]byte(manifest), pod); err != nil {
		t.Fatalf("decode pod: %v", err)
	}
	return pod
}

// backOffScale makes the kubelet's 10 s initial back-off 200 ms.
const backOffScale = 0.02

// run starts manifest and deletes it at the end of the test, checking that
// nothing of it is left.
func run(t *testing.T, manifest string) *Pod {
	t.Helper()
	return runScaled(t, manifest, backOffScale)
}

// runScaled is run with another back-off scale.
func runScaled(t *testing.T, manifest string, scale float64) *Pod {
	t.Helper()
	return runWith(t, manifest, Options{BackOffScale: scale})
}

// runWith is run with options; empty Images and StateDir get the test's.
func runWith(t *testing.T, manifest string, opts Options) *Pod {
	t.Helper()
	canRun(t)
	// Pods mostly wait on sleeps and probe periods: run them side by side.
	t.Parallel()
	pod := decodePod(t, manifest)
	state := t.TempDir()
	if opts.Images == nil {
		opts.Images = testImages(t)
	}
	if opts.BackOffScale == 0 {
		opts.BackOffScale = backOffScale
	}
	opts.StateDir = state
	p, err := Start(pod, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		p.Delete()
		select {
		case <-p.Done():
		case <-time.After(60 * time.Second):
			t.Errorf("pod not torn down 60s after deletion")
		}
		if entries, _ := os.ReadDir(filepath.Join(state, "pods")); len(entries) != 0 {
			t.Errorf("state left behind: %v", entries)
		}
		if t.Failed() {
			for _, e := range p.Events() {
				t.Logf("event %s %s %s %s: %s", e.Time.Format("15:04:05.000"), e.Type, e.Reason, e.Container, e.Message)
			}
			for name, l := range p.Logs() {
				t.Logf("logs %s: %q", name, l)
			}
		}
	})
	return p
}

func waitFor(t *testing.T, p *Pod, what string, timeout time.Duration, cond func(v1.PodStatus) bool) v1.PodStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := p.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v; status: %s", what, err, describe(p.Status()))
	}
	return p.Status()
}

func conditionTrue(st v1.PodStatus, t v1.PodConditionType) bool {
	for _, c := range st.Conditions {
		if c.Type == t {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func describe(st v1.PodStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "phase=%s", st.Phase)
	for _, c := range st.Conditions {
		fmt.Fprintf(&b, " %s=%s", c.Type, c.Status)
	}
	for _, cs := range append(append([]v1.ContainerStatus(nil), st.InitContainerStatuses...), st.ContainerStatuses...) {
		s := "?"
		switch {
		case cs.State.Running != nil:
			s = "running"
		case cs.State.Terminated != nil:
			s = fmt.Sprintf("exited(%d)", cs.State.Terminated.ExitCode)
		case cs.State.Waiting != nil:
			s = "waiting(" + cs.State.Waiting.Reason + ")"
		}
		fmt.Fprintf(&b, " %s:%s/r%d/ready=%v", cs.Name, s, cs.RestartCount, cs.Ready)
	}
	return b.String()
}

// firstTime returns when the history first satisfied cond.
func firstTime(t *testing.T, p *Pod, what string, cond func(v1.PodStatus) bool) time.Time {
	t.Helper()
	for _, s := range p.History() {
		if cond(s.Status) {
			return s.Time
		}
	}
	t.Fatalf("history never showed %s", what)
	return time.Time{}
}

// waitEvent polls the Pod's events until one matches (events do not change
// the status, so WaitFor would not notice them).
func waitEvent(t *testing.T, p *Pod, timeout time.Duration, match func(Event) bool) Event {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, e := range p.Events() {
			if match(e) {
				return e
			}
		}
	}
	t.Fatalf("no matching event within %v", timeout)
	return Event{}
}
