//go:build linux && cgo

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
	killDone    // a kill finished
	killSidecar // the termination sequence reached this sidecar
)

func (k probeKind) String() string {
	return [...]string{"Startup", "Liveness", "Readiness", "", ""}[k]
}

// probeResult is a probe worker's verdict (after thresholds), sent to the
// pod worker, which alone changes container state.
type probeResult struct {
	c     *ctr
	in    *instance
	kind  probeKind
	ok    bool
	msg   string
	grace time.Duration
}

// probeSet runs one container instance's probes.
type probeSet struct {
	quit     chan struct{}
	once     sync.Once
	startup  chan struct{} // closed when the startup probe has succeeded
	startOne sync.Once
	// startedAt is the instance's start, from which initialDelaySeconds counts.
	// Read from the container's state by the pod worker, which alone may
	// touch that state, before the probe goroutines start.
	startedAt time.Time
}

func (ps *probeSet) stop() { ps.once.Do(func() { close(ps.quit) }) }

func (p *Pod) startProbes(c *ctr, in *instance) *probeSet {
	ps := &probeSet{quit: make(chan struct{}), startup: make(chan struct{}), startedAt: time.Now()}
	if c.state.Running != nil {
		ps.startedAt = c.state.Running.StartedAt.Time
	}
	if c.spec.StartupProbe == nil {
		close(ps.startup)
	} else {
		go p.probeLoop(c, in, ps, startupProbe, c.spec.StartupProbe)
	}
	if c.spec.LivenessProbe != nil {
		go p.probeLoop(c, in, ps, livenessProbe, c.spec.LivenessProbe)
	}
	if c.spec.ReadinessProbe != nil {
		go p.probeLoop(c, in, ps, readinessProbe, c.spec.ReadinessProbe)
	}
	return ps
}

// probeLoop is the kubelet's probe worker: the first probe after
// initialDelaySeconds, then every periodSeconds, results counted against
// successThreshold and failureThreshold. Liveness and readiness wait for the
// startup probe.
func (p *Pod) probeLoop(c *ctr, in *instance, ps *probeSet, kind probeKind, pr *v1.Probe) {
	if kind != startupProbe {
		select {
		case <-ps.startup:
		case <-ps.quit:
			return
		}
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
	if d := time.Until(ps.startedAt.Add(time.Duration(pr.InitialDelaySeconds) * time.Second)); d > 0 {
		select {
		case <-time.After(d):
		case <-ps.quit:
			return
		}
	}
	successes, failures := 0, 0
	last := -1 // last reported readiness: -1 none, 0 false, 1 true
	for {
		ok, msg := p.probeOnce(c, in, pr, timeout)
		select {
		case <-ps.quit:
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
				p.results <- probeResult{c: c, in: in, kind: kind, ok: true}
				ps.startOne.Do(func() { close(ps.startup) })
				return
			}
			if failures >= failureThreshold {
				p.results <- probeResult{c: c, in: in, kind: kind, msg: msg}
				return
			}
		case livenessProbe:
			if failures >= failureThreshold {
				p.results <- probeResult{c: c, in: in, kind: kind, msg: msg}
				return
			}
		case readinessProbe:
			if successes >= successThreshold && last != 1 {
				last = 1
				p.results <- probeResult{c: c, in: in, kind: kind, ok: true}
			} else if failures >= failureThreshold && last != 0 {
				last = 0
				p.results <- probeResult{c: c, in: in, kind: kind}
			}
		}
		select {
		case <-time.After(period):
		case <-ps.quit:
			return
		}
	}
}

// probeOnce runs one probe.
func (p *Pod) probeOnce(c *ctr, in *instance, pr *v1.Probe, timeout time.Duration) (bool, string) {
	switch {
	case pr.Exec != nil:
		// The prober expands $(VAR) from the container's env entries.
		code, out, err := p.sb.execIn(in.c, probeCommand(pr.Exec.Command, c.spec.Env), in.env, timeout)
		if err != nil {
			return false, err.Error()
		}
		if code != 0 {
			return false, fmt.Sprintf("command %q exited with %d: %s", pr.Exec.Command, code, out)
		}
		return true, ""
	case pr.HTTPGet != nil:
		return p.sb.httpGet(p.httpURL(c, pr.HTTPGet), timeout).probeVerdict()
	case pr.TCPSocket != nil:
		port := resolvePort(c.spec, pr.TCPSocket.Port)
		if p.sb.tcpListening(port) {
			return true, ""
		}
		return false, fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", port)
	case pr.GRPC != nil:
		service := ""
		if pr.GRPC.Service != nil {
			service = *pr.GRPC.Service
		}
		return p.sb.grpcHealth(int(pr.GRPC.Port), service, timeout)
	}
	return false, "probe has no handler"
}

// handleProbe applies a probe verdict or a kill completion in the pod worker.
func (p *Pod) handleProbe(r probeResult) {
	c := r.c
	switch r.kind {
	case killDone:
		c.killing = false
		return
	case killSidecar:
		p.kill(c, r.grace, "Killing", "Stopping container "+c.spec.Name)
		return
	}
	if c.in != r.in || c.state.Running == nil || c.killing {
		return // a stale result from an earlier run
	}
	switch r.kind {
	case startupProbe:
		if r.ok {
			c.started = true
			c.ready = c.spec.ReadinessProbe == nil
			return
		}
		p.kill(c, p.graceFor(c.spec.StartupProbe.TerminationGracePeriodSeconds), "Killing",
			fmt.Sprintf("Container %s failed startup probe, will be restarted", c.spec.Name))
	case livenessProbe:
		p.kill(c, p.graceFor(c.spec.LivenessProbe.TerminationGracePeriodSeconds), "Killing",
			fmt.Sprintf("Container %s failed liveness probe, will be restarted", c.spec.Name))
	case readinessProbe:
		c.ready = r.ok
	}
}
