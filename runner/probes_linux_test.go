//go:build linux && cgo

package runner

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestExecReadinessProbeMakesPodReady(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "sleep 1; touch /tmp/ready; sleep 100"]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ready]}
      periodSeconds: 1
`)
	running := waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	if conditionTrue(running, v1.PodReady) && !ctrStatus(running, "app").Ready {
		t.Errorf("Ready condition without a ready container")
	}
	st := waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	if !conditionTrue(st, v1.ContainersReady) || !ctrStatus(st, "app").Ready {
		t.Errorf("%s", describe(st))
	}
	ready := firstTime(t, p, "Ready", func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	started := ctrStatus(st, "app").State.Running.StartedAt.Time
	if ready.Sub(started) < 900*time.Millisecond {
		t.Errorf("ready %v after start, before the file existed", ready.Sub(started))
	}
	// Before that, the Pod was Running but not Ready, with the kubelet's reason.
	for _, c := range running.Conditions {
		if c.Type == v1.PodReady && c.Status == v1.ConditionFalse && (c.Reason != "ContainersNotReady" || !strings.Contains(c.Message, "app")) {
			t.Errorf("Ready condition %+v", c)
		}
	}
}

func TestReadinessFailureOnlyUnreadies(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 100"]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ok]}
      periodSeconds: 1
      failureThreshold: 1
`)
	waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	st := waitFor(t, p, "not Ready again", 30*time.Second, func(st v1.PodStatus) bool { return !conditionTrue(st, v1.PodReady) })
	cs := ctrStatus(st, "app")
	if st.Phase != v1.PodRunning || cs.State.Running == nil || cs.RestartCount != 0 {
		t.Errorf("a readiness failure must not restart: %s", describe(st))
	}
}

func TestLivenessFailureRestartsContainer(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: liveness}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "echo started; sleep 100"]
    livenessProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 2
`)
	st := waitFor(t, p, "a restart", 60*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "app")
		return cs != nil && cs.RestartCount >= 1 && cs.State.Running != nil
	})
	last := ctrStatus(st, "app").LastTerminationState.Terminated
	if last == nil || last.ExitCode != 137 && last.ExitCode != 143 {
		t.Errorf("last state %+v, want killed", last)
	}
	var unhealthy, killing bool
	for _, e := range p.Events() {
		unhealthy = unhealthy || e.Reason == "Unhealthy" && strings.HasPrefix(e.Message, "Liveness probe failed")
		killing = killing || e.Reason == "Killing" && strings.Contains(e.Message, "failed liveness probe, will be restarted")
	}
	if !unhealthy || !killing {
		t.Errorf("events: Unhealthy %v, Killing %v", unhealthy, killing)
	}
	if st.Phase != v1.PodRunning {
		t.Errorf("phase %s", st.Phase)
	}
}

func TestTCPSocketProbeSeesListenerInPod(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: tcp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: server
    image: busybox
    ports: [{name: web, containerPort: 8080}]
    command: [sh, -c, "sleep 1; exec nc -ll -p 8080 -e cat"]
    readinessProbe:
      tcpSocket: {port: web}
      periodSeconds: 1
`)
	st := waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	ready := firstTime(t, p, "Ready", func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	if ready.Sub(ctrStatus(st, "server").State.Running.StartedAt.Time) < 900*time.Millisecond {
		t.Errorf("ready before the listener existed")
	}
}

func TestHTTPGetProbeRunsInsidePodNetwork(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: http}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [sh, -c, "mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www"]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      initialDelaySeconds: 1
`)
	waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	time.Sleep(2 * time.Second)
	st := p.Status()
	if cs := ctrStatus(st, "web"); cs.RestartCount != 0 || !cs.Ready {
		t.Errorf("a passing liveness probe restarted or unreadied: %s", describe(st))
	}
}

func TestHTTPGetProbeFailureStatusCode(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: http404}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [sh, -c, "mkdir -p /www && exec httpd -f -p 8080 -h /www"]
    readinessProbe:
      httpGet: {path: /missing, port: 8080}
      periodSeconds: 1
`)
	waitEvent(t, p, 30*time.Second, func(e Event) bool {
		return e.Reason == "Unhealthy" && strings.Contains(e.Message, "404")
	})
	if conditionTrue(p.Status(), v1.PodReady) {
		t.Errorf("ready with a 404 probe")
	}
}

func TestStartupProbeGatesLiveness(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: startup}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: slow
    image: busybox
    command: [sh, -c, "sleep 2; touch /tmp/up; sleep 100"]
    startupProbe:
      exec: {command: [test, -f, /tmp/up]}
      periodSeconds: 1
      failureThreshold: 10
    livenessProbe:
      exec: {command: [test, -f, /tmp/up]}
      periodSeconds: 1
      failureThreshold: 1
`)
	running := waitFor(t, p, "Running", 30*time.Second, phaseIs(v1.PodRunning))
	if cs := ctrStatus(running, "slow"); cs.Started == nil || *cs.Started {
		t.Errorf("started before the startup probe passed: %+v", cs.Started)
	}
	st := waitFor(t, p, "started", 30*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "slow")
		return cs != nil && cs.Started != nil && *cs.Started
	})
	time.Sleep(1500 * time.Millisecond)
	st = p.Status()
	if cs := ctrStatus(st, "slow"); cs.RestartCount != 0 || !cs.Ready {
		t.Errorf("liveness ran before startup passed or container unready: %s", describe(st))
	}
}

func TestStartupProbeFailureRestarts(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: startup-fail}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: never
    image: busybox
    command: [sleep, "100"]
    startupProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 2
`)
	waitFor(t, p, "a restart", 60*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "never")
		return cs != nil && cs.RestartCount >= 1
	})
	found := false
	for _, e := range p.Events() {
		found = found || e.Reason == "Killing" && strings.Contains(e.Message, "failed startup probe")
	}
	if !found {
		t.Errorf("no Killing event for the startup probe")
	}
}
