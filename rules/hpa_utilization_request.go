package rules

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

var hpaUtilizationRequest = &lint.Rule{
	ID:       "hpa-utilization-request",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityError,
	Title:    "An autoscaler's utilization target needs the resource requested by the target's containers",
	Doc: "A Resource or ContainerResource metric with a Utilization target divides usage by the Pods' requests. The autoscaler sums the " +
		"requests of every app container and sidecar (or of the one named container); if any of them has no request for the resource " +
		"(a limit alone counts, as the request defaults to it) it cannot compute utilization: the HorizontalPodAutoscaler reports " +
		"FailedGetResourceMetric and never scales. Pod-level requests (spec.resources) are used instead when set and no container is " +
		"named. Judged against the target workload when it is in the inputs; a LimitRange default the inputs do not show is not known.",
	Remediation: "Set resources.requests for the resource in every container of the target's pod template, or use an AverageValue target.",
	Fields:      []string{"HorizontalPodAutoscaler spec.metrics[*].resource", "HorizontalPodAutoscaler spec.metrics[*].containerResource"},
	CheckSet: func(p *lint.SetPass) {
		for _, o := range p.Objects {
			hpa, ok := o.Typed.(*autoscalingv2.HorizontalPodAutoscaler)
			if !ok {
				continue
			}
			targets := hpaTargets(hpa, workloadsIn(p, o.Namespace()))
			for i, m := range hpa.Spec.Metrics {
				var res corev1.ResourceName
				container, field := "", "resource"
				switch {
				case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType:
					res = m.Resource.Name
				case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil && m.ContainerResource.Target.Type == autoscalingv2.UtilizationMetricType:
					res, container, field = m.ContainerResource.Name, m.ContainerResource.Container, "containerResource"
				default:
					continue
				}
				for _, w := range targets {
					if missing := withoutRequest(w.Workload.PodSpec, container, res); missing != "" {
						p.Report(o, o.Path("spec", "metrics").Index(i).Child(field, "target", "averageUtilization"), nil,
							fmt.Sprintf("%s utilization needs a %s request, but container %q of %s requests none: the autoscaler cannot compute utilization and never scales", res, res, missing, describe(w)), "")
						break
					}
				}
			}
		}
	},
}

// withoutRequest returns the first container the autoscaler would read that has
// no request (nor limit, which the request defaults to) for res; "" when none.
func withoutRequest(spec *corev1.PodSpec, container string, res corev1.ResourceName) string {
	if spec == nil {
		return ""
	}
	if container == "" && spec.Resources != nil {
		if _, ok := spec.Resources.Requests[res]; ok {
			return ""
		}
	}
	for _, c := range servingContainers(spec) {
		if container != "" && c.Name != container {
			continue
		}
		_, req := c.Resources.Requests[res]
		_, lim := c.Resources.Limits[res]
		if !req && !lim {
			return c.Name
		}
	}
	return ""
}
