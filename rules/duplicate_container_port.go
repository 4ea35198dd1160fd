package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var duplicateContainerPort = &lint.Rule{
	ID:       "duplicate-container-port",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "The same containerPort/protocol should be declared once per Pod",
	Doc: "All containers of a Pod share one network namespace, so one port space: two containers running at the same time cannot both listen on " +
		"the same port and protocol, and the second one's bind fails at run time. The API server accepts a Pod that declares the same " +
		"containerPort/protocol twice (across init, sidecar and app containers, or within one container) and only returns a warning: " +
		"\"duplicate\" when hostIP and hostPort are also equal, \"overlapping\" when one of them has no hostPort, \"dangerously ambiguous\" when the hostPorts match " +
		"and only one sets hostIP. A regular init container exits before the app containers start, so its declaration does not clash at run time, " +
		"but it still makes the port ambiguous for readers and tools.",
	Remediation: "Declare each containerPort once, in the container that listens on it; give a second listener its own port.",
	Fields:      []string{"initContainers[*].ports[*].containerPort", "containers[*].ports[*].containerPort"},
	Check: func(p *lint.Pass) {
		type decl struct {
			where    string
			hostIP   string
			hostPort int32
		}
		seen := map[string][]decl{}
		for _, c := range containers(p) {
			for j := range c.Ports {
				port := &c.Ports[j]
				if port.ContainerPort == 0 {
					continue
				}
				path := c.Path.Child("ports").Index(j)
				hostPort := effectiveHostPort(p, c, port)
				key := fmt.Sprintf("%d/%s", port.ContainerPort, portProtocol(port))
				for _, other := range seen[key] {
					kind := portClash(port.HostIP, hostPort, other.hostIP, other.hostPort)
					if kind == "" {
						continue
					}
					p.Report(path, "", key,
						fmt.Sprintf("%s port definition: containerPort %s is also declared by %s; containers share the Pod's network namespace, "+
							"so only one running container can listen on it (the API server accepts this with a warning)", kind, key, other.where), "")
					break
				}
				seen[key] = append(seen[key], decl{where: path.String(), hostIP: port.HostIP, hostPort: hostPort})
			}
		}
	},
}

// portClash classifies two declarations of the same containerPort/protocol the way
// the API server's Pod warnings do; "" when it does not warn.
func portClash(ipA string, portA int32, ipB string, portB int32) string {
	switch {
	case ipA == ipB && portA == portB:
		return "duplicate"
	case portA == 0 || portB == 0:
		return "overlapping"
	case portA == portB && (ipA == "") != (ipB == ""):
		return "dangerously ambiguous"
	}
	return ""
}
