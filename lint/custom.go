package lint

import (
	"fmt"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// CustomKind is a custom resource kind whose embedded pod templates podlint
// checks, each as the built-in kind it stands for. The rest of the object is not
// judged (that needs its CRD's schema).
type CustomKind struct {
	// Group and Kind identify the kind; Version, when set, limits it to one
	// version of the group (any version otherwise).
	Group   string `json:"group"`
	Version string `json:"version,omitempty"`
	Kind    string `json:"kind"`
	// Templates are where its pod templates (or Job specs) are.
	Templates []TemplateSite `json:"templates"`
	// Source names the project and release the sites were checked against;
	// "config" for a kind declared in .podlint.yaml.
	Source string `json:"source"`
}

// TemplateSite is where one or more pod templates live in a custom resource.
type TemplateSite struct {
	// Path names the template (a PodTemplateSpec), or the Job spec when JobSpec
	// is set: field names from the object's root, "*" for every key of a map and
	// "[*]" after a name for every item of its list (spec.workerGroupSpecs[*].template).
	Path string `json:"path"`
	// As is the built-in kind whose rules apply: Deployment, ReplicaSet,
	// StatefulSet, DaemonSet, Job, or PodTemplate (a controller that creates
	// Pods directly from the template, which the API server accepts with any
	// restartPolicy).
	As string `json:"as"`
	// JobSpec is true when Path names a whole Job spec (KEDA's jobTargetRef);
	// As is then Job.
	JobSpec bool `json:"jobSpec,omitempty"`
	// Siblings are fields beside the template that the built-in kind also has and
	// that are checked with it (replicas, selector, minReadySeconds, ...).
	Siblings []string `json:"siblings,omitempty"`
	// ClaimVolumes appends a PersistentVolumeClaim volume for each of the
	// volumeClaimTemplates beside the template to its volumes, as OpenKruise's
	// CloneSet webhook does before validating it.
	ClaimVolumes bool `json:"claimVolumes,omitempty"`
}

// Validate reports what is wrong with a custom kind's declaration.
func (k *CustomKind) Validate() error {
	if k.Group == "" || k.Kind == "" {
		return fmt.Errorf("a custom kind needs a group and a kind")
	}
	if IsKubernetesGroupName(k.Group) {
		return fmt.Errorf("%s is a Kubernetes API group, not a custom resource's", k.Group)
	}
	if len(k.Templates) == 0 {
		return fmt.Errorf("%s has no templates", k.Kind)
	}
	for _, t := range k.Templates {
		if err := manifest.ParsePattern(t.Path); err != nil {
			return err
		}
		sk := manifest.StandInKind(t.As)
		if sk == nil {
			return fmt.Errorf("%s: as %q is not a built-in kind podlint checks (one of %s)", t.Path, t.As, strings.Join(manifest.StandInKindNames(), ", "))
		}
		if t.JobSpec && t.As != "Job" {
			return fmt.Errorf("%s: a Job spec is checked as a Job, not as a %s", t.Path, t.As)
		}
		if !t.JobSpec && (t.As == "Pod" || t.As == "CronJob") {
			return fmt.Errorf("%s: a pod template cannot stand for a %s (use PodTemplate, a workload kind or Job)", t.Path, t.As)
		}
		for _, s := range t.Siblings {
			if s == "" || strings.ContainsAny(s, ".[]*") || s == "template" {
				return fmt.Errorf("%s: sibling %q must be a plain field name beside template", t.Path, s)
			}
		}
		if t.As == "PodTemplate" && len(t.Siblings) > 0 {
			return fmt.Errorf("%s: a PodTemplate has no spec fields beside its template", t.Path)
		}
	}
	return nil
}

// IsKubernetesGroupName reports whether group is served by Kubernetes itself.
func IsKubernetesGroupName(group string) bool {
	return manifest.IsKubernetesGroup(group + "/v1")
}

// CustomKinds is a set of custom kinds, looked up by group and kind.
type CustomKinds map[string]*CustomKind

// NewCustomKinds returns the built-in custom kinds with extra ones added; a
// kind in extra replaces a built-in one of the same group and kind.
func NewCustomKinds(extra []CustomKind) CustomKinds {
	out := CustomKinds{}
	for i := range BuiltinCustomKinds {
		k := BuiltinCustomKinds[i]
		out[k.key()] = &k
	}
	for i := range extra {
		k := extra[i]
		out[k.key()] = &k
	}
	return out
}

func (k *CustomKind) key() string { return k.Group + "/" + k.Version + "/" + k.Kind }

// ReadsKind reports whether the engine checks objects of this apiVersion and
// kind: a built-in kind, or a custom kind (built in or configured).
func (e *Engine) ReadsKind(apiVersion, kind string) bool {
	if k := manifest.LookupKind(kind); k != nil && manifest.IsKubernetesGroup(apiVersion) {
		return apiVersion == k.APIVersion
	}
	return !manifest.IsKubernetesGroup(apiVersion) && e.custom.Lookup(apiVersion, kind) != nil
}

// Lookup returns the custom kind of an object's apiVersion and kind, or nil.
func (c CustomKinds) Lookup(apiVersion, kind string) *CustomKind {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return nil
	}
	if k := c[group+"/"+version+"/"+kind]; k != nil {
		return k
	}
	return c[group+"//"+kind]
}

