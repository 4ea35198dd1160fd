package runner

import (
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
)

type probeKind int

const (
	startupProbe probeKind = iota
	livenessProbe
	readinessProbe
	killDone // a kill finished
)

func (k probeKind) String() string {
	return [...]string{"Startup", "Liveness", "Readiness", ""}[k]
}

// podMsg is a probe worker's verdict (after thresholds) or a finished kill,
// sent to the pod worker, which alone changes container state.
type podMsg struct {
	c    *ctr
	id   string // the run it is about
	kind probeKind
	ok   bool
	msg  string
}

// probeSet runs one container run's probe workers.
type probeSet struct {
	quit     chan struct{} // all of them
	quitLive chan struct{} // liveness and startup (closed with quit too)
	once     sync.Once
	liveOnce sync.Once
	// startedAt is the run's start, from which initialDelaySeconds counts.
	startedAt time.Time
}

func (ps *probeSet) stop() {
	ps.stopLiveness()
	ps.once.Do(func() { close(ps.quit) })
}

// stopLiveness stops the liveness and startup probes of a container being
// stopped; its readiness probe goes on until it exits (prober worker.doProbe:
// on deletion liveness and startup report success and stop, readiness keeps
// probing).
func (ps *probeSet) stopLiveness() { ps.liveOnce.Do(func() { close(ps.quitLive) }) }

func (p *Pod) startProbes(c *ctr, id string) *probeSet {
	ps := &probeSet{quit: make(chan struct{}), quitLive: make(chan struct{}), startedAt: c.state.Running.StartedAt.Time}
	if pr := c.spec.StartupProbe; pr != nil {
		p.w.goTracked(func() { p.probeLoop(c, id, ps, startupProbe, pr) })
	} else {
		p.startAfterStartup(c, id, ps)
	}
	return ps
}

// startAfterStartup starts the liveness and readiness probe workers, which
// wait for the startup probe to succeed.
func (p *Pod) startAfterStartup(c *ctr, id string, ps *probeSet) {
	if pr := c.spec.LivenessProbe; pr != nil {
		p.w.goTracked(func() { p.probeLoop(c, id, ps, livenessProbe, pr) })
	}
	if pr := c.spec.ReadinessProbe; pr != nil {
		p.w.goTracked(func() { p.probeLoop(c, id, ps, readinessProbe, pr) })
	}
}

// probeLoop is the kubelet's probe worker (pkg/kubelet/prober/worker.go):
// the first probe after initialDelaySeconds, then every periodSeconds,
// results counted against successThreshold and failureThreshold.
func (p *Pod) probeLoop(c *ctr, id string, ps *probeSet, kind probeKind, pr *v1.Probe) {
	quit := ps.quitLive
	if kind == readinessProbe {
		quit = ps.quit
	}
	period := time.Duration(max(pr.PeriodSeconds, 1)) * time.Second
	if pr.PeriodSeconds == 0 {
		period = 10 * time.Second
	}
	timeout := time.Duration(max(pr.TimeoutSeconds, 1)) * time.Second
	failureThreshold := int(pr.FailureThreshold)
	if failureThreshold == 0 {
		failureThreshold = 3
	}
	successThreshold := int(max(pr.SuccessThreshold, 1))
	if d := ps.startedAt.Add(time.Duration(pr.InitialDelaySeconds) * time.Second).Sub(p.w.now()); d > 0 {
		if !p.w.sleep(d, quit) {
			return
		}
	}
	successes, failures := 0, 0
	last := -1 // last reported readiness: -1 none, 0 false, 1 true
	for {
		ok, msg := p.probeOnce(c, id, pr, timeout)
		select {
		case <-quit:
			return
		default:
		}
		if ok {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
			p.event("Warning", "Unhealthy", c, fmt.Sprintf("%s probe failed: %s", kind, msg))
		}
		switch kind {
		case startupProbe:
			if ok {
				p.send(podMsg{c: c, id: id, kind: kind, ok: true})
				p.startAfterStartup(c, id, ps)
				return
			}
			if failures >= failureThreshold {
				p.send(podMsg{c: c, id: id, kind: kind, msg: msg})
				return
			}
		case livenessProbe:
			if failures >= failureThreshold {
				p.send(podMsg{c: c, id: id, kind: kind, msg: msg})
				return
			}
		case readinessProbe:
			if successes >= successThreshold && last != 1 {
				last = 1
				p.send(podMsg{c: c, id: id, kind: kind, ok: true})
			} else if failures >= failureThreshold && last != 0 {
				last = 0
				p.send(podMsg{c: c, id: id, kind: kind})
			}
		}
		if !p.w.sleep(period, quit) {
			return
		}
	}
}

// probeOnce runs one probe.
func (p *Pod) probeOnce(c *ctr, id string, pr *v1.Probe, timeout time.Duration) (bool, string) {
	switch {
	case pr.Exec != nil:
		// The prober expands $(VAR) from the container's env entries.
		code, out, err := p.rt.ExecSync(id, probeCommand(pr.Exec.Command, c.spec.Env), timeout)
		if err != nil {
			return false, err.Error()
		}
		if code != 0 {
			return false, fmt.Sprintf("command %q exited with %d: %s", pr.Exec.Command, code, out)
		}
		return true, ""
	case pr.HTTPGet != nil:
		ok, out, err := p.rt.HTTPGet(p.httpURL(c, pr.HTTPGet), timeout)
		if err != nil {
			return false, err.Error()
		}
		if !ok {
			return false, out
		}
		return true, ""
	case pr.TCPSocket != nil:
		port := resolvePort(c.spec, pr.TCPSocket.Port)
		if p.rt.TCPListening(port) {
			return true, ""
		}
		return false, fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", port)
	case pr.GRPC != nil:
		service := ""
		if pr.GRPC.Service != nil {
			service = *pr.GRPC.Service
		}
		return p.rt.GRPCHealth(int(pr.GRPC.Port), service, timeout)
	}
	return false, "probe has no handler"
}

// handle applies a probe verdict or a kill completion in the pod worker.
func (p *Pod) handle(m podMsg) {
	c := m.c
	if m.kind == killDone {
		c.killing = false
		return
	}
	if c.id != m.id || !c.running() {
		return // a stale result from an earlier run
	}
	if m.kind == readinessProbe {
		// Also while the container is being stopped: the kubelet keeps
		// probing readiness until it exits.
		c.ready = m.ok
		return
	}
	if c.killing {
		return
	}
	switch m.kind {
	case startupProbe:
		if m.ok {
			c.started = true
			c.ready = c.spec.ReadinessProbe == nil
			return
		}
		p.kill(c, p.graceFor(c.spec.StartupProbe.TerminationGracePeriodSeconds), "Killing",
			fmt.Sprintf("Container %s failed startup probe, will be restarted", c.spec.Name))
	case livenessProbe:
		p.kill(c, p.graceFor(c.spec.LivenessProbe.TerminationGracePeriodSeconds), "Killing",
			fmt.Sprintf("Container %s failed liveness probe, will be restarted", c.spec.Name))
	}
}
