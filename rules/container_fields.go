package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

var containerFields = &lint.Rule{
	ID:       "container-fields",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Containers must be present and named, with supported pull and termination-message policies",
	Doc: "Every pod spec needs at least one app container. Each container needs a name that is a DNS label (at most 63 lower-case " +
		"alphanumerics or '-', starting and ending alphanumeric), because the name appears in the container's runtime identity, in " +
		"`kubectl logs -c` and in the downward API. imagePullPolicy, when set, is Always, IfNotPresent or Never, and " +
		"terminationMessagePolicy is File or FallbackToLogsOnError; left out, the API server defaults them before it validates.",
	Remediation: "Name every container with a lower-case DNS label and use a supported policy value.",
	Fields:      []string{"containers", "initContainers[*].name", "containers[*].name", "containers[*].imagePullPolicy", "containers[*].terminationMessagePolicy"},
	Check: func(p *lint.Pass) {
		if rc, ok := p.Object.Typed.(*corev1.ReplicationController); ok && rc.Spec.Template == nil {
			return // workload-spec reports the missing template
		}
		if len(p.Object.PodSpec.Containers) == 0 {
			p.Report(p.Object.PodSpecPath.Child("containers"), field.ErrorTypeRequired, nil,
				"a pod spec needs at least one container: init containers and sidecars alone do not make a Pod", "Add a container under containers.")
		}
		for _, c := range containers(p) {
			if c.Name == "" {
				p.Report(c.Path.Child("name"), field.ErrorTypeRequired, nil, fmt.Sprintf("%s has no name", c.Kind), "Give the container a name.")
			} else if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
				p.Report(c.Path.Child("name"), field.ErrorTypeInvalid, c.Name,
					fmt.Sprintf("%s name %q is not a DNS label: %s", c.Kind, c.Name, strings.Join(msgs, "; ")),
					suggestLabel("name", c.Name))
			}
			if pp := c.ImagePullPolicy; pp != "" && pp != corev1.PullAlways && pp != corev1.PullIfNotPresent && pp != corev1.PullNever {
				notSupported(p, c.Path.Child("imagePullPolicy"), string(pp), "imagePullPolicy", []string{"Always", "IfNotPresent", "Never"})
			}
			if tp := c.TerminationMessagePolicy; tp != "" && tp != corev1.TerminationMessageReadFile && tp != corev1.TerminationMessageFallbackToLogsOnError {
				notSupported(p, c.Path.Child("terminationMessagePolicy"), string(tp), "terminationMessagePolicy", []string{"File", "FallbackToLogsOnError"})
			}
		}
	},
}

// notSupported reports a value outside a closed set, suggesting the nearest one.
func notSupported(p *lint.Pass, path *field.Path, value, what string, supported []string) {
	hint := fmt.Sprintf("Set %s to one of %s.", what, quoted(supported))
	if near := manifest.Nearest(value, supported); near != "" {
		hint = fmt.Sprintf("Did you mean %q? Set %s: %s.", near, what, near)
	}
	p.Report(path, field.ErrorTypeNotSupported, value,
		fmt.Sprintf("unsupported %s %q (supported: %s)", what, value, quoted(supported)), hint)
}

// suggestLabel proposes a DNS-label spelling of s when lower-casing and replacing
// '_' and '.' makes it one.
func suggestLabel(what, s string) string {
	t := strings.Trim(strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s)), "-")
	if t != "" && len(validation.IsDNS1123Label(t)) == 0 {
		return fmt.Sprintf("Use a DNS label, e.g. %s: %s.", what, t)
	}
	return "Use at most 63 lower-case alphanumerics or '-', starting and ending with an alphanumeric."
}
