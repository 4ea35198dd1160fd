package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var hookTCPSocket = &lint.Rule{
	ID:       "hook-tcp-socket",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityError,
	Title:    "Lifecycle hooks cannot use tcpSocket",
	Doc: "The LifecycleHandler type still carries a tcpSocket field, kept for backward compatibility, and the API server accepts it. " +
		"The kubelet, however, runs only exec, httpGet and sleep hooks; a tcpSocket hook fails as an invalid handler each time. " +
		"A failed postStart kills the container (then restartPolicy applies, so it can loop forever); a failed preStop is skipped " +
		"and the container goes straight to its stop signal, without the drain the hook was meant to give.",
	Remediation: "Replace tcpSocket with an exec, httpGet or sleep handler.",
	Fields:      []string{"containers[*].lifecycle.postStart.tcpSocket", "containers[*].lifecycle.preStop.tcpSocket"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) {
				continue
			}
			for _, h := range hooks(c.Container) {
				// With exec or httpGet also set, the API server rejects the tcpSocket itself.
				if h.Handler.TCPSocket == nil || h.Handler.Exec != nil || h.Handler.HTTPGet != nil {
					continue
				}
				effect := "the container is killed after every start"
				if h.Name == "preStop" {
					effect = "the container gets its stop signal without the intended drain"
				}
				p.Report(c.Path.Child("lifecycle", h.Name, "tcpSocket"), "", nil,
					fmt.Sprintf("the API server accepts a tcpSocket %s hook, but the kubelet fails it as an invalid handler: %s", h.Name, effect), "")
			}
		}
	},
}
