package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// UpdatePass is what a rule's CheckUpdate receives: the object as it is (Old), the
// object that replaces it (New, of the same group, kind, namespace and name), the
// target release, and a way to report. Findings are about New: their paths are
// paths in the new object.
type UpdatePass struct {
	Old, New *Object
	Release  Release
	rule     *Rule
	report   func(Finding)
}

// NewUpdatePass builds an update pass; report receives each finding with rule,
// category, severity and the new object filled in.
func NewUpdatePass(rule *Rule, old, new *Object, rel Release, report func(Finding)) *UpdatePass {
	return &UpdatePass{Old: old, New: new, Release: rel, rule: rule, report: report}
}

// Report records a finding at path in the new object. typ is the Kubernetes field
// error type for api rules and "" otherwise; bad is the new value (nil when none).
func (p *UpdatePass) Report(path *field.Path, typ field.ErrorType, bad any, message, hint string) {
	p.report(p.rule.finding(p.New.Ref, path, typ, bad, message, hint))
}

// RuleObjectRemoved is reported by the engine itself when an object of the old
// manifests has no counterpart in the new ones; it has no CheckUpdate.
var RuleObjectRemoved = &Rule{
	ID: "object-removed", Category: CategoryLifecycle, Severity: SeverityInfo,
	Title: "Object is in the old manifests but not in the new ones",
	Doc: "Leaving an object out of the manifests does not delete it: `kubectl apply` only creates and updates what it is given, " +
		"so the old object keeps running unless it is deleted (kubectl delete, or apply --prune, or a GitOps tool that prunes). " +
		"When it is deleted, so are the Pods it owns. podlint pairs objects by API group (not version), kind, namespace " +
		"(empty means default) and name, so a renamed object shows up as one removed and one new object.",
	Remediation: "Delete the object explicitly if that is intended, or restore it in the new manifests (keeping its name to update it in place).",
}

// ObjectKey identifies an object across versions of a manifest: API group (not
// version), kind, namespace (empty means default) and name, as the API server
// identifies the object an update applies to.
type ObjectKey struct {
	Group, Kind, Namespace, Name string
}

// KeyOf returns the pairing key of an object reference.
func KeyOf(ref ObjectRef) ObjectKey {
	group, _, found := strings.Cut(ref.APIVersion, "/")
	if !found {
		group = "" // core group: "v1"
	}
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	return ObjectKey{Group: group, Kind: ref.Kind, Namespace: ns, Name: ref.Name}
}

// NewObject wraps a decoded object (*corev1.Pod, *appsv1.Deployment, ...) of a kind
// podlint checks, for CheckUpdate callers that have no file, such as the webhook.
func NewObject(ref ObjectRef, typed any) (*Object, error) {
	kind := manifest.LookupKind(ref.Kind)
	if kind == nil {
		return nil, fmt.Errorf("podlint does not check kind %q", ref.Kind)
	}
	if fmt.Sprintf("%T", typed) != fmt.Sprintf("%T", kind.New()) {
		return nil, fmt.Errorf("%s: got a %T, want a %T", ref.Kind, typed, kind.New())
	}
	meta, podMeta, spec := kind.Parts(typed)
	obj := &Object{Ref: ref, Meta: meta, PodMeta: podMeta, PodSpec: spec, Typed: typed}
	obj.PodSpecPath = obj.Path(kind.SpecPath[0], kind.SpecPath[1:]...)
	return obj, nil
}

// CheckUpdate runs the update rules on one update of old into new (same kind) and
// returns their findings, with field paths in new and no positions. The webhook
// calls it for UPDATE requests; the create rules are not run (call the create
// path on new for those, as the API server validates new as a whole too).
func (e *Engine) CheckUpdate(ctx context.Context, old, new *Object) ([]Finding, error) {
	if old == nil || new == nil {
		return nil, errors.New("CheckUpdate needs both the old and the new object")
	}
	if old.Ref.Kind != new.Ref.Kind {
		return nil, fmt.Errorf("cannot compare a %s with a %s", old.Ref.Kind, new.Ref.Kind)
	}
	if new.Custom != nil {
		return nil, nil // the update rules know the built-in kinds' immutable fields, not a custom controller's
	}
	var out []Finding
	var errs []error
	for _, r := range e.updates {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := e.runUpdateRule(r, old, new, func(f Finding) { out = append(out, f) }); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (e *Engine) runUpdateRule(r *Rule, old, new *Object, add func(Finding)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %s panicked on the update of %s: %v\n%s", r.ID, new.Ref, p, debug.Stack())
		}
	}()
	r.CheckUpdate(NewUpdatePass(r, old, new, e.opts.Release, add))
	return nil
}

