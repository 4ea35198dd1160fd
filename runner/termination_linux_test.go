//go:build linux && cgo

package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestTerminationMessages checks the kubelet's termination messages on real
// containers: the file at terminationMessagePath (default
// /dev/termination-log) bounded to its last 4096 bytes, and
// FallbackToLogsOnError's tail of the output (80 lines, 2048 bytes) only when
// the file is empty and the container failed. With six containers the Pod's
// 12 KiB bound leaves each 2048 bytes: "big" keeps the first 2048 of its last
// 4096.
func TestTerminationMessages(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: term-msg}
spec:
  restartPolicy: Never
  containers:
  - {name: plain, image: busybox, command: [sh, -c, "printf bye > /dev/termination-log; exit 3"]}
  - name: big
    image: busybox
    terminationMessagePath: /tmp/msg
    command: [sh, -c, "head -c 904 /dev/zero | tr '\\0' a > /tmp/msg; head -c 4096 /dev/zero | tr '\\0' b >> /tmp/msg"]
  - name: fallback-lines
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, "for i in $(seq 1 100); do echo line $i; done; exit 1"]
  - name: fallback-bytes
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, "for i in $(seq 1 100); do printf '%039d\\n' $i; done; exit 2"]
  - name: fallback-ok
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, "echo fine"]
  - name: file-wins
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, "echo noise; printf custom > /dev/termination-log; exit 1"]
`)
	st := waitFor(t, p, "Failed", 30*time.Second, phaseIs(v1.PodFailed))
	var lines, numbered strings.Builder
	for i := 1; i <= 100; i++ {
		if i > 20 {
			fmt.Fprintf(&lines, "line %d\n", i)
		}
		fmt.Fprintf(&numbered, "%039d\n", i)
	}
	all := numbered.String()
	for name, want := range map[string]string{
		"plain":          "bye",
		"big":            strings.Repeat("b", 2048),
		"fallback-lines": lines.String(),
		"fallback-bytes": all[len(all)-2048:],
		"fallback-ok":    "",
		"file-wins":      "custom",
	} {
		cs := ctrStatus(st, name)
		if cs == nil || cs.State.Terminated == nil {
			t.Errorf("%s: not terminated: %s", name, describe(st))
			continue
		}
		if got := cs.State.Terminated.Message; got != want {
			t.Errorf("%s: message %q (%d bytes), want %q (%d bytes)", name, got, len(got), want, len(want))
		}
	}
}

// TestTerminationMessageIsPerRun checks that each run has its own message:
// the fallback reads only that run's output, and lastState keeps the
// previous run's message.
func TestTerminationMessageIsPerRun(t *testing.T) {
	p := runScaled(t, `
apiVersion: v1
kind: Pod
metadata: {name: term-runs}
spec:
  restartPolicy: OnFailure
  volumes: [{name: s, emptyDir: {}}]
  containers:
  - name: c
    image: busybox
    terminationMessagePolicy: FallbackToLogsOnError
    volumeMounts: [{name: s, mountPath: /s}]
    command: [sh, -c, "echo x >> /s/runs; n=$(wc -l < /s/runs); echo run$n; [ $n -ge 2 ]"]
`, 0.01)
	st := waitFor(t, p, "Succeeded", 30*time.Second, phaseIs(v1.PodSucceeded))
	cs := ctrStatus(st, "c")
	if cs.RestartCount != 1 || cs.State.Terminated == nil || cs.LastTerminationState.Terminated == nil {
		t.Fatalf("c: %s", describe(st))
	}
	if got := cs.LastTerminationState.Terminated.Message; got != "run1\n" {
		t.Errorf("lastState message %q, want the first run's output only", got)
	}
	if got := cs.State.Terminated.Message; got != "" {
		t.Errorf("state message %q, want none: the run succeeded", got)
	}
}

// TestTerminationMessagesPodCap checks the kubelet's per-Pod bound: 12 KiB
// split evenly between all containers (init containers count, even those that
// wrote nothing), each message keeping its first 12288/N bytes. Four
// containers leave 3072 bytes each.
func TestTerminationMessagesPodCap(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: term-cap}
spec:
  restartPolicy: Never
  initContainers:
  - {name: quiet, image: busybox, command: ["true"]}
  containers:
  - name: big
    image: busybox
    command: [sh, -c, "head -c 2000 /dev/zero | tr '\\0' a > /dev/termination-log; head -c 2096 /dev/zero | tr '\\0' b >> /dev/termination-log"]
  - name: small
    image: busybox
    command: [sh, -c, "printf short > /dev/termination-log"]
  - name: over
    image: busybox
    command: [sh, -c, "head -c 5000 /dev/zero | tr '\\0' c > /dev/termination-log; exit 1"]
`)
	st := waitFor(t, p, "Failed", 30*time.Second, phaseIs(v1.PodFailed))
	for name, want := range map[string]string{
		"big":   strings.Repeat("a", 2000) + strings.Repeat("b", 1072),
		"small": "short",
		"over":  strings.Repeat("c", 3072),
		"quiet": "",
	} {
		cs := ctrStatus(st, name)
		if cs == nil || cs.State.Terminated == nil {
			t.Errorf("%s: not terminated: %s", name, describe(st))
			continue
		}
		if got := cs.State.Terminated.Message; got != want {
			t.Errorf("%s: message of %d bytes (%.10q...), want %d bytes", name, len(got), got, len(want))
		}
	}
}
