package rules

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var podFieldImmutable = &lint.Rule{
	ID:       "pod-field-immutable",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Update changes a field of a running Pod that cannot change",
	Doc: "A Pod's spec is almost immutable: the API server rejects an update that changes anything but " +
		"`spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds` (set it, or lower it; never " +
		"raise or remove it), `spec.tolerations` (additions only; an existing toleration may change only its tolerationSeconds) " +
		"and `spec.schedulingGates` (removals only), with \"pod updates may not change fields other than ...\". While a Pod still " +
		"has scheduling gates, additions to `spec.nodeSelector` and to required node affinity are allowed too, and a negative " +
		"terminationGracePeriodSeconds may be set to 1. Container resources change only through the `resize` subresource and " +
		"ephemeral containers only through the `ephemeralcontainers` subresource (`kubectl debug`). Adding or removing containers, " +
		"and changing commands, env, ports, probes, volumes or restartPolicy, needs a new Pod.",
	Remediation: "Make the change in the pod template of the workload that owns the Pod (it rolls out new Pods), or delete and recreate the Pod.",
	Fields: []string{"containers", "initContainers", "activeDeadlineSeconds", "tolerations", "schedulingGates", "nodeSelector",
		"affinity.nodeAffinity", "terminationGracePeriodSeconds", "ephemeralContainers"},
	CheckUpdate: checkPodFieldImmutable,
}

// Annotations whose change the API server refuses on a Pod (ValidatePodSpecificAnnotationUpdates).
const (
	appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"
	mirrorPodAnnotation      = "kubernetes.io/config.mirror"
)

