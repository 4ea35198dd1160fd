package updategen

import (
	"fmt"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var images = []string{"nginx", "example/api", "example/worker", "busybox", "redis"}

func image(r *rand.Rand) string {
	return fmt.Sprintf("%s:1.%d.%d", pick(r, images...), r.IntN(30), r.IntN(10))
}

// container builds a valid app container; i makes its name and port unique.
func container(r *rand.Rand, prefix string, i int) corev1.Container {
	c := corev1.Container{Name: fmt.Sprintf("%s%d", prefix, i), Image: image(r)}
	if r.IntN(2) == 0 {
		c.Command = []string{"run", pick(r, "--fast", "--safe", "--verbose")}
	}
	for j := range r.IntN(3) {
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", j), Value: fmt.Sprint(r.IntN(100))})
	}
	if prefix == "app" && r.IntN(2) == 0 {
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(8000 + i)}}
	}
	if r.IntN(2) == 0 {
		c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(fmt.Sprintf("%dm", 50*(1+r.IntN(8))))}
	}
	if prefix == "app" && r.IntN(3) == 0 {
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(8000 + i))}},
			PeriodSeconds: int32(5 + r.IntN(10))}
	}
	return c
}

// podSpec builds a valid pod spec with 1-3 app containers, 0-2 init containers
// (sometimes a sidecar) and some scheduling fields.
func podSpec(r *rand.Rand, restart corev1.RestartPolicy) corev1.PodSpec {
	s := corev1.PodSpec{RestartPolicy: restart, AutomountServiceAccountToken: ptr(false)}
	for i := range 1 + r.IntN(3) {
		s.Containers = append(s.Containers, container(r, "app", i))
	}
	for i := range r.IntN(3) {
		c := container(r, "init", i)
		if i == 0 && r.IntN(3) == 0 {
			c.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
		}
		s.InitContainers = append(s.InitContainers, c)
	}
	if r.IntN(2) == 0 {
		s.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: pick(r, "web", "batch"), Effect: corev1.TaintEffectNoSchedule}}
	}
	if r.IntN(3) == 0 {
		s.Tolerations = append(s.Tolerations, corev1.Toleration{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(60 * (1 + r.IntN(5))))})
	}
	if r.IntN(2) == 0 {
		s.NodeSelector = map[string]string{"disk": pick(r, "ssd", "hdd")}
	}
	if r.IntN(3) == 0 {
		s.TerminationGracePeriodSeconds = ptr(int64(10 * (1 + r.IntN(6))))
	}
	if r.IntN(2) == 0 {
		s.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}}
	}
	return s
}

func newPod(r *rand.Rand, name string) any {
	p := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec:       podSpec(r, pick(r, corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever))}
	if r.IntN(3) == 0 {
		p.Spec.ActiveDeadlineSeconds = ptr(int64(600 + r.IntN(3000)))
	}
	return p
}

func pod(obj any) *corev1.Pod { return obj.(*corev1.Pod) }

// gated gives the old Pod scheduling gates, a nodeSelector and a required node affinity term.
func gated(r *rand.Rand, obj any) {
	s := &pod(obj).Spec
	s.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}, {Name: "example.com/approval"}}
	s.NodeSelector = map[string]string{"disk": "ssd"}
	s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
}

func withDeadline(r *rand.Rand, obj any) {
	pod(obj).Spec.ActiveDeadlineSeconds = ptr(int64(600 + r.IntN(3000)))
}

func withInit(r *rand.Rand, obj any) {
	s := &pod(obj).Spec
	if len(s.InitContainers) == 0 {
		s.InitContainers = []corev1.Container{container(r, "init", 0)}
	}
}

func withToleration(r *rand.Rand, obj any) {
	s := &pod(obj).Spec
	s.Tolerations = append(s.Tolerations, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(120))})
}

