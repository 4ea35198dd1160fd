package rules

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

var livenessEqualsReadiness = &lint.Rule{
	ID:       "liveness-equals-readiness",
	Category: lint.CategoryPractice,
	Severity: lint.SeverityWarning,
	Title:    "Liveness and readiness probes should not be identical",
	Doc: "Readiness and liveness answer different questions. A readiness failure takes the Pod out of Service endpoints until it " +
		"recovers; a liveness failure kills and restarts the container. When both probes run the same check on the same schedule, " +
		"a temporary problem (a slow dependency, a traffic spike) first removes the Pod from endpoints and then restarts it, " +
		"losing in-flight work and often spreading the overload to the remaining Pods. A liveness probe should check something " +
		"narrower (that the process is not deadlocked), with a more tolerant threshold than readiness. " +
		"Default severity: warning. kube-score reports identical probes as critical, and its users have asked again and again to relax it " +
		"(zegl/kube-score#41, #285, #296, #339), because it also fires when liveness runs the same endpoint with a more tolerant timing, " +
		"which the Kubernetes documentation itself shows and which is safe. podlint fires only when the action and the whole timing " +
		"(initial delay, period, timeout, failure threshold) are the same, so what remains is a real hazard but not a broken object: a warning.",
	Remediation: "Point the liveness probe at a narrower check (e.g. a /livez endpoint that does not test dependencies) or give it a higher failureThreshold than the readiness probe.",
	Fields:      []string{"containers[*].livenessProbe", "containers[*].readinessProbe"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) || c.LivenessProbe == nil || c.ReadinessProbe == nil {
				continue
			}
			if !sameCheck(c.LivenessProbe, c.ReadinessProbe) {
				continue
			}
			p.Report(c.Path.Child("livenessProbe"), "", nil,
				"the livenessProbe runs the same check on the same schedule as the readinessProbe: whenever it fails the Pod is first removed from Service endpoints and then restarted, so a passing slowdown turns into restarts",
				"")
		}
	},
}

// sameCheck reports whether two probes run the same action with the same timing,
// comparing the values the API server defaults (periodSeconds 10, timeoutSeconds 1,
// failureThreshold 3, httpGet path / and scheme HTTP).
func sameCheck(a, b *corev1.Probe) bool {
	x, y := defaultedProbe(a), defaultedProbe(b)
	return reflect.DeepEqual(x.ProbeHandler, y.ProbeHandler) &&
		x.InitialDelaySeconds == y.InitialDelaySeconds &&
		x.PeriodSeconds == y.PeriodSeconds &&
		x.TimeoutSeconds == y.TimeoutSeconds &&
		x.FailureThreshold == y.FailureThreshold
}

func defaultedProbe(p *corev1.Probe) *corev1.Probe {
	d := p.DeepCopy()
	if d.TimeoutSeconds == 0 {
		d.TimeoutSeconds = 1
	}
	if d.PeriodSeconds == 0 {
		d.PeriodSeconds = 10
	}
	if d.FailureThreshold == 0 {
		d.FailureThreshold = 3
	}
	if h := d.HTTPGet; h != nil {
		if h.Path == "" {
			h.Path = "/"
		}
		if h.Scheme == "" {
			h.Scheme = corev1.URISchemeHTTP
		}
	}
	return d
}
