package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var duplicateMountPath = &lint.Rule{
	ID:       "duplicate-mount-path",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "mountPath must be unique within a container",
	Doc: "Two volumes mounted at the same path of one container would hide each other, so the API server requires every volumeMount " +
		"of a container to have its own mountPath (compared as written). Different containers may mount at the same path: each has its own filesystem.",
	Remediation: "Mount each volume at its own path, or use subPath to place several files of one volume.",
	Fields:      []string{"initContainers[*].volumeMounts[*].mountPath", "containers[*].volumeMounts[*].mountPath", "ephemeralContainers[*].volumeMounts[*].mountPath"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			first := map[string]string{}
			for j, m := range c.VolumeMounts {
				if m.MountPath == "" {
					continue
				}
				path := c.Path.Child("volumeMounts").Index(j).Child("mountPath")
				if prev, ok := first[m.MountPath]; ok {
					p.Report(path, field.ErrorTypeInvalid, m.MountPath,
						fmt.Sprintf("must be unique: mountPath %q is already used by %s in the same container", m.MountPath, prev), "")
					continue
				}
				first[m.MountPath] = path.String()
			}
		}
	},
}
