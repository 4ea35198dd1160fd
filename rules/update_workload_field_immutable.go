package rules

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var workloadFieldImmutable = &lint.Rule{
	ID:       "workload-field-immutable",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Update changes a workload field that cannot change",
	Doc: "Some workload fields are fixed at creation and the API server rejects an update that changes them (\"field is immutable\"): " +
		"`spec.selector` of a Deployment, ReplicaSet or DaemonSet (apps/v1); `spec.selector`, `spec.volumeClaimTemplates`, " +
		"`spec.serviceName` and `spec.podManagementPolicy` of a StatefulSet (replicas, template, updateStrategy, " +
		"persistentVolumeClaimRetentionPolicy, minReadySeconds, ordinals and revisionHistoryLimit may change); and of a Job " +
		"`spec.selector`, `spec.completionMode`, `spec.podFailurePolicy`, `spec.successPolicy`, `spec.backoffLimitPerIndex`, " +
		"`spec.managedBy`, `spec.completions` (an Indexed Job may change it together with parallelism, to the same value) and the " +
		"whole pod template. A suspended Job that has not started may change its template's node affinity, nodeSelector, " +
		"tolerations, schedulingGates, labels and annotations, and, from Kubernetes 1.36, its containers' resources. " +
		"CronJob and ReplicationController specs have no immutable field.",
	Remediation: "Keep the field as it is, or delete the object and create it again with the new value (for a Deployment or StatefulSet, `kubectl delete --cascade=orphan` keeps its Pods running meanwhile).",
	Fields:      []string{"spec.selector", "spec.volumeClaimTemplates", "spec.serviceName", "spec.podManagementPolicy", "spec.template", "spec.completions", "spec.completionMode", "spec.podFailurePolicy", "spec.successPolicy", "spec.backoffLimitPerIndex", "spec.managedBy"},
	CheckUpdate: func(p *lint.UpdatePass) {
		spec := p.New.Path("spec")
		switch n := p.New.Typed.(type) {
		case *appsv1.Deployment:
			immutable(p, spec.Child("selector"), p.Old.Typed.(*appsv1.Deployment).Spec.Selector, n.Spec.Selector, selectorNote)
		case *appsv1.ReplicaSet:
			immutable(p, spec.Child("selector"), p.Old.Typed.(*appsv1.ReplicaSet).Spec.Selector, n.Spec.Selector, selectorNote)
		case *appsv1.DaemonSet:
			immutable(p, spec.Child("selector"), p.Old.Typed.(*appsv1.DaemonSet).Spec.Selector, n.Spec.Selector, selectorNote)
		case *appsv1.StatefulSet:
			checkStatefulSetUpdate(p, p.Old.Typed.(*appsv1.StatefulSet), n, spec)
		case *batchv1.Job:
			checkJobUpdate(p, &p.Old.Typed.(*batchv1.Job).Spec, &n.Spec, spec)
		}
	},
}

const selectorNote = "the selector ties the workload to its Pods and ReplicaSets, so it is fixed at creation"

// immutable reports every difference between old and new under path.
func immutable(p *lint.UpdatePass, path *field.Path, old, new any, why string) {
	for _, c := range lint.Diff(path, old, new) {
		p.Report(c.Path, field.ErrorTypeInvalid, scalarOrNil(c.New), fmt.Sprintf("field is immutable: %s", why), "")
	}
}

