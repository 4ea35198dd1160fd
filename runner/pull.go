package runner

import (
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// pullBackOff is the kubelet image manager's flowcontrol.Backoff entry for
// one image: 10 s doubling to 5 min, as for crash loops.
type pullBackOff struct {
	d       time.Duration
	update  time.Time
	lastErr string // "ErrImagePull: <message>", shown while backing off
}

// ensureImage is the kubelet's EnsureImageExists for c's next start
// (pkg/kubelet/images/image_manager.go), with its events and waiting
// reasons: the image is used if present unless the policy is Always, pulled
// when the policy asks, and a failed pull backs off. It reports whether the
// container may be created; otherwise c waits with the kubelet's reason.
//
// Sources that cannot pull (the host's busybox) stand in for images the
// store does not hold, whatever the policy: they are a local mirror podlint
// never pulls into, so that busybox Pods run offline.
func (p *Pod) ensureImage(c *ctr, retry bool) bool {
	ref := c.spec.Image
	present, pull, puller := imageDecision(p.opts.Images, c.spec, retry)
	if pullPolicy(c.spec) == v1.PullNever && !present {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", ref)
		p.imageWait(c, "ErrImageNeverPull", msg, func() {
			p.event("Warning", "ErrImageNeverPull", c, msg)
		})
		return false
	}
	if !pull {
		if !retry {
			p.event("Normal", "Pulled", c, fmt.Sprintf("Container image %q already present on machine", ref))
		}
		return true
	}
	now := p.w.now()
	b := p.pulls[ref]
	if b != nil && now.Sub(b.update) < b.d {
		p.wakeAt(b.update.Add(b.d))
		msg := fmt.Sprintf("Back-off pulling image %q", ref)
		p.imageWait(c, "ImagePullBackOff", msg+": "+b.lastErr, func() {
			p.event("Normal", "BackOff", c, msg)
		})
		return false
	}
	p.event("Normal", "Pulling", c, fmt.Sprintf("Pulling image %q", ref))
	p.publish(true)
	begin := p.w.now()
	var size int64
	var err error
	if puller == nil {
		err = fmt.Errorf("podlint run has no image store to pull %s into", ref)
	} else {
		size, err = puller.Pull(p.pullCtx, ref)
	}
	if err != nil {
		p.event("Warning", "Failed", c, fmt.Sprintf("Failed to pull image %q: %v", ref, err))
		p.nextPullBackOff(ref, p.w.now())
		// The next pass shows the back-off (ImagePullBackOff) and waits for
		// it to end.
		p.wakeAt(p.w.now())
		p.pulls[ref].lastErr = "ErrImagePull: " + err.Error()
		p.imageWait(c, "ErrImagePull", err.Error(), nil)
		return false
	}
	took := p.w.since(begin).Truncate(time.Millisecond)
	p.event("Normal", "Pulled", c, fmt.Sprintf("Successfully pulled image %q in %v (%v including waiting). Image size: %d bytes.", ref, took, took, size))
	return true
}

// imageDecision is the image manager's choice for c's next start: whether
// its image is present and whether it is to be pulled first (never with
// policy Never), and the source to pull through. retry is set for a retried
// create (the worker retries every pass, the kubelet on its resync): it
// reuses what its start pulled instead of pulling again.
func imageDecision(images Images, c *v1.Container, retry bool) (present, pull bool, puller Puller) {
	_, _, err := images.Resolve(c.Image)
	// Another failure (a broken store) is the container's create error.
	present = err == nil || !errors.Is(err, ErrImageNotLoaded)
	puller = findPuller(images)
	switch pullPolicy(c) {
	case v1.PullNever:
	case v1.PullAlways:
		pull = !present || (!retry && puller != nil && puller.Has(c.Image))
	default:
		pull = !present
	}
	return present, pull, puller
}

// imageWait puts c in an image waiting state and, when it enters that state,
// records the events (the kubelet's, then kuberuntime's "Error: <reason>"),
// as the event recorder aggregates the repeats of every sync.
func (p *Pod) imageWait(c *ctr, reason, msg string, events func()) {
	if w := c.state.Waiting; w == nil || w.Reason != reason {
		if events != nil {
			events()
		}
		p.event("Warning", "Failed", c, "Error: "+reason)
	}
	// A new value: the old one may be shared with a published status.
	c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason, Message: msg}}
}

// nextPullBackOff is flowcontrol.Backoff.Next for an image.
func (p *Pod) nextPullBackOff(ref string, now time.Time) {
	b := p.pulls[ref]
	switch {
	case b == nil:
		b = &pullBackOff{d: p.scaled(backOffInitial)}
		p.pulls[ref] = b
	case now.Sub(b.update) > 2*p.scaled(backOffMax):
		b.d = p.scaled(backOffInitial)
	default:
		b.d = min(2*b.d, p.scaled(backOffMax))
	}
	b.update = now
}
