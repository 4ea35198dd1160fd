//go:build linux && cgo

package runner

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestFailedPostStartKillsAndRestarts(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: poststart-fail}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: OnFailure
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap 'exit 1' TERM; sleep 100 & wait"]
    lifecycle:
      postStart:
        exec: {command: ["false"]}
`)
	waitEvent(t, p, 30*time.Second, func(e Event) bool { return e.Reason == "FailedPostStartHook" && e.Type == "Warning" })
	waitFor(t, p, "a restart", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "app")
		return cs != nil && cs.RestartCount >= 1
	})
}

func TestPreStopRunsOnDeleteBeforeStopSignal(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: prestop}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap 'echo TERM; exit 0' TERM; echo up; sleep 100 & wait"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo prestop >> /proc/1/fd/1; sleep 1"]}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(200 * time.Millisecond)
	p.Delete()
	<-p.Done()
	if got := p.Logs()["app"]; got != "up\nprestop\nTERM\n" {
		t.Errorf("logs %q, want preStop before the stop signal", got)
	}
	st := p.Status()
	if st.Phase != v1.PodSucceeded {
		t.Errorf("deleted Pod whose container exited 0: phase %s, want Succeeded", st.Phase)
	}
	term := ctrStatus(st, "app").State.Terminated
	if term == nil || term.FinishedAt.Sub(*p.DeletionRequestedAt()) < time.Second {
		t.Errorf("container stopped before preStop's sleep ended: %+v", term)
	}
}

func TestGracePeriodEndsInSIGKILL(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap '' TERM; sleep 100 & wait; sleep 100"]
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(200 * time.Millisecond)
	p.Delete()
	<-p.Done()
	st := p.Status()
	term := ctrStatus(st, "app").State.Terminated
	if term == nil || term.ExitCode != 137 {
		t.Fatalf("terminated %+v, want 137 (SIGKILL)", term)
	}
	if d := term.FinishedAt.Sub(*p.DeletionRequestedAt()); d < time.Second || d > 5*time.Second {
		t.Errorf("killed %v after deletion, want about the 1 s grace period", d)
	}
	if st.Phase != v1.PodFailed {
		t.Errorf("phase %s, want Failed", st.Phase)
	}
}

func TestPreStopCutOffAtGracePeriod(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: prestop-long}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap 'exit 0' TERM; sleep 100 & wait"]
    lifecycle:
      preStop:
        exec: {command: [sleep, "30"]}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	p.Delete()
	<-p.Done()
	term := ctrStatus(p.Status(), "app").State.Terminated
	if term == nil {
		t.Fatalf("not terminated")
	}
	// 1 s for preStop, then the kubelet's minimum 2 s for the stop signal.
	if d := term.FinishedAt.Sub(*p.DeletionRequestedAt()); d > 8*time.Second {
		t.Errorf("stopped after %v: preStop was not cut off", d)
	}
}

func TestSleepPreStopHook(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: sleep-hook}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap 'exit 0' TERM; sleep 100 & wait"]
    lifecycle:
      preStop:
        sleep: {seconds: 1}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	p.Delete()
	<-p.Done()
	term := ctrStatus(p.Status(), "app").State.Terminated
	if term == nil || term.ExitCode != 0 || term.FinishedAt.Sub(*p.DeletionRequestedAt()) < time.Second {
		t.Errorf("terminated %+v: the sleep hook did not delay the stop signal", term)
	}
}

func TestHTTPPostStartHook(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: http-hook}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -vv -p 8080 -h /www"]
  - name: client
    image: busybox
    command: [sleep, "100"]
    lifecycle:
      postStart:
        httpGet: {path: /index.html, port: 8080}
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	for _, e := range p.Events() {
		if strings.Contains(e.Reason, "Failed") {
			t.Errorf("event %+v", e)
		}
	}
}
