package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

// Annotations the kubelet and scheduler stopped reading; the API server warns
// about each (pkg/api/pod/warnings.go).
var deadAnnotations = []struct{ key, instead string }{
	{"scheduler.alpha.kubernetes.io/critical-pod", `has had no effect since 1.16; use priorityClassName (system-node-critical or system-cluster-critical) instead`},
	{"security.alpha.kubernetes.io/sysctls", `has had no effect since 1.11; use securityContext.sysctls instead`},
	{"security.alpha.kubernetes.io/unsafe-sysctls", `has had no effect since 1.11; use securityContext.sysctls instead`},
}

const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io/"
	appArmorAnnotation         = "container.apparmor.security.beta.kubernetes.io/"
)

var deprecatedAnnotation = &lint.Rule{
	ID:       "deprecated-annotation",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "Pod annotation no longer has an effect",
	Doc: "Several security and scheduling settings started as annotations and moved to fields; the annotations are still accepted, with a " +
		"warning, but do nothing. The seccomp annotations (seccomp.security.alpha.kubernetes.io/pod, " +
		"container.seccomp.security.alpha.kubernetes.io/<container>) are ignored since 1.27: without securityContext.seccompProfile the " +
		"container runs with the profile of the Pod's securityContext or none. scheduler.alpha.kubernetes.io/critical-pod is ignored since " +
		"1.16, the sysctl annotations since 1.11. The AppArmor annotation container.apparmor.security.beta.kubernetes.io/<container> is " +
		"deprecated since 1.30: the API server still copies it into a Pod's appArmorProfile field, but warns unless the field says the same.",
	Remediation: "Move the setting to its field (securityContext.seccompProfile, securityContext.appArmorProfile, securityContext.sysctls, " +
		"priorityClassName) and remove the annotation.",
	Fields: []string{"metadata.annotations"},
	Check: func(p *lint.Pass) {
		meta := p.Object.PodMeta
		if meta == nil || len(meta.Annotations) == 0 {
			return
		}
		ap := podMetaPath(p.Object).Child("annotations")
		for _, d := range deadAnnotations {
			if _, ok := meta.Annotations[d.key]; ok {
				p.Report(ap.Key(d.key), "", nil, fmt.Sprintf("annotation %s %s", d.key, d.instead), "")
			}
		}
		psc := p.Object.PodSpec.SecurityContext
		if _, ok := meta.Annotations[seccompPodAnnotation]; ok && (psc == nil || psc.SeccompProfile == nil) {
			p.Report(ap.Key(seccompPodAnnotation), "", nil,
				"the seccomp annotation has had no effect since 1.27 and the Pod sets no securityContext.seccompProfile: containers run without the profile it names", "")
		}
		var podAppArmor *corev1.AppArmorProfile
		if psc != nil {
			podAppArmor = psc.AppArmorProfile
		}
		for _, c := range containers(p) {
			sc := c.SecurityContext
			key := seccompContainerAnnotation + c.Name
			if _, ok := meta.Annotations[key]; ok && (sc == nil || sc.SeccompProfile == nil) {
				p.Report(ap.Key(key), "", nil,
					fmt.Sprintf("the seccomp annotation of container %q has had no effect since 1.27 and the container sets no securityContext.seccompProfile", c.Name), "")
			}
			key = appArmorAnnotation + c.Name
			if v, ok := meta.Annotations[key]; ok && (sc == nil || sc.AppArmorProfile == nil) && !sameAppArmor(podAppArmor, appArmorFromAnnotation(v)) {
				p.Report(ap.Key(key), "", nil,
					fmt.Sprintf("the AppArmor annotation of container %q is deprecated since 1.30; set securityContext.appArmorProfile instead", c.Name), "")
			}
		}
	},
}

// appArmorFromAnnotation is the profile field the API server derives from an
// AppArmor annotation value; nil when the value names none.
func appArmorFromAnnotation(v string) *corev1.AppArmorProfile {
	switch {
	case v == "runtime/default":
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
	case v == "unconfined":
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
	case strings.HasPrefix(v, "localhost/"):
		name := strings.TrimPrefix(v, "localhost/")
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &name}
	}
	return nil
}

func sameAppArmor(a, b *corev1.AppArmorProfile) bool {
	if a == nil || b == nil {
		return false
	}
	if a.Type != b.Type || (a.LocalhostProfile == nil) != (b.LocalhostProfile == nil) {
		return false
	}
	return a.LocalhostProfile == nil || *a.LocalhostProfile == *b.LocalhostProfile
}
