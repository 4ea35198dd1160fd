package rules

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var missingImage = &lint.Rule{
	ID:       "missing-image",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Every container needs an image",
	Doc: "The kubelet can only start a container from an image, so the API server requires a non-empty image on every init, sidecar, " +
		"app and ephemeral container, in Pods and in Pod templates alike. On a Pod (not a template) it also rejects an image with " +
		"leading or trailing whitespace; templates keep accepting it for backward compatibility, but the Pods they create are rejected.",
	Remediation: "Set image to the container image reference, e.g. nginx:1.27, without surrounding spaces.",
	Fields:      []string{"initContainers[*].image", "containers[*].image", "ephemeralContainers[*].image"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			path := c.Path.Child("image")
			if c.Image == "" {
				p.Report(path, field.ErrorTypeRequired, nil,
					fmt.Sprintf("%s %q has no image; the kubelet has nothing to run", c.Kind, c.Name), "")
				continue
			}
			// Pod-only check in the API server (validateContainerOnlyForPod); ephemeral
			// containers get it wherever they appear.
			if (p.Object.IsPod() || c.Kind == ephemeralContainer) && strings.TrimSpace(c.Image) != c.Image {
				hint := ""
				if t := strings.TrimSpace(c.Image); t != "" {
					hint = fmt.Sprintf("Set image: %s.", t)
				}
				p.Report(path, field.ErrorTypeInvalid, c.Image,
					fmt.Sprintf("image %q must not have leading or trailing whitespace", c.Image), hint)
			}
		}
	},
}
