package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

// removedPlugin is an in-tree volume plugin the kubelet no longer has, with the
// release that deprecated it and the one from which it does not work.
type removedPlugin struct {
	field, deprecated, gone string
	set                     func(*corev1.VolumeSource) bool
}

// removedPlugins follows the API server's Pod warnings (pkg/api/pod/warnings.go).
var removedPlugins = []removedPlugin{
	{"photonPersistentDisk", "1.11", "1.16", func(v *corev1.VolumeSource) bool { return v.PhotonPersistentDisk != nil }},
	{"scaleIO", "1.16", "1.22", func(v *corev1.VolumeSource) bool { return v.ScaleIO != nil }},
	{"flocker", "1.22", "1.25", func(v *corev1.VolumeSource) bool { return v.Flocker != nil }},
	{"storageos", "1.22", "1.25", func(v *corev1.VolumeSource) bool { return v.StorageOS != nil }},
	{"quobyte", "1.22", "1.25", func(v *corev1.VolumeSource) bool { return v.Quobyte != nil }},
	{"glusterfs", "1.25", "1.26", func(v *corev1.VolumeSource) bool { return v.Glusterfs != nil }},
	{"cephfs", "1.28", "1.31", func(v *corev1.VolumeSource) bool { return v.CephFS != nil }},
	{"rbd", "1.28", "1.31", func(v *corev1.VolumeSource) bool { return v.RBD != nil }},
}

var removedVolumePlugin = &lint.Rule{
	ID:       "removed-volume-plugin",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityError,
	Title:    "Volume uses an in-tree plugin that no longer works",
	Doc: "The API server still accepts the volume types of in-tree plugins that were removed from the kubelet, and answers with a " +
		"warning (\"non-functional in v1.31+\"): photonPersistentDisk (since 1.16), scaleIO (1.22), flocker, storageos and quobyte (1.25), " +
		"glusterfs (1.26), cephfs and rbd (1.31). A Pod with such a volume is scheduled but its volume never mounts, so its containers " +
		"never start. gitRepo volumes are disabled by default since 1.33 (the GitRepoVolumeDriver gate, locked off since 1.36), with the same effect.",
	Remediation: "Use the storage system's CSI driver through a PersistentVolumeClaim (or a csi volume); for gitRepo, clone the " +
		"repository in an init container into an emptyDir.",
	Fields: []string{"volumes[*]"},
	Check: func(p *lint.Pass) {
		for i := range p.Object.PodSpec.Volumes {
			v := &p.Object.PodSpec.Volumes[i]
			vp := p.Object.PodSpecPath.Child("volumes").Index(i)
			for _, r := range removedPlugins {
				if r.set(&v.VolumeSource) {
					p.Report(vp.Child(r.field), "", nil,
						fmt.Sprintf("volume %q uses the in-tree %s plugin, deprecated in %s and removed from the kubelet in %s: the volume never mounts and the Pod never starts", v.Name, r.field, r.deprecated, r.gone), "")
				}
			}
			if v.GitRepo != nil && !p.Release.Enabled(lint.GateGitRepoVolumeDriver) {
				p.Report(vp.Child("gitRepo"), "", nil,
					fmt.Sprintf("volume %q is a gitRepo volume, deprecated since 1.11 and disabled in Kubernetes %s (GitRepoVolumeDriver): the kubelet refuses to mount it and the Pod never starts", v.Name, p.Release.Version), "")
			}
		}
	},
}