// List returns the kinds sorted by group and kind.
func (c CustomKinds) List() []CustomKind {
	out := make([]CustomKind, 0, len(c))
	for _, k := range c {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// standIn is one embedded template made into an object of the built-in kind it
// stands for, sharing the original's nodes (so their lines and columns).
type standIn struct {
	kind *manifest.Kind
	node *yaml.Node
	// prefixes map the stand-in's field paths to the custom resource's, longest first.
	prefixes [][2]string
}

// realPath turns a field path of the stand-in into the custom resource's.
func (s *standIn) realPath(p string) string {
	for _, m := range s.prefixes {
		from, to := m[0], m[1]
		if p == from {
			return to
		}
		if strings.HasPrefix(p, from) && (p[len(from)] == '.' || p[len(from)] == '[') {
			return to + p[len(from):]
		}
	}
	return p
}

// standIns finds the templates of ck in the object node and builds their stand-ins.
func standIns(ck *CustomKind, obj *yaml.Node) []*standIn {
	meta := manifest.Lookup(obj, "metadata")
	var out []*standIn
	for _, site := range ck.Templates {
		site := site
		manifest.MatchPattern(obj, site.Path, func(path string, n *yaml.Node) {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return // template: null, e.g. a Rollout using workloadRef
			}
			kind := manifest.StandInKind(site.As)
			s := &standIn{kind: kind}
			top := mapNode(n)
			apiVersion := kind.APIVersion
			addPair(top, "apiVersion", scalarNode(apiVersion, n))
			addPair(top, "kind", scalarNode(kind.Name, n))
			if meta != nil {
				addPair(top, "metadata", meta)
				s.prefixes = append(s.prefixes, [2]string{"metadata", "metadata"})
			}
			switch {
			case site.JobSpec:
				addPair(top, "spec", n)
				s.prefixes = append(s.prefixes, [2]string{"spec", path})
			case kind.Name == "PodTemplate":
				addPair(top, "template", n)
				s.prefixes = append(s.prefixes, [2]string{"template", path}, [2]string{"spec.template", path})
			default:
				parentPath, parent := parentOf(obj, path)
				spec := mapNode(n)
				tmpl := n
				if site.ClaimVolumes && parent != nil {
					tmpl = s.withClaimVolumes(n, manifest.Lookup(parent, "volumeClaimTemplates"), joinPath(parentPath, "volumeClaimTemplates"))
				}
				addPair(spec, "template", tmpl)
				s.prefixes = append(s.prefixes, [2]string{"spec.template", path})
				for _, sib := range site.Siblings {
					if parent == nil {
						break
					}
					if v := manifest.Lookup(parent, sib); v != nil {
						addPair(spec, sib, v)
						s.prefixes = append(s.prefixes, [2]string{"spec." + sib, joinPath(parentPath, sib)})
					}
				}
				addPair(top, "spec", spec)
				s.prefixes = append(s.prefixes, [2]string{"spec", parentPath})
			}
			s.node = top
			sort.SliceStable(s.prefixes, func(i, j int) bool { return len(s.prefixes[i][0]) > len(s.prefixes[j][0]) })
			out = append(out, s)
		})
	}
	return out
}

// withClaimVolumes returns a copy of the template whose spec.volumes has a
// persistentVolumeClaim volume appended for each claim template, placed at the
// claim template; tmpl itself is returned when there are none.
func (s *standIn) withClaimVolumes(tmpl, claims *yaml.Node, claimsPath string) *yaml.Node {
	if claims == nil || claims.Kind != yaml.SequenceNode || len(claims.Content) == 0 || tmpl.Kind != yaml.MappingNode {
		return tmpl
	}
	podSpec := manifest.Lookup(tmpl, "spec")
	if podSpec != nil && podSpec.Kind != yaml.MappingNode {
		return tmpl
	}
	vols := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: claims.Line, Column: claims.Column}
	if old := manifest.Lookup(tmpl, "spec.volumes"); old != nil {
		if old.Kind != yaml.SequenceNode {
			return tmpl
		}
		vols.Line, vols.Column = old.Line, old.Column
		vols.Content = append(vols.Content, old.Content...)
	}
	for i, c := range claims.Content {
		name := manifest.Lookup(c, "metadata.name")
		if name == nil || name.Kind != yaml.ScalarNode {
			continue
		}
		s.prefixes = append(s.prefixes, [2]string{fmt.Sprintf("spec.template.spec.volumes[%d]", len(vols.Content)), fmt.Sprintf("%s[%d]", claimsPath, i)})
		pvc := mapNode(c)
		addPair(pvc, "claimName", name)
		v := mapNode(c)
		addPair(v, "name", name)
		addPair(v, "persistentVolumeClaim", pvc)
		vols.Content = append(vols.Content, v)
	}
	newSpec := mapNode(tmpl)
	if podSpec != nil {
		newSpec.Line, newSpec.Column = podSpec.Line, podSpec.Column
		newSpec.Content = withoutKey(podSpec, "volumes")
	}
	addPair(newSpec, "volumes", vols)
	out := mapNode(tmpl)
	out.Content = withoutKey(tmpl, "spec")
	addPair(out, "spec", newSpec)
	return out
}

