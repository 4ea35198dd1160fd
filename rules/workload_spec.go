package rules

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var workloadSpec = &lint.Rule{
	ID:       "workload-spec",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Workload specs need a matching selector, non-negative counts and a valid update strategy",
	Doc: "Deployments, ReplicaSets, StatefulSets and DaemonSets find their Pods by spec.selector, so it is required, may not be empty, " +
		"must be a valid label selector and must match the template's labels (otherwise the controller would create Pods it does not own, " +
		"forever); a ReplicationController needs a template, and its selector defaults to the template's labels. replicas, minReadySeconds and revisionHistoryLimit " +
		"may not be negative and a Deployment's progressDeadlineSeconds must exceed minReadySeconds. Their Pod templates may not set " +
		"activeDeadlineSeconds (the Pods are meant to run forever). Update strategies: a Deployment uses RollingUpdate (maxSurge and " +
		"maxUnavailable as a count or a percentage up to 100%, not both 0) or Recreate (without rollingUpdate); a DaemonSet RollingUpdate " +
		"(maxUnavailable or maxSurge, exactly one non-zero) or OnDelete; a StatefulSet RollingUpdate (partition >= 0, maxUnavailable > 0) or " +
		"OnDelete, podManagementPolicy OrderedReady or Parallel, a DNS-label serviceName and Retain or Delete claim retention.",
	Remediation: "Make spec.selector match the template's labels and use a supported update strategy.",
	Fields:      []string{"spec.selector", "spec.replicas", "spec.strategy", "spec.updateStrategy", "spec.template.metadata.labels"},
	Check: func(p *lint.Pass) {
		o := p.Object
		spec := o.Path("spec")
		switch t := o.Typed.(type) {
		case *appsv1.Deployment:
			s := &t.Spec
			nonNegative(p, spec.Child("replicas"), s.Replicas)
			checkSelector(p, s.Selector, spec, t.Spec.Template.Labels, "deployment")
			checkNotInTemplate(p, &s.Template.Spec, spec, "Deployment")
			nonNegativeInt(p, spec.Child("minReadySeconds"), int64(s.MinReadySeconds))
			nonNegative(p, spec.Child("revisionHistoryLimit"), s.RevisionHistoryLimit)
			if d := s.ProgressDeadlineSeconds; d != nil {
				nonNegativeInt(p, spec.Child("progressDeadlineSeconds"), int64(*d))
				if *d <= s.MinReadySeconds {
					p.Report(spec.Child("progressDeadlineSeconds"), field.ErrorTypeInvalid, *d,
						fmt.Sprintf("progressDeadlineSeconds (%d) must be greater than minReadySeconds (%d)", *d, s.MinReadySeconds), "")
				}
			}
			checkDeploymentStrategy(p, &s.Strategy, spec.Child("strategy"))
		case *appsv1.ReplicaSet:
			s := &t.Spec
			nonNegative(p, spec.Child("replicas"), s.Replicas)
			nonNegativeInt(p, spec.Child("minReadySeconds"), int64(s.MinReadySeconds))
			checkSelector(p, s.Selector, spec, t.Spec.Template.Labels, "deployment")
			checkNotInTemplate(p, &s.Template.Spec, spec, "ReplicaSet")
		case *appsv1.DaemonSet:
			s := &t.Spec
			checkSelector(p, s.Selector, spec, t.Spec.Template.Labels, "daemonset")
			checkNotInTemplate(p, &s.Template.Spec, spec, "DaemonSet")
			nonNegativeInt(p, spec.Child("minReadySeconds"), int64(s.MinReadySeconds))
			nonNegative(p, spec.Child("revisionHistoryLimit"), s.RevisionHistoryLimit)
			checkDaemonSetStrategy(p, &s.UpdateStrategy, spec.Child("updateStrategy"))
		case *appsv1.StatefulSet:
			checkStatefulSet(p, t, spec)
		case *corev1.ReplicationController:
			s := &t.Spec
			nonNegativeInt(p, spec.Child("minReadySeconds"), int64(s.MinReadySeconds))
			nonNegative(p, spec.Child("replicas"), s.Replicas)
			// The selector defaults to the template's labels (not the other way round).
			sel := s.Selector
			var tl map[string]string
			if s.Template != nil {
				tl = s.Template.Labels
				if len(sel) == 0 {
					sel = tl
				}
			} else {
				p.Report(spec.Child("template"), field.ErrorTypeRequired, nil, "a ReplicationController needs a Pod template to create its Pods from", "Add spec.template.")
			}
			if len(sel) == 0 {
				p.Report(spec.Child("selector"), field.ErrorTypeRequired, nil,
					"a ReplicationController needs a selector, or template labels it can default to, to find its Pods", "Add labels to the template.")
			} else if s.Template != nil && !labels.SelectorFromSet(sel).Matches(labels.Set(tl)) {
				p.Report(spec.Child("template", "metadata", "labels"), field.ErrorTypeInvalid, tl,
					"selector does not match template labels: the controller would never see the Pods it creates", "Make the template's labels include every selector label.")
			}
			if s.Template != nil {
				checkNotInTemplate(p, &s.Template.Spec, spec, "ReplicationController")
			}
		}
	},
}

