package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

var podImageChange = &lint.Rule{
	ID:       "pod-image-change",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityInfo,
	Title:    "Image change of a running Pod: what it really does",
	Doc: "The image is the one container field a Pod update may change, and the change takes effect in place: the kubelet sees " +
		"that the container's spec changed, kills a running app container or sidecar (preStop and the grace period apply) and starts " +
		"it again with the new image, whatever the Pod's restartPolicy; the Pod keeps its name, IP, volumes and other containers, and " +
		"the container's restartCount grows. A regular init container that has already completed is not run again: its new image " +
		"takes effect only when the Pod is recreated (or, if the Pod is still initializing, when that init container starts). " +
		"A container that has exited and that the Pod's restartPolicy does not restart stays exited.",
	Remediation: "To re-run an init container with its new image, recreate the Pod; better, change the image in the owning workload's template, which rolls out new Pods.",
	Fields:      []string{"containers[*].image", "initContainers[*].image"},
	CheckUpdate: func(p *lint.UpdatePass) {
		if !p.New.IsPod() {
			return
		}
		oldSpec, newSpec := p.Old.PodSpec, p.New.PodSpec
		base := p.New.PodSpecPath
		if len(oldSpec.InitContainers) == len(newSpec.InitContainers) {
			for i := range newSpec.InitContainers {
				o, n := &oldSpec.InitContainers[i], &newSpec.InitContainers[i]
				if o.Image == n.Image || n.Image == "" {
					continue
				}
				path := base.Child("initContainers").Index(i).Child("image")
				if isSidecar(n) {
					p.Report(path, "", n.Image, fmt.Sprintf("sidecar %q is restarted with image %s (was %s); the Pod and its other containers keep running", n.Name, n.Image, o.Image),
						"Check that the app containers tolerate the sidecar restarting.")
					continue
				}
				p.Report(path, "", n.Image, fmt.Sprintf("init container %q will not run again with image %s (was %s): an init container that has completed is not re-run; the new image is used only when the Pod is recreated", n.Name, n.Image, o.Image), "")
			}
		}
		if len(oldSpec.Containers) == len(newSpec.Containers) {
			for i := range newSpec.Containers {
				o, n := &oldSpec.Containers[i], &newSpec.Containers[i]
				if o.Image == n.Image || n.Image == "" {
					continue
				}
				p.Report(base.Child("containers").Index(i).Child("image"), "", n.Image,
					fmt.Sprintf("container %q is killed (preStop, then up to %ds grace) and restarted in place with image %s (was %s); the Pod keeps its name, IP and volumes%s",
						n.Name, gracePeriod(newSpec), n.Image, o.Image, restartNote(newSpec)),
					"Prefer changing the image in the owning workload's template, which replaces Pods under its rollout strategy.")
			}
		}
	},
}

func restartNote(spec *corev1.PodSpec) string {
	if spec.RestartPolicy == corev1.RestartPolicyNever {
		return "; if the container has already exited, restartPolicy Never keeps it exited"
	}
	return ""
}
