package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlint/podlint/lint"
)

var workloadRollout = &lint.Rule{
	ID:       "workload-rollout",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityInfo,
	Title:    "Template change: how the workload's Pods are replaced",
	Doc: "Changing a workload's pod template changes no running Pod in place; what happens depends on the kind and its strategy. " +
		"A Deployment rolls out a new ReplicaSet: RollingUpdate (the default) keeps at most replicas+maxSurge Pods and at least " +
		"replicas-maxUnavailable available ones (both default to 25%, surge rounded up, unavailable rounded down); Recreate deletes " +
		"every old Pod before creating new ones, so the workload is down in between; a paused Deployment rolls out nothing until resumed. " +
		"A DaemonSet with RollingUpdate replaces one node's Pod at a time by default (maxUnavailable 1, maxSurge 0: the old Pod is " +
		"deleted before the new one starts); with OnDelete nothing happens until you delete Pods. A StatefulSet with RollingUpdate " +
		"replaces Pods one at a time from the highest ordinal down, each after the previous is Running and Ready, and only ordinals " +
		"at or above the partition; with OnDelete, only Pods you delete. A ReplicaSet or ReplicationController never replaces " +
		"running Pods: only Pods it creates from now on use the new template. A CronJob's running Jobs keep the old template; its next Job uses the new one.",
	Remediation: "Check that the rollout strategy suits the change (capacity during the rollout, downtime with Recreate, partition and OnDelete leaving old Pods running).",
	Fields:      []string{"spec.template", "spec.strategy", "spec.updateStrategy", "spec.replicas", "spec.paused"},
	CheckUpdate: func(p *lint.UpdatePass) {
		if p.New.IsPod() || p.Old.PodSpec == nil || p.New.PodSpec == nil {
			return
		}
		if _, ok := p.New.Typed.(*batchv1.Job); ok {
			return // a Job's template is immutable: workload-field-immutable
		}
		os, ns := defaultedPodSpecs(p.Old.PodSpec, p.New.PodSpec, false)
		tmpl := p.New.Path("spec", "template")
		if p.New.Ref.Kind == "CronJob" {
			tmpl = p.New.Path("spec", "jobTemplate", "spec", "template")
		}
		changes := lint.Diff(tmpl, &corev1.PodTemplateSpec{ObjectMeta: *p.Old.PodMeta, Spec: *os}, &corev1.PodTemplateSpec{ObjectMeta: *p.New.PodMeta, Spec: *ns})
		if len(changes) == 0 {
			return
		}
		what := "the pod template changed (" + changedFields(changes, tmpl) + ")"
		switch n := p.New.Typed.(type) {
		case *appsv1.Deployment:
			p.Report(tmpl, "", nil, what+": "+deploymentRollout(n), "")
		case *appsv1.DaemonSet:
			p.Report(tmpl, "", nil, what+": "+daemonSetRollout(n), "")
		case *appsv1.StatefulSet:
			p.Report(tmpl, "", nil, what+": "+statefulSetRollout(n), "")
		case *appsv1.ReplicaSet, *corev1.ReplicationController:
			p.Report(tmpl, "", nil, what+": a "+p.New.Ref.Kind+" does not replace running Pods; only Pods it creates from now on (scale-up, replacements of deleted Pods) use the new template",
				"Use a Deployment to roll out template changes, or delete the old Pods yourself.")
		case *batchv1.CronJob:
			p.Report(tmpl, "", nil, what+": Jobs already created keep the old template; the next scheduled Job uses the new one", "")
		}
	},
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// scaled resolves an int-or-percent against total as the controllers do: a
// percentage is rounded up for surge and down for unavailability.
func scaled(v *intstr.IntOrString, def string, total int32, roundUp bool) (int32, string) {
	s := def
	if v != nil {
		s = v.String()
	}
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		n, _ := strconv.Atoi(pct)
		f := float64(n) * float64(total) / 100
		if roundUp {
			return int32(math.Ceil(f)), s
		}
		return int32(math.Floor(f)), s
	}
	n, _ := strconv.Atoi(s)
	return int32(n), s
}

func deploymentRollout(d *appsv1.Deployment) string {
	replicas := replicasOf(d.Spec.Replicas)
	var msg string
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		msg = fmt.Sprintf("the Deployment rolls out a new ReplicaSet with strategy Recreate: all %d old Pods are deleted before any new Pod is created, so the workload is down meanwhile", replicas)
	} else {
		var surge, unavail *intstr.IntOrString
		if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
			surge, unavail = ru.MaxSurge, ru.MaxUnavailable
		}
		s, ss := scaled(surge, "25%", replicas, true)
		u, us := scaled(unavail, "25%", replicas, false)
		if s == 0 && u == 0 {
			u = 1 // the controller's fencepost: a rollout must make progress
		}
		msg = fmt.Sprintf("the Deployment rolls out a new ReplicaSet with strategy RollingUpdate: of %d replicas, up to %s (maxSurge %s) and at most %d unavailable (maxUnavailable %s) at any time",
			replicas, pods(s, "extra"), ss, u, us)
	}
	if d.Spec.Paused {
		msg += "; but spec.paused is true, so nothing rolls out until the Deployment is resumed"
	}
	return msg
}

func pods(n int32, adj string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s Pod", adj)
	}
	return fmt.Sprintf("%d %s Pods", n, adj)
}

func daemonSetRollout(d *appsv1.DaemonSet) string {
	if d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return "with updateStrategy OnDelete the running Pods are not replaced; each node gets the new template only when you delete its Pod"
	}
	var surge, unavail *intstr.IntOrString
	if ru := d.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		surge, unavail = ru.MaxSurge, ru.MaxUnavailable
	}
	_, ss := scaled(surge, "0", 0, true)
	_, us := scaled(unavail, "1", 0, false)
	if ss == "0" {
		return fmt.Sprintf("the DaemonSet replaces its Pods with strategy RollingUpdate, node by node: each old Pod is deleted before its replacement starts, with at most %s nodes without a ready Pod (maxUnavailable) at a time", us)
	}
	return fmt.Sprintf("the DaemonSet replaces its Pods with strategy RollingUpdate: the new Pod starts on a node before the old one is deleted (maxSurge %s), maxUnavailable %s", ss, us)
}

func statefulSetRollout(s *appsv1.StatefulSet) string {
	replicas := replicasOf(s.Spec.Replicas)
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return "with updateStrategy OnDelete the running Pods are not replaced; each gets the new template only when you delete it"
	}
	partition := int32(0)
	maxUnavail := "1"
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.Partition != nil {
			partition = *ru.Partition
		}
		if ru.MaxUnavailable != nil {
			maxUnavail = ru.MaxUnavailable.String()
		}
	}
	msg := fmt.Sprintf("the StatefulSet replaces its %d Pods with strategy RollingUpdate, from the highest ordinal down, %s at a time, each after the previous one is Running and Ready", replicas, maxUnavail)
	if partition > 0 {
		msg += fmt.Sprintf("; partition %d: only Pods with ordinal %d or higher are updated, the others keep the old template (even when recreated)", partition, partition)
	}
	return msg
}
