package rules

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
)

// volumesByName indexes a pod spec's volumes by name; the first of duplicates wins.
func volumesByName(spec *corev1.PodSpec) map[string]*corev1.Volume {
	out := make(map[string]*corev1.Volume, len(spec.Volumes))
	for i := range spec.Volumes {
		v := &spec.Volumes[i]
		if _, ok := out[v.Name]; !ok && v.Name != "" {
			out[v.Name] = v
		}
	}
	return out
}

// isEmptyDir reports whether a volume is an emptyDir after defaulting: the API
// server turns a volume with no source at all into an emptyDir (SetDefaults_Volume).
func isEmptyDir(v *corev1.Volume) bool {
	return v.EmptyDir != nil || reflect.DeepEqual(v.VolumeSource, corev1.VolumeSource{})
}
