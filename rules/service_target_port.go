package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlint/podlint/lint"
)

var serviceTargetPort = &lint.Rule{
	ID:       "service-target-port",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityError,
	Title:    "A Service's named targetPort must be declared by the Pods it selects",
	Doc: "A targetPort given by name is looked up in each selected Pod's container ports (app containers and sidecars), with the Service " +
		"port's protocol: the EndpointSlice controller leaves a Pod whose containers declare no port of that name and protocol out of the " +
		"Service's endpoints, so traffic never reaches it, and a Service whose Pods all lack the name has no endpoints at all. The API server " +
		"accepts both objects; nothing reports the mismatch. Judged against the pod templates of the same namespace in the inputs whose " +
		"labels the Service's selector matches (custom resources' templates included).",
	Remediation: "Name the container port as the Service's targetPort says (or use the port number), with the same protocol.",
	Fields:      []string{"Service spec.ports[*].targetPort"},
	CheckSet: func(p *lint.SetPass) {
		eachServicePort(p, func(svc *lint.SetObject, i int, port *corev1.ServicePort, selected []*lint.SetObject) {
			if port.TargetPort.Type != intstr.String || port.TargetPort.StrVal == "" {
				return
			}
			name, proto := port.TargetPort.StrVal, protocolOf(port.Protocol)
			var lacking []*lint.SetObject
			for _, w := range selected {
				if !declaresPort(w, func(cp corev1.ContainerPort) bool { return cp.Name == name && protocolOf(cp.Protocol) == proto }) {
					lacking = append(lacking, w)
				}
			}
			if len(lacking) == 0 {
				return
			}
			effect := "those Pods are left out of the Service's endpoints"
			if len(lacking) == len(selected) {
				effect = "the Service has no endpoints for this port and its traffic fails"
			}
			p.Report(svc, svc.Path("spec", "ports").Index(i).Child("targetPort"), name,
				fmt.Sprintf("targetPort %q (%s) is not a port name declared by the containers of %s; %s", name, proto, strings.Join(distinct(lacking), ", "), effect), "")
		})
	},
}

// eachServicePort calls fn for each port of each Service whose selector
// matches pod templates in the inputs, with the workloads it selects.
func eachServicePort(p *lint.SetPass, fn func(svc *lint.SetObject, i int, port *corev1.ServicePort, selected []*lint.SetObject)) {
	for _, svc := range p.Objects {
		s, ok := svc.Typed.(*corev1.Service)
		if !ok || s.Spec.Type == corev1.ServiceTypeExternalName || len(s.Spec.Selector) == 0 {
			continue
		}
		selected := selecting(workloadsIn(p, svc.Namespace()), labels.SelectorFromSet(s.Spec.Selector))
		if len(selected) == 0 {
			continue
		}
		for i := range s.Spec.Ports {
			fn(svc, i, &s.Spec.Ports[i], selected)
		}
	}
}

// declaresPort reports whether a container of the workload's Pods that a Service
// routes to (an app container or a sidecar) declares a port matching match.
func declaresPort(w *lint.SetObject, match func(corev1.ContainerPort) bool) bool {
	if w.Workload.PodSpec == nil {
		return false
	}
	for _, c := range servingContainers(w.Workload.PodSpec) {
		for _, cp := range c.Ports {
			if match(cp) {
				return true
			}
		}
	}
	return false
}

// protocolOf is a port's protocol, TCP when left out (as the API server defaults it).
func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}
