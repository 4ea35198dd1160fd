package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var probeGracePeriod = &lint.Rule{
	ID:       "probe-grace-period",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Probe terminationGracePeriodSeconds: positive, and not on readiness probes",
	Doc: "A probe-level terminationGracePeriodSeconds replaces the Pod's grace period when that probe's failure makes the kubelet kill the container. " +
		"Only liveness and startup failures kill a container; a readiness failure just marks it not ready, so the API server rejects the field on a " +
		"readinessProbe. Where it is allowed it must be greater than 0 (0 would mean an immediate SIGKILL with no grace at all).",
	Remediation: "Remove terminationGracePeriodSeconds from readiness probes; elsewhere set it to a positive number of seconds or leave it out.",
	AutoFix:     "Removes terminationGracePeriodSeconds from a readinessProbe, where it never applies. A non-positive value on a liveness or startup probe gets no fix: the grace period meant is a guess.",
	Fields:      []string{"containers[*].livenessProbe.terminationGracePeriodSeconds", "containers[*].startupProbe.terminationGracePeriodSeconds", "containers[*].readinessProbe.terminationGracePeriodSeconds"},
	Check: func(p *lint.Pass) {
		eachProbe(p, func(_ container, name string, probe *corev1.Probe, path *field.Path) {
			if probe.TerminationGracePeriodSeconds == nil {
				return
			}
			v := *probe.TerminationGracePeriodSeconds
			path = path.Child("terminationGracePeriodSeconds")
			switch {
			case name == "readinessProbe":
				p.ReportFix(path, field.ErrorTypeInvalid, v,
					"must not be set for readinessProbes: a readiness failure never kills the container, so there is no termination to give a grace period to",
					"Remove terminationGracePeriodSeconds from the readinessProbe.",
					lint.FixPlan{Description: "Remove terminationGracePeriodSeconds from the readinessProbe", Changes: []lint.FixChange{lint.DeleteField(path)}})
			case v <= 0:
				p.Report(path, field.ErrorTypeInvalid, v,
					fmt.Sprintf("must be greater than 0: it is the grace period the container gets when a %s failure kills it", name),
					"Set terminationGracePeriodSeconds to a positive number of seconds, or remove it to use the Pod's.")
			}
		})
	},
}
