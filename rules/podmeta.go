package rules

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// podMetaPath is the path of the Pod's metadata as the API server's warnings name
// it: metadata for a Pod, the template's metadata for a workload.
func podMetaPath(obj *lint.Object) *field.Path {
	switch {
	case obj.IsPod():
		return obj.Path("metadata")
	case obj.Ref.Kind == "CronJob":
		return obj.Path("spec", "jobTemplate", "spec", "template", "metadata")
	}
	return obj.Path("spec", "template", "metadata")
}
