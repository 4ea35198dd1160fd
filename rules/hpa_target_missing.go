package rules

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/podlint/podlint/lint"
)

var hpaTargetMissing = &lint.Rule{
	ID:       "hpa-target-missing",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityInfo,
	Title:    "A HorizontalPodAutoscaler's scaleTargetRef names a workload missing from the inputs",
	Doc: "The autoscaler scales the object its scaleTargetRef names, by kind and name in its own namespace. When that object is not among " +
		"the inputs while other workloads of the namespace are, the reference may be stale (a renamed Deployment) and the autoscaler then " +
		"reports FailedGetScale and scales nothing. Informational: the target may be applied from elsewhere.",
	Remediation: "Point scaleTargetRef at the workload's kind and name (and apiVersion), or apply them together.",
	Fields:      []string{"HorizontalPodAutoscaler spec.scaleTargetRef"},
	CheckSet: func(p *lint.SetPass) {
		for _, o := range p.Objects {
			hpa, ok := o.Typed.(*autoscalingv2.HorizontalPodAutoscaler)
			if !ok {
				continue
			}
			ws := workloadsIn(p, o.Namespace())
			if len(ws) == 0 || len(hpaTargets(hpa, ws)) > 0 {
				continue
			}
			ref := hpa.Spec.ScaleTargetRef
			p.Report(o, o.Path("spec", "scaleTargetRef", "name"), ref.Name,
				fmt.Sprintf("scaleTargetRef %s %s is not among the workloads of namespace %s in the inputs (%s)", ref.Kind, ref.Name, o.Namespace(), strings.Join(distinct(ws), ", ")), "")
		}
	},
}

// hpaTargets returns the workload objects an autoscaler scales among ws.
func hpaTargets(hpa *autoscalingv2.HorizontalPodAutoscaler, ws []*lint.SetObject) []*lint.SetObject {
	ref := hpa.Spec.ScaleTargetRef
	group, _, _ := strings.Cut(ref.APIVersion, "/")
	if !strings.Contains(ref.APIVersion, "/") {
		group = ""
	}
	var out []*lint.SetObject
	for _, w := range ws {
		wg, _, found := strings.Cut(w.Ref.APIVersion, "/")
		if !found {
			wg = ""
		}
		if w.Ref.Kind == ref.Kind && w.Ref.Name == ref.Name && (ref.APIVersion == "" || wg == group) {
			out = append(out, w)
		}
	}
	return out
}
