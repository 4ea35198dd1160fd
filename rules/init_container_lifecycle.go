package rules

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var initContainerLifecycle = &lint.Rule{
	ID:       "init-container-lifecycle",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Regular init containers may not have lifecycle hooks",
	Doc: "A regular init container runs to completion before the next one starts, so there is nothing for postStart or preStop " +
		"to attach to: the API server rejects lifecycle on any init container whose restartPolicy is not Always. " +
		"A sidecar (an init container with restartPolicy: Always) keeps running next to the app containers and may have hooks.",
	Remediation: "Remove lifecycle from the init container, or make it a sidecar with restartPolicy: Always if it is meant to keep running.",
	AutoFix: "Removes lifecycle (with the comments inside it). Turning the init container into a sidecar would change what it does, " +
		"so that stays a choice for the author.",
	Fields: []string{"initContainers[*].lifecycle", "initContainers[*].restartPolicy"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if c.Kind != initContainer || c.Lifecycle == nil {
				continue
			}
			p.ReportFix(c.Path.Child("lifecycle"), field.ErrorTypeForbidden, nil,
				"may not be set for init containers without restartPolicy=Always: a regular init container runs to completion, so postStart and preStop do not apply",
				"", lint.FixPlan{Description: "Remove lifecycle from init container " + c.Name,
					Changes: []lint.FixChange{lint.DeleteField(c.Path.Child("lifecycle"))}})
		}
	},
}
