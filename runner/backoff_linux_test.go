//go:build linux && cgo

package runner

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// finishToStart lists, for each restart, the time from the previous run's
// end to the next start, from the status history.
func finishToStart(p *Pod, name string) []time.Duration {
	var out []time.Duration
	var lastRestarts int32 = -1
	for _, s := range p.History() {
		cs := ctrStatus(s.Status, name)
		if cs == nil || cs.State.Running == nil || cs.RestartCount == lastRestarts {
			continue
		}
		lastRestarts = cs.RestartCount
		if prev := cs.LastTerminationState.Terminated; prev != nil {
			out = append(out, cs.State.Running.StartedAt.Sub(prev.FinishedAt.Time))
		}
	}
	return out
}

func TestBackOffIsCappedAtFiveMinutes(t *testing.T) {
	const scale = 0.01 // 100 ms doubling to 3 s
	p := runScaled(t, `
apiVersion: v1
kind: Pod
metadata: {name: cap}
spec:
  containers:
  - {name: crash, image: busybox, command: [sh, -c, "exit 1"]}
`, scale)
	waitFor(t, p, "7 restarts", 90*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "crash")
		return cs != nil && cs.RestartCount >= 7
	})
	gaps := finishToStart(p, "crash")
	max := time.Duration(float64(backOffMax) * scale)
	for i, g := range gaps {
		if g > max+time.Second {
			t.Errorf("restart %d waited %v, more than the cap %v", i+1, g, max)
		}
	}
	// 100, 200, 400, 800, 1600 ms, then 3 s: the last gaps reach the cap.
	if n := len(gaps); n < 7 || gaps[n-1] < max*9/10 {
		t.Errorf("gaps %v never reached the cap %v", gaps, max)
	}
}

func TestBackOffResetsAfterTenMinutesOfRunning(t *testing.T) {
	const scale = 0.005 // 50 ms doubling to 1.5 s; reset after 3 s
	p := runScaled(t, `
apiVersion: v1
kind: Pod
metadata: {name: reset}
spec:
  volumes: [{name: work, emptyDir: {}}]
  containers:
  - name: crash
    image: busybox
    command: [sh, -c, "echo x >> /w/n; n=$(wc -l < /w/n); if [ $n = 5 ]; then sleep 3.5; fi; exit 1"]
    volumeMounts: [{name: work, mountPath: /w}]
`, scale)
	waitFor(t, p, "6 restarts", 90*time.Second, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "crash")
		return cs != nil && cs.RestartCount >= 6
	})
	// Start costs dwarf a scaled back-off on a busy machine, so look at the
	// kubelet's decision instead of the clock: after runs 2 to 4 the
	// container waited in CrashLoopBackOff; run 5 lasted longer than twice
	// the cap since the last restart, so the back-off started over and the
	// next restart was immediate, with no CrashLoopBackOff in between.
	waited := map[int32]bool{}
	for _, s := range p.History() {
		if cs := ctrStatus(s.Status, "crash"); cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" {
			waited[cs.RestartCount] = true
		}
	}
	for _, n := range []int32{1, 2, 3} {
		if !waited[n] {
			t.Errorf("no CrashLoopBackOff after run %d (restart count %d): %v", n+1, n, waited)
		}
	}
	if waited[4] {
		t.Errorf("CrashLoopBackOff after the long run 5: the back-off was not reset (%v)", waited)
	}
}
