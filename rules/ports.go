package rules

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

// portProtocol returns a port's protocol after defaulting: TCP when unset.
func portProtocol(port *corev1.ContainerPort) corev1.Protocol {
	if port.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return port.Protocol
}

// effectiveHostPort returns a port's hostPort after defaulting. On a Pod (not a
// template) with hostNetwork: true, the API server's defaulting copies containerPort
// into an unset hostPort of init and app containers (SetDefaults_Pod).
func effectiveHostPort(p *lint.Pass, c container, port *corev1.ContainerPort) int32 {
	if port.HostPort == 0 && p.Object.IsPod() && p.Object.PodSpec.HostNetwork &&
		c.Kind != ephemeralContainer {
		return port.ContainerPort
	}
	return port.HostPort
}
