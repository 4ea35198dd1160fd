package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlint/podlint/lint"
)

var serviceTargetPortNumber = &lint.Rule{
	ID:       "service-target-port-number",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A Service's numeric targetPort should be a port its Pods declare",
	Doc: "A numeric targetPort (or, when it is left out, the Service port itself) is used as is: the Pods get traffic on that port whether " +
		"or not a container listens there. Container ports are informational, so this is a warning, but a targetPort that none of the " +
		"selected Pods' containers declares is most often a typo or a port changed on one side only, and the Service then refuses or " +
		"drops connections. Judged against the pod templates of the same namespace in the inputs that the selector matches.",
	Remediation: "Set targetPort to the containerPort the application listens on, or declare that port in the container.",
	Fields:      []string{"Service spec.ports[*].targetPort"},
	CheckSet: func(p *lint.SetPass) {
		eachServicePort(p, func(svc *lint.SetObject, i int, port *corev1.ServicePort, selected []*lint.SetObject) {
			if port.TargetPort.Type == intstr.String && port.TargetPort.StrVal != "" {
				return
			}
			number, path, what := port.TargetPort.IntVal, svc.Path("spec", "ports").Index(i).Child("targetPort"), "targetPort"
			if number == 0 {
				number, path, what = port.Port, svc.Path("spec", "ports").Index(i).Child("port"), "targetPort (defaulting to port)"
			}
			var lacking []*lint.SetObject
			for _, w := range selected {
				if !declaresPort(w, func(cp corev1.ContainerPort) bool { return cp.ContainerPort == number }) {
					lacking = append(lacking, w)
				}
			}
			if len(lacking) < len(selected) {
				// Some selected Pods declare it: the others may listen undeclared.
				return
			}
			p.Report(svc, path, number,
				fmt.Sprintf("%s %d is not a containerPort of any container of %s; traffic is sent there whether or not anything listens", what, number, strings.Join(distinct(lacking), ", ")), "")
		})
	},
}