func nonNegative[T ~int32 | ~int64](p *lint.Pass, path *field.Path, v *T) {
	if v != nil {
		nonNegativeInt(p, path, int64(*v))
	}
}

func nonNegativeInt(p *lint.Pass, path *field.Path, v int64) {
	if v < 0 {
		p.Report(path, field.ErrorTypeInvalid, v, fmt.Sprintf("%s %d must be greater than or equal to 0", lastName(path), v), "")
	}
}

func lastName(p *field.Path) string {
	s := p.String()
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// checkNotInTemplate: Pods of long-running controllers may not have a deadline.
func checkNotInTemplate(p *lint.Pass, ps *corev1.PodSpec, spec *field.Path, kind string) {
	if ps.ActiveDeadlineSeconds != nil {
		p.Report(spec.Child("template", "spec", "activeDeadlineSeconds"), field.ErrorTypeForbidden, *ps.ActiveDeadlineSeconds,
			fmt.Sprintf("activeDeadlineSeconds in a %s's Pod template is not supported: the controller would replace each Pod the deadline kills", kind),
			"Remove activeDeadlineSeconds, or use a Job.")
	}
}

// checkSelector validates a workload's label selector and that it selects the template.
func checkSelector(p *lint.Pass, sel *metav1.LabelSelector, spec *field.Path, tmplLabels map[string]string, what string) {
	sp := spec.Child("selector")
	if sel == nil {
		p.Report(sp, field.ErrorTypeRequired, nil, "selector is required: it is how the controller finds its Pods", "Set spec.selector.matchLabels to the template's labels.")
		// A missing selector selects nothing, so the template cannot match it either.
		p.Report(spec.Child("template", "metadata", "labels"), field.ErrorTypeInvalid, tmplLabels,
			"selector does not match template labels: without a selector no Pod matches", "Set spec.selector.matchLabels to the template's labels.")
		return
	}
	checkLabelSelector(p, sel, sp)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		p.Report(sp, field.ErrorTypeInvalid, sel, fmt.Sprintf("empty selector is invalid for %s: it would select every Pod in the namespace", what), "Set spec.selector.matchLabels to the template's labels.")
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		p.Report(sp, field.ErrorTypeInvalid, sel, "invalid label selector: "+err.Error(), "")
		return
	}
	if !s.Empty() && !s.Matches(labels.Set(tmplLabels)) {
		p.Report(spec.Child("template", "metadata", "labels"), field.ErrorTypeInvalid, tmplLabels,
			"selector does not match template labels: the controller would never see the Pods it creates", "Make the template's labels satisfy spec.selector.")
	}
}

