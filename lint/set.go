package lint

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	yaml "go.yaml.in/yaml/v3"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// SetObject is one object of a run as the cross-object rules (Rule.CheckSet)
// see it: a workload with its pod template, or an object that points at Pods
// (a Service, a PodDisruptionBudget, a HorizontalPodAutoscaler).
type SetObject struct {
	// Ref names the object as written: for a custom resource's template, the
	// custom resource (a Rollout), not the built-in kind it is checked as.
	Ref ObjectRef
	// Workload is the object the per-object rules ran on; nil for the others.
	Workload *Object
	// Typed is the decoded *corev1.Service, *policyv1.PodDisruptionBudget or
	// *autoscalingv2.HorizontalPodAutoscaler; nil for workloads.
	Typed any

	// realPath turns a path of Workload (a stand-in's) into the object's own.
	realPath func(string) string
	prefix   string // the items[N] of a custom resource in a List, for realPath's paths
	locate   func(path string) Position
	root     *field.Path
	node     *yaml.Node
	document int
}

// Path returns a path rooted at the object (with the items[N] prefix in a List).
func (o *SetObject) Path(name string, more ...string) *field.Path {
	p := field.NewPath(name, more...)
	if o.root != nil {
		p = o.root.Child(name)
		for _, m := range more {
			p = p.Child(m)
		}
	}
	return p
}

// Has reports whether the object as written sets the field at path (relative
// to the object, without the List prefix): replicas left out and replicas: 1
// differ to an autoscaler.
func (o *SetObject) Has(path string) bool {
	if o.realPath != nil {
		path = o.realPath(path)
	}
	return o.node != nil && manifest.Lookup(o.node, path) != nil
}

// Namespace is the object's namespace, "default" when it sets none.
func (o *SetObject) Namespace() string {
	if o.Ref.Namespace == "" {
		return "default"
	}
	return o.Ref.Namespace
}

// SetPass is what a cross-object rule receives: every object of the run that
// carries a pod template or points at Pods, in input order.
type SetPass struct {
	Objects []*SetObject
	Release Release
	rule    *Rule
	report  func(Finding)
}

// Report records a finding of the pass's rule about o at path (a path of o, or
// for a workload of its Workload object, which is mapped to o's own).
func (p *SetPass) Report(o *SetObject, path *field.Path, bad any, message, hint string) {
	f := p.rule.finding(o.Ref, path, "", bad, message, hint)
	if o.realPath != nil {
		f.Field = joinPath(o.prefix, o.realPath(f.Field))
	}
	f.Document = o.document
	f.Position = o.locate(f.Field)
	p.report(f)
}

// setKinds are the objects that point at Pods, read for the cross-object rules.
var setKinds = map[string]func() any{
	"v1/Service":                             func() any { return &corev1.Service{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

// referrer decodes an object that points at Pods, or returns nil. The per-object
// rules do not judge these kinds, so their decoding is lenient: a field of the
// wrong type leaves the object out of the cross-object rules.
func referrer(it manifest.Item) any {
	newObj, ok := setKinds[it.APIVersion+"/"+it.Kind]
	if !ok {
		return nil
	}
	v, err := manifest.Value(it.Node)
	if err != nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	obj := newObj()
	if json.Unmarshal(raw, obj) != nil {
		return nil
	}
	return obj
}

// runSetRules runs the cross-object rules over the objects of a run.
func (e *Engine) runSetRules(objs []*SetObject, res *Result) {
	for _, r := range e.setRules {
		func() {
			defer func() {
				if p := recover(); p != nil {
					res.Internal = append(res.Internal, fmt.Errorf("rule %s panicked: %v\n%s", r.ID, p, debug.Stack()))
				}
			}()
			r.CheckSet(&SetPass{Objects: objs, Release: e.opts.Release, rule: r, report: func(f Finding) {
				if s, ok := e.opts.Severity[f.Rule]; ok {
					f.Severity = s
				}
				res.Findings = append(res.Findings, f)
			}})
		}()
	}
}
