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
		// The API server checks app containers first, then init containers against
		// them, then ephemeral containers, and reports the later of a pair.
		all := containers(p)
		ordered := make([]container, 0, len(all))
		for _, k := range []containerKind{appContainer, initContainer, ephemeralContainer} {
			for _, c := range all {
				if c.Kind == k || (k == initContainer && c.Kind == sidecarContainer) {
					ordered = append(ordered, c)
				}
			}
		}
		first := map[string]*field.Path{}
		for _, c := range ordered {
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
