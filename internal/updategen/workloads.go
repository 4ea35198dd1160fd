package updategen

import (
	"math/rand/v2"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type workloadKind struct {
	kind      string
	build     func(r *rand.Rand, name string) any
	mutations []mutation
}

func template(r *rand.Rand, name string, restart corev1.RestartPolicy) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: podSpec(r, restart)}
}

func selector(name string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
}

func meta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// templateOf returns the pod template of any workload built here.
func templateOf(obj any) *corev1.PodTemplateSpec {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template
	case *appsv1.ReplicaSet:
		return &o.Spec.Template
	case *appsv1.DaemonSet:
		return &o.Spec.Template
	case *appsv1.StatefulSet:
		return &o.Spec.Template
	case *batchv1.Job:
		return &o.Spec.Template
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template
	case *corev1.ReplicationController:
		return o.Spec.Template
	}
	panic("updategen: no template")
}

// Template mutations every kind shares; allowed says whether the kind accepts them.
func templateImage(allowed bool) mutation {
	return mutation{name: "template-image", field: "spec.template.spec.containers[0].image", allowed: allowed,
		mutate: func(r *rand.Rand, o any) { c := &templateOf(o).Spec.Containers[0]; c.Image += "-patched" }}
}

func templateEnv(allowed bool) mutation {
	return mutation{name: "template-env", field: "spec.template.spec.containers[0].env", allowed: allowed,
		mutate: func(r *rand.Rand, o any) {
			c := &templateOf(o).Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "ADDED", Value: "1"})
		}}
}

func templateLabel(allowed bool) mutation {
	return mutation{name: "template-label", field: "spec.template.metadata.labels", allowed: allowed,
		mutate: func(r *rand.Rand, o any) { templateOf(o).Labels["track"] = "canary" }}
}

func templateDefaults() mutation {
	return mutation{name: "template-defaults-written-out", field: "spec.template.spec", allowed: true,
		mutate: func(r *rand.Rand, o any) {
			s := &templateOf(o).Spec
			s.DNSPolicy, s.SchedulerName = corev1.DNSClusterFirst, corev1.DefaultSchedulerName
			for i := range s.Containers {
				s.Containers[i].ImagePullPolicy = corev1.PullIfNotPresent
			}
		}}
}

// selectorAdded adds a label to the selector and the template, so the new
// object is valid and only the selector's immutability is at stake.
func selectorAdded(sel func(o any) *metav1.LabelSelector) mutation {
	return mutation{name: "selector-label-added", field: "spec.selector", allowed: false,
		mutate: func(r *rand.Rand, o any) {
			sel(o).MatchLabels["tier"] = "web"
			templateOf(o).Labels["tier"] = "web"
		}}
}

