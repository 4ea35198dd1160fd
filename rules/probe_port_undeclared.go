package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var probePortUndeclared = &lint.Rule{
	ID:       "probe-port-undeclared",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityError,
	Title:    "A named probe or hook port must be declared by the same container",
	Doc: "An httpGet or tcpSocket probe, and an httpGet hook, may name its port (port: http) instead of giving a number. " +
		"The kubelet resolves the name at run time against the ports of the probed container only. The API server checks just that " +
		"the name is well formed: it accepts a name no container declares, or one declared only by another container of the Pod. " +
		"The kubelet then cannot resolve it, so the probe fails on every attempt: a liveness or startup probe restarts the container forever, " +
		"a readiness probe keeps it out of Service endpoints forever, a postStart hook kills the container.",
	Remediation: "Declare the named port in this container's ports, or use the port number.",
	Fields:      []string{"containers[*].ports[*].name", "containers[*].livenessProbe", "containers[*].readinessProbe", "containers[*].startupProbe", "containers[*].lifecycle"},
	Check: func(p *lint.Pass) {
		declaredBy := map[string]string{}
		all := containers(p)
		for _, c := range all {
			for _, port := range c.Ports {
				if port.Name != "" && declaredBy[port.Name] == "" {
					declaredBy[port.Name] = c.Name
				}
			}
		}
		for _, c := range all {
			if !hooksAndProbesAllowed(c) {
				continue
			}
			own := map[string]bool{}
			for _, port := range c.Ports {
				own[port.Name] = true
			}
			check := func(path *field.Path, what string, port intstr.IntOrString) {
				if port.Type != intstr.String || port.StrVal == "" || own[port.StrVal] || isDigits(port.StrVal) {
					return
				}
				msg := fmt.Sprintf("%s uses port %q, but container %q declares no port of that name; the kubelet looks the name up only in the probed container's own ports, so every attempt fails",
					what, port.StrVal, c.Name)
				if other := declaredBy[port.StrVal]; other != "" {
					msg += fmt.Sprintf(" (container %q declares it, which does not count)", other)
				}
				p.Report(path, "", port.StrVal, msg, "")
			}
			for _, pr := range probes(c.Container) {
				if pr.Probe == nil {
					continue
				}
				path := c.Path.Child(pr.Name)
				if h := pr.Probe.HTTPGet; h != nil {
					check(path.Child("httpGet", "port"), "the "+pr.Name, h.Port)
				}
				if t := pr.Probe.TCPSocket; t != nil {
					check(path.Child("tcpSocket", "port"), "the "+pr.Name, t.Port)
				}
			}
			for _, h := range hooks(c.Container) {
				if h.Handler.HTTPGet != nil {
					check(c.Path.Child("lifecycle", h.Name, "httpGet", "port"), "the "+h.Name+" hook", h.Handler.HTTPGet.Port)
				}
			}
		}
	},
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
