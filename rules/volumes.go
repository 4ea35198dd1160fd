package rules

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

// claimTemplateNames returns the names of a StatefulSet's volumeClaimTemplates, nil
// for other kinds. The StatefulSet controller adds one PersistentVolumeClaim volume
// per template to each Pod, replacing a template volume of the same name, and the
// API server validates the Pod template with those volumes in place.
func claimTemplateNames(o *lint.Object) map[string]bool {
	sts, ok := o.Typed.(*appsv1.StatefulSet)
	if !ok || len(sts.Spec.VolumeClaimTemplates) == 0 {
		return nil
	}
	out := make(map[string]bool, len(sts.Spec.VolumeClaimTemplates))
	for _, t := range sts.Spec.VolumeClaimTemplates {
		out[t.Name] = true
	}
	return out
}

// podVolumes indexes the volumes the Pod will have by name: spec.volumes (the
// first of duplicates wins) with a StatefulSet's claim templates in place.
func podVolumes(o *lint.Object) map[string]*corev1.Volume {
	spec := o.PodSpec
	out := make(map[string]*corev1.Volume, len(spec.Volumes))
	for i := range spec.Volumes {
		v := &spec.Volumes[i]
		if _, ok := out[v.Name]; !ok && v.Name != "" {
			out[v.Name] = v
		}
	}
	for name := range claimTemplateNames(o) {
		out[name] = &corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name},
		}}
	}
	return out
}

// isEmptyDir reports whether a volume is an emptyDir after defaulting: the API
// server turns a volume with no source at all into an emptyDir (SetDefaults_Volume).
func isEmptyDir(v *corev1.Volume) bool {
	return v.EmptyDir != nil || reflect.DeepEqual(v.VolumeSource, corev1.VolumeSource{})
}