// placedObject is an object read from a file, with what it takes to locate its fields.
type placedObject struct {
	obj    *Object
	key    ObjectKey
	source int // index of its source in the run's input
	doc    *manifest.Document
	file   string
	root   *yaml.Node
	path   string // "" or items[N]
}

func (p *placedObject) at(fieldPath string) Position {
	line, col, _ := manifest.Locate(p.root, fieldPath)
	return Position{File: p.file, Line: p.doc.StartLine + line - 1, Column: col}
}

// RunUpdate checks new as `check` does (every object as a create) and, for every
// object of new that also appears in old (same group, kind, namespace and name),
// runs the update rules on the pair; objects of old missing from new are reported
// as removed. Findings about new objects are located in the new files; removals
// in the old ones. Input errors in either side are reported (exit code 2).
func (e *Engine) RunUpdate(ctx context.Context, old, new []Source) *Result {
	old, new = e.replayable(old), e.replayable(new)
	res := e.Run(ctx, new)
	// Only input errors matter on the old side: its objects are what is live.
	inputOnly := &Engine{opts: e.opts}
	oldRes := inputOnly.Run(ctx, old)
	oldObjs, oldErrs := e.load(ctx, old)
	newObjs, newErrs := e.load(ctx, new)
	res.Internal = append(res.Internal, oldRes.Internal...)
	res.Internal = append(res.Internal, oldErrs...)
	res.Internal = append(res.Internal, newErrs...)

	type keyed struct {
		f      Finding
		side   int // 0 new, 1 old
		source int
	}
	sourceIndex := func(srcs []Source) map[string]int {
		m := map[string]int{}
		for i, s := range srcs {
			if _, ok := m[s.Name]; !ok {
				m[s.Name] = i
			}
		}
		return m
	}
	newIdx, oldIdx := sourceIndex(new), sourceIndex(old)
	oldKeys := map[ObjectKey]bool{}
	for _, o := range oldObjs {
		oldKeys[o.key] = true
	}
	createOnly := map[string]bool{}
	for _, r := range e.rules {
		createOnly[r.ID] = r.CreateOnly
	}
	all := make([]keyed, 0, len(res.Findings))
	for _, f := range res.Findings {
		if createOnly[f.Rule] && f.Object.Kind == "Pod" && oldKeys[KeyOf(f.Object)] {
			continue // the Pod exists: this is an update, which that check does not apply to
		}
		all = append(all, keyed{f: f, side: 0, source: newIdx[f.Position.File]})
	}
	for _, f := range oldRes.Findings {
		if f.Category == CategoryInput {
			all = append(all, keyed{f: f, side: 1, source: oldIdx[f.Position.File]})
		}
	}

	byKey := map[ObjectKey]*placedObject{}
	for _, o := range oldObjs {
		if o.key.Name == "" {
			continue // generateName: every apply creates a new object
		}
		if _, dup := byKey[o.key]; !dup {
			byKey[o.key] = o
		}
	}
	paired := map[ObjectKey]bool{}
	for _, n := range newObjs {
		o, ok := byKey[n.key]
		if !ok || paired[n.key] {
			continue
		}
		paired[n.key] = true
		if ctx.Err() != nil {
			break
		}
		fs, err := e.CheckUpdate(ctx, o.obj, n.obj)
		if err != nil {
			res.Internal = append(res.Internal, fmt.Errorf("%s: document %d: %w", n.file, n.doc.Index, err))
		}
		for _, f := range fs {
			f.Document = n.doc.Index
			f.Position = n.at(f.Field)
			all = append(all, keyed{f: f, side: 0, source: n.source})
		}
	}
	for _, o := range oldObjs {
		if o.key.Name == "" || paired[o.key] || byKey[o.key] != o {
			continue
		}
		r := RuleObjectRemoved
		effect := "deleting it deletes its Pods"
		if o.obj.IsPod() {
			effect = "deleting it stops its containers (preStop, then the grace period)"
		}
		f := Finding{Rule: r.ID, Category: r.Category, Severity: r.Severity,
			Field:   pathIn(o.path, "metadata.name"),
			Message: fmt.Sprintf("%s is in the old manifests but not in the new ones: applying the new manifests does not delete it, and %s", o.obj.Ref, effect),
			Hint:    r.Remediation, Object: o.obj.Ref, Document: o.doc.Index}
		f.Position = o.at(f.Field)
		all = append(all, keyed{f: f, side: 1, source: o.source})
	}

	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.side != b.side {
			return a.side < b.side
		}
		if a.source != b.source {
			return a.source < b.source
		}
		if a.f.Document != b.f.Document {
			return a.f.Document < b.f.Document
		}
		if a.f.Position.Line != b.f.Position.Line {
			return a.f.Position.Line < b.f.Position.Line
		}
		return a.f.Position.Column < b.f.Position.Column
	})
	res.Findings = res.Findings[:0]
	for _, k := range all {
		res.Findings = append(res.Findings, k.f)
	}
	res.CountSeverities()
	return res
}