// checkPodFieldImmutable mirrors ValidatePodUpdate (pkg/apis/core/validation):
// the same checks in the same order, but each forbidden change is reported at
// the field that changed instead of once at spec.
func checkPodFieldImmutable(p *lint.UpdatePass) {
	if !p.New.IsPod() {
		return
	}
	oldPod, newPod := p.Old.Typed.(*corev1.Pod), p.New.Typed.(*corev1.Pod)
	hint := podUpdateHint(newPod)
	checkPodAnnotations(p, oldPod, newPod)
	o, n := defaultedPodSpecs(&oldPod.Spec, &newPod.Spec, true)
	spec := p.New.PodSpecPath
	if p.Release.Enabled(lint.GatePodLevelResourcesFixDefaulting) && n.Resources == nil && o.Resources != nil {
		// The pod strategy's PrepareForUpdate keeps the old pod-level resources
		// for clients that drop the field.
		n.Resources = o.Resources
	}

	// A different number of containers stops validation there, as in the API server.
	stop := false
	for _, l := range []struct {
		name     string
		old, new []corev1.Container
	}{{"containers", o.Containers, n.Containers}, {"initContainers", o.InitContainers, n.InitContainers}} {
		path := spec.Child(l.name)
		switch {
		case len(l.new) > len(l.old):
			for i := len(l.old); i < len(l.new); i++ {
				p.Report(path.Index(i), field.ErrorTypeForbidden, l.new[i].Name,
					fmt.Sprintf("pod updates may not add or remove containers: %s %q is new", l.name, l.new[i].Name), hint)
			}
			stop = true
		case len(l.new) < len(l.old):
			var gone []string
			for _, c := range l.old[len(l.new):] {
				gone = append(gone, fmt.Sprintf("%q", c.Name))
			}
			p.Report(path, field.ErrorTypeForbidden, nil,
				fmt.Sprintf("pod updates may not add or remove containers: %s %s removed", l.name, strings.Join(gone, ", ")), hint)
			stop = true
		}
		if stop {
			return
		}
		for i, c := range l.new {
			switch {
			case c.Image == "":
				p.Report(path.Index(i).Child("image"), field.ErrorTypeRequired, nil, "an update may change the image but not remove it", "")
			case strings.TrimSpace(c.Image) != c.Image:
				p.Report(path.Index(i).Child("image"), field.ErrorTypeInvalid, c.Image, "must not have leading or trailing whitespace", "Remove the spaces around the image name.")
			}
		}
	}

	// The API server stops at the first activeDeadlineSeconds error; podlint goes
	// on, so that one run names every change the update must drop.
	ads := spec.Child("activeDeadlineSeconds")
	switch {
	case n.ActiveDeadlineSeconds != nil && (*n.ActiveDeadlineSeconds < 0 || *n.ActiveDeadlineSeconds > math.MaxInt32):
		p.Report(ads, field.ErrorTypeInvalid, *n.ActiveDeadlineSeconds, fmt.Sprintf("must be between 0 and %d, inclusive", math.MaxInt32), "")
	case n.ActiveDeadlineSeconds != nil && o.ActiveDeadlineSeconds != nil && *o.ActiveDeadlineSeconds < *n.ActiveDeadlineSeconds:
		p.Report(ads, field.ErrorTypeInvalid, *n.ActiveDeadlineSeconds,
			fmt.Sprintf("activeDeadlineSeconds of a running Pod may only be lowered: %d is more than the current %d", *n.ActiveDeadlineSeconds, *o.ActiveDeadlineSeconds),
			fmt.Sprintf("Keep activeDeadlineSeconds at %d or lower, or recreate the Pod to give it more time.", *o.ActiveDeadlineSeconds))
	case n.ActiveDeadlineSeconds == nil && o.ActiveDeadlineSeconds != nil:
		p.Report(ads, field.ErrorTypeInvalid, nil,
			fmt.Sprintf("activeDeadlineSeconds of a running Pod may not be removed (it is %d)", *o.ActiveDeadlineSeconds),
			fmt.Sprintf("Keep activeDeadlineSeconds: %d (or lower), or recreate the Pod.", *o.ActiveDeadlineSeconds))
	}

	checkTolerationUpdate(p, o.Tolerations, n.Tolerations, spec.Child("tolerations"))
	checkSchedulingGates(p, o.SchedulingGates, n.SchedulingGates, spec.Child("schedulingGates"))

	// What is left must be unchanged once the mutable fields are taken from the old spec.
	m := n.DeepCopy()
	for i := range m.Containers {
		m.Containers[i].Image = o.Containers[i].Image
	}
	for i := range m.InitContainers {
		m.InitContainers[i].Image = o.InitContainers[i].Image
	}
	m.ActiveDeadlineSeconds = o.ActiveDeadlineSeconds
	m.SchedulingGates = o.SchedulingGates
	m.Tolerations = o.Tolerations
	if o.TerminationGracePeriodSeconds != nil && *o.TerminationGracePeriodSeconds < 0 &&
		m.TerminationGracePeriodSeconds != nil && *m.TerminationGracePeriodSeconds == 1 {
		m.TerminationGracePeriodSeconds = o.TerminationGracePeriodSeconds
	}
	if len(o.SchedulingGates) > 0 {
		mungeGatedScheduling(p, o, m, spec)
	}
	for _, c := range lint.Diff(spec, o, m) {
		p.Report(c.Path, field.ErrorTypeForbidden, scalarOrNil(c.New), immutableMessage(c, spec), hint)
	}
}

// podUpdateHint names the Pod's controller when it has one.
func podUpdateHint(pod *corev1.Pod) string {
	for _, ref := range pod.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return fmt.Sprintf("Make the change in the pod template of %s %s, the Pod's controller (a Deployment's ReplicaSet: edit the Deployment); it rolls out new Pods. Or delete and recreate the Pod.", ref.Kind, ref.Name)
		}
	}
	return ""
}