func workloadKinds() []workloadKind {
	return []workloadKind{
		{kind: "Deployment", build: func(r *rand.Rand, name string) any {
			return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta(name),
				Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(1 + r.IntN(5))), Selector: selector(name), Template: template(r, name, corev1.RestartPolicyAlways)}}
		}, mutations: []mutation{
			templateImage(true), templateEnv(true), templateLabel(true), templateDefaults(),
			{name: "replicas", field: "spec.replicas", allowed: true, mutate: func(r *rand.Rand, o any) { *o.(*appsv1.Deployment).Spec.Replicas += 3 }},
			{name: "strategy-recreate", field: "spec.strategy", allowed: true, mutate: func(r *rand.Rand, o any) {
				o.(*appsv1.Deployment).Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
			}},
			{name: "strategy-surge", field: "spec.strategy.rollingUpdate", allowed: true, mutate: func(r *rand.Rand, o any) {
				o.(*appsv1.Deployment).Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromString("50%")), MaxUnavailable: ptr(intstr.FromInt32(0))}}
			}},
			{name: "paused", field: "spec.paused", allowed: true, mutate: func(r *rand.Rand, o any) { o.(*appsv1.Deployment).Spec.Paused = true }},
			{name: "min-ready-seconds", field: "spec.minReadySeconds", allowed: true, mutate: func(r *rand.Rand, o any) { o.(*appsv1.Deployment).Spec.MinReadySeconds = 15 }},
			{name: "revision-history-limit", field: "spec.revisionHistoryLimit", allowed: true, mutate: func(r *rand.Rand, o any) { o.(*appsv1.Deployment).Spec.RevisionHistoryLimit = ptr(int32(2)) }},
			selectorAdded(func(o any) *metav1.LabelSelector { return o.(*appsv1.Deployment).Spec.Selector }),
		}},
		{kind: "ReplicaSet", build: func(r *rand.Rand, name string) any {
			return &appsv1.ReplicaSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"}, ObjectMeta: meta(name),
				Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(1 + r.IntN(5))), Selector: selector(name), Template: template(r, name, corev1.RestartPolicyAlways)}}
		}, mutations: []mutation{
			templateImage(true), templateEnv(true), templateLabel(true),
			{name: "replicas", field: "spec.replicas", allowed: true, mutate: func(r *rand.Rand, o any) { *o.(*appsv1.ReplicaSet).Spec.Replicas += 2 }},
			selectorAdded(func(o any) *metav1.LabelSelector { return o.(*appsv1.ReplicaSet).Spec.Selector }),
		}},
		{kind: "DaemonSet", build: func(r *rand.Rand, name string) any {
			return &appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: meta(name),
				Spec: appsv1.DaemonSetSpec{Selector: selector(name), Template: template(r, name, corev1.RestartPolicyAlways)}}
		}, mutations: []mutation{
			templateImage(true), templateEnv(true), templateLabel(true),
			{name: "update-strategy-ondelete", field: "spec.updateStrategy", allowed: true, mutate: func(r *rand.Rand, o any) {
				o.(*appsv1.DaemonSet).Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
			}},
			{name: "min-ready-seconds", field: "spec.minReadySeconds", allowed: true, mutate: func(r *rand.Rand, o any) { o.(*appsv1.DaemonSet).Spec.MinReadySeconds = 5 }},
			selectorAdded(func(o any) *metav1.LabelSelector { return o.(*appsv1.DaemonSet).Spec.Selector }),
		}},
		{kind: "StatefulSet", build: buildStatefulSet, mutations: []mutation{
			templateImage(true), templateEnv(true),
			{name: "replicas", field: "spec.replicas", allowed: true, mutate: func(r *rand.Rand, o any) { *sts(o).Spec.Replicas += 2 }},
			{name: "update-strategy-partition", field: "spec.updateStrategy", allowed: true, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(1))}}
			}},
			{name: "update-strategy-ondelete", field: "spec.updateStrategy", allowed: true, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
			}},
			{name: "pvc-retention-policy", field: "spec.persistentVolumeClaimRetentionPolicy", allowed: true, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
			}},
			{name: "min-ready-seconds", field: "spec.minReadySeconds", allowed: true, mutate: func(r *rand.Rand, o any) { sts(o).Spec.MinReadySeconds = 10 }},
			{name: "ordinals", field: "spec.ordinals", allowed: true, mutate: func(r *rand.Rand, o any) { sts(o).Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 1} }},
			{name: "revision-history-limit", field: "spec.revisionHistoryLimit", allowed: true, mutate: func(r *rand.Rand, o any) { sts(o).Spec.RevisionHistoryLimit = ptr(int32(3)) }},
			{name: "pod-management-policy-default", field: "spec.podManagementPolicy", allowed: true, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
			}},
			{name: "pod-management-policy", field: "spec.podManagementPolicy", allowed: false, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.PodManagementPolicy = appsv1.ParallelPodManagement
			}},
			{name: "volume-claim-template-defaults", field: "spec.volumeClaimTemplates[0].spec.volumeMode", allowed: true, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.VolumeClaimTemplates[0].Spec.VolumeMode = ptr(corev1.PersistentVolumeFilesystem)
			}},
			{name: "service-name", field: "spec.serviceName", allowed: false, mutate: func(r *rand.Rand, o any) { sts(o).Spec.ServiceName += "-v2" }},
			{name: "volume-claim-template-size", field: "spec.volumeClaimTemplates[0].spec.resources.requests", allowed: false, mutate: func(r *rand.Rand, o any) {
				sts(o).Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("50Gi")
			}},
			selectorAdded(func(o any) *metav1.LabelSelector { return sts(o).Spec.Selector }),
		}},
		{kind: "Job", build: buildJob, mutations: jobMutations()},
		{kind: "CronJob", build: func(r *rand.Rand, name string) any {
			return &batchv1.CronJob{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"}, ObjectMeta: meta(name),
				Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
					Template: template(r, name, corev1.RestartPolicyOnFailure)}}}}
		}, mutations: []mutation{
			templateImage(true), templateEnv(true),
			{name: "schedule", field: "spec.schedule", allowed: true, mutate: func(r *rand.Rand, o any) { o.(*batchv1.CronJob).Spec.Schedule = "30 4 * * *" }},
			{name: "concurrency-policy", field: "spec.concurrencyPolicy", allowed: true, mutate: func(r *rand.Rand, o any) {
				o.(*batchv1.CronJob).Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
			}},
			{name: "job-template-completions", field: "spec.jobTemplate.spec.completions", allowed: true, mutate: func(r *rand.Rand, o any) {
				o.(*batchv1.CronJob).Spec.JobTemplate.Spec.Completions = ptr(int32(3))
			}},
		}},
		{kind: "ReplicationController", build: func(r *rand.Rand, name string) any {
			t := template(r, name, corev1.RestartPolicyAlways)
			return &corev1.ReplicationController{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ReplicationController"}, ObjectMeta: meta(name),
				Spec: corev1.ReplicationControllerSpec{Replicas: ptr(int32(2)), Selector: map[string]string{"app": name}, Template: &t}}
		}, mutations: []mutation{
			templateImage(true),
			{name: "selector-label-added", field: "spec.selector", allowed: true, mutate: func(r *rand.Rand, o any) {
				rc := o.(*corev1.ReplicationController)
				rc.Spec.Selector["tier"] = "web"
				rc.Spec.Template.Labels["tier"] = "web"
			}},
		}},
	}
}

