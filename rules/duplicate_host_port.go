package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var duplicateHostPort = &lint.Rule{
	ID:       "duplicate-host-port",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "A hostPort/protocol/hostIP may be claimed once among the app containers, and once within each init container",
	Doc: "A hostPort binds a port on the node for the Pod. The API server rejects a Pod spec in which two ports claim the same " +
		"protocol/hostIP/hostPort triple (protocol defaults to TCP; hostIP is compared as written, so \"\" and 0.0.0.0 differ) among the app containers, " +
		"or twice within one init container. Init containers are checked one at a time, because regular init containers run one by one, so " +
		"an init container may reuse an app container's hostPort (for a sidecar that means a clash on the node at run time that the API server does not catch). " +
		"On a Pod with hostNetwork: true, an unset hostPort is defaulted to the containerPort before this check.",
	Remediation: "Give each port a distinct hostPort (or drop hostPort and expose the Pod through a Service).",
	Fields:      []string{"initContainers[*].ports[*].hostPort", "containers[*].ports[*].hostPort"},
	Check: func(p *lint.Pass) {
		app := map[string]string{}
		for _, c := range containers(p) {
			if c.Kind == ephemeralContainer {
				continue // ports are forbidden on ephemeral containers
			}
			seen := app
			if c.Kind != appContainer {
				seen = map[string]string{}
			}
			for j := range c.Ports {
				port := &c.Ports[j]
				hostPort := effectiveHostPort(p, c, port)
				if hostPort == 0 {
					continue
				}
				path := c.Path.Child("ports").Index(j)
				key := fmt.Sprintf("%s/%s/%d", portProtocol(port), port.HostIP, hostPort)
				if prev, ok := seen[key]; ok {
					msg := fmt.Sprintf("hostPort %d/%s", hostPort, portProtocol(port))
					if port.HostIP != "" {
						msg += " on hostIP " + port.HostIP
					}
					msg += " is already claimed by " + prev
					if port.HostPort == 0 {
						msg += " (hostNetwork: true defaults hostPort to containerPort)"
					}
					p.Report(path.Child("hostPort"), field.ErrorTypeDuplicate, key, msg, "")
					continue
				}
				seen[key] = path.String()
			}
		}
	},
}
