package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var sharedPortName = &lint.Rule{
	ID:       "shared-port-name",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Two containers of a Pod give a port the same name",
	Doc: "A Service's targetPort and a probe's port can name a container port instead of giving its number. The API server accepts the same " +
		"port name in two containers of a Pod, with a warning: a Service that selects the port by name uses the first container's port " +
		"(in the order init containers, containers, ephemeral containers), so traffic meant for the second never reaches it. Within one " +
		"container the same name twice is an error (duplicate-port-name).",
	Remediation: "Give each container's port its own name (for example web-http and metrics-http).",
	Fields:      []string{"containers[*].ports[*].name", "initContainers[*].ports[*].name"},
	Check: func(p *lint.Pass) {
		type owner struct{ container, path string }
		first := map[string]owner{}
		for _, c := range containers(p) {
			for j := range c.Ports {
				name := c.Ports[j].Name
				if name == "" {
					continue
				}
				path := c.Path.Child("ports").Index(j)
				prev, ok := first[name]
				if !ok {
					first[name] = owner{c.Name, path.String()}
					continue
				}
				if prev.container == c.Name {
					continue // the same container: an error that duplicate-port-name reports
				}
				p.Report(path.Child("name"), "", name,
					fmt.Sprintf("port name %q is also used by %s in container %q: Services and probes that select the port by name use that one", name, prev.path, prev.container), "")
			}
		}
	},
}
