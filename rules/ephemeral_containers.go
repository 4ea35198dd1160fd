package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var ephemeralContainers = &lint.Rule{
	ID:       "ephemeral-containers",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "ephemeralContainers cannot be set on create or in a Pod template",
	Doc: "Ephemeral containers are added to a Pod that is already running, for debugging, through the Pod's ephemeralcontainers " +
		"subresource (what kubectl debug uses). The API server rejects a Pod that sets spec.ephemeralContainers on create, and " +
		"rejects any workload whose Pod template sets them: a template describes Pods still to be created.",
	Remediation: "Remove ephemeralContainers; attach a debug container to a running Pod with kubectl debug instead.",
	Fields:      []string{"ephemeralContainers"},
	// A live Pod exported with kubectl get carries the ephemeral containers kubectl debug added.
	CreateOnly: true,
	Check: func(p *lint.Pass) {
		n := len(p.Object.PodSpec.EphemeralContainers)
		if n == 0 {
			return
		}
		path := p.Object.PodSpecPath.Child("ephemeralContainers")
		if p.Object.IsPod() {
			p.Report(path, field.ErrorTypeForbidden, nil,
				fmt.Sprintf("cannot be set on create (%d ephemeral container(s)): ephemeral containers are added to a running Pod through its ephemeralcontainers subresource", n), "")
			return
		}
		p.Report(path, field.ErrorTypeForbidden, nil,
			fmt.Sprintf("ephemeral containers are not allowed in a %s's Pod template: they can only be added to a running Pod through its ephemeralcontainers subresource", p.Object.Ref.Kind), "")
	},
}
