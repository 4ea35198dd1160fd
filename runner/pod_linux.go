//go:build linux && cgo

package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// Kubelet constants the runner reproduces.
const (
	backOffInitial       = 10 * time.Second // kubelet's initial crash-loop back-off
	backOffMax           = 5 * time.Minute  // MaxContainerBackOff
	minimumGracePeriod   = 2 * time.Second  // minimumGracePeriodInSeconds after preStop
	defaultGracePeriod   = 30 * time.Second
	workerResyncInterval = 20 * time.Millisecond
	// maxRecords bounds the events and status history kept for a run.
	maxRecords = 10000
)

// Pod is a Pod running in the sandbox.
type Pod struct {
	spec  *v1.Pod
	opts  Options
	sb    *sandbox
	ctrs  []*ctr // init containers, then app containers
	start time.Time

	results chan probeResult
	wake    chan struct{}
	delReq  chan struct{}
	delOnce sync.Once
	done    chan struct{}

	// worker-owned
	deleting    bool
	terminating bool // containers are being stopped for good
	deadline    bool // activeDeadlineSeconds passed
	killWG      sync.WaitGroup
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
	spec     *v1.Container
	init     bool
	sidecar  bool
	in       *instance
	probes   *probeSet
	state    v1.ContainerState
	last     v1.ContainerState
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
	// Every id a container will run as must be mapped in the Pod's user
	// namespace: find out before anything starts. A user the image cannot
	// resolve fails that container's creation later, as in the kubelet.
	ids := podIDMap()
	for _, list := range []struct {
		path string
		ctrs []v1.Container
	}{{"spec.initContainers", pod.Spec.InitContainers}, {"spec.containers", pod.Spec.Containers}} {
		for i := range list.ctrs {
			c := &list.ctrs[i]
			root, cfg, err := opts.Images.Resolve(c.Image)
			if errors.Is(err, ErrImageNotLoaded) {
				// Pulled at its start, as its imagePullPolicy allows; an
				// unmapped user then fails that container's creation.
				continue
			}
			if err != nil {
				return nil, err
			}
			if u, err := resolveUser(pod, c, cfg.User, root); err == nil {
				if err := ids.check(u, fmt.Sprintf("%s[%d] (%s)", list.path, i, c.Name)); err != nil {
					return nil, err
				}
			}
		}
	}
	if hasLimits(pod) && opts.Warn != nil {
		opts.Warn("CPU and memory limits are not enforced: podlint run has no cgroups")
	}
	p := &Pod{
		spec: pod, opts: opts, start: time.Now(), pulls: map[string]*pullBackOff{},
		results: make(chan probeResult, 64), wake: make(chan struct{}, 1),
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
	sb, err := newSandbox(opts.StateDir, pod, opts.Images, &opts.EnvSources, payloads, ids, files, opts.Warn)
	if err != nil {
		return nil, err
	}
	p.sb = sb
	p.publish(true)
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
		if p.sb == nil {
			out[c.spec.Name] = "" // never started
			continue
		}
		if b, err := os.ReadFile(p.sb.logPath(c.spec.Name)); err == nil {
			out[c.spec.Name] = string(b)
		} else {
			out[c.spec.Name] = ""
		}
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
		now := time.Now()
		p.mu.Lock()
		p.deletedAt = &now
		p.mu.Unlock()
		close(p.delReq)
	})
}

// Done is closed once the Pod has been deleted and its sandbox torn down.
func (p *Pod) Done() <-chan struct{} { return p.done }

func (p *Pod) event(typ, reason string, c *ctr, msg string) {
	e := Event{Time: time.Now(), Type: typ, Reason: reason, Message: msg}
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

func (p *Pod) kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pod) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * p.opts.BackOffScale)
}

func (p *Pod) worker() {
	defer close(p.done)
	tick := time.NewTicker(workerResyncInterval)
	defer tick.Stop()
	// The first pass right away, not a resync interval later: the kubelet's
	// pod worker syncs a new Pod as soon as it is added.
	p.kick()
	for {
		select {
		case r := <-p.results:
			p.handleProbe(r)
		case <-p.delReq:
			if !p.deleting {
				p.deleting = true
				p.beginTermination(false)
			}
		case <-p.wake:
		case <-tick.C:
		}
		p.sync()
		if p.deleting && p.allStopped() {
			p.killWG.Wait()
			p.sync()
			p.publish(true)
			for _, c := range p.ctrs {
				if c.probes != nil {
					c.probes.stop()
				}
			}
			logs := p.readLogs()
			p.mu.Lock()
			p.finalLogs = logs
			p.mu.Unlock()
			if p.sb != nil {
				p.sb.teardown()
			}
			return
		}
	}
}