// replayable makes stdin readable twice (RunUpdate reads every source once to
// check it and once to pair its objects), holding at most MaxFileBytes+1 bytes
// so the size limit still fires.
func (e *Engine) replayable(srcs []Source) []Source {
	out := append([]Source(nil), srcs...)
	for i, s := range out {
		if s.Name != "-" || s.Err != nil {
			continue
		}
		var data []byte
		var err error
		var once bool
		open := s.Open
		out[i].Open = func() (io.ReadCloser, error) {
			if !once {
				once = true
				var rc io.ReadCloser
				if rc, err = open(); err == nil {
					data, err = io.ReadAll(io.LimitReader(rc, e.opts.MaxFileBytes+1))
					rc.Close()
				}
			}
			if err != nil {
				return nil, err
			}
			return io.NopCloser(bytes.NewReader(data)), nil
		}
	}
	return out
}

func pathIn(prefix, p string) string {
	if prefix == "" {
		return p
	}
	return prefix + "." + p
}

// load reads every object podlint checks from sources, for pairing. Unreadable
// input is skipped silently: Run reports it.
func (e *Engine) load(ctx context.Context, sources []Source) ([]*placedObject, []error) {
	var out []*placedObject
	var errs []error
	for si, src := range sources {
		if src.Err != nil || ctx.Err() != nil {
			continue
		}
		rc, err := src.Open()
		if err != nil {
			continue
		}
		sp := manifest.NewSplitter(&limitReader{r: rc, n: e.opts.MaxFileBytes}, e.opts.MaxDocumentBytes)
		for ctx.Err() == nil {
			doc, err := sp.Next()
			if err != nil {
				break
			}
			if manifest.IsEmpty(doc.Data) {
				continue
			}
			root, err := manifest.Parse(doc)
			if err != nil {
				continue
			}
			items, _ := manifest.Items(root)
			for _, it := range items {
				kind := manifest.LookupKind(it.Kind)
				if it.APIVersion == "" || kind == nil || !manifest.IsKubernetesGroup(it.APIVersion) {
					continue
				}
				dec, err := manifest.Decode(it, kind)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: document %d: %w", src.Name, doc.Index, err))
					continue
				}
				if dec.Object == nil {
					continue
				}
				ref := ObjectRef{APIVersion: it.APIVersion, Kind: it.Kind, Namespace: it.Namespace, Name: it.Name}
				obj, err := NewObject(ref, dec.Object)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if it.Path != "" {
					obj.Root = rootPath(it.Path)
					obj.PodSpecPath = obj.Path(kind.SpecPath[0], kind.SpecPath[1:]...)
				}
				key := KeyOf(ref)
				key.Name = obj.Meta.Name // not generateName
				out = append(out, &placedObject{obj: obj, key: key, source: si, doc: doc, file: src.Name, root: root, path: it.Path})
			}
		}
		rc.Close()
	}
	return out, errs
}
