package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var containerPorts = &lint.Rule{
	ID:       "container-ports",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Container ports must be valid numbers, names and protocols",
	Doc: "Each entry of a container's ports needs a containerPort between 1 and 65535; a hostPort, when set, is in the same range. " +
		"A port name is an IANA service name (at most 15 lower-case alphanumerics or '-', with at least one letter, no leading, trailing or " +
		"double '-'), since Services and probes refer to ports by it. The protocol is TCP (the default), UDP or SCTP, in upper case.",
	Remediation: "Use a port number from 1 to 65535, a short lower-case port name and protocol TCP, UDP or SCTP.",
	Fields:      []string{"containers[*].ports[*]", "initContainers[*].ports[*]"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			for j, port := range c.Ports {
				pp := c.Path.Child("ports").Index(j)
				if port.Name != "" {
					if msgs := validation.IsValidPortName(port.Name); len(msgs) > 0 {
						p.Report(pp.Child("name"), field.ErrorTypeInvalid, port.Name,
							fmt.Sprintf("port name %q is not a valid IANA service name: %s", port.Name, strings.Join(msgs, "; ")), "")
					}
				}
				if port.ContainerPort == 0 {
					p.Report(pp.Child("containerPort"), field.ErrorTypeRequired, nil,
						"containerPort is required: it is the port the container listens on", "Set containerPort to the port the process listens on.")
				} else if msgs := validation.IsValidPortNum(int(port.ContainerPort)); len(msgs) > 0 {
					p.Report(pp.Child("containerPort"), field.ErrorTypeInvalid, port.ContainerPort,
						fmt.Sprintf("containerPort %d is out of range: %s", port.ContainerPort, strings.Join(msgs, "; ")), "")
				}
				if port.HostPort != 0 {
					if msgs := validation.IsValidPortNum(int(port.HostPort)); len(msgs) > 0 {
						p.Report(pp.Child("hostPort"), field.ErrorTypeInvalid, port.HostPort,
							fmt.Sprintf("hostPort %d is out of range: %s", port.HostPort, strings.Join(msgs, "; ")), "")
					}
				}
				switch port.Protocol {
				case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
				default:
					notSupported(p, pp.Child("protocol"), string(port.Protocol), "protocol", []string{"SCTP", "TCP", "UDP"})
				}
			}
		}
	},
}