// anyRunning reports whether a container process is still running.
func (p *Pod) anyRunning() bool {
	for _, c := range p.ctrs {
		if c.in != nil && !c.in.exited() {
			return true
		}
	}
	return false
}

// allStopped reports whether no container process is left.
func (p *Pod) allStopped() bool {
	for _, c := range p.ctrs {
		if c.in != nil && !c.in.exited() {
			return false
		}
		if c.killing {
			return false
		}
	}
	return true
}

// sync is one pass of the kubelet's SyncPod: record exits, then start what
// the ordering allows.
func (p *Pod) sync() {
	now := time.Now()
	for _, c := range p.ctrs {
		if c.in != nil && c.in.exited() && c.state.Running != nil {
			p.recordExit(c)
		}
	}
	if ads := p.spec.Spec.ActiveDeadlineSeconds; ads != nil && !p.terminating && now.Sub(p.start) >= time.Duration(*ads)*time.Second {
		p.deadline = true
		p.reason, p.msg = "DeadlineExceeded", fmt.Sprintf("Pod was active on the node longer than the specified deadline")
		p.event("Normal", "DeadlineExceeded", nil, p.msg)
		p.beginTermination(false)
	}
	if p.mountErr != nil {
		p.publish(false)
		return
	}
	if p.terminating {
		p.publish(true)
		return
	}
	phase := Phase(&p.spec.Spec, p.buildStatus(), false)
	if phase == v1.PodSucceeded || phase == v1.PodFailed {
		// The Pod is done: the kubelet stops what still runs (sidecars).
		p.beginTermination(true)
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
			if c.in == nil || c.state.Running == nil {
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
		if c.state.Running != nil {
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
		if c.init {
			continue
		}
		if c.state.Running != nil {
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

// maybeStart starts c unless it is in crash-loop back-off; it reports whether
// c is now running.
func (p *Pod) maybeStart(c *ctr, now time.Time, restart bool) bool {
	if c.killing {
		return false
	}
	if restart && c.state.Terminated != nil {
		finished := c.state.Terminated.FinishedAt.Time
		if p.inBackOff(c, finished, now) {
			c.last = c.state
			msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", c.backoff.Round(time.Millisecond), c.spec.Name, p.spec.Name, p.spec.Namespace, p.spec.UID)
			c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}}
			c.state.Waiting.Message = msg
			if !c.backoffEvent.Equal(finished) {
				c.backoffEvent = finished
				p.event("Warning", "BackOff", c, "Back-off restarting failed container "+c.spec.Name+" in pod "+p.spec.Name)
			}
			return false
		}
		p.nextBackOff(c, finished, now)
	} else if restart && c.state.Waiting != nil && c.state.Waiting.Reason == "CrashLoopBackOff" {
		finished := c.lastFinished()
		if p.inBackOff(c, finished, now) {
			return false
		}
		p.nextBackOff(c, finished, now)
	}
	return p.startContainer(c)
}

// lastExit is the exit code of the container's latest run.
func (c *ctr) lastExit() int32 {
	if c.state.Terminated != nil {
		return c.state.Terminated.ExitCode
	}
	if c.last.Terminated != nil {
		return c.last.Terminated.ExitCode
	}
	return 0
}

func (c *ctr) lastFinished() time.Time {
	if c.last.Terminated != nil {
		return c.last.Terminated.FinishedAt.Time
	}
	return time.Time{}
}

// inBackOff is flowcontrol.Backoff.IsInBackOffSince keyed by container.
func (p *Pod) inBackOff(c *ctr, finished, now time.Time) bool {
	if c.backoff == 0 {
		return false
	}
	if finished.Sub(c.backoffUpdate) > 2*p.scaled(backOffMax) {
		return false
	}
	return now.Sub(finished) < c.backoff
}

// nextBackOff is flowcontrol.Backoff.Next: the first restart is immediate,
// then 10 s doubling to 5 min, starting over after 10 min without a restart.
func (p *Pod) nextBackOff(c *ctr, finished, now time.Time) {
	if c.backoff == 0 || finished.Sub(c.backoffUpdate) > 2*p.scaled(backOffMax) {
		c.backoff = p.scaled(backOffInitial)
	} else {
		c.backoff = min(2*c.backoff, p.scaled(backOffMax))
	}
	c.backoffUpdate = now
}

func (p *Pod) startContainer(c *ctr) bool {
	if c.state.Terminated != nil {
		c.last = c.state
	}
	// "Already present" once per start, not once per retry of a failed create.
	w := c.state.Waiting
	retry := w != nil && (w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError")
	if !p.ensureImage(c, retry) {
		return false
	}
	in, err := p.sb.startContainer(c.spec, p.kick)
	if err != nil {
		reason := "CreateContainerError"
		var cfgErr *ConfigError
		switch {
		case errors.As(err, &cfgErr):
			reason = "CreateContainerConfigError"
		}
		// The worker retries every pass: record the failure once per
		// distinct error, as the event recorder aggregates repeats.
		if w := c.state.Waiting; w == nil || w.Reason != reason || w.Message != err.Error() {
			p.event("Warning", "Failed", c, "Error: "+err.Error())
		}
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason, Message: err.Error()}}
		return false
	}
	p.event("Normal", "Created", c, "Created container: "+c.spec.Name)
	if c.everRan {
		c.restarts++
	}
	c.everRan = true
	c.in = in
	c.started, c.ready = false, false
	c.state = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: metav1.NewTime(time.Now())}}
	p.event("Normal", "Started", c, "Started container "+c.spec.Name)
	if h := lifecycleHandler(c.spec, true); h != nil {
		// postStart blocks the start of the next container, as in the kubelet.
		p.publish(true)
		if msg, err := p.runHandler(c, in, h, 0); err != nil {
			p.event("Warning", "FailedPostStartHook", c, fmt.Sprintf("PostStartHook failed: %s", msgOr(msg, err)))
			p.kill(c, p.graceFor(nil), "FailedPostStartHook", fmt.Sprintf("FailedPostStartHook"))
			return false
		}
	}
	c.started = c.spec.StartupProbe == nil
	c.ready = c.started && c.spec.ReadinessProbe == nil
	c.probes = p.startProbes(c, in)
	return true
}