// immutableMessage explains a forbidden change, naming the way it can be made when there is one.
func immutableMessage(c lint.Change, spec *field.Path) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(c.Path.String(), spec.String()), ".")
	what := changeSummary(c)
	switch {
	case strings.HasPrefix(rel, "ephemeralContainers"):
		return fmt.Sprintf("pod updates may not change %s (%s): ephemeral containers are added only through the ephemeralcontainers subresource, as `kubectl debug` does", rel, what)
	case strings.Contains(rel, ".resources") || strings.Contains(rel, ".resizePolicy") || strings.HasPrefix(rel, "resources"):
		return fmt.Sprintf("pod updates may not change %s (%s): a running Pod's resources change only through the resize subresource (kubectl patch --subresource resize), and its resizePolicy never", rel, what)
	}
	return fmt.Sprintf("pod updates may not change %s (%s): of a running Pod's spec only container and init container images, activeDeadlineSeconds (lowered), tolerations (added) and schedulingGates (removed) may change", rel, what)
}

// changeSummary says how a field changed, with the values when they are short scalars.
func changeSummary(c lint.Change) string {
	switch {
	case c.Added():
		return "added"
	case c.Removed():
		return "removed"
	}
	o, n := fmt.Sprintf("%v", c.Old), fmt.Sprintf("%v", c.New)
	if isScalar(c.Old) && isScalar(c.New) && len(o)+len(n) < 80 {
		return fmt.Sprintf("%q → %q", o, n)
	}
	return "changed"
}

// scalarOrNil keeps a finding's value short: whole structs and lists are left
// to the message and the position.
func scalarOrNil(v any) any {
	if isScalar(v) {
		return v
	}
	return nil
}

