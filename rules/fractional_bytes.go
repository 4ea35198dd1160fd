package rules

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var fractionalBytes = &lint.Rule{
	ID:       "fractional-bytes",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Memory or storage quantity is a fraction of a byte",
	Doc: "Memory, ephemeral-storage and storage are counted in bytes, but a quantity such as 0.5Mi is exact while 1.5m or 100m (milli-bytes, " +
		"a slip for Mi or M) is a fraction of a byte. The API server accepts it with a warning; what the kubelet and the container runtime " +
		"make of it (rounding to whole bytes, often down to almost nothing) is not what the author meant. Containers' requests and limits, " +
		"the Pod's overhead, and the storage of ephemeral and StatefulSet volume claim templates are checked.",
	Remediation: "Write the quantity in whole bytes with a binary or decimal suffix (512Mi, 1G); `m` means milli, not mega.",
	Fields:      []string{"containers[*].resources", "overhead", "volumes[*].ephemeral", "volumeClaimTemplates[*]"},
	Check: func(p *lint.Pass) {
		spec := p.Object.PodSpec
		sp := p.Object.PodSpecPath
		byteNames := []corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceEphemeralStorage}
		checkList(p, spec.Overhead, sp.Child("overhead"), byteNames)
		for _, c := range containers(p) {
			checkList(p, c.Resources.Limits, c.Path.Child("resources", "limits"), byteNames)
			checkList(p, c.Resources.Requests, c.Path.Child("resources", "requests"), byteNames)
		}
		storage := []corev1.ResourceName{corev1.ResourceStorage}
		for i, v := range spec.Volumes {
			if v.Ephemeral == nil || v.Ephemeral.VolumeClaimTemplate == nil {
				continue
			}
			rp := sp.Child("volumes").Index(i).Child("ephemeral", "volumeClaimTemplate", "spec", "resources")
			r := v.Ephemeral.VolumeClaimTemplate.Spec.Resources
			checkList(p, r.Requests, rp.Child("requests"), storage)
			checkList(p, r.Limits, rp.Child("limits"), storage)
		}
		if sts, ok := p.Object.Typed.(*appsv1.StatefulSet); ok {
			for i, t := range sts.Spec.VolumeClaimTemplates {
				// The API server's warning leaves out the claim's "spec"; the finding names the field as written.
				rp := p.Object.Path("spec", "volumeClaimTemplates").Index(i).Child("spec", "resources")
				checkList(p, t.Spec.Resources.Requests, rp.Child("requests"), storage)
				checkList(p, t.Spec.Resources.Limits, rp.Child("limits"), storage)
			}
		}
	},
}

// checkList reports the named quantities of l that are not whole bytes.
func checkList(p *lint.Pass, l corev1.ResourceList, lp *field.Path, names []corev1.ResourceName) {
	for _, n := range names {
		if q, ok := l[n]; ok && q.MilliValue()%1000 != 0 {
			p.Report(lp.Key(string(n)), "", q.String(),
				fmt.Sprintf("%s %s is a fraction of a byte; the API server accepts it with a warning, but it is almost certainly a slip (m is milli, not mega)", n, q.String()), "")
		}
	}
}