func msgOr(msg string, err error) string {
	if msg != "" {
		return fmt.Sprintf("%v, message: %q", err, msg)
	}
	return err.Error()
}

func lifecycleHandler(c *v1.Container, postStart bool) *v1.LifecycleHandler {
	if c.Lifecycle == nil {
		return nil
	}
	if postStart {
		return c.Lifecycle.PostStart
	}
	return c.Lifecycle.PreStop
}

// runHandler runs a hook handler; timeout 0 means none.
func (p *Pod) runHandler(c *ctr, in *instance, h *v1.LifecycleHandler, timeout time.Duration) (string, error) {
	if timeout == 0 {
		timeout = 24 * time.Hour
	}
	switch {
	case h.Exec != nil:
		code, out, err := p.sb.execIn(in.c, h.Exec.Command, in.env, timeout)
		if err != nil {
			return out, err
		}
		if code != 0 {
			return out, fmt.Errorf("command '%v' exited with %d: %s", h.Exec.Command, code, out)
		}
		return out, nil
	case h.HTTPGet != nil:
		// Only a transport error fails an HTTP hook, whatever the status.
		return "", p.sb.httpGet(p.httpURL(c, h.HTTPGet), timeout).hookVerdict()
	case h.Sleep != nil:
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-time.After(timeout):
		}
		return "", nil
	default:
		return "", errors.New("invalid handler: tcpSocket and empty handlers are not supported by the kubelet")
	}
}

func (p *Pod) httpURL(c *ctr, g *v1.HTTPGetAction) string {
	scheme := "http"
	if g.Scheme == v1.URISchemeHTTPS {
		scheme = "https"
	}
	host := g.Host
	if host == "" {
		host = "127.0.0.1"
	}
	path := g.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return fmt.Sprintf("%s://%s:%d%s", scheme, host, resolvePort(c.spec, g.Port), path)
}

