package manifest

import (
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kind describes one kind podlint checks: where it is served and where its pod spec lives.
type Kind struct {
	Name string
	// APIVersion is the one served version podlint decodes (v1, apps/v1, batch/v1).
	APIVersion string
	// Removed lists apiVersions that once served the kind, with the release that removed it.
	Removed map[string]string
	// SpecPath is where the pod spec lives, as field names from the object root.
	SpecPath  []string
	newObject func() any
	// parts returns the object's metadata, the pod's metadata and the pod spec (nil when absent).
	parts func(obj any) (meta, podMeta *metav1.ObjectMeta, spec *corev1.PodSpec)
	shape *shape
}

// New returns a new zero object of the kind's Go type.
func (k *Kind) New() any { return k.newObject() }

// Parts returns obj's metadata, its pod's metadata and its pod spec.
func (k *Kind) Parts(obj any) (meta, podMeta *metav1.ObjectMeta, spec *corev1.PodSpec) {
	return k.parts(obj)
}

var kinds = map[string]*Kind{
	"Pod": {Name: "Pod", APIVersion: "v1", SpecPath: []string{"spec"},
		newObject: func() any { return &corev1.Pod{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			p := o.(*corev1.Pod)
			return &p.ObjectMeta, &p.ObjectMeta, &p.Spec
		}},
	"ReplicationController": {Name: "ReplicationController", APIVersion: "v1", SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &corev1.ReplicationController{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			rc := o.(*corev1.ReplicationController)
			if rc.Spec.Template == nil {
				// The template is optional in the Go type but required by the API
				// server; an empty spec lets the workload rules run and say so.
				return &rc.ObjectMeta, nil, &corev1.PodSpec{}
			}
			return &rc.ObjectMeta, &rc.Spec.Template.ObjectMeta, &rc.Spec.Template.Spec
		}},
	"Deployment": {Name: "Deployment", APIVersion: "apps/v1", Removed: map[string]string{"extensions/v1beta1": "1.16", "apps/v1beta1": "1.16", "apps/v1beta2": "1.16"}, SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &appsv1.Deployment{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*appsv1.Deployment)
			return &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec
		}},
	"ReplicaSet": {Name: "ReplicaSet", APIVersion: "apps/v1", Removed: map[string]string{"extensions/v1beta1": "1.16", "apps/v1beta2": "1.16"}, SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &appsv1.ReplicaSet{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*appsv1.ReplicaSet)
			return &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec
		}},
	"StatefulSet": {Name: "StatefulSet", APIVersion: "apps/v1", Removed: map[string]string{"apps/v1beta1": "1.16", "apps/v1beta2": "1.16"}, SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &appsv1.StatefulSet{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*appsv1.StatefulSet)
			return &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec
		}},
	"DaemonSet": {Name: "DaemonSet", APIVersion: "apps/v1", Removed: map[string]string{"extensions/v1beta1": "1.16", "apps/v1beta2": "1.16"}, SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &appsv1.DaemonSet{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*appsv1.DaemonSet)
			return &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec
		}},
	"Job": {Name: "Job", APIVersion: "batch/v1", SpecPath: []string{"spec", "template", "spec"},
		newObject: func() any { return &batchv1.Job{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*batchv1.Job)
			return &d.ObjectMeta, &d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec
		}},
	"CronJob": {Name: "CronJob", APIVersion: "batch/v1", Removed: map[string]string{"batch/v1beta1": "1.25", "batch/v2alpha1": "1.21"}, SpecPath: []string{"spec", "jobTemplate", "spec", "template", "spec"},
		newObject: func() any { return &batchv1.CronJob{} },
		parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
			d := o.(*batchv1.CronJob)
			return &d.ObjectMeta, &d.Spec.JobTemplate.Spec.Template.ObjectMeta, &d.Spec.JobTemplate.Spec.Template.Spec
		}},
}

func init() {
	for _, k := range kinds {
		k.shape = shapeOf(reflect.TypeOf(k.newObject()))
	}
}

// LookupKind returns the kind podlint checks by name, or nil.
func LookupKind(name string) *Kind { return kinds[name] }

// KindNames lists the kinds podlint checks.
func KindNames() []string {
	return []string{"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"}
}

// IsKubernetesGroup reports whether an apiVersion belongs to a group Kubernetes
// itself serves (the core group, dotless groups such as apps, and *.k8s.io), as
// opposed to a custom resource's group, which may reuse kind names.
func IsKubernetesGroup(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return true // core group: "v1"
	}
	return !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}
