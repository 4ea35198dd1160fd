package runner

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

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
	if now.Sub(finished) < c.backoff {
		p.wakeAt(finished.Add(c.backoff))
		return true
	}
	return false
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
