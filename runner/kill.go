package runner

import (
	"fmt"
	"time"
)

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

// kill stops c in the background, the way the kubelet's killContainer does
// (pkg/kubelet/kuberuntime/kuberuntime_container.go): the Killing event, the
// preStop hook bounded by the grace period (executePreStopHook), the wait for
// its turn when c.turn is set (terminationOrdering.waitForTurn), then
// StopContainer with what is left of the grace period, at least
// minimumGracePeriodInSeconds: the runtime sends the stop signal, then
// SIGKILL. Liveness and startup probes stop; readiness probes keep running
// until the container exits, as the prober's workers do.
func (p *Pod) kill(c *ctr, grace time.Duration, reason, msg string) {
	if !c.running() || c.killing {
		return
	}
	c.killing = true
	if c.probes != nil {
		c.probes.stopLiveness()
	}
	p.event("Normal", reason, c, msg)
	id, turn := c.id, c.turn
	p.w.goTracked(func() {
		p.stopContainer(c, id, grace, turn)
		p.send(podMsg{c: c, id: id, kind: killDone})
	})
}

// stopContainer is killContainer's body, in whole seconds as the kubelet
// counts them.
func (p *Pod) stopContainer(c *ctr, id string, grace time.Duration, turn *event) {
	if h := lifecycleHandler(c.spec, false); h != nil && grace > 0 {
		begin := p.w.now()
		hookDone := p.w.newEvent()
		p.w.goTracked(func() {
			if msg, err := p.runHandler(c, id, h); err != nil {
				p.event("Warning", "FailedPreStopHook", c, fmt.Sprintf("PreStopHook failed: %s", msgOr(msg, err)))
			}
			hookDone.fire()
		})
		// A hook still running when the grace period ends is left to the
		// container's stop, which comes with the 2 s minimum below.
		p.w.waitEvent(hookDone, grace)
		grace -= p.w.since(begin).Truncate(time.Second)
	}
	if turn != nil && grace > 0 {
		begin := p.w.now()
		p.w.waitEvent(turn, grace)
		grace -= p.w.since(begin).Truncate(time.Second)
	}
	grace = max(grace, minimumGracePeriod)
	_ = p.rt.StopContainer(id, grace)
	p.kick()
}

// beginTermination stops every running container for good, as
// killContainersWithSyncResult does: all at once, sidecars waiting for the
// app containers and then for the sidecars after them, in reverse order
// (stepTermination gives them their turn).
func (p *Pod) beginTermination() {
	if p.terminating {
		return
	}
	p.terminating = true
	p.termBegin = p.w.now()
	grace := p.graceFor(nil)
	for _, c := range p.ctrs {
		if c.sidecar {
			c.turn = p.w.newEvent()
		}
	}
	for _, c := range p.ctrs {
		if c.running() {
			p.kill(c, grace, "Killing", "Stopping container "+c.spec.Name)
		}
	}
	p.stepTermination()
}

// stepTermination gives a sidecar its turn to stop once every app container
// and every sidecar after it has exited.
func (p *Pod) stepTermination() {
	prereqsDone := true
	for _, c := range p.ctrs {
		if !c.sidecar && c.running() {
			prereqsDone = false
		}
	}
	for i := len(p.ctrs) - 1; i >= 0; i-- {
		c := p.ctrs[i]
		if !c.sidecar {
			continue
		}
		if prereqsDone && c.turn != nil {
			c.turn.fire()
		}
		if c.running() {
			prereqsDone = false
		}
	}
}