// checkLabelSelector validates matchLabels and matchExpressions.
func checkLabelSelector(p *lint.Pass, sel *metav1.LabelSelector, sp *field.Path) {
	for _, k := range sortedMapKeys(sel.MatchLabels) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			p.Report(sp.Child("matchLabels"), field.ErrorTypeInvalid, k, fmt.Sprintf("selector key %q is not a valid label key: %s", k, strings.Join(msgs, "; ")), "")
		}
		if msgs := validation.IsValidLabelValue(sel.MatchLabels[k]); len(msgs) > 0 {
			p.Report(sp.Child("matchLabels"), field.ErrorTypeInvalid, sel.MatchLabels[k], fmt.Sprintf("selector value %q is not a valid label value: %s", sel.MatchLabels[k], strings.Join(msgs, "; ")), "")
		}
	}
	for i, e := range sel.MatchExpressions {
		checkSelectorRequirement(p, string(e.Operator), e.Key, e.Values, sp.Child("matchExpressions").Index(i), true)
	}
}

// checkSelectorRequirement checks one matchExpressions entry. Label selectors know
// In, NotIn, Exists and DoesNotExist; node selectors add Gt and Lt.
func checkSelectorRequirement(p *lint.Pass, op, key string, values []string, ep *field.Path, labelSelector bool) {
	switch op {
	case "In", "NotIn":
		if len(values) == 0 {
			p.Report(ep.Child("values"), field.ErrorTypeRequired, nil, fmt.Sprintf("values must be specified when operator is %s", op), "")
		}
	case "Exists", "DoesNotExist":
		if len(values) > 0 {
			p.Report(ep.Child("values"), field.ErrorTypeForbidden, nil, fmt.Sprintf("values may not be specified when operator is %s", op), "Remove values.")
		}
	default:
		p.Report(ep.Child("operator"), field.ErrorTypeInvalid, op, fmt.Sprintf("%q is not a valid selector operator (In, NotIn, Exists, DoesNotExist)", op), "")
	}
	if msgs := validation.IsQualifiedName(key); len(msgs) > 0 {
		p.Report(ep.Child("key"), field.ErrorTypeInvalid, key, fmt.Sprintf("key %q is not a valid label key: %s", key, strings.Join(msgs, "; ")), "")
	}
	for j, v := range values {
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			p.Report(ep.Child("values").Index(j), field.ErrorTypeInvalid, v, fmt.Sprintf("value %q is not a valid label value: %s", v, strings.Join(msgs, "; ")), "")
		}
	}
}

// percent returns the value of an "N%" string and whether it is one.
func percent(v intstr.IntOrString) (int, bool) {
	if v.Type != intstr.String || len(validation.IsValidPercent(v.StrVal)) > 0 {
		return 0, false
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return n, true
}

func intOrPercent(v intstr.IntOrString) int {
	if n, ok := percent(v); ok {
		return n
	}
	if v.Type == intstr.String {
		return 0
	}
	return v.IntValue()
}

// checkIntOrPercent: a count (>= 0) or a percentage; max100 caps percentages.
func checkIntOrPercent(p *lint.Pass, v intstr.IntOrString, path *field.Path, max100 bool) {
	if v.Type == intstr.String {
		if msgs := validation.IsValidPercent(v.StrVal); len(msgs) > 0 {
			p.Report(path, field.ErrorTypeInvalid, v.StrVal, fmt.Sprintf("%q must be an integer or a percentage such as '25%%'", v.StrVal), "")
			return
		}
	} else if v.IntValue() < 0 {
		p.Report(path, field.ErrorTypeInvalid, v.IntValue(), fmt.Sprintf("%d must be greater than or equal to 0", v.IntValue()), "")
	}
	if n, ok := percent(v); ok && max100 && n > 100 {
		p.Report(path, field.ErrorTypeInvalid, v.StrVal, "must not be greater than 100%", "")
	}
}

func checkDeploymentStrategy(p *lint.Pass, s *appsv1.DeploymentStrategy, path *field.Path) {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			p.Report(path.Child("rollingUpdate"), field.ErrorTypeForbidden, nil, "rollingUpdate may not be specified when the strategy type is Recreate", "Remove rollingUpdate, or use type: RollingUpdate.")
		}
	case "", appsv1.RollingUpdateDeploymentStrategyType:
		ru := s.RollingUpdate
		// Both default to 25%.
		mu, ms := intstr.FromString("25%"), intstr.FromString("25%")
		if ru != nil && ru.MaxUnavailable != nil {
			mu = *ru.MaxUnavailable
		}
		if ru != nil && ru.MaxSurge != nil {
			ms = *ru.MaxSurge
		}
		rp := path.Child("rollingUpdate")
		checkIntOrPercent(p, mu, rp.Child("maxUnavailable"), true)
		checkIntOrPercent(p, ms, rp.Child("maxSurge"), false)
		if intOrPercent(mu) == 0 && intOrPercent(ms) == 0 {
			p.Report(rp.Child("maxUnavailable"), field.ErrorTypeInvalid, mu.String(), "maxUnavailable may not be 0 when maxSurge is 0: the rollout could never make progress", "")
		}
	default:
		notSupported(p, path, string(s.Type), "strategy type", []string{"Recreate", "RollingUpdate"})
	}
}

