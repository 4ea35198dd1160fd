package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/clock"
)

// Kubelet constants the runner reproduces.
const (
	backOffInitial     = 10 * time.Second // kubelet's initial crash-loop back-off
	backOffMax         = 5 * time.Minute  // MaxContainerBackOff
	minimumGracePeriod = 2 * time.Second  // minimumGracePeriodInSeconds after preStop
	defaultGracePeriod = 30 * time.Second
	// realResync is how often the pod worker syncs with nothing to wake it
	// on the real clock: a safety net, since exits, probe verdicts and kill
	// completions wake it, and time-based changes (back-off, deadlines) set
	// their own wake-ups.
	realResync = time.Second
	// maxRecords bounds the events and status history kept for a run.
	maxRecords = 10000
)

// Pod is a Pod run by the bundled kubelet: a pod worker (this file) over a
// CRI-shaped runtime (podRuntime) on a clock (work).
type Pod struct {
	spec  *v1.Pod
	opts  Options
	rt    podRuntime // nil when the Pod never got a sandbox (MountError)
	w     *work
	ctrs  []*ctr // init containers, then app containers
	start time.Time

	// Messages to the pod worker and its wake-ups; each queued message and
	// a pending wake-up hold a unit of work, dropped once the worker is gone.
	qmu     sync.Mutex
	queue   []podMsg
	gone    bool
	wake    chan struct{}
	delReq  chan struct{}
	delOnce sync.Once
	done    chan struct{}

	// worker-owned
	resync      time.Duration // 0: none (a fake clock)
	nextWake    time.Time     // earliest time-based change found by this pass
	deleting    bool
	terminating bool // containers are being stopped for good
	termBegin   time.Time
	deadline    bool // activeDeadlineSeconds passed
	reason, msg string

	mu        sync.Mutex
	status    v1.PodStatus
	history   []Snapshot
	events    []Event
	deletedAt *time.Time
	finalLogs map[string]string // kept when the sandbox is removed
	changed   chan struct{}

	mountErr *MountError // set before the worker starts, never changed

	// worker-owned: image pulls, cancelled on deletion
	pulls      map[string]*pullBackOff // by image, as the kubelet keys by Pod and image
	pullCtx    context.Context
	pullCancel context.CancelFunc
}

// ctr is the kubelet's view of one container.
type ctr struct {
	spec    *v1.Container
	init    bool
	sidecar bool
	id      string // the runtime's id of the latest run
	probes  *probeSet
	state   v1.ContainerState
	last    v1.ContainerState
	// turn fires when a container stopping for good may stop: sidecars
	// wait for the app containers and the sidecars after them.
	turn     *event
	restarts int32
	everRan  bool
	started  bool
	ready    bool
	killing  bool
	// kubelet's flowcontrol.Backoff entry for this container
	backoff       time.Duration
	backoffUpdate time.Time
	backoffEvent  time.Time // FinishedAt the BackOff event was recorded for
}

// Start validates the Pod, creates its sandbox and starts the pod worker.
func Start(pod *v1.Pod, opts Options) (*Pod, error) {
	if defaultRunSandbox == nil {
		return nil, ErrUnsupported
	}
	return start(pod, opts, newWork(clock.RealClock{}), realResync, preflight, defaultRunSandbox)
}