func checkStatefulSetUpdate(p *lint.UpdatePass, o, n *appsv1.StatefulSet, spec *field.Path) {
	immutable(p, spec.Child("selector"), o.Spec.Selector, n.Spec.Selector, selectorNote)
	immutable(p, spec.Child("volumeClaimTemplates"), claimTemplates(o.Spec.VolumeClaimTemplates), claimTemplates(n.Spec.VolumeClaimTemplates),
		"the claims of existing Pods were made from the old templates and are kept; resize a PersistentVolumeClaim by editing the claim itself")
	immutable(p, spec.Child("serviceName"), o.Spec.ServiceName, n.Spec.ServiceName, "the Pods' stable DNS names are made from it")
	om, nm := o.Spec.PodManagementPolicy, n.Spec.PodManagementPolicy
	if om == "" {
		om = appsv1.OrderedReadyPodManagement
	}
	if nm == "" {
		nm = appsv1.OrderedReadyPodManagement
	}
	immutable(p, spec.Child("podManagementPolicy"), om, nm, "it is fixed at creation")
}

// claimTemplate is the part of a volume claim template the API server compares
// once defaulted: its type meta is dropped when the API server decodes it.
type claimTemplate struct {
	Metadata corevMeta                        `json:"metadata"`
	Spec     corev1.PersistentVolumeClaimSpec `json:"spec"`
}

// corevMeta is the metadata of a claim template a manifest can set.
type corevMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func claimTemplates(in []corev1.PersistentVolumeClaim) []claimTemplate {
	out := make([]claimTemplate, len(in))
	for i, c := range in {
		s := c.Spec.DeepCopy()
		if s.VolumeMode == nil {
			s.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
		}
		out[i] = claimTemplate{Metadata: corevMeta{Name: c.Name, Namespace: c.Namespace, Labels: c.Labels, Annotations: c.Annotations}, Spec: *s}
	}
	return out
}

// checkJobUpdate mirrors ValidateJobSpecUpdate and the job strategy's options.
// A Job whose old manifest says suspend: true is taken as never started, as a Job
// created suspended is until it is resumed.
func checkJobUpdate(p *lint.UpdatePass, o, n *batchv1.JobSpec, spec *field.Path) {
	indexed := n.CompletionMode != nil && *n.CompletionMode == batchv1.IndexedCompletion
	oc, nc := jobCompletions(o), jobCompletions(n)
	switch {
	case !indexed:
		immutable(p, spec.Child("completions"), oc, nc, "only an Indexed Job may change its completions")
	case nc != nil && (oc == nil || *oc != *nc):
		par := int32(1)
		if n.Parallelism != nil {
			par = *n.Parallelism
		}
		if *nc != par {
			p.Report(spec.Child("completions"), field.ErrorTypeInvalid, *nc,
				fmt.Sprintf("can only be modified in tandem with spec.parallelism: completions %d, parallelism %d", *nc, par),
				fmt.Sprintf("Set spec.parallelism to %d as well (elastic Indexed Jobs scale completions and parallelism together).", *nc))
		}
	}
	immutable(p, spec.Child("selector"), o.Selector, n.Selector, "the Job's Pods are tracked by it")
	om, nm := o.CompletionMode, n.CompletionMode
	if om == nil {
		om = ptrTo(batchv1.NonIndexedCompletion)
	}
	if nm == nil {
		nm = ptrTo(batchv1.NonIndexedCompletion)
	}
	immutable(p, spec.Child("completionMode"), om, nm, "it is fixed at creation")
	immutable(p, spec.Child("podFailurePolicy"), o.PodFailurePolicy, n.PodFailurePolicy, "it is fixed at creation")
	immutable(p, spec.Child("backoffLimitPerIndex"), o.BackoffLimitPerIndex, n.BackoffLimitPerIndex, "it is fixed at creation")
	immutable(p, spec.Child("managedBy"), o.ManagedBy, n.ManagedBy, "it is fixed at creation")
	immutable(p, spec.Child("successPolicy"), o.SuccessPolicy, n.SuccessPolicy, "it is fixed at creation")
	checkJobTemplate(p, o, n, spec.Child("template"))
}

// jobCompletions is SetDefaults_Job's completions: 1 when neither completions
// nor parallelism is set.
func jobCompletions(s *batchv1.JobSpec) *int32 {
	if s.Completions == nil && s.Parallelism == nil {
		return ptrTo(int32(1))
	}
	return s.Completions
}