func checkDaemonSetStrategy(p *lint.Pass, s *appsv1.DaemonSetUpdateStrategy, path *field.Path) {
	switch s.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case "", appsv1.RollingUpdateDaemonSetStrategyType:
		// maxUnavailable defaults to 1 and maxSurge to 0.
		mu, ms := intstr.FromInt32(1), intstr.FromInt32(0)
		if ru := s.RollingUpdate; ru != nil {
			if ru.MaxUnavailable != nil {
				mu = *ru.MaxUnavailable
			}
			if ru.MaxSurge != nil {
				ms = *ru.MaxSurge
			}
		}
		rp := path.Child("rollingUpdate")
		checkIntOrPercent(p, mu, rp.Child("maxUnavailable"), true)
		checkIntOrPercent(p, ms, rp.Child("maxSurge"), true)
		hu, hs := intOrPercent(mu) != 0, intOrPercent(ms) != 0
		switch {
		case hu && hs:
			p.Report(rp.Child("maxSurge"), field.ErrorTypeInvalid, ms.String(), "maxSurge may not be set when maxUnavailable is non-zero: a DaemonSet rolls either by surging or by taking nodes down", "")
		case !hu && !hs:
			p.Report(rp.Child("maxUnavailable"), field.ErrorTypeRequired, nil, "maxUnavailable cannot be 0 when maxSurge is 0: the rollout could never make progress", "")
		}
	default:
		notSupported(p, path, string(s.Type), "updateStrategy type", []string{"RollingUpdate", "OnDelete"})
	}
}