// start is Start on a clock (w) and a runtime (run, with check to vet the Pod
// for it first, if set); resync 0 means no periodic sync.
func start(pod *v1.Pod, opts Options, w *work, resync time.Duration, check func(*v1.Pod, *Options) error, run runSandbox) (*Pod, error) {
	if errs := Refusals(pod); len(errs) > 0 {
		return nil, refusalError(errs)
	}
	if opts.Images == nil {
		return nil, errors.New("runner: no image source")
	}
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir()
	}
	if opts.BackOffScale == 0 {
		opts.BackOffScale = 1
	}
	pod = pod.DeepCopy()
	if pod.Spec.RestartPolicy == "" {
		pod.Spec.RestartPolicy = v1.RestartPolicyAlways
	}
	// What the API server, its service account admission and the scheduler
	// would have set, for the downward API and messages.
	if pod.UID == "" {
		pod.UID = uuid.NewUUID()
	}
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	if pod.Spec.NodeName == "" {
		// The kubelet's default node name is the host's name, lowercased.
		if h, err := os.Hostname(); err == nil {
			pod.Spec.NodeName = strings.ToLower(h)
		}
	}
	if check != nil {
		if err := check(pod, &opts); err != nil {
			return nil, err
		}
	}
	if hasLimits(pod) && opts.Warn != nil {
		opts.Warn("CPU and memory limits are not enforced: podlint run has no cgroups")
	}
	p := &Pod{
		spec: pod, opts: opts, w: w, start: w.now(), resync: resync, pulls: map[string]*pullBackOff{},
		wake:   make(chan struct{}, 1),
		delReq: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		p.ctrs = append(p.ctrs, &ctr{spec: c, init: true, sidecar: isSidecar(c)})
	}
	for i := range pod.Spec.Containers {
		p.ctrs = append(p.ctrs, &ctr{spec: &pod.Spec.Containers[i]})
	}
	for _, c := range p.ctrs {
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "PodInitializing"}}
	}
	payloads, mountErr := p.volumePayloads()
	if mountErr != nil {
		// The kubelet waits for volumes before it creates the sandbox: nothing
		// starts, and the sources come from the input file only, so the Pod
		// stays Pending until it is deleted.
		p.mountErr = mountErr
		for _, c := range p.ctrs {
			if len(pod.Spec.InitContainers) == 0 {
				c.state.Waiting.Reason = "ContainerCreating"
			}
		}
		p.event("Warning", "FailedMount", nil, mountErr.Error())
		p.publish(false)
		p.w.begin() // the worker's
		go p.worker()
		return p, nil
	}
	p.pullCtx, p.pullCancel = context.WithCancel(context.Background())
	p.publish(false)
	files, err := loadSandboxFiles(pod, opts.DNS)
	if err != nil {
		return nil, err
	}
	for _, e := range files.Events {
		p.event("Warning", e.Reason, nil, e.Message)
	}
	rt, err := run(pod, &p.opts, payloads, files, p.kick)
	if err != nil {
		return nil, err
	}
	p.rt = rt
	p.publish(true)
	p.w.begin() // the worker's
	go p.worker()
	return p, nil
}

func hasLimits(pod *v1.Pod) bool {
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if len(c.Resources.Limits) > 0 || len(c.Resources.Requests) > 0 {
				return true
			}
		}
	}
	return false
}

// volumePayloads computes the files of every configMap, secret, downwardAPI
// and projected volume, warning once about placeholder tokens.
func (p *Pod) volumePayloads() (map[string][]volumeFile, *MountError) {
	out := map[string][]volumeFile{}
	warned := false
	for i := range p.spec.Spec.Volumes {
		v := &p.spec.Spec.Volumes[i]
		if !isAPIDataVolume(v) {
			continue
		}
		files, token, err := volumePayload(p.spec, v, &p.opts.EnvSources)
		if token && !warned && p.opts.Warn != nil {
			warned = true
			p.opts.Warn("serviceAccountToken projections hold a placeholder, not a token: podlint run has no API server")
		}
		if err != nil {
			var me *MountError
			if !errors.As(err, &me) {
				me = &MountError{Volume: v.Name, Msg: err.Error()}
			}
			return nil, me
		}
		out[v.Name] = files
	}
	return out, nil
}

// MountError returns why the Pod's volumes cannot be set up, or nil: such a
// Pod never starts a container.
func (p *Pod) MountError() error {
	if p.mountErr == nil {
		return nil
	}
	return p.mountErr
}

// Status returns the Pod's current status.
func (p *Pod) Status() v1.PodStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.status.DeepCopy()
}