// checkJobTemplate mirrors the Job's validatePodTemplateUpdate.
func checkJobTemplate(p *lint.UpdatePass, o, n *batchv1.JobSpec, path *field.Path) {
	os, ns := defaultedPodSpecs(&o.Template.Spec, &n.Template.Spec, false)
	oldT := corev1.PodTemplateSpec{ObjectMeta: o.Template.ObjectMeta, Spec: *os}
	newT := corev1.PodTemplateSpec{ObjectMeta: n.Template.ObjectMeta, Spec: *ns}
	suspended := o.Suspend != nil && *o.Suspend
	why := "a Job's pod template cannot change once the Job exists (unless it was created suspended and has not started)"
	if !suspended {
		reportTemplate(p, path, oldT, newT, why)
		return
	}
	// Suspended and never started: scheduling directives may change.
	switch {
	case newT.Spec.Affinity == nil && oldT.Spec.Affinity != nil:
		a := *oldT.Spec.Affinity
		a.NodeAffinity = nil
		if a == (corev1.Affinity{}) {
			oldT.Spec.Affinity = nil
		} else {
			oldT.Spec.Affinity = &a
		}
	case newT.Spec.Affinity != nil && oldT.Spec.Affinity == nil:
		oldT.Spec.Affinity = &corev1.Affinity{NodeAffinity: newT.Spec.Affinity.NodeAffinity}
	case newT.Spec.Affinity != nil && oldT.Spec.Affinity != nil:
		a := *oldT.Spec.Affinity
		a.NodeAffinity = newT.Spec.Affinity.NodeAffinity
		oldT.Spec.Affinity = &a
	}
	oldT.Spec.NodeSelector = newT.Spec.NodeSelector
	oldT.Spec.Tolerations = newT.Spec.Tolerations
	oldT.Annotations = newT.Annotations
	oldT.Labels = newT.Labels
	oldT.Spec.SchedulingGates = newT.Spec.SchedulingGates
	why = "a suspended Job may change only its template's node affinity, nodeSelector, tolerations, schedulingGates, labels and annotations"
	if !p.Release.Enabled(lint.GateMutablePodResourcesForSuspendedJobs) {
		reportTemplate(p, path, oldT, newT, why+" in Kubernetes "+p.Release.Version)
		return
	}
	// From 1.36 container resources too, matched by position and name; the
	// template's metadata is then not compared at all.
	for _, pair := range [][2][]corev1.Container{{oldT.Spec.Containers, newT.Spec.Containers}, {oldT.Spec.InitContainers, newT.Spec.InitContainers}} {
		if len(pair[0]) != len(pair[1]) {
			continue
		}
		for i := range pair[1] {
			if pair[0][i].Name == pair[1][i].Name {
				pair[0][i].Resources = pair[1][i].Resources
			}
		}
	}
	for _, c := range lint.Diff(path.Child("spec"), &oldT.Spec, &newT.Spec) {
		p.Report(c.Path, field.ErrorTypeInvalid, scalarOrNil(c.New), "field is immutable: "+why+", and its containers' resources", "")
	}
}

func reportTemplate(p *lint.UpdatePass, path *field.Path, o, n corev1.PodTemplateSpec, why string) {
	for _, c := range lint.Diff(path, &o, &n) {
		p.Report(c.Path, field.ErrorTypeInvalid, scalarOrNil(c.New), "field is immutable: "+why,
			"Delete the Job and create it again with the new template, or create the Job with suspend: true when its template still has to change.")
	}
}

// changedFields names the first few changed fields for a message.
func changedFields(cs []lint.Change, base *field.Path) string {
	var names []string
	for i, c := range cs {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(cs)-3))
			break
		}
		names = append(names, strings.TrimPrefix(strings.TrimPrefix(c.Path.String(), base.String()), "."))
	}
	return strings.Join(names, ", ")
}
