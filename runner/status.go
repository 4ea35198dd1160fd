package runner

import (
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Phase computes the Pod phase from its container statuses as the kubelet's
// getPhase does (pkg/kubelet/kubelet_pods.go). terminal is true once the Pod
// is being deleted or has been killed for good (its containers will not be
// restarted), which since 1.27 turns a stopped Pod into Succeeded or Failed.
func Phase(spec *v1.PodSpec, st *v1.PodStatus, terminal bool) v1.PodPhase {
	pendingRegular, pendingSidecars, failedInit := 0, 0, 0
	// finalInitFailure: an init container failed and will not be restarted
	// (the Pod's restartPolicy Never, or the container's own policy).
	finalInitFailure := false
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		cs := findStatus(st.InitContainerStatuses, c.Name)
		if isSidecar(c) {
			if cs == nil || cs.State.Running == nil {
				pendingSidecars++
			}
			continue
		}
		switch {
		case cs == nil:
			pendingRegular++
		case cs.State.Running != nil:
			pendingRegular++
		case cs.State.Terminated != nil:
			if code := cs.State.Terminated.ExitCode; code != 0 {
				failedInit++
				if !willRestart(spec, c, true, code) {
					finalInitFailure = true
				}
			}
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated != nil {
				if code := cs.LastTerminationState.Terminated.ExitCode; code != 0 {
					failedInit++
					if !willRestart(spec, c, true, code) {
						finalInitFailure = true
					}
				}
			} else {
				pendingRegular++
			}
		default:
			pendingRegular++
		}
	}
	unknown, running, waiting, stopped, succeeded, restarting := 0, 0, 0, 0, 0, 0
	for i := range spec.Containers {
		cs := findStatus(st.ContainerStatuses, spec.Containers[i].Name)
		if cs != nil {
			if t := cs.State.Terminated; t != nil && willRestart(spec, &spec.Containers[i], false, t.ExitCode) {
				restarting++
			}
		}
		switch {
		case cs == nil:
			unknown++
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil:
			if cs.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	if failedInit > 0 && finalInitFailure {
		return v1.PodFailed
	}
	// A sidecar that is not running keeps the Pod Pending only before the
	// app containers have ever run (the kubelet's sandbox-recreation
	// workaround).
	switch {
	case pendingRegular > 0 || (pendingSidecars > 0 && running+stopped == 0), waiting > 0:
		if terminal {
			return v1.PodFailed
		}
		return v1.PodPending
	case running > 0 && unknown == 0:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if terminal {
			if stopped == succeeded {
				return v1.PodSucceeded
			}
			return v1.PodFailed
		}
		// Waiting containers that last terminated are in back-off: they will
		// restart. Terminated ones restart per their effective policy.
		if restarting > 0 || stopped > countTerminated(st) {
			return v1.PodRunning
		}
		if stopped == succeeded {
			return v1.PodSucceeded
		}
		return v1.PodFailed
	default:
		if terminal {
			return v1.PodFailed
		}
		return v1.PodPending
	}
}

// countTerminated counts app containers whose current state is Terminated.
func countTerminated(st *v1.PodStatus) int {
	n := 0
	for _, cs := range st.ContainerStatuses {
		if cs.State.Terminated != nil {
			n++
		}
	}
	return n
}

func findCondition(list []v1.PodCondition, t v1.PodConditionType) *v1.PodCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

func findStatus(list []v1.ContainerStatus, name string) *v1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// Conditions computes Initialized, ContainersReady and Ready as the kubelet's
// status generators do (pkg/kubelet/status/generate.go); PodScheduled and
// PodReadyToStartContainers come from the runner, which knows when the
// sandbox was created. gates are the conditions someone other than the
// kubelet set (a controller, or the input file's status.conditions): those
// of spec.readinessGates decide Ready once every container is ready, and are
// listed after the kubelet's own. Transition times are kept from prev when
// the status does not change.
func Conditions(spec *v1.PodSpec, st *v1.PodStatus, sandboxReady bool, prev, gates []v1.PodCondition, now time.Time) []v1.PodCondition {
	cond := func(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: v1.ConditionFalse, Reason: reason, Message: msg}
		if ok {
			c.Status, c.Reason, c.Message = v1.ConditionTrue, "", ""
		}
		c.LastTransitionTime = metav1.NewTime(now)
		for _, p := range prev {
			if p.Type == t && p.Status == c.Status {
				c.LastTransitionTime = p.LastTransitionTime
			}
		}
		return c
	}
	var incomplete []string
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		cs := findStatus(st.InitContainerStatuses, c.Name)
		if isSidecar(c) {
			if cs == nil || cs.Started == nil || !*cs.Started {
				// A sidecar that has started once counts as initialized.
				if cs == nil || (cs.RestartCount == 0 && cs.State.Running == nil) {
					incomplete = append(incomplete, c.Name)
				}
			}
			continue
		}
		if cs == nil || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			incomplete = append(incomplete, c.Name)
		}
	}
	terminalPhase := st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed
	// Once app containers have run, the Pod stays initialized.
	for _, cs := range st.ContainerStatuses {
		if cs.State.Waiting == nil || cs.LastTerminationState.Terminated != nil {
			incomplete = nil
		}
	}
	initReason, initMsg := "", ""
	if len(incomplete) > 0 {
		initReason, initMsg = "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))
	}
	var unready []string
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if !isSidecar(c) {
			continue
		}
		if cs := findStatus(st.InitContainerStatuses, c.Name); cs == nil || !cs.Ready {
			unready = append(unready, c.Name)
		}
	}
	for i := range spec.Containers {
		if cs := findStatus(st.ContainerStatuses, spec.Containers[i].Name); cs == nil || !cs.Ready {
			unready = append(unready, spec.Containers[i].Name)
		}
	}
	readyReason, readyMsg := "", ""
	switch {
	case terminalPhase:
		readyReason, readyMsg = "PodCompleted", ""
		unready = append(unready, "")
	case len(unready) > 0:
		readyReason, readyMsg = "ContainersNotReady", fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
	}
	ready := len(unready) == 0
	podReason, podMsg := readyReason, readyMsg
	var gateConds []v1.PodCondition
	if ready {
		// The kubelet's generatePodReadyCondition: readiness gates count
		// only once ContainersReady is True.
		var msgs []string
		for _, rg := range spec.ReadinessGates {
			c := findCondition(gates, rg.ConditionType)
			switch {
			case c == nil:
				msgs = append(msgs, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", string(rg.ConditionType)))
			case c.Status != v1.ConditionTrue:
				msgs = append(msgs, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v", string(rg.ConditionType), c.Status))
			}
		}
		if len(msgs) > 0 {
			ready = false
			podReason, podMsg = "ReadinessGatesNotReady", strings.Join(msgs, ", ")
		}
	}
	for _, rg := range spec.ReadinessGates {
		if c := findCondition(gates, rg.ConditionType); c != nil && findCondition(gateConds, c.Type) == nil {
			gateConds = append(gateConds, *c)
		}
	}
	initialized := len(incomplete) == 0
	if terminalPhase && st.Phase == v1.PodSucceeded {
		initialized = true
		initReason = "PodCompleted"
	}
	out := []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, sandboxReady, "", ""),
		cond(v1.PodInitialized, initialized, initReason, initMsg),
		cond(v1.PodReady, ready, podReason, podMsg),
		cond(v1.ContainersReady, len(unready) == 0, readyReason, readyMsg),
		cond(v1.PodScheduled, true, "", ""),
	}
	out = append(out, gateConds...)
	if initialized && initReason == "PodCompleted" {
		out[1].Reason = "PodCompleted"
	}
	return out
}
