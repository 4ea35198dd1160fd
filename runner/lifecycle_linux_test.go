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
