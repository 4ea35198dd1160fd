package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var hostIPWithoutHostPort = &lint.Rule{
	ID:       "host-ip-without-host-port",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Container port sets hostIP but no hostPort",
	Doc: "hostIP only says which node address a hostPort binds to. Without a hostPort nothing is published on the node, so the hostIP " +
		"has no effect; the API server accepts the port with a warning. Usually a hostPort was meant, or the hostIP is left over.",
	Remediation: "Add the hostPort to publish on the node, or remove hostIP.",
	Fields:      []string{"containers[*].ports[*].hostIP"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			for j, port := range c.Ports {
				if port.HostIP != "" && port.HostPort == 0 && !p.Object.PodSpec.HostNetwork {
					p.Report(c.Path.Child("ports").Index(j).Child("hostIP"), "", port.HostIP,
						fmt.Sprintf("hostIP %s has no effect without a hostPort", port.HostIP), "")
				}
			}
		}
	},
}