// resolvePort resolves a probe or hook port against the container's own
// ports, as the kubelet does; an unknown name gives -1.
func resolvePort(c *v1.Container, port intstr.IntOrString) int {
	if port.Type == intstr.Int {
		return port.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == port.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return -1
}

// recordExit turns an exited instance into a Terminated state.
func (p *Pod) recordExit(c *ctr) {
	in := c.in
	if c.probes != nil {
		c.probes.stop()
		c.probes = nil
	}
	started := c.state.Running.StartedAt
	reason := in.reason
	c.state = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
		ExitCode: int32(in.exit), Reason: reason, StartedAt: started, FinishedAt: metav1.NewTime(in.at),
		ContainerID: "podlint://" + in.c.ID(),
		Message:     terminationMessage(c.spec, in.exit, in.termFile, in.logFile, in.logStart),
	}}
	c.started, c.ready = false, false
	in.destroy()
}

func (p *Pod) graceFor(probeGrace *int64) time.Duration {
	if probeGrace != nil {
		return time.Duration(*probeGrace) * time.Second
	}
	if g := p.spec.Spec.TerminationGracePeriodSeconds; g != nil {
		if *g <= 0 {
			return time.Second // the API server turns negative values into 1
		}
		return time.Duration(*g) * time.Second
	}
	return defaultGracePeriod
}

// kill stops c the way the kubelet's killContainer does, in the background:
// preStop (bounded by the grace period), the stop signal, then SIGKILL when
// the grace period has run out.
func (p *Pod) kill(c *ctr, grace time.Duration, reason, msg string) {
	in := c.in
	if in == nil || in.exited() || c.killing {
		return
	}
	c.killing = true
	if c.probes != nil {
		c.probes.stop()
		c.probes = nil
	}
	p.event("Normal", "Killing", c, msg)
	p.killWG.Add(1)
	go func() {
		defer p.killWG.Done()
		p.stopInstance(c, in, grace)
		p.results <- probeResult{c: c, in: in, kind: killDone}
	}()
}

func (p *Pod) stopInstance(c *ctr, in *instance, grace time.Duration) {
	begin := time.Now()
	if h := lifecycleHandler(c.spec, false); h != nil && !in.exited() {
		if msg, err := p.runHandler(c, in, h, grace); err != nil {
			p.event("Warning", "FailedPreStopHook", c, fmt.Sprintf("PreStopHook failed: %s", msgOr(msg, err)))
		}
		grace -= time.Since(begin)
		if grace < minimumGracePeriod {
			grace = minimumGracePeriod
		}
	}
	in.signal(in.stopSignal)
	select {
	case <-in.done:
	case <-time.After(grace):
		in.signal(unix.SIGKILL)
		<-in.done
	}
	p.kick()
}

// beginTermination stops every container for good: app containers (and a
// running regular init container) in parallel, then sidecars in reverse
// order. quiet is set when the Pod has simply finished.
func (p *Pod) beginTermination(quiet bool) {
	if p.terminating {
		return
	}
	p.terminating = true
	grace := p.graceFor(nil)
	var sidecars []*ctr
	var apps []*ctr
	for _, c := range p.ctrs {
		if c.probes != nil {
			c.probes.stop()
			c.probes = nil
		}
		if c.sidecar {
			sidecars = append(sidecars, c)
		} else if c.in != nil && !c.in.exited() {
			apps = append(apps, c)
		}
	}
	for _, c := range apps {
		p.kill(c, grace, "Killing", "Stopping container "+c.spec.Name)
	}
	begin := time.Now()
	// The instances are taken here, in the pod worker, which alone writes c.in.
	stopping := make([]*instance, len(apps))
	for i, c := range apps {
		stopping[i] = c.in
	}
	p.killWG.Add(1)
	go func() {
		defer p.killWG.Done()
		for _, in := range stopping {
			<-in.done
		}
		for i := len(sidecars) - 1; i >= 0; i-- {
			remaining := max(grace-time.Since(begin), minimumGracePeriod)
			p.results <- probeResult{c: sidecars[i], kind: killSidecar, grace: remaining}
			<-p.sidecarStopped(sidecars[i])
		}
	}()
}

