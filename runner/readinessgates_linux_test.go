//go:build linux && cgo

package runner

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// TestReadinessGatesWithoutController checks spec.readinessGates as the
// kubelet evaluates them: once every container is ready, Ready stays False
// with reason ReadinessGatesNotReady while a gate's condition is missing or
// not True, and the gate conditions appear in status.conditions only when
// someone set them (here the input file's status, standing in for the
// controller that would).
func TestReadinessGatesWithoutController(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  terminationGracePeriodSeconds: 1
  readinessGates:
  - conditionType: example.com/lb-registered
  - conditionType: example.com/warmed-up
  containers:
  - {name: app, image: busybox, command: [sleep, "100"]}
status:
  conditions:
  - {type: example.com/warmed-up, status: "False"}
`)
	st := waitFor(t, p, "ContainersReady", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.ContainersReady) })
	// Give the worker a few passes: Ready must not turn True.
	time.Sleep(300 * time.Millisecond)
	st = p.Status()
	ready := findCondition(st.Conditions, v1.PodReady)
	want := `corresponding condition of pod readiness gate "example.com/lb-registered" does not exist., the status of pod readiness gate "example.com/warmed-up" is not "True", but False`
	if ready == nil || ready.Status != v1.ConditionFalse || ready.Reason != "ReadinessGatesNotReady" || ready.Message != want {
		t.Errorf("Ready condition %+v, want False/ReadinessGatesNotReady/%q", ready, want)
	}
	if st.Phase != v1.PodRunning || !ctrStatus(st, "app").Ready {
		t.Errorf("%s", describe(st))
	}
	if c := findCondition(st.Conditions, "example.com/lb-registered"); c != nil {
		t.Errorf("unset gate listed: %+v", c)
	}
	if c := findCondition(st.Conditions, "example.com/warmed-up"); c == nil || c.Status != v1.ConditionFalse {
		t.Errorf("set gate condition %+v, want it listed as False", c)
	}
	// Before the container was ready, Ready carried ContainersReady's reason.
	for _, s := range p.History() {
		if c := findCondition(s.Status.Conditions, v1.PodReady); c != nil && c.Reason == "ReadinessGatesNotReady" && !conditionTrue(s.Status, v1.ContainersReady) {
			t.Errorf("gates reported before the containers were ready: %+v", c)
		}
	}
}

// TestReadinessGateSetTrue checks that a Pod whose gate conditions are all
// True becomes Ready.
func TestReadinessGateSetTrue(t *testing.T) {
	p := run(t, `
apiVersion: v1
kind: Pod
metadata: {name: gated-true}
spec:
  terminationGracePeriodSeconds: 1
  readinessGates: [{conditionType: example.com/ok}]
  containers:
  - {name: app, image: busybox, command: [sleep, "100"]}
status:
  conditions: [{type: example.com/ok, status: "True"}]
`)
	st := waitFor(t, p, "Ready", 30*time.Second, func(st v1.PodStatus) bool { return conditionTrue(st, v1.PodReady) })
	if c := findCondition(st.Conditions, "example.com/ok"); c == nil || c.Status != v1.ConditionTrue {
		t.Errorf("gate condition %+v", c)
	}
}
