package runner

import (
	v1 "k8s.io/api/core/v1"
)

// evictionHardMemory is the kubelet's default hard eviction threshold
// (memory.available<100Mi), which node allocatable memory leaves out when no
// resources are reserved.
const evictionHardMemory = 100 << 20

// nodeAllocatableMemory is a standalone kubelet's allocatable memory on a
// node with memTotal bytes: capacity less the hard eviction threshold.
func nodeAllocatableMemory(memTotal int64) int64 {
	return max(memTotal-evictionHardMemory, 0)
}

// memoryVolumeSize is the size of an emptyDir of medium Memory, the tmpfs
// size= option (pkg/volume/emptydir calculateEmptyDirMemorySize):
// node allocatable memory, lowered to the Pod's memory limit when the Pod
// has one, lowered to the volume's sizeLimit when that is smaller still.
func memoryVolumeSize(pod *v1.Pod, vol *v1.EmptyDirVolumeSource, allocatable int64) int64 {
	size := allocatable
	if limit, ok := podMemoryLimit(pod); ok && limit > 0 && limit <= size {
		size = limit
	}
	if vol != nil && vol.SizeLimit != nil {
		if v := vol.SizeLimit.Value(); v > 0 && v <= size {
			size = v
		}
	}
	return size
}

// podMemoryLimit is the memory limit of the Pod's cgroup as the kubelet's
// ResourceConfigForPod computes it: the Pod-level limit when set
// (PodLevelResources), else the limits of its containers combined as
// resource.PodLimits does (app containers and sidecars add up; a regular
// init container runs beside the sidecars started before it), and none
// unless every container declares one.
func podMemoryLimit(pod *v1.Pod) (int64, bool) {
	if r := pod.Spec.Resources; r != nil {
		if q, ok := r.Limits[v1.ResourceMemory]; ok && !q.IsZero() {
			return q.Value(), true
		}
	}
	limitOf := func(c *v1.Container) (int64, bool) {
		q, ok := c.Resources.Limits[v1.ResourceMemory]
		return q.Value(), ok && !q.IsZero()
	}
	var sum, sidecars, inits int64
	for i := range pod.Spec.Containers {
		l, ok := limitOf(&pod.Spec.Containers[i])
		if !ok {
			return 0, false
		}
		sum += l
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		l, ok := limitOf(c)
		if !ok {
			return 0, false
		}
		if isSidecar(c) {
			sum += l
			sidecars += l
			inits = max(inits, sidecars)
		} else {
			inits = max(inits, l+sidecars)
		}
	}
	limit := max(sum, inits)
	// RuntimeClass overhead counts once, on top.
	if q, ok := pod.Spec.Overhead[v1.ResourceMemory]; ok {
		limit += q.Value()
	}
	return limit, true
}