// History returns every distinct status the Pod went through.
func (p *Pod) History() []Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Snapshot(nil), p.history...)
}

// Events returns the events recorded so far.
func (p *Pod) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// DeletionRequestedAt returns when Delete was first called, or nil.
func (p *Pod) DeletionRequestedAt() *time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deletedAt
}

// Logs returns each container's output so far, all its runs concatenated.
func (p *Pod) Logs() map[string]string {
	p.mu.Lock()
	final := p.finalLogs
	p.mu.Unlock()
	if final != nil {
		return final
	}
	return p.readLogs()
}

func (p *Pod) readLogs() map[string]string {
	out := map[string]string{}
	for _, c := range p.ctrs {
		if p.rt == nil {
			out[c.spec.Name] = "" // never started
			continue
		}
		out[c.spec.Name] = p.rt.ContainerLogs(c.spec.Name)
	}
	return out
}

// WaitFor blocks until cond holds for the Pod's status, the Pod is gone, or
// ctx ends.
func (p *Pod) WaitFor(ctx context.Context, cond func(v1.PodStatus) bool) error {
	for {
		p.mu.Lock()
		st, ch := p.status, p.changed
		p.mu.Unlock()
		if cond(st) {
			return nil
		}
		select {
		case <-ch:
		case <-p.done:
			if cond(p.Status()) {
				return nil
			}
			return errors.New("pod is gone")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Delete requests graceful deletion, as kubectl delete does: preStop hooks,
// stop signals, the grace period and SIGKILL, then the sandbox is removed.
func (p *Pod) Delete() {
	p.delOnce.Do(func() {
		if p.pullCancel != nil {
			p.pullCancel()
		}
		now := p.w.now()
		p.mu.Lock()
		p.deletedAt = &now
		p.mu.Unlock()
		p.w.begin() // handed to the worker
		close(p.delReq)
	})
}

// Done is closed once the Pod has been deleted and its sandbox torn down.
func (p *Pod) Done() <-chan struct{} { return p.done }

func (p *Pod) event(typ, reason string, c *ctr, msg string) {
	e := Event{Time: p.w.now(), Type: typ, Reason: reason, Message: msg}
	if c != nil {
		e.Container = c.spec.Name
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case len(p.events) < maxRecords:
		p.events = append(p.events, e)
	case len(p.events) == maxRecords:
		// A failing probe records an event every period: bound a long run.
		p.events = append(p.events, Event{Time: e.Time, Type: "Warning", Reason: "EventsTruncated",
			Message: fmt.Sprintf("podlint keeps the first %d events; later ones are dropped", maxRecords)})
	}
}

// kick wakes the pod worker for a sync pass; safe from any goroutine.
func (p *Pod) kick() {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	p.w.begin()
	p.wakeLocked()
}

// wakeLocked hands the caller's unit of work to a wake-up, or drops it.
func (p *Pod) wakeLocked() {
	if p.gone {
		p.w.end()
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
		p.w.end() // a wake-up is pending already
	}
}

// send hands a message to the pod worker.
func (p *Pod) send(m podMsg) {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if p.gone {
		return
	}
	p.w.begin()
	p.queue = append(p.queue, m)
	p.w.begin()
	p.wakeLocked()
}

// takeQueue returns the queued messages, each holding a unit of work.
func (p *Pod) takeQueue() []podMsg {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	q := p.queue
	p.queue = nil
	return q
}

// closeQueue drops what is queued for a worker that is about to return.
func (p *Pod) closeQueue() {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	p.gone = true
	for range p.queue {
		p.w.end()
	}
	p.queue = nil
	select {
	case <-p.wake:
		p.w.end()
	default:
	}
}

// wakeAt asks for a sync pass at t, when something time-based changes.
func (p *Pod) wakeAt(t time.Time) {
	if p.nextWake.IsZero() || t.Before(p.nextWake) {
		p.nextWake = t
	}
}

func (p *Pod) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * p.opts.BackOffScale)
}

// worker is the kubelet's pod worker: one goroutine that alone changes the
// Pod's state, woken by exits, probe verdicts, kill completions, deletion
// and the times it asked for. It holds a unit of work except while it waits.
func (p *Pod) worker() {
	delReq := p.delReq
	for {
		p.nextWake = time.Time{}
		p.sync()
		if p.deleting && p.allStopped() {
			p.finish()
			p.closeQueue()
			close(p.done)
			p.w.end()
			return
		}
		stop := p.armWake()
		p.w.end()
		select {
		case <-delReq:
			delReq = nil
			p.deleting = true
			p.beginTermination()
		case <-p.wake:
		}
		stop()
		for _, m := range p.takeQueue() {
			p.handle(m)
			p.w.end()
		}
	}
}

// armWake sets the timer for the next time-based change (or the resync).
func (p *Pod) armWake() (stop func() bool) {
	at := p.nextWake
	if p.resync > 0 {
		if r := p.w.now().Add(p.resync); at.IsZero() || r.Before(at) {
			at = r
		}
	}
	if at.IsZero() {
		return func() bool { return true }
	}
	return p.w.timer(at.Sub(p.w.now()), func() {
		p.qmu.Lock()
		defer p.qmu.Unlock()
		p.wakeLocked()
	})
}

// finish records the last status, keeps the logs and removes the sandbox.
func (p *Pod) finish() {
	p.sync()
	p.publish(true)
	for _, c := range p.ctrs {
		if c.probes != nil {
			c.probes.stop()
			c.probes = nil
		}
	}
	logs := p.readLogs()
	p.mu.Lock()
	p.finalLogs = logs
	p.mu.Unlock()
	if p.rt != nil {
		p.rt.RemovePodSandbox()
	}
}

// running reports whether c has a run the worker has not seen exit.
func (c *ctr) running() bool { return c.state.Running != nil }

// anyRunning reports whether a container process is still running.
func (p *Pod) anyRunning() bool {
	for _, c := range p.ctrs {
		if c.running() {
			return true
		}
	}
	return false
}

// allStopped reports whether no container process is left.
func (p *Pod) allStopped() bool {
	for _, c := range p.ctrs {
		if c.running() || c.killing {
			return false
		}
	}
	return true
}

// sync is one pass of the kubelet's SyncPod: record exits, then start what
// the ordering allows.
func (p *Pod) sync() {
	now := p.w.now()
	for _, c := range p.ctrs {
		if c.running() {
			if st := p.rt.ContainerStatus(c.id); st.Exited {
				p.recordExit(c, st)
			}
		}
	}
	if ads := p.spec.Spec.ActiveDeadlineSeconds; ads != nil && !p.terminating {
		// The kubelet's activeDeadlineHandler (pkg/kubelet/active_deadline.go).
		end := p.start.Add(time.Duration(*ads) * time.Second)
		if !now.Before(end) {
			p.deadline = true
			p.reason, p.msg = "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"
			p.event("Normal", "DeadlineExceeded", nil, p.msg)
			p.beginTermination()
		} else {
			p.wakeAt(end)
		}
	}
	if p.mountErr != nil {
		p.publish(false)
		return
	}
	if p.terminating {
		p.stepTermination()
		p.publish(true)
		return
	}
	phase := Phase(&p.spec.Spec, p.buildStatus(), false)
	if phase == v1.PodSucceeded || phase == v1.PodFailed {
		// The Pod is done: the kubelet stops what still runs (sidecars).
		p.beginTermination()
		p.stepTermination()
		p.publish(true)
		return
	}
	p.syncInit(now)
	p.publish(true)
}

// syncInit walks init containers then app containers in order.
func (p *Pod) syncInit(now time.Time) {
	initDone := true
	for _, c := range p.ctrs {
		if !c.init {
			break
		}
		if c.sidecar {
			if !c.running() {
				if !p.maybeStart(c, now, true) {
					initDone = false
					break
				}
			}
			if !c.started && !c.everStartedOnce() {
				initDone = false
				break
			}
			continue
		}
		if t := c.state.Terminated; t != nil && t.ExitCode == 0 {
			continue
		}
		if c.running() {
			initDone = false
			break
		}
		if !c.everRan || willRestart(&p.spec.Spec, c.spec, true, c.lastExit()) {
			p.maybeStart(c, now, c.everRan)
		}
		initDone = false
		break
	}
	if !initDone {
		return
	}
	for _, c := range p.ctrs {
		if c.init || c.running() {
			continue
		}
		if !c.everRan {
			p.maybeStart(c, now, false)
			continue
		}
		if willRestart(&p.spec.Spec, c.spec, false, c.lastExit()) {
			p.maybeStart(c, now, true)
		}
	}
}

// everStartedOnce reports whether a sidecar has been started and passed its
// startup probe at least once: later restarts do not hold back init.
func (c *ctr) everStartedOnce() bool { return c.restarts > 0 }

func (p *Pod) startContainer(c *ctr) bool {
	if c.state.Terminated != nil {
		c.last = c.state
	}
	// "Already present" once per start, not once per retry of a failed create.
	w := c.state.Waiting
	retry := w != nil && (w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError" || w.Reason == "RunContainerError")
	if !p.ensureImage(c, retry) {
		return false
	}
	// kuberuntime's startContainer: create, then start, each failure with
	// its own waiting reason.
	id, err := p.rt.CreateContainer(c.spec)
	reason := "CreateContainerError"
	var cfgErr *ConfigError
	if errors.As(err, &cfgErr) {
		reason = "CreateContainerConfigError"
	}
	if err == nil {
		p.event("Normal", "Created", c, "Created container: "+c.spec.Name)
		if err = p.rt.StartContainer(id); err != nil {
			reason = "RunContainerError"
			p.rt.RemoveContainer(id)
		}
	}
	if err != nil {
		// The worker retries every pass: record the failure once per
		// distinct error, as the event recorder aggregates repeats.
		if w := c.state.Waiting; w == nil || w.Reason != reason || w.Message != err.Error() {
			p.event("Warning", "Failed", c, "Error: "+err.Error())
		}
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason, Message: err.Error()}}
		return false
	}
	if c.everRan {
		c.restarts++
	}
	c.everRan = true
	c.id = id
	c.started, c.ready = false, false
	c.state = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: metav1.NewTime(p.w.now())}}
	p.event("Normal", "Started", c, "Started container "+c.spec.Name)
	if h := lifecycleHandler(c.spec, true); h != nil {
		// postStart blocks the start of the next container, as in the
		// kubelet (kuberuntime's startContainer runs it synchronously).
		p.publish(true)
		if msg, err := p.runHandler(c, id, h); err != nil {
			p.event("Warning", "FailedPostStartHook", c, fmt.Sprintf("PostStartHook failed: %s", msgOr(msg, err)))
			p.kill(c, p.graceFor(nil), "Killing", "FailedPostStartHook")
			return false
		}
	}
	c.started = c.spec.StartupProbe == nil
	c.ready = c.started && c.spec.ReadinessProbe == nil
	c.probes = p.startProbes(c, id)
	return true
}

// recordExit turns an exited run into a Terminated state.
func (p *Pod) recordExit(c *ctr, st containerStatus) {
	if c.probes != nil {
		c.probes.stop()
		c.probes = nil
	}
	started := c.state.Running.StartedAt
	c.state = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
		ExitCode: int32(st.ExitCode), Reason: st.Reason, StartedAt: started, FinishedAt: metav1.NewTime(st.FinishedAt),
		ContainerID: "podlint://" + c.id, Message: st.Message,
	}}
	c.started, c.ready = false, false
	p.rt.RemoveContainer(c.id)
}
