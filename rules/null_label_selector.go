package rules

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var nullLabelSelector = &lint.Rule{
	ID:       "null-label-selector",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Pod affinity term or topology spread constraint without labelSelector matches no Pod",
	Doc: "A pod affinity or anti-affinity term and a topology spread constraint select the Pods they are about with labelSelector. " +
		"Left out (null), it selects no Pod at all, unlike an empty selector ({}), which selects every Pod: a required pod affinity term " +
		"then never holds and the Pod stays Pending, anti-affinity and spreading have no effect. The API server accepts it with a warning.",
	Remediation: "Add a labelSelector that matches the Pods to co-locate with, avoid or spread across (usually the workload's own labels).",
	Fields:      []string{"affinity.podAffinity", "affinity.podAntiAffinity", "topologySpreadConstraints[*].labelSelector"},
	// The findings name the missing labelSelector, as the API server's warning does;
	// their position is the term's, the nearest field that is written.
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		for i, t := range spec.TopologySpreadConstraints {
			if t.LabelSelector == nil {
				p.Report(sp.Child("topologySpreadConstraints").Index(i).Child("labelSelector"), "", nil,
					"topology spread constraint has no labelSelector: it counts no Pods, so it spreads nothing", "")
			}
		}
		a := spec.Affinity
		if a == nil {
			return
		}
		terms := func(req []corev1.PodAffinityTerm, pref []corev1.WeightedPodAffinityTerm, ap *field.Path, what string) {
			for i, t := range req {
				if t.LabelSelector == nil {
					p.Report(ap.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i).Child("labelSelector"), "", nil,
						"required "+what+" term has no labelSelector: it matches no Pod", "")
				}
			}
			for i, t := range pref {
				if t.PodAffinityTerm.LabelSelector == nil {
					p.Report(ap.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("podAffinityTerm", "labelSelector"), "", nil,
						"preferred "+what+" term has no labelSelector: it matches no Pod", "")
				}
			}
		}
		if pa := a.PodAffinity; pa != nil {
			terms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, sp.Child("affinity", "podAffinity"), "pod affinity")
		}
		if pa := a.PodAntiAffinity; pa != nil {
			terms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, sp.Child("affinity", "podAntiAffinity"), "pod anti-affinity")
		}
	},
}
