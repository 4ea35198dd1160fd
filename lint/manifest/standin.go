package manifest

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podTemplateKind is core/v1 PodTemplate: a pod template on its own, validated by
// the API server without a controller's restrictions (any restartPolicy). It
// stands in for the templates of custom controllers that create Pods directly
// and validate them as a PodTemplate (Volcano, Kubeflow, KubeRay). It is not a
// kind podlint reads from manifests, so LookupKind does not return it.
var podTemplateKind = &Kind{Name: "PodTemplate", APIVersion: "v1", SpecPath: []string{"template", "spec"},
	newObject: func() any { return &corev1.PodTemplate{} },
	parts: func(o any) (*metav1.ObjectMeta, *metav1.ObjectMeta, *corev1.PodSpec) {
		t := o.(*corev1.PodTemplate)
		return &t.ObjectMeta, &t.Template.ObjectMeta, &t.Template.Spec
	}}

func init() {
	podTemplateKind.shape = shapeOf(reflect.TypeOf(podTemplateKind.newObject()))
}

// StandInKind returns the built-in kind a custom resource's pod template is
// checked as: one of the kinds podlint checks, or PodTemplate. Nil otherwise.
func StandInKind(name string) *Kind {
	if name == podTemplateKind.Name {
		return podTemplateKind
	}
	return kinds[name]
}

// StandInKindNames lists the names StandInKind accepts.
func StandInKindNames() []string {
	return append(KindNames(), podTemplateKind.Name)
}
