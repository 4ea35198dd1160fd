package rules

import (
	"fmt"

	policyv1 "k8s.io/api/policy/v1"

	"github.com/podlint/podlint/lint"
)

var pdbSelector = &lint.Rule{
	ID:       "pdb-selector",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A PodDisruptionBudget's selector should match a pod template in the inputs",
	Doc: "A PodDisruptionBudget protects the Pods of its namespace that its selector matches. One that matches none of the pod templates " +
		"in the inputs protects nothing: a node drain evicts the workload it was meant for all at once. (A null selector matches no Pod; " +
		"an empty one, {}, every Pod of the namespace.) Only judged when the inputs hold pod templates in the budget's namespace.",
	Remediation: "Make spec.selector match the labels of the workload's pod template.",
	Fields:      []string{"PodDisruptionBudget spec.selector"},
	CheckSet: func(p *lint.SetPass) {
		for _, o := range p.Objects {
			pdb, ok := o.Typed.(*policyv1.PodDisruptionBudget)
			if !ok {
				continue
			}
			ws := workloadsIn(p, o.Namespace())
			if len(ws) == 0 {
				continue
			}
			if pdb.Spec.Selector == nil {
				p.Report(o, o.Path("spec", "selector"), nil, "the budget has no selector, which matches no Pod: it protects nothing", "")
				continue
			}
			sel := labelSelector(pdb.Spec.Selector)
			if sel == nil || len(selecting(ws, sel)) > 0 {
				continue
			}
			hint := ""
			if near := nearestLabels(ws, pdb.Spec.Selector.MatchLabels); near != "" {
				hint = "Did you mean " + near + "?"
			}
			p.Report(o, o.Path("spec", "selector"), nil,
				fmt.Sprintf("selector %s matches no pod template in namespace %s of the inputs: the budget protects nothing", sel, o.Namespace()), hint)
		}
	},
}
