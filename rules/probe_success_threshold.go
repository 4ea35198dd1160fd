package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var probeSuccessThreshold = &lint.Rule{
	ID:       "probe-success-threshold",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Liveness and startup probes need successThreshold 1",
	Doc: "successThreshold is how many consecutive successes turn a failing probe back to passing. For liveness and startup probes " +
		"one success is all that makes sense (a failure restarts the container; a startup probe stops once it passes), so the API server " +
		"requires exactly 1 there. An omitted or 0 value is defaulted to 1 before validation and is accepted. " +
		"Readiness probes may use a higher value, but never a negative one.",
	Remediation: "Set successThreshold to 1, or leave it out.",
	AutoFix:     "Sets a liveness or startup probe's successThreshold to 1, the only value they accept (they act on the first success either way). A negative readiness successThreshold gets no fix: how many successes the author wanted is a guess.",
	Fields:      []string{"containers[*].livenessProbe.successThreshold", "containers[*].startupProbe.successThreshold", "containers[*].readinessProbe.successThreshold"},
	Check: func(p *lint.Pass) {
		eachProbe(p, func(_ container, name string, probe *corev1.Probe, path *field.Path) {
			v := probe.SuccessThreshold
			path = path.Child("successThreshold")
			switch {
			case name != "readinessProbe" && v != 0 && v != 1:
				p.ReportFix(path, field.ErrorTypeInvalid, v,
					fmt.Sprintf("must be 1: a %s acts on the first success, so successThreshold %d is rejected", name, v), "",
					lint.FixPlan{Description: "Set successThreshold to 1", Changes: []lint.FixChange{lint.SetValue(path, 1)}})
			case name == "readinessProbe" && v < 0:
				p.Report(path, field.ErrorTypeInvalid, v,
					"must be greater than or equal to 0", "Set successThreshold to 1 or more, or leave it out (defaults to 1).")
			}
		})
	},
}
