//go:build linux && cgo

package runner

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// The container's stdout and stderr are a pipe the runtime side writes to
// the log, as under containerd and CRI-O: an exec hook that opens
// /proc/1/fd/1 for writing, even truncating (>), adds to the log and erases
// nothing of what the container wrote before.
func TestHookWritingToProcOneFdOneAppends(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: hooklog}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "echo first; echo second >&2; trap 'echo TERM; exit 0' TERM; sleep 100 & wait"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo from-hook > /proc/1/fd/1"]}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(300 * time.Millisecond)
	p.Delete()
	<-p.Done()
	if got := p.Logs()["app"]; got != "first\nsecond\nfrom-hook\nTERM\n" {
		t.Errorf("logs %q, want the container's output, the hook's line, then TERM", got)
	}
}

// A preStop hook still running when the grace period ends gets no more: the
// container is stopped then, with the 2 s minimum grace period before
// SIGKILL (killContainer), so a sleep-60 hook with a 4 s grace period ends
// the Pod after about 6 s.
func TestPreStopOverrunIsCutAtGracePeriod(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: slowprestop}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap '' TERM; sleep 100 & wait; sleep 100"]
    lifecycle:
      preStop:
        exec: {command: [sleep, "60"]}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	p.Delete()
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the Pod outlived its grace period by far: still there 30 s after deletion")
	}
	term := ctrStatus(p.Status(), "app").State.Terminated
	if term == nil {
		t.Fatal("no terminated state")
	}
	took := term.FinishedAt.Sub(*p.DeletionRequestedAt())
	if took < 5*time.Second || term.ExitCode != 137 {
		t.Errorf("the container ended %s after deletion with %d, want SIGKILL (137) after 4 s and the 2 s extension", took, term.ExitCode)
	}
}

// During graceful termination the readiness probe keeps running: a container
// that starts failing it while it drains turns unready, and the Pod's Ready
// and ContainersReady False, before it exits; the history shows it.
func TestReadinessDuringTermination(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: drain}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "touch /tmp/ready; trap 'rm /tmp/ready; sleep 4; exit 0' TERM; sleep 100 & wait"]
    readinessProbe:
      exec: {command: [test, -e, /tmp/ready]}
      periodSeconds: 1
      failureThreshold: 1
`)
	waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	p.Delete()
	<-p.Done()
	del := *p.DeletionRequestedAt()
	seen := false
	for _, s := range p.History() {
		cs := ctrStatus(s.Status, "app")
		if s.Time.After(del) && cs != nil && cs.State.Running != nil && !cs.Ready &&
			!conditionTrue(s.Status, v1.PodReady) && !conditionTrue(s.Status, v1.ContainersReady) {
			seen = true
		}
	}
	if !seen {
		var b strings.Builder
		for _, s := range p.History() {
			b.WriteString(s.Time.Format("15:04:05.000") + " " + describe(s.Status) + "\n")
		}
		t.Errorf("no status after deletion with the container running and unready:\n%s", b.String())
	}
}
