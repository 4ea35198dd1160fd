//go:build linux && cgo

package runner

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestSidecarStartsBeforeNextInitAndKeepsRunning(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: sidecar}
spec:
  terminationGracePeriodSeconds: 2
  restartPolicy: Never
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - name: proxy
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "trap 'echo proxy-stop >> /work/order; exit 0' TERM; sleep 1; touch /tmp/up; echo proxy-up >> /work/order; sleep 100 & wait"]
    volumeMounts: [{name: work, mountPath: /work}]
    startupProbe:
      exec: {command: [test, -f, /tmp/up]}
      periodSeconds: 1
  - name: setup
    image: busybox
    command: [sh, -c, "echo setup >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "echo app >> /work/order; sleep 1; cat /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
`)
	running := waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	if cs := ctrStatus(running, "proxy"); cs.State.Running == nil {
		t.Errorf("sidecar not running with the app: %s", describe(running))
	}
	st := waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got := p.Logs()["app"]; got != "proxy-up\nsetup\napp\n" {
		t.Errorf("order %q: setup must wait for the sidecar's startup probe", got)
	}
	// The sidecar is stopped after the app container, and does not make the
	// Pod fail.
	if cs := ctrStatus(st, "proxy"); cs.State.Running != nil {
		t.Errorf("sidecar still running in a Succeeded Pod")
	}
}

func TestSidecarRestartsUnderNever(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: sidecar-restart}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  initContainers:
  - {name: flaky, image: busybox, restartPolicy: Always, command: [sh, -c, "sleep 0.2; exit 1"]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, "sleep 100"]}
`)
	st := waitFor(t, p, "sidecar restarts", 60*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "flaky")
		return cs != nil && cs.RestartCount >= 2
	})
	if st.Phase != v1.PodRunning {
		t.Errorf("phase %s, want Running", st.Phase)
	}
}

func TestSidecarsStopAfterAppsInReverseOrder(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: sidecar-stop}
spec:
  terminationGracePeriodSeconds: 5
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - name: one
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "trap 'echo one >> /work/stop; exit 0' TERM; sleep 100 & wait"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: two
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "trap 'echo two >> /work/stop; exit 0' TERM; sleep 100 & wait"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "trap 'sleep 0.5; echo app >> /work/stop; exit 0' TERM; sleep 100 & wait"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: reader
    image: busybox
    command: [sh, -c, "trap 'exit 0' TERM; sleep 100 & wait"]
`)
	waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	time.Sleep(300 * time.Millisecond)
	p.Delete()
	<-p.Done()
	st := p.Status()
	one := ctrStatus(st, "one").State.Terminated
	two := ctrStatus(st, "two").State.Terminated
	app := ctrStatus(st, "app").State.Terminated
	if one == nil || two == nil || app == nil {
		t.Fatalf("not all terminated: %s", describe(st))
	}
	if !(app.FinishedAt.Before(&two.FinishedAt) && two.FinishedAt.Before(&one.FinishedAt)) {
		t.Errorf("stop order app %v, two %v, one %v; want app, two, one", app.FinishedAt.Time, two.FinishedAt.Time, one.FinishedAt.Time)
	}
	if st.Phase != v1.PodSucceeded {
		t.Errorf("phase %s, want Succeeded (every container exited 0)", st.Phase)
	}
}

func TestSidecarReadinessCountsForPodReady(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: sidecar-ready}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: proxy
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "sleep 2; touch /tmp/ready; sleep 100"]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ready]}
      periodSeconds: 1
  containers:
  - {name: app, image: busybox, command: [sleep, "100"]}
`)
	running := waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	if conditionTrue(running, v1.PodReady) {
		t.Errorf("Ready while the sidecar is not: %s", describe(running))
	}
	if !conditionTrue(running, v1.PodInitialized) {
		t.Errorf("a started sidecar (no startup probe) should not hold Initialized: %s", describe(running))
	}
	waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
}
