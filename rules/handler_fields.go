package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var handlerFields = &lint.Rule{
	ID:       "handler-fields",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Probe and hook actions must be complete, with non-negative timings",
	Doc: "A probe's initialDelaySeconds, timeoutSeconds, periodSeconds and failureThreshold may not be negative " +
		"(0 means the default for all but initialDelaySeconds). " +
		"Each action must be complete: exec needs a command; httpGet a port (a number from 1 to 65535 or a port name) and scheme HTTP or " +
		"HTTPS, with valid header names; tcpSocket and grpc a valid port. A postStart or preStop hook needs exactly one action " +
		"(exec, httpGet, tcpSocket or sleep), like a probe.",
	Remediation: "Complete the action and use non-negative probe timings.",
	Fields:      []string{"containers[*].livenessProbe", "containers[*].readinessProbe", "containers[*].startupProbe", "containers[*].lifecycle"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) {
				continue
			}
			for _, pr := range probes(c.Container) {
				if pr.Probe == nil {
					continue
				}
				pp := c.Path.Child(pr.Name)
				for _, n := range []struct {
					name string
					v    int32
				}{{"initialDelaySeconds", pr.Probe.InitialDelaySeconds}, {"timeoutSeconds", pr.Probe.TimeoutSeconds}, {"periodSeconds", pr.Probe.PeriodSeconds},
					{"failureThreshold", pr.Probe.FailureThreshold}} {
					if n.v < 0 {
						p.Report(pp.Child(n.name), field.ErrorTypeInvalid, n.v, fmt.Sprintf("%s %d must be greater than or equal to 0", n.name, n.v), "")
					}
				}
				// successThreshold and terminationGracePeriodSeconds belong to
				// probe-success-threshold and probe-grace-period.
				h := pr.Probe.ProbeHandler
				switch {
				case h.Exec != nil:
					checkExec(p, h.Exec, pp.Child("exec"))
				case h.HTTPGet != nil:
					checkHTTPGet(p, h.HTTPGet, pp.Child("httpGet"))
				case h.TCPSocket != nil:
					checkPort(p, h.TCPSocket.Port, pp.Child("tcpSocket", "port"))
				case h.GRPC != nil:
					checkPort(p, intstr.FromInt32(h.GRPC.Port), pp.Child("grpc", "port"))
				}
			}
			for _, hk := range hooks(c.Container) {
				hp := c.Path.Child("lifecycle", hk.Name)
				h := hk.Handler
				set := []struct {
					name string
					on   bool
				}{{"exec", h.Exec != nil}, {"httpGet", h.HTTPGet != nil}, {"tcpSocket", h.TCPSocket != nil}, {"sleep", h.Sleep != nil}}
				first := ""
				for _, s := range set {
					if !s.on {
						continue
					}
					if first != "" {
						p.Report(hp.Child(s.name), field.ErrorTypeForbidden, nil,
							fmt.Sprintf("may not specify more than 1 handler type: this %s hook already uses %s", hk.Name, first), fmt.Sprintf("Remove %s or %s.", s.name, first))
						continue
					}
					first = s.name
				}
				switch first {
				case "":
					p.Report(hp, field.ErrorTypeRequired, nil, fmt.Sprintf("must specify a handler type: the %s hook has no exec, httpGet, tcpSocket or sleep action", hk.Name), "")
				case "exec":
					checkExec(p, h.Exec, hp.Child("exec"))
				case "httpGet":
					checkHTTPGet(p, h.HTTPGet, hp.Child("httpGet"))
				case "tcpSocket":
					checkPort(p, h.TCPSocket.Port, hp.Child("tcpSocket", "port"))
				}
			}
		}
	},
}

func checkExec(p *lint.Pass, e *corev1.ExecAction, path *field.Path) {
	if len(e.Command) == 0 {
		p.Report(path.Child("command"), field.ErrorTypeRequired, nil, "exec needs a command to run", "Set command, e.g. [\"sh\", \"-c\", \"...\"].")
	}
}

func checkHTTPGet(p *lint.Pass, h *corev1.HTTPGetAction, path *field.Path) {
	checkPort(p, h.Port, path.Child("port"))
	// path and scheme are defaulted ("/" and HTTP) before validation.
	if h.Scheme != "" && h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		notSupported(p, path.Child("scheme"), string(h.Scheme), "scheme", []string{"HTTP", "HTTPS"})
	}
	for _, hd := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(hd.Name) {
			p.Report(path.Child("httpHeaders"), field.ErrorTypeInvalid, hd.Name, fmt.Sprintf("header name %q: %s", hd.Name, msg), "")
		}
	}
}

// checkPort checks a port given as a number or as a container port name.
func checkPort(p *lint.Pass, port intstr.IntOrString, path *field.Path) {
	var msgs []string
	if port.Type == intstr.String {
		msgs = validation.IsValidPortName(port.StrVal)
	} else {
		msgs = validation.IsValidPortNum(port.IntValue())
	}
	if len(msgs) > 0 {
		p.Report(path, field.ErrorTypeInvalid, port.String(), fmt.Sprintf("port %s: %s", port.String(), strings.Join(msgs, "; ")), "Use a port number from 1 to 65535 or the name of a container port.")
	}
}