// sidecarStopped returns a channel closed when the sidecar has no running
// instance; read only from the termination goroutine.
func (p *Pod) sidecarStopped(c *ctr) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for {
			p.mu.Lock()
			cs := findStatus(p.status.InitContainerStatuses, c.spec.Name)
			running := cs != nil && cs.State.Running != nil
			p.mu.Unlock()
			if !running {
				close(ch)
				return
			}
			time.Sleep(workerResyncInterval)
		}
	}()
	return ch
}

// buildStatus assembles container statuses from the worker's state.
func (p *Pod) buildStatus() *v1.PodStatus {
	st := &v1.PodStatus{}
	for _, c := range p.ctrs {
		started := c.started && c.state.Running != nil
		ready := c.ready && c.state.Running != nil
		if c.init && !c.sidecar {
			// The prober manager marks a regular init container ready once it
			// has completed, never while it runs.
			ready = c.state.Terminated != nil && c.state.Terminated.ExitCode == 0
		}
		cs := v1.ContainerStatus{
			Name: c.spec.Name, State: c.state, LastTerminationState: c.last,
			Ready: ready, RestartCount: c.restarts,
			Image: c.spec.Image, ImageID: "", Started: &started,
		}
		if c.in != nil {
			cs.ContainerID = "podlint://" + c.in.c.ID()
		}
		if c.init {
			st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		} else {
			st.ContainerStatuses = append(st.ContainerStatuses, cs)
		}
	}
	capTerminationMessages(&p.spec.Spec, st)
	return st
}

// publish computes the Pod status and records it in the history when it
// changed.
func (p *Pod) publish(sandboxReady bool) {
	now := time.Now()
	st := p.buildStatus()
	terminal := p.deleting || p.deadline
	if p.deleting && !p.allStopped() {
		terminal = false
	}
	st.Phase = Phase(&p.spec.Spec, st, terminal)
	if p.deadline {
		st.Phase, st.Reason, st.Message = v1.PodFailed, p.reason, p.msg
	}
	if (st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed) && p.anyRunning() {
		// Since 1.27 the kubelet reports a terminal phase only once every
		// container, sidecars included, has stopped.
		st.Phase = p.status.Phase
		if st.Phase == "" || st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed {
			st.Phase = v1.PodRunning
		}
	}
	if p.sb != nil {
		st.HostIP = podIP
		st.HostIPs = []v1.HostIP{{IP: podIP}}
		st.PodIP = podIP
		st.PodIPs = []v1.PodIP{{IP: podIP}}
	}
	start := metav1.NewTime(p.start)
	st.StartTime = &start
	p.mu.Lock()
	defer p.mu.Unlock()
	st.Conditions = Conditions(&p.spec.Spec, st, sandboxReady && p.sb != nil && !(terminal && p.allStoppedLocked()), p.status.Conditions, p.spec.Status.Conditions, now)
	st.QOSClass = qosClass(p.spec)
	if reflect.DeepEqual(withoutTimes(*st), withoutTimes(p.status)) {
		return
	}
	p.status = *st
	if len(p.history) < maxRecords {
		p.history = append(p.history, Snapshot{Time: now, Status: *st.DeepCopy()})
	} else {
		// Keep the first statuses and always the latest one.
		p.history[len(p.history)-1] = Snapshot{Time: now, Status: *st.DeepCopy()}
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Pod) allStoppedLocked() bool { return p.deleting }

// withoutTimes drops condition transition times so that recomputing them
// does not count as a change.
func withoutTimes(st v1.PodStatus) v1.PodStatus {
	st.Conditions = append([]v1.PodCondition(nil), st.Conditions...)
	for i := range st.Conditions {
		st.Conditions[i].LastTransitionTime = metav1.Time{}
	}
	return st
}

// qosClass is the API server's QoS classification.
func qosClass(pod *v1.Pod) v1.PodQOSClass {
	any, guaranteed := false, true
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
				any = true
			}
			for _, r := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory} {
				l, ok := c.Resources.Limits[r]
				if !ok {
					guaranteed = false
					continue
				}
				if q, ok := c.Resources.Requests[r]; ok && q.Cmp(l) != 0 {
					guaranteed = false
				}
			}
		}
	}
	switch {
	case !any:
		return v1.PodQOSBestEffort
	case guaranteed:
		return v1.PodQOSGuaranteed
	default:
		return v1.PodQOSBurstable
	}
}
