package lint

import (
	"sync"

	yaml "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/pod-security-admission/policy"

	"github.com/podlint/podlint/lint/manifest"
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
	// Source is where the rule is defined outside podlint (a Rego policy's
	// file); empty for built-in rules, which rules/README.md documents.
	Source string
	// HelpURI is where the rule is documented when it is not in
	// rules/README.md (a policy's METADATA related_resources); may be empty.
	HelpURI string
	// Fields are the field paths the rule reads, relative to the pod spec where
	// they start with "containers", "initContainers", etc.
	Fields []string
	// AutoFix says what the rule's automatic fix does (podlint fix, SARIF fixes,
	// editor quick fixes), imperative and ending with a period; empty when the
	// rule offers none. A rule with AutoFix attaches a FixPlan where the fix is
	// unambiguous and leaves the finding without one otherwise.
	AutoFix string
	// Check runs the rule on one object. Nil for rules the engine itself reports
	// (input and decoding problems).
	Check func(p *Pass)
	// CheckUpdate runs the rule on an update: an old object and the new one that
	// replaces it (podlint diff, check --against, the webhook's UPDATE requests).
	// Nil for rules that only look at one object.
	CheckUpdate func(p *UpdatePass)
	// CheckSet runs the rule once over every object of a run that carries a pod
	// template or points at Pods (Services, PodDisruptionBudgets,
	// HorizontalPodAutoscalers): the cross-object rules. Nil for the others.
	CheckSet func(p *SetPass)
	// CreateOnly marks a Check the API server applies to a Pod's create only
	// (ValidatePodCreate, not ValidatePodUpdate): RunUpdate drops its findings
	// about Pods that already exist in the old manifests.
	CreateOnly bool

	// psaCheck is the Pod Security check ID of a pod-security rule.
	psaCheck policy.CheckID
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
	// Live is true for an object as the API server holds it, given to
	// Engine.CheckObject (an admission request, an object listed from a
	// cluster), rather than read from a manifest: fields the API server fills
	// in (a Job's generated selector) are then its own, not the author's.
	Live bool
	// Custom is the custom resource whose embedded template this object stands
	// in for (a Rollout's template checked as a Deployment); nil otherwise.
	Custom *ObjectRef
	// Templates are, for a custom resource returned by Engine.CheckObject, the
	// stand-ins of each of its pod templates (Meta, PodMeta and PodSpec are the
	// first one's); nil otherwise.
	Templates []*Object
	// Position is where the object starts in its file; findings placed elsewhere
	// (a Rego policy's own errors) name it so the object can be found.
	Position Position

	// node is the object's tree as written; Input converts it on first use.
	node      *yaml.Node
	inputOnce sync.Once
	input     map[string]any
	inputErr  error

	memoMu sync.Mutex
	memo   map[any]any
}

// Input returns the object exactly as written, as generic JSON values (see
// manifest.Value): unknown fields included, nothing defaulted. It is built once
// and shared by every rule, so callers must not modify it.
func (o *Object) Input() (map[string]any, error) {
	o.inputOnce.Do(func() {
		if o.node == nil {
			return
		}
		v, err := manifest.Value(o.node)
		if err != nil {
			o.inputErr = err
			return
		}
		o.input, _ = v.(map[string]any)
	})
	return o.input, o.inputErr
}

// Memo returns the value compute returns for key, computing it at most once per
// object. Rules share derived forms of the object through it (the Rego adapter
// converts Input once for all policies); key should be an unexported type of the
// caller's package so that packages cannot collide.
func (o *Object) Memo(key any, compute func() any) any {
	o.memoMu.Lock()
	defer o.memoMu.Unlock()
	if v, ok := o.memo[key]; ok {
		return v
	}
	if o.memo == nil {
		o.memo = make(map[any]any)
	}
	v := compute()
	o.memo[key] = v
	return v
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
	p.report(p.rule.finding(p.Object.Ref, path, typ, bad, message, hint))
}

// ReportAt is Report for a field the API server names by another path than the
// one it is written at: path is the API server's (kept for parity), source the
// field as written, whose key the finding is positioned at. A pod template's
// labels, for one, are reported as spec.template.labels but written under
// spec.template.metadata.labels.
func (p *Pass) ReportAt(path, source *field.Path, typ field.ErrorType, bad any, message, hint string) {
	f := p.rule.finding(p.Object.Ref, path, typ, bad, message, hint)
	f.locate = source.String()
	p.report(f)
}

// ReportFinding records f as given, filling in what it leaves empty (rule ID,
// category, severity, hint) from the pass's rule. It serves rules whose findings
// differ in severity or carry metadata of their own, such as a Rego policy's deny
// and warn; a finding with a Position keeps it (a policy's own file and line).
func (p *Pass) ReportFinding(f Finding) {
	if f.Rule == "" {
		f.Rule = p.rule.ID
	}
	if f.Category == "" {
		f.Category = p.rule.Category
	}
	if f.Severity == 0 {
		f.Severity = p.rule.Severity
	}
	if f.Hint == "" {
		f.Hint = p.rule.Remediation
	}
	f.Object = p.Object.Ref
	p.report(f)
}

// finding builds a finding of r at path; an empty hint takes r's remediation.
func (r *Rule) finding(obj ObjectRef, path *field.Path, typ field.ErrorType, bad any, message, hint string) Finding {
	if hint == "" {
		hint = r.Remediation
	}
	return Finding{
		Rule:     r.ID,
		Category: r.Category,
		Severity: r.Severity,
		Field:    path.String(),
		Type:     typ,
		BadValue: bad,
		Message:  message,
		Hint:     hint,
		Object:   obj,
	}
}
