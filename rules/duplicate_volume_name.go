package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var duplicateVolumeName = &lint.Rule{
	ID:       "duplicate-volume-name",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Volume names must be unique within a Pod",
	Doc: "Containers mount a Pod's volumes by name, so each name in spec.volumes must identify exactly one volume; the API server " +
		"rejects a second volume with a name already in use. (In a StatefulSet, template volumes named like a volumeClaimTemplate " +
		"are replaced by the claim, so they are not counted.)",
	Remediation: "Rename one of the volumes (and the mounts that mean it), or merge the two declarations.",
	Fields:      []string{"volumes[*].name"},
	Check: func(p *lint.Pass) {
		base := p.Object.PodSpecPath.Child("volumes")
		claims := claimTemplateNames(p.Object)
		first := map[string]string{}
		for i, v := range p.Object.PodSpec.Volumes {
			// A StatefulSet's claim template replaces every template volume of its name.
			if v.Name == "" || claims[v.Name] {
				continue
			}
			path := base.Index(i).Child("name")
			if prev, ok := first[v.Name]; ok {
				p.Report(path, field.ErrorTypeDuplicate, v.Name,
					fmt.Sprintf("volume name %q is already used by %s; mounts could not tell the two volumes apart", v.Name, prev), "")
				continue
			}
			first[v.Name] = path.String()
		}
	},
}
