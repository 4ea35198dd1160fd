package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var probeHandler = &lint.Rule{
	ID:       "probe-handler",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "A probe needs exactly one handler",
	Doc: "The kubelet runs a probe by exactly one action: exec (a command in the container), httpGet, tcpSocket or grpc. " +
		"The API server rejects a probe with no action (Required: must specify a handler type), and when several are set it keeps the first " +
		"in the order exec, httpGet, tcpSocket, grpc and rejects each further one (Forbidden: may not specify more than 1 handler type). " +
		"It checks the probes of app containers and sidecars; on regular init containers probes are forbidden altogether.",
	Remediation: "Give the probe exactly one of exec, httpGet, tcpSocket or grpc.",
	Fields:      []string{"containers[*].livenessProbe", "containers[*].readinessProbe", "containers[*].startupProbe", "initContainers[*].startupProbe"},
	Check: func(p *lint.Pass) {
		eachProbe(p, func(_ container, name string, probe *corev1.Probe, path *field.Path) {
			h := probe.ProbeHandler
			set := []struct {
				name string
				on   bool
			}{{"exec", h.Exec != nil}, {"httpGet", h.HTTPGet != nil}, {"tcpSocket", h.TCPSocket != nil}, {"grpc", h.GRPC != nil}}
			first := ""
			for _, s := range set {
				if !s.on {
					continue
				}
				if first == "" {
					first = s.name
					continue
				}
				p.Report(path.Child(s.name), field.ErrorTypeForbidden, nil,
					fmt.Sprintf("may not specify more than 1 handler type: this %s already uses %s, and a probe runs exactly one action", name, first),
					fmt.Sprintf("Remove %s or %s from the %s.", s.name, first, name))
			}
			if first == "" {
				p.Report(path, field.ErrorTypeRequired, nil,
					fmt.Sprintf("must specify a handler type: the %s has none of exec, httpGet, tcpSocket or grpc, so the kubelet would have nothing to run", name),
					"")
			}
		})
	},
}
