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
	Title:    "Containers must be present and named, with supported pull, termination-message and resize policies",
	Doc: "Every pod spec needs at least one app container. Each container needs a name that is a DNS label (at most 63 lower-case " +
		"alphanumerics or '-', starting and ending alphanumeric), because the name appears in the container's runtime identity, in " +
		"`kubectl logs -c` and in the downward API. imagePullPolicy, when set, is Always, IfNotPresent or Never, and " +
		"terminationMessagePolicy is File or FallbackToLogsOnError; left out, the API server defaults them before it validates. " +
		"resizePolicy entries name cpu or memory once each with NotRequired or RestartContainer; a Pod with restartPolicy Never can only use " +
		"NotRequired, and a regular init container never RestartContainer.",
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
			checkResizePolicy(p, c, p.Object.PodSpec.RestartPolicy)
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

// checkResizePolicy: in-place resize policies name cpu or memory once each, with
// NotRequired or RestartContainer; a Pod that never restarts cannot restart a
// container to resize it, and a regular init container is never resized.
func checkResizePolicy(p *lint.Pass, c container, podRestart corev1.RestartPolicy) {
	rp := c.Path.Child("resizePolicy")
	seen := map[corev1.ResourceName]bool{}
	for j, r := range c.ResizePolicy {
		if seen[r.ResourceName] {
			p.Report(rp.Index(j), field.ErrorTypeDuplicate, string(r.ResourceName), fmt.Sprintf("resize policy for %s is given twice", r.ResourceName), "")
		}
		seen[r.ResourceName] = true
		switch r.ResourceName {
		case corev1.ResourceCPU, corev1.ResourceMemory:
		case "":
			p.Report(rp, field.ErrorTypeRequired, nil, "a resize policy needs a resourceName (cpu or memory)", "")
		default:
			p.Report(rp, field.ErrorTypeNotSupported, string(r.ResourceName), fmt.Sprintf("resize policies exist for cpu and memory only, not %q", r.ResourceName), "")
		}
		switch r.RestartPolicy {
		case corev1.NotRequired, corev1.RestartContainer:
		case "":
			p.Report(rp, field.ErrorTypeRequired, nil, "a resize policy needs a restartPolicy (NotRequired or RestartContainer)", "")
		default:
			p.Report(rp, field.ErrorTypeNotSupported, string(r.RestartPolicy), fmt.Sprintf("unsupported resize restartPolicy %q (supported: \"NotRequired\", \"RestartContainer\")", r.RestartPolicy), "")
		}
		if podRestart == corev1.RestartPolicyNever && r.RestartPolicy != corev1.NotRequired {
			p.Report(rp, field.ErrorTypeInvalid, string(r.RestartPolicy), "resize restartPolicy must be NotRequired when the Pod's restartPolicy is Never", "")
		}
		if c.Kind == initContainer && r.RestartPolicy == corev1.RestartContainer {
			p.Report(rp.Index(j).Child("restartPolicy"), field.ErrorTypeInvalid, string(r.RestartPolicy), "must not be RestartContainer for a regular init container: it has exited before any resize", "Use NotRequired.")
		}
	}
}
