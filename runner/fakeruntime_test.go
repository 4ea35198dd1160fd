package runner

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/yaml"
)

// fakeRuntime is a podRuntime for the kubelet logic's tests: containers are
// records, time is the pod's fake clock, and the test decides when a
// container exits, how it reacts to its stop signal and what execs and
// network probes answer. It records every call, with the virtual time.
type fakeRuntime struct {
	w      *work
	t0     time.Time
	onExit func()

	mu    sync.Mutex
	seq   int
	calls []string
	byID  map[string]*fakeCtr
	last  map[string]*fakeCtr // latest run by container name

	// Behaviour, set before the Pod starts.
	behave map[string]fakeBehaviour // by container name
	// exec answers an exec (probe or hook): exit code, output, how long it
	// runs. nil: exit 0 at once.
	exec func(name string, cmd []string) (int, string, time.Duration)
	// http answers an HTTP GET; nil: 200.
	http func(url string) bool
	// tcp answers a TCP probe; nil: listening.
	tcp func(port int) bool
	// createErr fails a container's creation.
	createErr func(name string) error
}

// fakeBehaviour is what a container does by itself.
type fakeBehaviour struct {
	// exitAfter makes every run exit by itself after this long with
	// exitCode; 0 means the run keeps running (unless exitNow).
	exitAfter time.Duration
	exitNow   bool
	exitCode  int
	// ignoreTerm makes the stop signal do nothing: only SIGKILL ends it.
	ignoreTerm bool
	// termDelay is how long the run takes to exit after its stop signal.
	termDelay time.Duration
}

type fakeCtr struct {
	name    string
	id      string
	started bool
	exited  *event
	st      containerStatus
}

func newFakeRuntime(w *work) *fakeRuntime {
	return &fakeRuntime{w: w, t0: w.now(), byID: map[string]*fakeCtr{}, last: map[string]*fakeCtr{}, behave: map[string]fakeBehaviour{}}
}

// run is the fake's RunPodSandbox.
func (f *fakeRuntime) run(pod *v1.Pod, opts *Options, payloads map[string][]volumeFile, _ sandboxFiles, onExit func()) (podRuntime, error) {
	f.onExit = onExit
	f.record("runPodSandbox %s", pod.Name)
	return f, nil
}

func (f *fakeRuntime) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s ", f.w.now().Sub(f.t0))+fmt.Sprintf(format, args...))
}

// log returns the calls recorded so far, those starting with one of the
// given verbs (after the time), or all.
func (f *fakeRuntime) log(verbs ...string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		_, rest, _ := strings.Cut(c, " ")
		verb, _, _ := strings.Cut(rest, " ")
		if len(verbs) == 0 || contains(verbs, verb) {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f *fakeRuntime) CreateContainer(c *v1.Container) (string, error) {
	if f.createErr != nil {
		if err := f.createErr(c.Name); err != nil {
			f.record("create %s: %v", c.Name, err)
			return "", err
		}
	}
	f.mu.Lock()
	f.seq++
	fc := &fakeCtr{name: c.Name, id: fmt.Sprintf("%s-%d", c.Name, f.seq), exited: f.w.newEvent()}
	f.byID[fc.id] = fc
	f.last[c.Name] = fc
	f.mu.Unlock()
	f.record("create %s", c.Name)
	return fc.id, nil
}

func (f *fakeRuntime) get(id string) *fakeCtr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byID[id]
}

func (f *fakeRuntime) StartContainer(id string) error {
	fc := f.get(id)
	f.mu.Lock()
	fc.started = true
	b := f.behave[fc.name]
	f.mu.Unlock()
	f.record("start %s", fc.name)
	switch {
	case b.exitNow:
		f.exitRun(fc, b.exitCode)
	case b.exitAfter > 0:
		f.w.goTracked(func() {
			if !f.w.waitEvent(fc.exited, b.exitAfter) {
				f.exitRun(fc, b.exitCode)
			}
		})
	}
	return nil
}

// exit makes the latest run of the container named name exit with code.
func (f *fakeRuntime) exit(name string, code int) {
	f.mu.Lock()
	fc := f.last[name]
	f.mu.Unlock()
	f.exitRun(fc, code)
}

func (f *fakeRuntime) exitRun(fc *fakeCtr, code int) {
	f.mu.Lock()
	if fc.st.Exited {
		f.mu.Unlock()
		return
	}
	reason := "Error"
	if code == 0 {
		reason = "Completed"
	}
	fc.st = containerStatus{Exited: true, ExitCode: code, Reason: reason, FinishedAt: f.w.now()}
	f.mu.Unlock()
	f.record("exit %s %d", fc.name, code)
	fc.exited.fire()
	f.onExit()
}

func (f *fakeRuntime) StopContainer(id string, timeout time.Duration) error {
	fc := f.get(id)
	f.record("stop %s %s", fc.name, timeout)
	f.mu.Lock()
	b := f.behave[fc.name]
	f.mu.Unlock()
	if !b.ignoreTerm && b.termDelay == 0 {
		f.exitRun(fc, 128+15)
		return nil
	}
	if !b.ignoreTerm && b.termDelay < timeout {
		if !f.w.waitEvent(fc.exited, b.termDelay) {
			f.exitRun(fc, 128+15)
		}
		return nil
	}
	if !f.w.waitEvent(fc.exited, timeout) {
		f.record("kill %s", fc.name)
		f.exitRun(fc, 128+9)
	}
	return nil
}

