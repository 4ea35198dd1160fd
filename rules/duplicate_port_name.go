package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var duplicatePortName = &lint.Rule{
	ID:       "duplicate-port-name",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Port names must be unique within a container",
	Doc: "Services (targetPort) and probes (port) can refer to a container port by name, so the API server rejects a container that gives " +
		"two of its ports the same name. The same name in two different containers is accepted with a warning; shared-port-name " +
		"reports that case.",
	Remediation: "Rename one of the ports.",
	Fields:      []string{"initContainers[*].ports[*].name", "containers[*].ports[*].name", "ephemeralContainers[*].ports[*].name"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			first := map[string]string{}
			for j := range c.Ports {
				name := c.Ports[j].Name
				// The API server reports an invalid name as Invalid and leaves it out of the uniqueness check.
				if name == "" || len(validation.IsValidPortName(name)) > 0 {
					continue
				}
				path := c.Path.Child("ports").Index(j).Child("name")
				if prev, ok := first[name]; ok {
					p.Report(path, field.ErrorTypeDuplicate, name,
						fmt.Sprintf("port name %q is already used by %s in the same container", name, prev), "")
					continue
				}
				first[name] = path.String()
			}
		}
	},
}