func isScalar(v any) bool {
	switch reflect.ValueOf(v).Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

// checkPodAnnotations mirrors ValidatePodSpecificAnnotationUpdates.
func checkPodAnnotations(p *lint.UpdatePass, oldPod, newPod *corev1.Pod) {
	base := p.New.Path("metadata", "annotations")
	check := func(k string, verb string) {
		switch {
		case strings.HasPrefix(k, appArmorAnnotationPrefix):
			p.Report(base.Key(k), field.ErrorTypeForbidden, nil, "may not "+verb+" AppArmor annotations", "Set the AppArmor profile in securityContext.appArmorProfile when you recreate the Pod.")
		case k == mirrorPodAnnotation:
			p.Report(base.Key(k), field.ErrorTypeForbidden, nil, "may not "+verb+" the mirror pod annotation", "Leave the mirror pod annotation as the kubelet set it.")
		}
	}
	for k, v := range oldPod.Annotations {
		if nv, ok := newPod.Annotations[k]; !ok || nv != v {
			check(k, "remove or update")
		}
	}
	for k := range newPod.Annotations {
		if _, ok := oldPod.Annotations[k]; !ok {
			check(k, "add")
		}
	}
}

// checkTolerations mirrors validateOnlyAddedTolerations: every old toleration must
// still be there, unchanged but for tolerationSeconds.
func checkTolerationUpdate(p *lint.UpdatePass, old, new []corev1.Toleration, path *field.Path) {
	for _, ot := range old {
		found := false
		for _, nt := range new {
			c := ot
			c.TolerationSeconds = nt.TolerationSeconds
			if reflect.DeepEqual(c, nt) {
				found = true
				break
			}
		}
		if !found {
			p.Report(path, field.ErrorTypeForbidden, nil,
				fmt.Sprintf("existing toleration can not be modified except its tolerationSeconds: toleration %s is missing or changed", describeToleration(ot)),
				"Keep every existing toleration as it is (only tolerationSeconds may change) and add new ones after them, or recreate the Pod.")
			return
		}
	}
}

func describeToleration(t corev1.Toleration) string {
	s := fmt.Sprintf("key=%q operator=%q", t.Key, t.Operator)
	if t.Value != "" {
		s += fmt.Sprintf(" value=%q", t.Value)
	}
	if t.Effect != "" {
		s += fmt.Sprintf(" effect=%q", t.Effect)
	}
	return "{" + s + "}"
}

// checkSchedulingGates mirrors validateOnlyDeletedSchedulingGates.
func checkSchedulingGates(p *lint.UpdatePass, old, new []corev1.PodSchedulingGate, path *field.Path) {
	had := map[string]bool{}
	for _, g := range old {
		had[g.Name] = true
	}
	for i, g := range new {
		if !had[g.Name] {
			p.Report(path.Index(i).Child("name"), field.ErrorTypeForbidden, g.Name,
				fmt.Sprintf("only deletion is allowed, but found new scheduling gate %q", g.Name),
				"Scheduling gates can only be removed from an existing Pod; add gates when creating it.")
		}
	}
}

// mungeGatedScheduling mirrors the gated-Pod branch of ValidatePodUpdate: while the
// old Pod has scheduling gates, nodeSelector and required node affinity may grow.
// It reports what may not change and copies what may into m.
func mungeGatedScheduling(p *lint.UpdatePass, o, m *corev1.PodSpec, spec *field.Path) {
	if len(lint.Diff(nil, o.NodeSelector, m.NodeSelector)) > 0 {
		for k, v := range o.NodeSelector {
			if nv, ok := m.NodeSelector[k]; !ok || nv != v {
				p.Report(spec.Child("nodeSelector"), field.ErrorTypeInvalid, nil,
					"only additions to spec.nodeSelector are allowed (no mutations or deletions)", "Keep the existing nodeSelector entries and add new ones.")
				break
			}
		}
		m.NodeSelector = o.NodeSelector
	}
	var oldNA, newNA *corev1.NodeAffinity
	if o.Affinity != nil {
		oldNA = o.Affinity.NodeAffinity
	}
	if m.Affinity != nil {
		newNA = m.Affinity.NodeAffinity
	}
	if len(lint.Diff(nil, oldNA, newNA)) == 0 {
		return
	}
	checkNodeAffinityAdditions(p, spec.Child("affinity", "nodeAffinity"), newNA, oldNA)
	switch {
	case m.Affinity == nil && oldNA == nil:
	case m.Affinity == nil && oldNA != nil:
		m.Affinity = &corev1.Affinity{NodeAffinity: oldNA}
	case m.Affinity != nil && o.Affinity == nil && m.Affinity.PodAntiAffinity == nil && m.Affinity.PodAffinity == nil:
		m.Affinity = nil
	default:
		m.Affinity.NodeAffinity = oldNA
	}
}

// checkNodeAffinityAdditions mirrors validateNodeAffinityMutation.
func checkNodeAffinityAdditions(p *lint.UpdatePass, path *field.Path, newNA, oldNA *corev1.NodeAffinity) {
	if oldNA == nil || oldNA.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return
	}
	oldTerms := oldNA.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	var newTerms []corev1.NodeSelectorTerm
	if newNA != nil && newNA.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		newTerms = newNA.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	}
	termsPath := path.Child("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
	hint := "Keep the existing node selector terms and requirements; only add requirements to them."
	if len(oldTerms) > 0 && len(oldTerms) != len(newTerms) {
		p.Report(termsPath, field.ErrorTypeInvalid, nil, "no additions/deletions to non-empty NodeSelectorTerms list are allowed", hint)
		return
	}
	for i := range oldTerms {
		if !termOnlyAdds(newTerms[i], oldTerms[i]) {
			p.Report(termsPath.Index(i), field.ErrorTypeInvalid, nil, "only additions are allowed (no mutations or deletions)", hint)
		}
	}
}

func termOnlyAdds(n, o corev1.NodeSelectorTerm) bool {
	if len(o.MatchExpressions) == 0 && len(o.MatchFields) == 0 && (len(n.MatchExpressions) > 0 || len(n.MatchFields) > 0) {
		return false
	}
	if l := len(o.MatchExpressions); l > 0 && (len(n.MatchExpressions) < l || len(lint.Diff(nil, n.MatchExpressions[:l], o.MatchExpressions)) > 0) {
		return false
	}
	if l := len(o.MatchFields); l > 0 && (len(n.MatchFields) < l || len(lint.Diff(nil, n.MatchFields[:l], o.MatchFields)) > 0) {
		return false
	}
	return true
}
