// Package rules holds podlint's built-in rules: one file per rule, with its test
// and its fixtures under testdata/<rule-id>/.
package rules

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// containerKind is the role a container plays in its Pod.
type containerKind int

const (
	initContainer containerKind = iota
	sidecarContainer
	appContainer
	ephemeralContainer
)

func (k containerKind) String() string {
	switch k {
	case initContainer:
		return "init container"
	case sidecarContainer:
		return "sidecar (init container with restartPolicy: Always)"
	case appContainer:
		return "container"
	}
	return "ephemeral container"
}

// container is one container of a pod spec with its role and field path.
type container struct {
	*corev1.Container
	Kind containerKind
	Path *field.Path
}

// isSidecar reports whether an init container is a sidecar: restartPolicy Always.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// containers lists every container of the pass's pod spec: init containers (and
// sidecars) first, then app containers, then ephemeral containers.
func containers(p *lint.Pass) []container {
	spec := p.Object.PodSpec
	base := p.Object.PodSpecPath
	out := make([]container, 0, len(spec.InitContainers)+len(spec.Containers)+len(spec.EphemeralContainers))
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		kind := initContainer
		if isSidecar(c) {
			kind = sidecarContainer
		}
		out = append(out, container{Container: c, Kind: kind, Path: base.Child("initContainers").Index(i)})
	}
	for i := range spec.Containers {
		out = append(out, container{Container: &spec.Containers[i], Kind: appContainer, Path: base.Child("containers").Index(i)})
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, container{Container: &c, Kind: ephemeralContainer, Path: base.Child("ephemeralContainers").Index(i)})
	}
	return out
}

// gracePeriod returns the grace period the Pod really gets at deletion: 30 when
// unset, and 1 for negative values (the API server stores a negative value, warns
// that it will be treated as 1, and deletion uses 1). Validation of sleep hooks
// sees the stored value instead: see validationGracePeriod.
func gracePeriod(spec *corev1.PodSpec) int64 {
	if spec.TerminationGracePeriodSeconds == nil {
		return corev1.DefaultTerminationGracePeriodSeconds
	}
	if *spec.TerminationGracePeriodSeconds < 0 {
		return 1
	}
	return *spec.TerminationGracePeriodSeconds
}

// probes returns a container's probes with their field names, in a fixed order.
func probes(c *corev1.Container) []struct {
	Name  string
	Probe *corev1.Probe
} {
	return []struct {
		Name  string
		Probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}}
}
