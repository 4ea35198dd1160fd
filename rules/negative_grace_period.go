package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var negativeGracePeriod = &lint.Rule{
	ID:       "negative-grace-period",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A negative terminationGracePeriodSeconds is treated as 1 second",
	Doc: "terminationGracePeriodSeconds is how long the kubelet waits, from the start of preStop, before it kills a stopping container. " +
		"For backward compatibility the API server still accepts a negative value, with a warning that it will be treated as 1: " +
		"deleting the Pod uses a 1 s grace period, so preStop hooks have almost no time and containers are killed about as soon as the " +
		"kubelet's 2 s minimum allows, with no graceful shutdown. The negative value also makes the API server reject every sleep hook.",
	Remediation: "Set terminationGracePeriodSeconds to 0 or more (leave it out for the default 30), long enough for preStop and the application's shutdown.",
	Fields:      []string{"terminationGracePeriodSeconds"},
	Check: func(p *lint.Pass) {
		v := p.Object.PodSpec.TerminationGracePeriodSeconds
		if v == nil || *v >= 0 {
			return
		}
		p.Report(p.Object.PodSpecPath.Child("terminationGracePeriodSeconds"), "", *v,
			fmt.Sprintf("must be >= 0; the API server accepts %d only for backward compatibility and treats it as 1 second, so containers get almost no time to shut down gracefully", *v),
			"")
	},
}