// withoutKey returns a mapping's key-value nodes without key.
func withoutKey(m *yaml.Node, key string) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out = append(out, m.Content[i], m.Content[i+1])
		}
	}
	return out
}

// replacePath replaces the field path from where it starts a path in a message
// (not where it ends a longer one).
func replacePath(msg, from, to string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, from)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		if i > 0 && (msg[i-1] == '.' || msg[i-1] == '_' || msg[i-1] >= 'a' && msg[i-1] <= 'z' || msg[i-1] >= 'A' && msg[i-1] <= 'Z') {
			b.WriteString(msg[:i+len(from)])
		} else {
			b.WriteString(msg[:i] + to)
		}
		msg = msg[i+len(from):]
	}
}

// parentOf returns the path and node of the mapping that holds the field at path.
func parentOf(root *yaml.Node, path string) (string, *yaml.Node) {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return "", root
	}
	if path[i] == '[' {
		// A template that is itself a list item or map value has no sibling fields.
		return path[:i], nil
	}
	p := path[:i]
	return p, manifest.Lookup(root, p)
}

func mapNode(at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
}

func scalarNode(v string, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: at.Line, Column: at.Column}
}

func addPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, scalarNode(key, v), v)
}

// checkCustom checks the pod templates of a custom resource, each as its
// built-in stand-in, and reports the findings at the custom resource's paths.
func (e *Engine) checkCustom(file string, doc *manifest.Document, root *yaml.Node, it manifest.Item, ck *CustomKind, decoder *manifest.Decoder,
	out *docResult, ref ObjectRef, objPos Position, add func(Finding)) {
	out.summary.Objects++
	out.objects = append(out.objects, CheckedObject{Object: ref, Document: doc.Index, Position: objPos})
	seen := map[string]bool{}
	var templates []*Object
	if out.keep {
		// CheckObject returns the custom resource as one object, its templates' stand-ins inside.
		defer func() {
			cr := &Object{Ref: ref, Custom: &ref, Templates: templates, Live: true, Position: objPos, node: it.Node}
			if len(templates) > 0 {
				cr.Meta, cr.PodMeta, cr.PodSpec, cr.PodSpecPath = templates[0].Meta, templates[0].PodMeta, templates[0].PodSpec, templates[0].PodSpecPath
			}
			out.checked = append(out.checked, cr)
		}()
	}
	for _, s := range standIns(ck, it.Node) {
		s := s
		specFrom := field.NewPath(s.kind.SpecPath[0], s.kind.SpecPath[1:]...).String()
		specTo := s.realPath(specFrom)
		report := func(f Finding) {
			f.Field = joinPath(it.Path, s.realPath(f.Field))
			if specFrom != specTo {
				f.Message = replacePath(f.Message, specFrom, specTo)
			}
			// Each template is checked with the custom resource's metadata; a
			// finding about that metadata is reported once.
			key := f.Rule + "\x00" + f.Field + "\x00" + f.Message
			if seen[key] {
				return
			}
			seen[key] = true
			add(f)
		}
		dec, err := decoder.Decode(manifest.Item{Node: s.node, APIVersion: s.kind.APIVersion, Kind: s.kind.Name, Name: it.Name, Namespace: it.Namespace}, s.kind)
		if err != nil {
			out.internal = append(out.internal, fmt.Errorf("%s: document %d: %w", file, doc.Index, err))
			return
		}
		var dropped []string
		for _, p := range dec.Problems {
			if p.Kind == manifest.InvalidType {
				dropped = append(dropped, p.Path)
			}
			report(problemFinding(p, file, doc))
		}
		if dec.Object == nil {
			continue
		}
		meta, podMeta, spec := s.kind.Parts(dec.Object)
		standRef := ObjectRef{APIVersion: s.kind.APIVersion, Kind: s.kind.Name, Namespace: it.Namespace, Name: it.Name}
		obj := &Object{Ref: standRef, Meta: meta, PodMeta: podMeta, PodSpec: spec, Typed: dec.Object, node: s.node, Live: out.keep, Position: objPos}
		obj.PodSpecPath = obj.Path(s.kind.SpecPath[0], s.kind.SpecPath[1:]...)
		obj.Custom = &ref
		templates = append(templates, obj)
		if len(e.setRules) > 0 {
			out.set = append(out.set, &SetObject{Ref: ref, Workload: obj, realPath: s.realPath, prefix: it.Path, node: it.Node, document: doc.Index,
				root: itemRoot(it.Path), locate: func(p string) Position {
					line, col, _ := manifest.Locate(root, p)
					return Position{File: file, Line: doc.StartLine + line - 1, Column: col}
				}})
		}
		if spec == nil {
			continue
		}
		check := report
		if len(dropped) > 0 {
			check = func(f Finding) {
				if !underAny(f.Field, dropped) {
					report(f)
				}
			}
		}
		for _, r := range e.rules {
			e.runRule(r, obj, check, out)
		}
	}
}
