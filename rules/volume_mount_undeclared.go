package rules

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

var volumeMountUndeclared = &lint.Rule{
	ID:       "volume-mount-undeclared",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "volumeMounts and volumeDevices must name a volume declared in spec.volumes",
	Doc: "Volumes are declared once per Pod, in spec.volumes, and each container mounts the ones it needs by name. The API server rejects " +
		"a volumeMount or volumeDevice whose name matches no volume of the Pod: there is nothing to mount. In a StatefulSet, the names of " +
		"spec.volumeClaimTemplates count as volumes: the controller adds one PersistentVolumeClaim volume per template to each Pod.",
	Remediation: "Declare the volume in spec.volumes, or fix the name in the mount.",
	Fields: []string{
		"volumes[*].name",
		"initContainers[*].volumeMounts[*].name", "containers[*].volumeMounts[*].name", "ephemeralContainers[*].volumeMounts[*].name",
		"initContainers[*].volumeDevices[*].name", "containers[*].volumeDevices[*].name", "ephemeralContainers[*].volumeDevices[*].name",
	},
	Check: func(p *lint.Pass) {
		vols := podVolumes(p.Object)
		names := make([]string, 0, len(vols))
		for _, v := range p.Object.PodSpec.Volumes {
			names = append(names, v.Name)
		}
		if sts, ok := p.Object.Typed.(*appsv1.StatefulSet); ok {
			for _, t := range sts.Spec.VolumeClaimTemplates {
				names = append(names, t.Name)
			}
		}
		report := func(path *field.Path, what, name string) {
			msg := fmt.Sprintf("%s names volume %q, which is not declared in %s", what, name, p.Object.PodSpecPath.Child("volumes"))
			if p.Object.Ref.Kind == "StatefulSet" {
				msg += " nor in spec.volumeClaimTemplates"
			}
			hint := ""
			if near := manifest.Nearest(name, names); near != "" {
				hint = fmt.Sprintf("Did you mean %q? Otherwise declare volume %q in spec.volumes.", near, name)
			}
			p.Report(path, field.ErrorTypeNotFound, name, msg, hint)
		}
		for _, c := range containers(p) {
			for j, m := range c.VolumeMounts {
				if _, ok := vols[m.Name]; m.Name != "" && !ok {
					report(c.Path.Child("volumeMounts").Index(j).Child("name"), "volumeMount", m.Name)
				}
			}
			for j, d := range c.VolumeDevices {
				if _, ok := vols[d.Name]; d.Name != "" && !ok {
					report(c.Path.Child("volumeDevices").Index(j).Child("name"), "volumeDevice", d.Name)
				}
			}
		}
	},
}
