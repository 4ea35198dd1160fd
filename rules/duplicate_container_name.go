package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var duplicateContainerName = &lint.Rule{
	ID:       "duplicate-container-name",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Container names must be unique across all containers of a Pod",
	Doc: "Names identify containers in logs, exec, status and restarts, so the API server requires every name to be unique across " +
		"initContainers, containers and ephemeralContainers together: an init container may not share a name with an app container.",
	Remediation: "Rename one of the containers.",
	Fields:      []string{"initContainers[*].name", "containers[*].name", "ephemeralContainers[*].name"},
	Check: func(p *lint.Pass) {
		first := map[string]*field.Path{}
		for _, c := range containers(p) {
			if c.Name == "" {
				continue
			}
			path := c.Path.Child("name")
			if prev, ok := first[c.Name]; ok {
				p.Report(path, field.ErrorTypeDuplicate, c.Name,
					fmt.Sprintf("container name %q is already used by %s; names must be unique across init, app and ephemeral containers", c.Name, prev),
					"")
				continue
			}
			first[c.Name] = path
		}
	},
}