func (f *fakeRuntime) RemoveContainer(id string) {
	if fc := f.get(id); fc != nil {
		f.record("remove %s", fc.name)
	}
}

func (f *fakeRuntime) ContainerStatus(id string) containerStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fc := f.byID[id]; fc != nil {
		return fc.st
	}
	return containerStatus{}
}

func (f *fakeRuntime) ExecSync(id string, cmd []string, timeout time.Duration) (int, string, error) {
	fc := f.get(id)
	f.record("exec %s %s", fc.name, strings.Join(cmd, " "))
	code, out, d := 0, "", time.Duration(0)
	if f.exec != nil {
		code, out, d = f.exec(fc.name, cmd)
	}
	if d > 0 {
		// What is exec'd in a container ends with it.
		if f.w.waitEvent(fc.exited, min(d, timeout)) {
			return 137, out, fmt.Errorf("container %s exited", fc.name)
		}
		if d > timeout {
			return -1, out, fmt.Errorf("command timed out after %s", timeout)
		}
	}
	return code, out, nil
}

func (f *fakeRuntime) HTTPGet(url string, timeout time.Duration) (bool, string, error) {
	f.record("httpGet %s", url)
	if f.http != nil {
		return f.http(url), "", nil
	}
	return true, "", nil
}

func (f *fakeRuntime) TCPListening(port int) bool {
	f.record("tcp %d", port)
	return f.tcp == nil || f.tcp(port)
}

func (f *fakeRuntime) GRPCHealth(port int, service string, timeout time.Duration) (bool, string) {
	f.record("grpc %d %s", port, service)
	return true, ""
}

func (f *fakeRuntime) ContainerLogs(name string) string { return "" }

func (f *fakeRuntime) RemovePodSandbox() { f.record("removePodSandbox") }

// fakeImages resolves every image to nothing in particular.
type fakeImages struct{}

func (fakeImages) Resolve(string) (string, ImageConfig, error) {
	return "/nonexistent", ImageConfig{}, nil
}

// vpod is a Pod run by the kubelet logic over fakeRuntime on a fake clock.
type vpod struct {
	t  *testing.T
	fc *testingclock.FakeClock
	w  *work
	f  *fakeRuntime
	p  *Pod
}

// vstart starts manifest; configure may set the fake's behaviour first.
func vstart(t *testing.T, manifest string, configure func(*fakeRuntime)) *vpod {
	t.Helper()
	pod := &v1.Pod{}
	if err := yaml.UnmarshalStrict([]byte(manifest), pod); err != nil {
		t.Fatalf("decode pod: %v", err)
	}
	fc := testingclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w := newWork(fc)
	f := newFakeRuntime(w)
	if configure != nil {
		configure(f)
	}
	p, err := start(pod, Options{Images: fakeImages{}, StateDir: t.TempDir()}, w, 0, nil, f.run)
	if err != nil {
		t.Fatal(err)
	}
	v := &vpod{t: t, fc: fc, w: w, f: f, p: p}
	t.Cleanup(func() {
		p.Delete()
		v.until("deleted", time.Hour, func(v1.PodStatus) bool {
			select {
			case <-p.Done():
				return true
			default:
				return false
			}
		})
	})
	w.idle()
	return v
}

// elapsed is the virtual time since the Pod started.
func (v *vpod) elapsed() time.Duration { return v.fc.Since(v.f.t0) }

// until lets virtual time pass, one due wait after the other, until cond
// holds for the Pod's status; it fails the test after limit.
func (v *vpod) until(what string, limit time.Duration, cond func(v1.PodStatus) bool) {
	v.t.Helper()
	end := v.fc.Now().Add(limit)
	for {
		v.w.idle()
		if cond(v.p.Status()) {
			return
		}
		next, ok := v.w.next()
		if !ok || next.After(end) {
			v.t.Fatalf("%s: not after %s of virtual time (at %s); calls:\n%s", what, limit, v.elapsed(), strings.Join(v.f.log(), "\n"))
		}
		v.fc.SetTime(next)
	}
}

// advance lets d of virtual time pass.
func (v *vpod) advance(d time.Duration) {
	end := v.fc.Now().Add(d)
	for {
		v.w.idle()
		next, ok := v.w.next()
		if !ok || next.After(end) {
			break
		}
		v.fc.SetTime(next)
	}
	v.fc.SetTime(end)
	v.w.idle()
}

// do runs f (an exit, say) and waits for what follows at this instant.
func (v *vpod) do(f func()) {
	f()
	v.w.idle()
}

func ctrStatus(st v1.PodStatus, name string) *v1.ContainerStatus {
	if cs := findStatus(st.ContainerStatuses, name); cs != nil {
		return cs
	}
	return findStatus(st.InitContainerStatuses, name)
}

func podCondition(st v1.PodStatus, typ v1.PodConditionType) v1.ConditionStatus {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}
