//go:build linux && cgo

package runner

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestAppContainerExitZeroSucceeds(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo hello from $(hostname)"]}
`)
	st := waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	cs := ctrStatus(st, "main")
	if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 || cs.State.Terminated.Reason != "Completed" {
		t.Fatalf("main: %+v", cs.State)
	}
	if got := p.Logs()["main"]; got != "hello from ok\n" {
		t.Errorf("logs = %q, want the Pod name as hostname", got)
	}
	if conditionTrue(st, v1.PodReady) {
		t.Errorf("a completed Pod is not Ready: %s", describe(st))
	}
}

// startTimes lists the Started events of a container.
func startTimes(p *Pod, name string) []time.Time {
	var out []time.Time
	for _, e := range p.Events() {
		if e.Reason == "Started" && e.Container == name {
			out = append(out, e.Time)
		}
	}
	return out
}

func TestAppExitCodesDecidePhase(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy string
		script string
		want   v1.PodPhase
	}{
		{name: "never-fail", policy: "Never", script: "exit 7", want: v1.PodFailed},
		{name: "never-mixed", policy: "Never", script: "exit 0", want: v1.PodFailed},
		{name: "onfailure-ok", policy: "OnFailure", script: "exit 0", want: v1.PodSucceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: `+tc.name+`}
spec:
  restartPolicy: `+tc.policy+`
  containers:
  - {name: a, image: busybox, command: [sh, -c, "`+tc.script+`"]}
  - {name: b, image: busybox, command: [sh, -c, "exit `+map[bool]string{true: "2", false: "0"}[tc.name == "never-mixed"]+`"]}
`)
			st := waitFor(t, p, string(tc.want), 30*time.Second, phaseIs(tc.want))
			if st.Phase != tc.want {
				t.Errorf("phase %s", st.Phase)
			}
		})
	}
}

func TestOnFailureRestartsFailedAppContainer(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: onfailure}
spec:
  restartPolicy: OnFailure
  volumes: [{name: work, emptyDir: {}}]
  containers:
  - name: flaky
    image: busybox
    command: [sh, -c, "echo x >> /work/runs; test $(wc -l < /work/runs) -ge 3"]
    volumeMounts: [{name: work, mountPath: /work}]
`)
	st := waitFor(t, p, "Succeeded", 60*time.Second, phaseIs(v1.PodSucceeded))
	cs := ctrStatus(st, "flaky")
	if cs.RestartCount != 2 {
		t.Errorf("restarts %d, want 2 (emptyDir survives restarts)", cs.RestartCount)
	}
	if cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 {
		t.Errorf("lastState %+v", cs.LastTerminationState)
	}
	for _, s := range p.History() {
		if s.Status.Phase != v1.PodRunning && s.Status.Phase != v1.PodPending && s.Status.Phase != v1.PodSucceeded {
			t.Errorf("phase %s during OnFailure restarts", s.Status.Phase)
		}
	}
}

func TestAlwaysRestartsCompletedContainer(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: always}
spec:
  containers:
  - {name: quick, image: busybox, command: [sh, -c, "exit 0"]}
`)
	st := waitFor(t, p, "2 restarts", 60*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "quick")
		return cs != nil && cs.RestartCount >= 2
	})
	for _, s := range p.History()[1:] {
		if s.Status.Phase == v1.PodSucceeded || s.Status.Phase == v1.PodFailed {
			t.Fatalf("phase %s under restartPolicy Always", s.Status.Phase)
		}
	}
	if st.Phase != v1.PodRunning {
		t.Errorf("phase %s, want Running", st.Phase)
	}
}

func TestHostnameAndHostsFile(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: named-pod}
spec:
  restartPolicy: Never
  containers:
  - {name: a, image: busybox, command: [sh, -c, "hostname; cat /etc/hostname; grep -c named-pod /etc/hosts"]}
  - {name: b, image: busybox, command: [sh, -c, "sleep 0.2; hostname"]}
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	logs := p.Logs()
	if logs["a"] != "named-pod\nnamed-pod\n1\n" || logs["b"] != "named-pod\n" {
		t.Errorf("logs %q", logs)
	}
}

func TestEnvAndArgsExpansion(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: env}
spec:
  restartPolicy: Never
  containers:
  - name: a
    image: busybox
    env: [{name: GREETING, value: hello}, {name: MSG, value: "$(GREETING) world"}]
    command: [echo]
    args: ["$(MSG)", "$$(MSG)", "$(UNKNOWN)"]
`)
	waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	if got := p.Logs()["a"]; got != "hello world $(MSG) $(UNKNOWN)\n" {
		t.Errorf("logs %q", got)
	}
}

func TestContainerRestartPolicyOverridesPod(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: container-policy}
spec:
  restartPolicy: Never
  volumes: [{name: w, emptyDir: {}}]
  initContainers:
  - name: retry-init
    image: busybox
    restartPolicy: OnFailure
    command: [sh, -c, "echo x >> /w/init; test $(wc -l < /w/init) -ge 2"]
    volumeMounts: [{name: w, mountPath: /w}]
  containers:
  - name: rules
    image: busybox
    restartPolicyRules:
    - action: Restart
      exitCodes: {operator: In, values: [42]}
    command: [sh, -c, "echo x >> /w/app; if [ $(wc -l < /w/app) -lt 3 ]; then exit 42; fi; exit 0"]
    volumeMounts: [{name: w, mountPath: /w}]
`)
	st := waitFor(t, p, "Succeeded", 60*time.Second, phaseIs(v1.PodSucceeded))
	if cs := ctrStatus(st, "retry-init"); cs.RestartCount != 1 {
		t.Errorf("init container with restartPolicy OnFailure under a Never Pod: %d restarts, want 1", cs.RestartCount)
	}
	if cs := ctrStatus(st, "rules"); cs.RestartCount != 2 {
		t.Errorf("restartPolicyRules exit code 42: %d restarts, want 2", cs.RestartCount)
	}
}