// podMutations cover every mutable field of a Pod and the immutable ones users touch.
var podMutations = []mutation{
	{name: "container-image", field: "spec.containers[0].image", allowed: true,
		mutate: func(r *rand.Rand, o any) { c := &pod(o).Spec.Containers[0]; c.Image += "-patched" }},
	{name: "init-container-image", field: "spec.initContainers[0].image", allowed: true, prepare: withInit,
		mutate: func(r *rand.Rand, o any) { c := &pod(o).Spec.InitContainers[0]; c.Image += "-patched" }},
	{name: "active-deadline-set", field: "spec.activeDeadlineSeconds", allowed: true,
		prepare: func(r *rand.Rand, o any) { pod(o).Spec.ActiveDeadlineSeconds = nil },
		mutate:  func(r *rand.Rand, o any) { pod(o).Spec.ActiveDeadlineSeconds = ptr(int64(1 + r.IntN(5000))) }},
	{name: "active-deadline-lowered", field: "spec.activeDeadlineSeconds", allowed: true, prepare: withDeadline,
		mutate: func(r *rand.Rand, o any) { d := pod(o).Spec.ActiveDeadlineSeconds; *d -= int64(r.IntN(int(*d))) }},
	{name: "active-deadline-raised", field: "spec.activeDeadlineSeconds", allowed: false, prepare: withDeadline,
		mutate: func(r *rand.Rand, o any) { *pod(o).Spec.ActiveDeadlineSeconds += int64(1 + r.IntN(100)) }},
	{name: "active-deadline-removed", field: "spec.activeDeadlineSeconds", allowed: false, prepare: withDeadline,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.ActiveDeadlineSeconds = nil }},
	{name: "toleration-added", field: "spec.tolerations", allowed: true,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			s.Tolerations = append(s.Tolerations, corev1.Toleration{Key: fmt.Sprintf("team-%d", r.IntN(9)), Operator: corev1.TolerationOpExists})
		}},
	{name: "toleration-seconds-changed", field: "spec.tolerations[*].tolerationSeconds", allowed: true, prepare: withToleration,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			*s.Tolerations[len(s.Tolerations)-1].TolerationSeconds = int64(1 + r.IntN(50))
		}},
	{name: "toleration-removed", field: "spec.tolerations", allowed: false, prepare: withToleration,
		mutate: func(r *rand.Rand, o any) { s := &pod(o).Spec; s.Tolerations = s.Tolerations[:len(s.Tolerations)-1] }},
	{name: "toleration-changed", field: "spec.tolerations", allowed: false, prepare: withToleration,
		mutate: func(r *rand.Rand, o any) { s := &pod(o).Spec; s.Tolerations[len(s.Tolerations)-1].Key = "tpu" }},
	{name: "scheduling-gate-removed", field: "spec.schedulingGates", allowed: true, prepare: gated,
		mutate: func(r *rand.Rand, o any) { s := &pod(o).Spec; s.SchedulingGates = s.SchedulingGates[r.IntN(2):][:1] }},
	{name: "scheduling-gate-added", field: "spec.schedulingGates", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			pod(o).Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/late"}}
		}},
	{name: "gated-node-selector-added", field: "spec.nodeSelector", allowed: true, prepare: gated,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.NodeSelector["zone"] = pick(r, "a", "b") }},
	{name: "gated-node-selector-changed", field: "spec.nodeSelector", allowed: false, prepare: gated,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.NodeSelector["disk"] = "hdd" }},
	{name: "gated-node-affinity-added", field: "spec.affinity.nodeAffinity", allowed: true, prepare: gated,
		mutate: func(r *rand.Rand, o any) {
			t := &pod(o).Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0]
			t.MatchExpressions = append(t.MatchExpressions, corev1.NodeSelectorRequirement{Key: "arch", Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}})
		}},
	{name: "gated-node-affinity-changed", field: "spec.affinity.nodeAffinity", allowed: false, prepare: gated,
		mutate: func(r *rand.Rand, o any) {
			pod(o).Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values = []string{"b"}
		}},
	{name: "ungated-node-selector-added", field: "spec.nodeSelector", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			if s.NodeSelector == nil {
				s.NodeSelector = map[string]string{}
			}
			s.NodeSelector["zone"] = "a"
		}},
	{name: "labels-changed", field: "metadata.labels", allowed: true,
		mutate: func(r *rand.Rand, o any) { pod(o).Labels["track"] = pick(r, "canary", "stable") }},
	{name: "annotation-added", field: "metadata.annotations", allowed: true,
		mutate: func(r *rand.Rand, o any) { pod(o).Annotations = map[string]string{"example.com/owner": "team-a"} }},
	{name: "defaults-written-out", field: "spec", allowed: true,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			s.DNSPolicy, s.SchedulerName = corev1.DNSClusterFirst, corev1.DefaultSchedulerName
			if s.TerminationGracePeriodSeconds == nil {
				s.TerminationGracePeriodSeconds = ptr(int64(30))
			}
			for i := range s.Containers {
				s.Containers[i].ImagePullPolicy = corev1.PullIfNotPresent
				s.Containers[i].TerminationMessagePath = corev1.TerminationMessagePathDefault
			}
		}},
	{name: "negative-grace-to-one", field: "spec.terminationGracePeriodSeconds", allowed: true,
		prepare: func(r *rand.Rand, o any) { pod(o).Spec.TerminationGracePeriodSeconds = ptr(int64(-1 - r.IntN(30))) },
		mutate:  func(r *rand.Rand, o any) { pod(o).Spec.TerminationGracePeriodSeconds = ptr(int64(1)) }},
	{name: "pod-resources-left-out", field: "spec.resources", allowed: true,
		prepare: func(r *rand.Rand, o any) {
			pod(o).Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}
		},
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.Resources = nil }},
	{name: "probe-defaults-written-out", field: "spec.containers[*].readinessProbe", allowed: true,
		mutate: func(r *rand.Rand, o any) {
			for i := range pod(o).Spec.Containers {
				if p := pod(o).Spec.Containers[i].ReadinessProbe; p != nil {
					p.TimeoutSeconds, p.SuccessThreshold, p.FailureThreshold = 1, 1, 3
				}
				for j := range pod(o).Spec.Containers[i].Ports {
					pod(o).Spec.Containers[i].Ports[j].Protocol = corev1.ProtocolTCP
				}
			}
		}},
	{name: "container-added", field: "spec.containers", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			s.Containers = append(s.Containers, container(r, "extra", len(s.Containers)))
		}},
	{name: "init-container-removed", field: "spec.initContainers", allowed: false, prepare: withInit,
		mutate: func(r *rand.Rand, o any) { s := &pod(o).Spec; s.InitContainers = s.InitContainers[1:] }},
	{name: "container-command", field: "spec.containers[0].command", allowed: false,
		mutate: func(r *rand.Rand, o any) { c := &pod(o).Spec.Containers[0]; c.Command = append(c.Command, "--changed") }},
	{name: "container-env", field: "spec.containers[0].env", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			c := &pod(o).Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "ADDED", Value: "1"})
		}},
	{name: "container-resources", field: "spec.containers[0].resources", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			pod(o).Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("999m")}
		}},
	{name: "init-container-command", field: "spec.initContainers[0].command", allowed: false, prepare: withInit,
		mutate: func(r *rand.Rand, o any) { c := &pod(o).Spec.InitContainers[0]; c.Command = []string{"other"} }},
	{name: "restart-policy", field: "spec.restartPolicy", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			s.RestartPolicy = map[corev1.RestartPolicy]corev1.RestartPolicy{corev1.RestartPolicyAlways: corev1.RestartPolicyNever,
				corev1.RestartPolicyNever: corev1.RestartPolicyOnFailure, corev1.RestartPolicyOnFailure: corev1.RestartPolicyAlways}[s.RestartPolicy]
		}},
	{name: "grace-period", field: "spec.terminationGracePeriodSeconds", allowed: false,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.TerminationGracePeriodSeconds = ptr(int64(61 + r.IntN(100))) }},
	{name: "volume-added", field: "spec.volumes", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			s := &pod(o).Spec
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "extra", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		}},
	{name: "hostname", field: "spec.hostname", allowed: false,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.Hostname = "renamed" }},
	{name: "service-account", field: "spec.serviceAccountName", allowed: false,
		mutate: func(r *rand.Rand, o any) { pod(o).Spec.ServiceAccountName = "builder" }},
}
