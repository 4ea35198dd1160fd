package lint

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Rule is one check with the metadata that documents it. Metadata is the single
// source for `podlint rules`, the generated rules/README.md and every output format.
type Rule struct {
	// ID is kebab-case and stable forever: users suppress and configure by it.
	ID       string
	Category Category
	Severity Severity
	Title    string
	// Doc explains why, in Kubernetes terms.
	Doc string
	// Remediation is imperative and ends with a period.
	Remediation string
	// Fields are the field paths the rule reads, relative to the pod spec where
	// they start with "containers", "initContainers", etc.
	Fields []string
	// Check runs the rule on one object. Nil for rules the engine itself reports
	// (input and decoding problems).
	Check func(p *Pass)
	// CheckUpdate runs the rule on an update: an old object and the new one that
	// replaces it (podlint diff, check --against, the webhook's UPDATE requests).
	// Nil for rules that only look at one object.
	CheckUpdate func(p *UpdatePass)
	// CreateOnly marks a Check the API server applies to a Pod's create only
	// (ValidatePodCreate, not ValidatePodUpdate): RunUpdate drops its findings
	// about Pods that already exist in the old manifests.
	CreateOnly bool
}

// Object is one Kubernetes object that carries a pod spec, decoded and ready for rules.
type Object struct {
	Ref ObjectRef
	// Root is the path of the object inside its document: nil, or items[N] in a List.
	Root *field.Path
	// Meta is the object's own metadata.
	Meta *metav1.ObjectMeta
	// PodMeta and PodSpec are the pod's: the object's own for a Pod, the template's otherwise.
	PodMeta *metav1.ObjectMeta
	PodSpec *corev1.PodSpec
	// PodSpecPath is the full path of PodSpec, e.g. spec.template.spec.
	PodSpecPath *field.Path
	// Typed is the decoded object (*corev1.Pod, *appsv1.Deployment, ...).
	Typed any
}

// IsPod reports whether the object is a bare Pod rather than a workload with a template.
func (o *Object) IsPod() bool { return o.Ref.Kind == "Pod" }

// Path returns a path rooted at the object (items[N] prefix in a List).
func (o *Object) Path(name string, more ...string) *field.Path {
	if o.Root == nil {
		return field.NewPath(name, more...)
	}
	p := o.Root.Child(name)
	for _, m := range more {
		p = p.Child(m)
	}
	return p
}

// Pass is what a rule's Check receives: the object, the target release, and a way to report.
type Pass struct {
	Object  *Object
	Release Release
	rule    *Rule
	report  func(Finding)
}

// NewPass builds a pass; report receives each finding with rule, category and severity filled in.
func NewPass(rule *Rule, obj *Object, rel Release, report func(Finding)) *Pass {
	return &Pass{Object: obj, Release: rel, rule: rule, report: report}
}

// Report records a finding at path. typ is the Kubernetes field error type for api
// rules and "" otherwise; bad is the offending value (nil when none).
func (p *Pass) Report(path *field.Path, typ field.ErrorType, bad any, message, hint string) {
	if hint == "" {
		hint = p.rule.Remediation
	}
	p.report(Finding{
		Rule:     p.rule.ID,
		Category: p.rule.Category,
		Severity: p.rule.Severity,
		Field:    path.String(),
		Type:     typ,
		BadValue: bad,
		Message:  message,
		Hint:     hint,
		Object:   p.Object.Ref,
	})
}
