package runner

import (
	"reflect"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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
		if c.id != "" {
			cs.ContainerID = "podlint://" + c.id
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
	now := p.w.now()
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
	if p.rt != nil {
		st.HostIP = podIP
		st.HostIPs = []v1.HostIP{{IP: podIP}}
		st.PodIP = podIP
		st.PodIPs = []v1.PodIP{{IP: podIP}}
	}
	start := metav1.NewTime(p.start)
	st.StartTime = &start
	p.mu.Lock()
	defer p.mu.Unlock()
	st.Conditions = Conditions(&p.spec.Spec, st, sandboxReady && p.rt != nil && !(terminal && p.allStoppedLocked()), p.status.Conditions, p.spec.Status.Conditions, now)
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