func checkStatefulSet(p *lint.Pass, t *appsv1.StatefulSet, spec *field.Path) {
	s := &t.Spec
	switch s.PodManagementPolicy {
	case "", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		p.Report(spec.Child("podManagementPolicy"), field.ErrorTypeInvalid, string(s.PodManagementPolicy),
			fmt.Sprintf("podManagementPolicy %q must be 'OrderedReady' or 'Parallel'", s.PodManagementPolicy), "")
	}
	us := s.UpdateStrategy
	switch us.Type {
	case appsv1.OnDeleteStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			p.Report(spec.Child("updateStrategy", "rollingUpdate"), field.ErrorTypeInvalid, nil, "rollingUpdate is only allowed for updateStrategy RollingUpdate", "")
		}
	case "", appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := us.RollingUpdate; ru != nil {
			rp := spec.Child("updateStrategy", "rollingUpdate")
			nonNegative(p, rp.Child("partition"), ru.Partition)
			if ru.MaxUnavailable != nil {
				checkIntOrPercent(p, *ru.MaxUnavailable, rp.Child("maxUnavailable"), true)
				if intOrPercent(*ru.MaxUnavailable) == 0 {
					p.Report(rp.Child("maxUnavailable"), field.ErrorTypeInvalid, ru.MaxUnavailable.String(), "maxUnavailable cannot be 0", "")
				}
			}
		}
	default:
		p.Report(spec.Child("updateStrategy"), field.ErrorTypeInvalid, string(us.Type), fmt.Sprintf("updateStrategy type %q must be 'RollingUpdate' or 'OnDelete'", us.Type), "")
	}
	if rp := s.PersistentVolumeClaimRetentionPolicy; rp != nil {
		for _, f := range []struct {
			name string
			v    appsv1.PersistentVolumeClaimRetentionPolicyType
		}{{"whenDeleted", rp.WhenDeleted}, {"whenScaled", rp.WhenScaled}} {
			switch f.v {
			case "", appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
			default:
				notSupported(p, spec.Child("persistentVolumeClaimRetentionPolicy", f.name), string(f.v), f.name, []string{"Retain", "Delete"})
			}
		}
	}
	nonNegative(p, spec.Child("replicas"), s.Replicas)
	nonNegativeInt(p, spec.Child("minReadySeconds"), int64(s.MinReadySeconds))
	if s.Ordinals != nil {
		nonNegativeInt(p, spec.Child("ordinals.start"), int64(s.Ordinals.Start))
	}
	if s.ServiceName != "" {
		reportMsgs(p, spec.Child("serviceName"), s.ServiceName, fmt.Sprintf("serviceName %q is not a DNS label", s.ServiceName), validation.IsDNS1123Label(s.ServiceName), "")
	}
	checkSelector(p, s.Selector, spec, s.Template.Labels, "statefulset")
	checkNotInTemplate(p, &s.Template.Spec, spec, "StatefulSet")
	for i := range s.VolumeClaimTemplates {
		checkClaimSpec(p, &s.VolumeClaimTemplates[i].Spec, spec.Child("volumeClaimTemplates").Index(i).Child("spec"), p.Report)
	}
}

// checkClaimSpec checks what a volumeClaimTemplate needs for its claims to be created.
func checkClaimSpec(p *lint.Pass, c *corev1.PersistentVolumeClaimSpec, path *field.Path, report reportFunc) {
	if len(c.AccessModes) == 0 {
		report(path.Child("accessModes"), field.ErrorTypeRequired, nil, "a claim needs at least one access mode, e.g. ReadWriteOnce", "Set accessModes: [ReadWriteOnce].")
	}
	rwop, other := false, false
	for _, m := range c.AccessModes {
		switch m {
		case corev1.ReadWriteOncePod:
			rwop = true
		case corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany:
			other = true
		default:
			report(path.Child("accessModes"), field.ErrorTypeNotSupported, string(m), fmt.Sprintf("unsupported access mode %q (supported: ReadOnlyMany, ReadWriteMany, ReadWriteOnce, ReadWriteOncePod)", m), "")
		}
	}
	if rwop && other {
		report(path.Child("accessModes"), field.ErrorTypeForbidden, nil, "ReadWriteOncePod may not be combined with other access modes", "")
	}
	if c.Selector != nil {
		checkLabelSelector(p, c.Selector, path.Child("selector"))
	}
	sp := path.Child("resources").Key("storage")
	if q, ok := c.Resources.Requests[corev1.ResourceStorage]; !ok {
		report(sp, field.ErrorTypeRequired, nil, "a claim needs resources.requests.storage: the size of the volume to provision", "Set resources.requests.storage, e.g. 1Gi.")
	} else if q.Sign() <= 0 {
		report(sp, field.ErrorTypeInvalid, q.String(), "the storage request must be greater than zero", "")
	}
	if sc := c.StorageClassName; sc != nil && *sc != "" {
		if msgs := validation.IsDNS1123Subdomain(*sc); len(msgs) > 0 {
			report(path.Child("storageClassName"), field.ErrorTypeInvalid, *sc, fmt.Sprintf("storageClassName %q is not a valid class name: %s", *sc, strings.Join(msgs, "; ")), "")
		}
	}
	if vm := c.VolumeMode; vm != nil && *vm != corev1.PersistentVolumeBlock && *vm != corev1.PersistentVolumeFilesystem {
		report(path.Child("volumeMode"), field.ErrorTypeNotSupported, string(*vm), fmt.Sprintf("unsupported volumeMode %q (supported: Block, Filesystem)", *vm), "")
	}
}
