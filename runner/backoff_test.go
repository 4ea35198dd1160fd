package runner

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestBackOffVirtualTime follows a crash-looping container over 25 minutes
// of virtual time: the kubelet's doBackOff (pkg/kubelet/kuberuntime/
// kuberuntime_manager.go) over flowcontrol.Backoff (client-go util/
// flowcontrol: IsInBackOffSince, Next, hasExpired) restarts it at once the
// first time, then after 10 s doubling to the 5-minute cap
// (MaxContainerBackOff), and starts over from 10 s once it has run cleanly
// for longer than twice the cap.
func TestBackOffVirtualTime(t *testing.T) {
	v := vstart(t, `
metadata: {name: crash}
spec:
  restartPolicy: Always
  containers: [{name: app, image: busybox}]
`, func(f *fakeRuntime) { f.behave["app"] = fakeBehaviour{exitNow: true, exitCode: 1} })
	startsAt := func() []time.Duration {
		var out []time.Duration
		for _, c := range v.f.log("start") {
			d, err := time.ParseDuration(c[:len(c)-len(" start app")])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}
	restarts := func(n int32) func(v1.PodStatus) bool {
		return func(st v1.PodStatus) bool {
			cs := ctrStatus(st, "app")
			return cs != nil && cs.RestartCount >= n
		}
	}
	v.until("9 restarts", time.Hour, restarts(9))
	got := startsAt()
	want := []time.Duration{0, 0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("starts at %v, want %d of them", got, len(want))
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i] - got[i-1]; gap != want[i] {
			t.Errorf("restart %d came %s after the exit before it, want %s (all starts: %v)", i, gap, want[i], got)
		}
	}
	// While it backs off, the status says so.
	cs := ctrStatus(v.p.Status(), "app")
	if cs.State.Running == nil && (cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff") && cs.State.Terminated == nil {
		t.Errorf("state %+v", cs.State)
	}

	// Now the container runs: it exits after 11 minutes, more than twice the
	// cap after the last back-off update, and restarts at once, with the
	// back-off back at 10 s.
	v.f.behave["app"] = fakeBehaviour{exitAfter: 11 * time.Minute, exitCode: 1}
	v.until("the 10th restart", time.Hour, restarts(10))
	v.f.behave["app"] = fakeBehaviour{exitNow: true, exitCode: 1}
	v.until("the 12th restart", 2*time.Hour, restarts(12))
	got = startsAt()
	n := len(got)
	if gap := got[n-2] - got[n-3]; gap != 11*time.Minute {
		t.Errorf("the run after the reset came %s after the crash, want at once after its 11 minutes", gap)
	}
	if gap := got[n-1] - got[n-2]; gap != 10*time.Second {
		t.Errorf("after a clean run of 11 minutes the back-off is %s, want 10 s again", gap)
	}
}
