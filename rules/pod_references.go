package rules

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlint/podlint/lint"
)

// Helpers of the cross-object rules: the workloads of a run, the pod templates a
// selector picks among them, and what those templates declare.

// workloadsIn returns the objects of the run with a pod template in namespace ns.
func workloadsIn(p *lint.SetPass, ns string) []*lint.SetObject {
	var out []*lint.SetObject
	for _, o := range p.Objects {
		if o.Workload != nil && o.Namespace() == ns {
			out = append(out, o)
		}
	}
	return out
}

// podLabels are the labels of the Pods a workload creates: its template's, a Pod's own.
func podLabels(o *lint.SetObject) map[string]string {
	if o.Workload.PodMeta == nil {
		return nil
	}
	return o.Workload.PodMeta.Labels
}

// selecting returns the workloads whose Pods sel selects.
func selecting(ws []*lint.SetObject, sel labels.Selector) []*lint.SetObject {
	var out []*lint.SetObject
	for _, w := range ws {
		if sel.Matches(labels.Set(podLabels(w))) {
			out = append(out, w)
		}
	}
	return out
}

// describe names a workload for a message: "Deployment web".
func describe(o *lint.SetObject) string { return o.Ref.Kind + " " + o.Ref.Name }

// distinct lists the workloads' names once each (a Kubeflow job's templates are one object).
func distinct(ws []*lint.SetObject) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range ws {
		if d := describe(w); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// nearestLabels is the pod label set of ws that shares the most key-value pairs
// with want, rendered for a hint; "" when none shares any.
func nearestLabels(ws []*lint.SetObject, want map[string]string) string {
	best, bestN := "", 0
	for _, w := range ws {
		l := podLabels(w)
		n := 0
		for k, v := range want {
			if l[k] == v {
				n++
			} else if _, ok := l[k]; ok {
				n++ // the same key with another value is near too
			}
		}
		if n > bestN {
			bestN, best = n, fmt.Sprintf("%s (the Pod labels of %s)", renderLabels(l), describe(w))
		}
	}
	return best
}

func renderLabels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

// servingContainers are the containers whose ports a Service's endpoints look up
// (EndpointSlice FindPort): app containers and sidecars (restartable init containers).
func servingContainers(spec *corev1.PodSpec) []corev1.Container {
	out := append([]corev1.Container{}, spec.Containers...)
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	return out
}

// podCount is the number of Pods a workload asks for, or -1 when it is not a
// fixed count (a DaemonSet's Pods follow the nodes; a PodTemplate's the controller).
func podCount(o *lint.SetObject) int32 {
	one := func(r *int32) int32 {
		if r == nil {
			return 1
		}
		return *r
	}
	switch t := o.Workload.Typed.(type) {
	case *corev1.Pod:
		return 1
	case *appsv1.Deployment:
		return one(t.Spec.Replicas)
	case *appsv1.ReplicaSet:
		return one(t.Spec.Replicas)
	case *appsv1.StatefulSet:
		return one(t.Spec.Replicas)
	case *corev1.ReplicationController:
		return one(t.Spec.Replicas)
	case *batchv1.Job:
		return one(t.Spec.Parallelism)
	}
	return -1
}

// labelSelector converts a LabelSelector, nil when it is invalid (the API server
// refuses those; the per-object rules say so).
func labelSelector(s *metav1.LabelSelector) labels.Selector {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil
	}
	return sel
}
