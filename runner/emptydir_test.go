package runner

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestMemoryVolumeSize(t *testing.T) {
	const gi = 1 << 30
	alloc := nodeAllocatableMemory(16 * gi)
	if alloc != 16*gi-100<<20 {
		t.Fatalf("allocatable %d", alloc)
	}
	mem := func(q string) v1.ResourceRequirements {
		return v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse(q)}}
	}
	size := func(q string) *v1.EmptyDirVolumeSource {
		v := &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory}
		if q != "" {
			l := resource.MustParse(q)
			v.SizeLimit = &l
		}
		return v
	}
	always := v1.ContainerRestartPolicyAlways
	for _, tc := range []struct {
		name string
		spec v1.PodSpec
		vol  *v1.EmptyDirVolumeSource
		want int64
	}{
		{"no limits: node allocatable", v1.PodSpec{Containers: []v1.Container{{Name: "a"}}}, size(""), alloc},
		{"sizeLimit", v1.PodSpec{Containers: []v1.Container{{Name: "a"}}}, size("64Mi"), 64 << 20},
		{"sizeLimit above allocatable is ignored", v1.PodSpec{Containers: []v1.Container{{Name: "a"}}}, size("1Ti"), alloc},
		{"Pod limit: every container has one", v1.PodSpec{Containers: []v1.Container{{Name: "a", Resources: mem("256Mi")}, {Name: "b", Resources: mem("128Mi")}}}, size(""), 384 << 20},
		{"sizeLimit below the Pod limit", v1.PodSpec{Containers: []v1.Container{{Name: "a", Resources: mem("256Mi")}}}, size("64Mi"), 64 << 20},
		{"sizeLimit above the Pod limit", v1.PodSpec{Containers: []v1.Container{{Name: "a", Resources: mem("256Mi")}}}, size("1Gi"), 256 << 20},
		{"one container without a limit: no Pod limit", v1.PodSpec{Containers: []v1.Container{{Name: "a", Resources: mem("256Mi")}, {Name: "b"}}}, size(""), alloc},
		{"an init container above the sum", v1.PodSpec{
			InitContainers: []v1.Container{{Name: "i", Resources: mem("1Gi")}},
			Containers:     []v1.Container{{Name: "a", Resources: mem("256Mi")}}}, size(""), 1 << 30},
		{"sidecars add up", v1.PodSpec{
			InitContainers: []v1.Container{{Name: "s", RestartPolicy: &always, Resources: mem("128Mi")}, {Name: "i", Resources: mem("200Mi")}},
			Containers:     []v1.Container{{Name: "a", Resources: mem("256Mi")}}}, size(""), 384 << 20},
		{"init beside an earlier sidecar", v1.PodSpec{
			InitContainers: []v1.Container{{Name: "s", RestartPolicy: &always, Resources: mem("128Mi")}, {Name: "i", Resources: mem("512Mi")}},
			Containers:     []v1.Container{{Name: "a", Resources: mem("256Mi")}}}, size(""), 640 << 20},
		{"Pod-level limit", v1.PodSpec{Resources: &v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse("300Mi")}},
			Containers: []v1.Container{{Name: "a"}}}, size(""), 300 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("p", tc.spec)
			if got := memoryVolumeSize(&p, tc.vol, alloc); got != tc.want {
				t.Errorf("size %d, want %d", got, tc.want)
			}
		})
	}
}
