package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var initContainerProbe = &lint.Rule{
	ID:       "init-container-probe",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Regular init containers may not have probes",
	Doc: "A regular init container is judged only by its exit code: the next init container starts when it exits 0. " +
		"Liveness, readiness and startup probes have no meaning for it, and the API server rejects each of them on an init container " +
		"whose restartPolicy is not Always. Sidecars (restartPolicy: Always) run for the Pod's life and may have all three; " +
		"a sidecar's startupProbe even gates the start of the next init container.",
	Remediation: "Remove the probe from the init container, or make it a sidecar with restartPolicy: Always if it is meant to keep running.",
	AutoFix: "Removes the probe (with the comments inside it). Turning the init container into a sidecar would change when the next one starts " +
		"and keep it running for the Pod's life, so that stays a choice for the author.",
	Fields: []string{"initContainers[*].livenessProbe", "initContainers[*].readinessProbe", "initContainers[*].startupProbe", "initContainers[*].restartPolicy"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if c.Kind != initContainer {
				continue
			}
			for _, pr := range probes(c.Container) {
				if pr.Probe == nil {
					continue
				}
				p.ReportFix(c.Path.Child(pr.Name), field.ErrorTypeForbidden, nil,
					fmt.Sprintf("may not be set for init containers without restartPolicy=Always: a regular init container must simply exit 0, so a %s never applies", pr.Name),
					"", lint.FixPlan{Description: "Remove " + pr.Name + " from init container " + c.Name,
						Changes: []lint.FixChange{lint.DeleteField(c.Path.Child(pr.Name))}})
			}
		}
	},
}