func sts(o any) *appsv1.StatefulSet { return o.(*appsv1.StatefulSet) }

func buildStatefulSet(r *rand.Rand, name string) any {
	return &appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}, ObjectMeta: meta(name),
		Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(1 + r.IntN(4))), ServiceName: name, Selector: selector(name),
			Template: template(r, name, corev1.RestartPolicyAlways),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}}}}}
}

// buildJob builds a Job with its own selector (manualSelector), so the API
// server generates neither selector nor template labels an update would drop.
func buildJob(r *rand.Rand, name string) any {
	t := template(r, name, pick(r, corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure))
	return &batchv1.Job{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}, ObjectMeta: meta(name),
		Spec: batchv1.JobSpec{ManualSelector: ptr(true), Selector: selector(name), Template: t,
			Parallelism: ptr(int32(1 + r.IntN(3))), BackoffLimit: ptr(int32(6))}}
}

func job(o any) *batchv1.Job { return o.(*batchv1.Job) }

func suspended(r *rand.Rand, o any) { job(o).Spec.Suspend = ptr(true) }

func indexed(r *rand.Rand, o any) {
	j := job(o)
	j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
	j.Spec.Completions, j.Spec.Parallelism = ptr(int32(3)), ptr(int32(3))
}

func jobMutations() []mutation {
	return []mutation{
		templateImage(false), templateEnv(false), templateLabel(false),
		selectorAdded(func(o any) *metav1.LabelSelector { return job(o).Spec.Selector }),
		{name: "parallelism", field: "spec.parallelism", allowed: true, mutate: func(r *rand.Rand, o any) { *job(o).Spec.Parallelism += 2 }},
		{name: "backoff-limit", field: "spec.backoffLimit", allowed: true, mutate: func(r *rand.Rand, o any) { job(o).Spec.BackoffLimit = ptr(int32(2)) }},
		{name: "active-deadline", field: "spec.activeDeadlineSeconds", allowed: true, mutate: func(r *rand.Rand, o any) { job(o).Spec.ActiveDeadlineSeconds = ptr(int64(900)) }},
		{name: "ttl-after-finished", field: "spec.ttlSecondsAfterFinished", allowed: true, mutate: func(r *rand.Rand, o any) { job(o).Spec.TTLSecondsAfterFinished = ptr(int32(60)) }},
		{name: "suspend", field: "spec.suspend", allowed: true, mutate: func(r *rand.Rand, o any) { job(o).Spec.Suspend = ptr(true) }},
		{name: "completions", field: "spec.completions", allowed: false, mutate: func(r *rand.Rand, o any) { job(o).Spec.Completions = ptr(int32(7)) }},
		{name: "completion-mode", field: "spec.completionMode", allowed: false, mutate: func(r *rand.Rand, o any) {
			j := job(o)
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.Completions = ptr(int32(3))
		}},
		{name: "pod-failure-policy", field: "spec.podFailurePolicy", allowed: false, prepare: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}, mutate: func(r *rand.Rand, o any) {
			j := job(o)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}}}}
		}},
		{name: "indexed-completions-with-parallelism", field: "spec.completions", allowed: true, prepare: indexed, mutate: func(r *rand.Rand, o any) {
			j := job(o)
			j.Spec.Completions, j.Spec.Parallelism = ptr(int32(5)), ptr(int32(5))
		}},
		{name: "indexed-completions-alone", field: "spec.completions", allowed: false, prepare: indexed, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Completions = ptr(int32(5))
		}},
		{name: "suspended-node-selector", field: "spec.template.spec.nodeSelector", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.NodeSelector = map[string]string{"pool": "batch"}
		}},
		{name: "suspended-tolerations", field: "spec.template.spec.tolerations", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			s := &job(o).Spec.Template.Spec
			s.Tolerations = append(s.Tolerations, corev1.Toleration{Key: "batch", Operator: corev1.TolerationOpExists})
		}},
		{name: "suspended-template-label", field: "spec.template.metadata.labels", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Labels["queue"] = "low"
		}},
		{name: "suspended-scheduling-gates", field: "spec.template.spec.schedulingGates", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}}
		}},
		{name: "suspended-resources", field: "spec.template.spec.containers[0].resources", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("999m")}
		}},
		{name: "suspended-node-affinity", field: "spec.template.spec.affinity", allowed: true, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"batch"}}}}}}}}
		}},
		{name: "suspended-image", field: "spec.template.spec.containers[0].image", allowed: false, prepare: suspended, mutate: func(r *rand.Rand, o any) {
			job(o).Spec.Template.Spec.Containers[0].Image += "-patched"
		}},
	}
}
