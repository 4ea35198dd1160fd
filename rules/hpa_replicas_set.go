package rules

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/podlint/podlint/lint"
)

var hpaReplicasSet = &lint.Rule{
	ID:       "hpa-replicas-set",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A workload an autoscaler scales should not set replicas",
	Doc: "The HorizontalPodAutoscaler owns the replica count of its target through the scale subresource. A manifest that also sets " +
		"spec.replicas resets the count on every apply (kubectl apply, a GitOps sync), so each deploy first scales the workload back to " +
		"that number, dropping capacity under load, until the autoscaler corrects it again.",
	Remediation: "Remove spec.replicas from the workload's manifest and let the autoscaler's minReplicas set the floor.",
	Fields:      []string{"spec.replicas"},
	CheckSet: func(p *lint.SetPass) {
		reported := map[*lint.SetObject]bool{}
		for _, o := range p.Objects {
			hpa, ok := o.Typed.(*autoscalingv2.HorizontalPodAutoscaler)
			if !ok {
				continue
			}
			for _, w := range hpaTargets(hpa, workloadsIn(p, o.Namespace())) {
				if reported[w] || !w.Has("spec.replicas") {
					continue
				}
				reported[w] = true
				p.Report(w, w.Workload.Path("spec", "replicas"), nil,
					fmt.Sprintf("HorizontalPodAutoscaler %s scales this %s; replicas here resets its count on every apply", o.Ref.Name, w.Ref.Kind), "")
			}
		}
	},
}
