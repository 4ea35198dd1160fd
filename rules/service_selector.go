package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlint/podlint/lint"
)

var serviceSelector = &lint.Rule{
	ID:       "service-selector",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A Service's selector should match the Pods of exactly one workload in the inputs",
	Doc: "A Service sends traffic to every Pod of its namespace whose labels include all of its selector's. A selector that matches no pod " +
		"template in the inputs (a typo, a label renamed on one side) leaves the Service without endpoints; one that also matches the Pods " +
		"of another workload (a shared app label) spreads its traffic over Pods that serve something else. Both are accepted by the API " +
		"server. Only judged when the inputs hold pod templates in the Service's namespace, so a Service checked alone is not flagged; " +
		"a deliberate split (a canary beside the stable workload) can be suppressed on the Service.",
	Remediation: "Make the selector match the labels of the intended workload's pod template, and only those.",
	Fields:      []string{"Service spec.selector"},
	CheckSet: func(p *lint.SetPass) {
		for _, svc := range p.Objects {
			s, ok := svc.Typed.(*corev1.Service)
			if !ok || s.Spec.Type == corev1.ServiceTypeExternalName || len(s.Spec.Selector) == 0 {
				continue
			}
			ws := workloadsIn(p, svc.Namespace())
			if len(ws) == 0 {
				continue
			}
			selected := distinct(selecting(ws, labels.SelectorFromSet(s.Spec.Selector)))
			switch {
			case len(selected) == 0:
				hint := ""
				if near := nearestLabels(ws, s.Spec.Selector); near != "" {
					hint = "Did you mean " + near + "?"
				}
				p.Report(svc, svc.Path("spec", "selector"), nil,
					fmt.Sprintf("selector %s matches no pod template in namespace %s of the inputs, so the Service would have no endpoints", renderLabels(s.Spec.Selector), svc.Namespace()), hint)
			case len(selected) > 1:
				p.Report(svc, svc.Path("spec", "selector"), nil,
					fmt.Sprintf("selector %s matches the Pods of %s; the Service spreads its traffic over all of them", renderLabels(s.Spec.Selector), strings.Join(selected, " and ")),
					"Add a label only the intended workload's pod template has to both the template and the selector.")
			}
		}
	},
}
