package runner

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// These tests drive the kubelet logic over fakeRuntime in virtual time. The
// kubelet functions each one checks against are named in its comment.

func phaseIs(p v1.PodPhase) func(v1.PodStatus) bool {
	return func(st v1.PodStatus) bool { return st.Phase == p }
}

// calls returns the recorded calls with the given verbs, without times.
func (v *vpod) calls(verbs ...string) []string {
	var out []string
	for _, c := range v.f.log(verbs...) {
		_, rest, _ := strings.Cut(c, " ")
		out = append(out, rest)
	}
	return out
}

// at returns the virtual time of the first recorded call equal to call.
func (v *vpod) at(call string) time.Duration {
	v.t.Helper()
	for _, c := range v.f.log() {
		ts, rest, _ := strings.Cut(c, " ")
		if rest == call {
			d, err := time.ParseDuration(ts)
			if err != nil {
				v.t.Fatal(err)
			}
			return d
		}
	}
	v.t.Fatalf("no call %q in:\n%s", call, strings.Join(v.f.log(), "\n"))
	return 0
}

func sameCalls(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// Init containers run one at a time, in order, each after the one before it
// succeeded, and the app containers after the last (computeInitContainerActions
// in kuberuntime_container.go).
func TestInitContainersRunInOrder(t *testing.T) {
	v := vstart(t, `
metadata: {name: init}
spec:
  initContainers: [{name: a, image: busybox}, {name: b, image: busybox}]
  containers: [{name: app, image: busybox}]
`, func(f *fakeRuntime) {
		f.behave["a"] = fakeBehaviour{exitAfter: time.Second}
		f.behave["b"] = fakeBehaviour{exitAfter: 2 * time.Second}
	})
	v.until("Running", time.Minute, phaseIs(v1.PodRunning))
	sameCalls(t, "starts", v.calls("start"), []string{"start a", "start b", "start app"})
	if got := v.at("start b"); got != time.Second {
		t.Errorf("b started at %s, want when a exited (1s)", got)
	}
	if got := v.at("start app"); got != 3*time.Second {
		t.Errorf("app started at %s, want when b exited (3s)", got)
	}
}

// A failed init container: with restartPolicy Never the Pod fails and
// nothing after it starts; with OnFailure and Always it is restarted, under
// the crash-loop back-off, and the next one waits (computeInitContainerActions:
// "If the init container failed and the restart policy is Never, the pod is
// terminal"; getPhase in kubelet_pods.go).
func TestInitContainerFailureByRestartPolicy(t *testing.T) {
	for _, policy := range []string{"Never", "OnFailure", "Always"} {
		t.Run(policy, func(t *testing.T) {
			v := vstart(t, `
metadata: {name: initfail}
spec:
  restartPolicy: `+policy+`
  initContainers: [{name: a, image: busybox}, {name: b, image: busybox}]
  containers: [{name: app, image: busybox}]
`, func(f *fakeRuntime) { f.behave["a"] = fakeBehaviour{exitNow: true, exitCode: 3} })
			if policy == "Never" {
				v.until("Failed", time.Minute, phaseIs(v1.PodFailed))
				sameCalls(t, "starts", v.calls("start"), []string{"start a"})
				return
			}
			v.until("two restarts", time.Minute, func(st v1.PodStatus) bool {
				return ctrStatus(st, "a").RestartCount >= 2
			})
			st := v.p.Status()
			if st.Phase != v1.PodPending {
				t.Errorf("phase %s, want Pending while an init container crash-loops", st.Phase)
			}
			sameCalls(t, "starts", v.calls("start"), []string{"start a", "start a", "start a"})
			if got := v.at("start a") + 10*time.Second; len(v.f.log("start")) == 3 {
				// The first restart at once, the second after 10 s.
				var times []string
				for _, c := range v.f.log("start") {
					times = append(times, strings.Fields(c)[0])
				}
				if times[1] != "0s" || times[2] != got.String() {
					t.Errorf("restarts at %v, want 0s then 10s", times)
				}
			}
		})
	}
}

// Sidecars (init containers with restartPolicy Always) start in order, each
// once the one before it has started (its startup probe passed), and the app
// containers start while they run; on deletion they stop after the app
// containers, in reverse order (newTerminationOrdering, waitForTurn in
// kuberuntime_termination_order.go).
func TestSidecarStartAndStopOrder(t *testing.T) {
	v := vstart(t, `
metadata: {name: sidecars}
spec:
  initContainers:
  - name: s1
    image: busybox
    restartPolicy: Always
    startupProbe: {exec: {command: [ready]}, periodSeconds: 5}
  - {name: s2, image: busybox, restartPolicy: Always}
  containers: [{name: app, image: busybox}]
`, func(f *fakeRuntime) {
		f.behave["app"] = fakeBehaviour{termDelay: 5 * time.Second}
		f.exec = func(name string, cmd []string) (int, string, time.Duration) {
			if name == "s1" && f.w.now().Sub(f.t0) < 10*time.Second {
				return 1, "not yet", 0
			}
			return 0, "", 0
		}
	})
	v.until("Running", time.Minute, phaseIs(v1.PodRunning))
	sameCalls(t, "starts", v.calls("start"), []string{"start s1", "start s2", "start app"})
	if got := v.at("start s2"); got != 10*time.Second {
		t.Errorf("s2 started at %s, want once s1's startup probe passed (10s)", got)
	}
	v.p.Delete()
	begin := v.elapsed()
	v.until("deleted", time.Hour, func(v1.PodStatus) bool { return isDone(v.p) })
	// The sidecars' grace period is what is left of the Pod's once their
	// turn came (whole seconds, as waitForTurn's caller counts them).
	sameCalls(t, "stops", v.calls("stop", "kill", "exit"), []string{
		"stop app 30s", "exit app 143",
		"stop s2 25s", "exit s2 143",
		"stop s1 25s", "exit s1 143",
	})
	if got := v.at("stop s2 25s") - begin; got != 5*time.Second {
		t.Errorf("s2 stopped %s after deletion, want when app exited (5s)", got)
	}

	// A sidecar waits for its turn at most the grace period: with an app
	// container that ignores its stop signal, the sidecars are stopped when
	// the grace period ends, with the 2 s minimum.
	v2 := vstart(t, `
metadata: {name: sidecars2}
spec:
  terminationGracePeriodSeconds: 10
  initContainers: [{name: s, image: busybox, restartPolicy: Always}]
  containers: [{name: app, image: busybox}]
`, func(f *fakeRuntime) { f.behave["app"] = fakeBehaviour{ignoreTerm: true} })
	v2.until("Running", time.Minute, phaseIs(v1.PodRunning))
	v2.p.Delete()
	v2.until("deleted", time.Hour, func(v1.PodStatus) bool { return isDone(v2.p) })
	if got := v2.at("stop s 2s"); got != v2.at("kill app") {
		t.Errorf("the sidecar was stopped at %s, want at the end of the grace period (%s)", got, v2.at("kill app"))
	}
}

func isDone(p *Pod) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// A postStart hook blocks the start of the next container until it returns
// (kuberuntime's startContainer runs it synchronously; SyncPod starts
// containers one after the other).
func TestPostStartBlocksNextContainerVirtualTime(t *testing.T) {
	v := vstart(t, `
metadata: {name: poststart}
spec:
  containers:
  - name: a
    image: busybox
    lifecycle: {postStart: {exec: {command: [warm-up]}}}
  - {name: b, image: busybox}
`, func(f *fakeRuntime) {
		f.exec = func(name string, cmd []string) (int, string, time.Duration) { return 0, "", 7 * time.Second }
	})
	v.until("Running", time.Minute, func(st v1.PodStatus) bool {
		cs := ctrStatus(st, "b")
		return cs != nil && cs.State.Running != nil
	})
	if got := v.at("start b"); got != 7*time.Second {
		t.Errorf("b started at %s, want after a's 7 s postStart hook", got)
	}
}

// A failing postStart hook kills the container (FailedPostStartHook) and it
// is restarted as its restartPolicy says.
func TestFailedPostStartKillsContainer(t *testing.T) {
	v := vstart(t, `
metadata: {name: poststartfail}
spec:
  containers:
  - name: a
    image: busybox
    lifecycle: {postStart: {exec: {command: [fail]}}}
`, func(f *fakeRuntime) {
		f.exec = func(name string, cmd []string) (int, string, time.Duration) { return 1, "no", 0 }
	})
	v.until("restarted", time.Minute, func(st v1.PodStatus) bool { return ctrStatus(st, "a").RestartCount >= 1 })
	var reasons []string
	for _, e := range v.p.Events() {
		reasons = append(reasons, e.Reason)
	}
	if !slices.Contains(reasons, "FailedPostStartHook") {
		t.Errorf("events %v, want FailedPostStartHook", reasons)
	}
}

// Each probe kind's effect on status (prober worker.doProbe, the prober
// manager's UpdatePodStatus): readiness sets ready and the Ready and
// ContainersReady conditions, failureThreshold failures in a row unready it,
// successThreshold successes ready it again; liveness failures restart the
// container; a startup probe holds liveness and readiness back and keeps
// started false until it passes.
func TestProbeEffects(t *testing.T) {
	t.Run("readiness", func(t *testing.T) {
		var failing atomic.Bool
		v := vstart(t, `
metadata: {name: readiness}
spec:
  containers:
  - name: app
    image: busybox
    readinessProbe: {exec: {command: [check]}, periodSeconds: 2, failureThreshold: 3, successThreshold: 2}
`, func(f *fakeRuntime) {
			f.exec = func(string, []string) (int, string, time.Duration) {
				if failing.Load() {
					return 1, "down", 0
				}
				return 0, "", 0
			}
		})
		v.until("ready", time.Minute, func(st v1.PodStatus) bool { return podCondition(st, v1.PodReady) == v1.ConditionTrue })
		if d := v.elapsed(); d != 2*time.Second {
			t.Errorf("ready after %s, want 2 successes 2 s apart (at 2s)", d)
		}
		failing.Store(true)
		begin := v.elapsed()
		v.until("unready", time.Minute, func(st v1.PodStatus) bool {
			return podCondition(st, v1.PodReady) == v1.ConditionFalse && podCondition(st, v1.ContainersReady) == v1.ConditionFalse
		})
		if d := v.elapsed() - begin; d != 6*time.Second {
			t.Errorf("unready %s after the probe began failing, want 3 failures 2 s apart (6s)", d)
		}
		if cs := ctrStatus(v.p.Status(), "app"); cs.State.Running == nil || cs.RestartCount != 0 {
			t.Errorf("a failing readiness probe changed more than readiness: %+v", cs)
		}
	})
	t.Run("liveness", func(t *testing.T) {
		v := vstart(t, `
metadata: {name: liveness}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    livenessProbe: {exec: {command: [check]}, periodSeconds: 3, failureThreshold: 2}
`, func(f *fakeRuntime) {
			f.exec = func(string, []string) (int, string, time.Duration) { return 1, "down", 0 }
		})
		v.until("restarted", time.Minute, func(st v1.PodStatus) bool { return ctrStatus(st, "app").RestartCount >= 1 })
		// Probes at 0 s and 3 s: the second failure kills it.
		if got := v.at("stop app 5s"); got != 3*time.Second {
			t.Errorf("stopped at %s, want at the second failure (3s)", got)
		}
		if last := ctrStatus(v.p.Status(), "app").LastTerminationState.Terminated; last == nil || last.ExitCode != 143 {
			t.Errorf("last termination %+v, want the stop signal's 143", last)
		}
	})
	t.Run("startup", func(t *testing.T) {
		v := vstart(t, `
metadata: {name: startup}
spec:
  containers:
  - name: app
    image: busybox
    startupProbe: {exec: {command: [started]}, periodSeconds: 4, failureThreshold: 10}
    livenessProbe: {exec: {command: [alive]}, periodSeconds: 1}
    readinessProbe: {exec: {command: [ready]}, periodSeconds: 1}
`, func(f *fakeRuntime) {
			f.exec = func(_ string, cmd []string) (int, string, time.Duration) {
				if cmd[0] == "started" && f.w.now().Sub(f.t0) < 8*time.Second {
					return 1, "starting", 0
				}
				return 0, "", 0
			}
		})
		v.advance(7 * time.Second)
		cs := ctrStatus(v.p.Status(), "app")
		if *cs.Started || cs.Ready {
			t.Errorf("before the startup probe passed: started=%v ready=%v", *cs.Started, cs.Ready)
		}
		for _, c := range v.calls("exec") {
			if c != "exec app started" {
				t.Errorf("%q ran before the startup probe passed", c)
			}
		}
		v.until("ready", time.Minute, func(st v1.PodStatus) bool { return ctrStatus(st, "app").Ready })
		if d := v.elapsed(); d != 8*time.Second {
			t.Errorf("ready at %s, want with the first readiness probe right after startup passed (8s)", d)
		}
	})
	t.Run("startup failure", func(t *testing.T) {
		v := vstart(t, `
metadata: {name: startupfail}
spec:
  containers:
  - name: app
    image: busybox
    startupProbe: {tcpSocket: {port: 80}, periodSeconds: 2, failureThreshold: 3, terminationGracePeriodSeconds: 7}
`, func(f *fakeRuntime) { f.tcp = func(int) bool { return false } })
		v.until("restarted", time.Minute, func(st v1.PodStatus) bool { return ctrStatus(st, "app").RestartCount >= 1 })
		if got := v.at("stop app 7s"); got != 4*time.Second {
			t.Errorf("stopped at %s with the probe's grace period, want at the third failure (4s)", got)
		}
	})
}

// Termination (killContainer in kuberuntime_container.go): the preStop hook
// first, then the stop signal with what is left of the grace period, then
// SIGKILL when it runs out.
func TestTerminationOrdering(t *testing.T) {
	v := vstart(t, `
metadata: {name: term}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: busybox
    lifecycle: {preStop: {exec: {command: [drain]}}}
`, func(f *fakeRuntime) {
		f.behave["app"] = fakeBehaviour{ignoreTerm: true}
		f.exec = func(string, []string) (int, string, time.Duration) { return 0, "", 3 * time.Second }
	})
	v.until("Running", time.Minute, phaseIs(v1.PodRunning))
	v.p.Delete()
	v.until("deleted", time.Hour, func(v1.PodStatus) bool { return isDone(v.p) })
	sameCalls(t, "termination", v.calls("exec", "stop", "kill", "exit", "removePodSandbox"), []string{
		"exec app drain", "stop app 7s", "kill app", "exit app 137", "removePodSandbox",
	})
	if got := v.at("stop app 7s"); got != 3*time.Second {
		t.Errorf("stop signal at %s, want when the 3 s preStop hook returned", got)
	}
	if got := v.at("kill app"); got != 10*time.Second {
		t.Errorf("SIGKILL at %s, want at the end of the 10 s grace period", got)
	}
}

// A preStop hook still running when the grace period ends: executePreStopHook
// stops waiting for it, and killContainer gives the container the minimum
// grace period (minimumGracePeriodInSeconds, 2 s) before SIGKILL: a sleep-60
// hook with a 4 s grace period ends the Pod after 6 s, not 60.
func TestPreStopOverrunGetsTwoSecondExtension(t *testing.T) {
	v := vstart(t, `
metadata: {name: prestop}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: app
    image: busybox
    lifecycle: {preStop: {exec: {command: [sleep, "60"]}}}
`, func(f *fakeRuntime) {
		f.behave["app"] = fakeBehaviour{ignoreTerm: true}
		f.exec = func(string, []string) (int, string, time.Duration) { return 0, "", 60 * time.Second }
	})
	v.until("Running", time.Minute, phaseIs(v1.PodRunning))
	v.p.Delete()
	begin := v.elapsed()
	v.until("deleted", time.Hour, func(v1.PodStatus) bool { return isDone(v.p) })
	if got := v.at("stop app 2s") - begin; got != 4*time.Second {
		t.Errorf("stop signal %s after deletion, want at the end of the grace period (4s)", got)
	}
	if got := v.at("kill app") - begin; got != 6*time.Second {
		t.Errorf("SIGKILL %s after deletion, want after the 2 s extension (6s)", got)
	}
	if got := v.elapsed() - begin; got != 6*time.Second {
		t.Errorf("the Pod was gone %s after deletion, want 6s", got)
	}
}

// During graceful termination the readiness probe keeps running (prober
// worker.doProbe stops only liveness and startup probes on deletion): a
// failure turns ready, Ready and ContainersReady to False while the
// container still runs, and the history shows it.
func TestReadinessProbedDuringTermination(t *testing.T) {
	var deleting atomic.Bool
	v := vstart(t, `
metadata: {name: drain}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: app
    image: busybox
    readinessProbe: {exec: {command: [ready]}, periodSeconds: 1, failureThreshold: 1}
    livenessProbe: {exec: {command: [alive]}, periodSeconds: 1}
`, func(f *fakeRuntime) {
		f.behave["app"] = fakeBehaviour{ignoreTerm: true}
		f.exec = func(_ string, cmd []string) (int, string, time.Duration) {
			if cmd[0] == "ready" && deleting.Load() {
				return 1, "draining", 0
			}
			return 0, "", 0
		}
	})
	v.until("Ready", time.Minute, func(st v1.PodStatus) bool { return podCondition(st, v1.PodReady) == v1.ConditionTrue })
	deleting.Store(true)
	v.p.Delete()
	v.until("unready", time.Minute, func(st v1.PodStatus) bool { return podCondition(st, v1.PodReady) == v1.ConditionFalse })
	st := v.p.Status()
	cs := ctrStatus(st, "app")
	if cs.State.Running == nil || cs.Ready || podCondition(st, v1.ContainersReady) != v1.ConditionFalse {
		t.Errorf("want a running, unready container and ContainersReady False: %+v %v", cs, st.Conditions)
	}
	begin := len(v.calls("exec"))
	v.advance(5 * time.Second)
	for _, c := range v.calls("exec")[begin:] {
		if c == "exec app alive" {
			t.Errorf("liveness probed during termination")
		}
	}
	v.until("deleted", time.Hour, func(v1.PodStatus) bool { return isDone(v.p) })
	unreadyRunning := false
	for _, s := range v.p.History() {
		cs := ctrStatus(s.Status, "app")
		if cs != nil && cs.State.Running != nil && !cs.Ready && podCondition(s.Status, v1.PodReady) == v1.ConditionFalse {
			unreadyRunning = true
		}
	}
	if !unreadyRunning {
		t.Error("the history has no status with the container running and unready")
	}
}

// activeDeadlineSeconds fails the Pod with DeadlineExceeded and stops its
// containers (pkg/kubelet/active_deadline.go, the pod worker's kill).
func TestActiveDeadlineVirtualTime(t *testing.T) {
	v := vstart(t, `
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 90
  containers: [{name: app, image: busybox}]
`, nil)
	v.until("Failed", time.Hour, phaseIs(v1.PodFailed))
	if d := v.elapsed(); d != 90*time.Second {
		t.Errorf("failed at %s, want at the 90 s deadline", d)
	}
	if st := v.p.Status(); st.Reason != "DeadlineExceeded" {
		t.Errorf("reason %q", st.Reason)
	}
	if got := v.at("stop app 30s"); got != 90*time.Second {
		t.Errorf("stopped at %s", got)
	}
}
