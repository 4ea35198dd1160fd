package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	openapierrors "k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"

	"github.com/podlint/podlint/lint/manifest"
)

// RuleCustomResourceSchema reports a custom resource that its CRD's OpenAPI
// schema refuses for a reason other than an unknown field or a wrong type.
var RuleCustomResourceSchema = &Rule{
	ID: "custom-resource-schema", Category: CategoryAPI, Severity: SeverityError,
	Title: "Custom resource does not satisfy its CRD's schema",
	Doc: "When the CustomResourceDefinition of a custom resource is among the inputs (or given with --crd), podlint validates the object " +
		"with the version's openAPIV3Schema as the API server does on create: required fields, enums, numeric and string bounds, patterns " +
		"and formats. Unknown fields (which the API server prunes, or refuses with fieldValidation=Strict, kubectl's default) are reported " +
		"as unknown-field and values of the wrong type as invalid-type. CEL rules (x-kubernetes-validations) are not evaluated.",
	Remediation: "Give the field a value the CRD's schema allows.",
}

// CRD is one CustomResourceDefinition's schemas, by version.
type CRD struct {
	Group, Kind string
	// Versions maps each version name to its schema (nil when it has none) and
	// whether it is served.
	Versions map[string]*CRDVersion
	// Source is where the CRD was read (file:line).
	Source string
}

// CRDVersion is one version of a CRD.
type CRDVersion struct {
	Served bool
	Schema *spec.Schema
}

// ParseCRD reads an apiextensions.k8s.io/v1 CustomResourceDefinition from its node.
func ParseCRD(n *yaml.Node) (*CRD, error) {
	v, err := manifest.Value(n)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Served bool   `json:"served"`
				Schema *struct {
					OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("not a CustomResourceDefinition: %w", err)
	}
	if doc.Spec.Group == "" || doc.Spec.Names.Kind == "" {
		return nil, fmt.Errorf("CustomResourceDefinition has no spec.group or spec.names.kind")
	}
	crd := &CRD{Group: doc.Spec.Group, Kind: doc.Spec.Names.Kind, Versions: map[string]*CRDVersion{}}
	for _, ver := range doc.Spec.Versions {
		cv := &CRDVersion{Served: ver.Served}
		if ver.Schema != nil && len(ver.Schema.OpenAPIV3Schema) > 0 {
			s := &spec.Schema{}
			if err := json.Unmarshal(ver.Schema.OpenAPIV3Schema, s); err != nil {
				return nil, fmt.Errorf("version %s: openAPIV3Schema: %w", ver.Name, err)
			}
			cv.Schema = s
		}
		crd.Versions[ver.Name] = cv
	}
	return crd, nil
}

// IsCRD reports whether an object is a CustomResourceDefinition.
func IsCRD(apiVersion, kind string) bool {
	return kind == "CustomResourceDefinition" && apiVersion == "apiextensions.k8s.io/v1"
}

// schemaProblem is one way an object fails its schema.
type schemaProblem struct {
	rule    *Rule
	path    string
	message string
}

// validateSchema validates obj (the object as written) against s as the API
// server's structural schema would: unknown fields first, then the OpenAPI
// validation of types, required fields, enums and bounds.
func validateSchema(s *spec.Schema, obj map[string]any) []schemaProblem {
	var out []schemaProblem
	unknownFields(s, obj, "", true, &out)
	res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj)
	for _, e := range res.Errors {
		p := schemaProblem{rule: RuleCustomResourceSchema, message: e.Error()}
		if ve, ok := e.(*openapierrors.Validation); ok {
			p.path = openAPIPath(ve.Name)
			if rest, ok := strings.CutPrefix(p.message, ve.Name+" in body "); ok {
				p.message = "the value " + rest + ", says the CRD's schema"
			}
			if ve.Code() == openapierrors.InvalidTypeCode {
				p.rule = RuleInvalidType
			}
			if ve.Code() == openapierrors.RequiredFailCode && p.path != "" {
				// Required names the missing field: report it at its parent's place.
				p.message = fmt.Sprintf("%s is required by the CRD's schema", p.path)
			}
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// openAPIPath turns the validator's "spec.items.0.name" into "spec.items[0].name".
func openAPIPath(name string) string {
	parts := strings.Split(name, ".")
	var b strings.Builder
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil && i > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// unknownFields reports the fields of v that s does not declare, as the API
// server's pruning would drop them (and fieldValidation=Strict refuses).
func unknownFields(s *spec.Schema, v any, path string, root bool, out *[]schemaProblem) {
	if s == nil || preservesUnknown(s) {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		embedded := root || extensionTrue(s, "x-kubernetes-embedded-resource")
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := joinPath(path, k)
			if embedded && (k == "apiVersion" || k == "kind" || k == "metadata") {
				continue // the API server validates these itself
			}
			if ps, ok := s.Properties[k]; ok {
				unknownFields(&ps, v[k], child, false, out)
				continue
			}
			if s.AdditionalProperties != nil {
				if s.AdditionalProperties.Schema != nil {
					unknownFields(s.AdditionalProperties.Schema, v[k], path+"["+k+"]", false, out)
				}
				continue
			}
			if len(s.Properties) == 0 && !s.Type.Contains("object") {
				continue // not an object schema: a type error if anything
			}
			*out = append(*out, schemaProblem{rule: RuleUnknownField, path: child,
				message: fmt.Sprintf("unknown field %q: the CRD's schema does not declare it, so the API server drops it (or refuses the object with fieldValidation=Strict)", k)})
		}
	case []any:
		if s.Items == nil || s.Items.Schema == nil {
			return
		}
		for i, item := range v {
			unknownFields(s.Items.Schema, item, fmt.Sprintf("%s[%d]", path, i), false, out)
		}
	}
}

func preservesUnknown(s *spec.Schema) bool {
	return extensionTrue(s, "x-kubernetes-preserve-unknown-fields")
}

func extensionTrue(s *spec.Schema, name string) bool {
	v, ok := s.Extensions[name]
	b, _ := v.(bool)
	return ok && b
}

// pendingCR is a custom resource kept until the end of a run, when every CRD of
// the inputs is known.
type pendingCR struct {
	ref      ObjectRef
	node     *yaml.Node
	prefix   string
	document int
	locate   func(path string) Position
}

// runSchemas validates the custom resources of a run against the CRDs given
// (Options.CRDs) and those in the inputs.
func (e *Engine) runSchemas(inputCRDs []*CRD, crs []*pendingCR, res *Result) {
	byKind := map[string]*CRD{}
	for _, c := range append(append([]*CRD{}, e.opts.CRDs...), inputCRDs...) {
		byKind[c.Group+"/"+c.Kind] = c
	}
	if len(byKind) == 0 {
		return
	}
	// A field reported by the template checks already is not reported twice.
	seen := map[string]bool{}
	key := func(file string, doc int, rule, field string) string {
		return file + "\x00" + strconv.Itoa(doc) + "\x00" + rule + "\x00" + field
	}
	for _, f := range res.Findings {
		seen[key(f.Position.File, f.Document, f.Rule, f.Field)] = true
	}
	for _, cr := range crs {
		group, version, _ := strings.Cut(cr.ref.APIVersion, "/")
		crd := byKind[group+"/"+cr.ref.Kind]
		if crd == nil {
			continue
		}
		report := func(rule *Rule, path, msg, hint string) {
			f := Finding{Rule: rule.ID, Category: rule.Category, Severity: rule.Severity, Field: joinPath(cr.prefix, path),
				Message: msg, Hint: hint, Object: cr.ref, Document: cr.document}
			if f.Hint == "" {
				f.Hint = rule.Remediation
			}
			if e.opts.Disabled[f.Rule] {
				return
			}
			if s, ok := e.opts.Severity[f.Rule]; ok {
				f.Severity = s
			}
			f.Position = cr.locate(f.Field)
			if k := key(f.Position.File, f.Document, f.Rule, f.Field); !seen[k] {
				seen[k] = true
				res.Findings = append(res.Findings, f)
			}
		}
		counted(res, cr)
		ver := crd.Versions[version]
		if ver == nil || !ver.Served {
			var served []string
			for name, v := range crd.Versions {
				if v.Served {
					served = append(served, name)
				}
			}
			sort.Strings(served)
			hint := ""
			if len(served) > 0 {
				hint = fmt.Sprintf("Set apiVersion: %s/%s.", group, served[len(served)-1])
			}
			report(RuleAPIVersion, "apiVersion", fmt.Sprintf("%s is not served under %s: its CustomResourceDefinition serves %s", cr.ref.Kind, cr.ref.APIVersion, strings.Join(served, ", ")), hint)
			continue
		}
		if ver.Schema == nil {
			continue
		}
		v, err := manifest.Value(cr.node)
		if err != nil {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for _, p := range validateSchema(ver.Schema, obj) {
			report(p.rule, p.path, p.message, "")
		}
	}
}

// counted moves a custom resource validated by its schema from the skipped
// objects of a run to the checked ones.
func counted(res *Result, cr *pendingCR) {
	pos := cr.locate(cr.prefix)
	for i, s := range res.Skipped {
		if s.Object == cr.ref && s.Document == cr.document && s.Position == pos {
			res.Skipped = append(res.Skipped[:i], res.Skipped[i+1:]...)
			res.Summary.Skipped--
			res.Summary.Objects++
			res.Objects = append(res.Objects, CheckedObject{Object: cr.ref, Document: cr.document, Position: pos})
			return
		}
	}
}

// collectSchemaInputs keeps the CRDs and custom resources of a document for
// runSchemas. A CRD that cannot be read is reported where it is.
func (e *Engine) collectSchemaInputs(file string, doc *manifest.Document, root *yaml.Node, it manifest.Item, ref ObjectRef,
	at func(string) Position, add func(Finding), out *docResult) {
	switch {
	case IsCRD(it.APIVersion, it.Kind):
		crd, err := ParseCRD(it.Node)
		if err != nil {
			add(Finding{Rule: RuleCustomResourceSchema.ID, Category: RuleCustomResourceSchema.Category, Severity: RuleCustomResourceSchema.Severity,
				Field: joinPath(it.Path, "spec"), Message: "cannot read this CustomResourceDefinition's schemas: " + err.Error(), Hint: RuleCustomResourceSchema.Remediation})
			return
		}
		out.crds = append(out.crds, crd)
	case !manifest.IsKubernetesGroup(it.APIVersion):
		out.crs = append(out.crs, &pendingCR{ref: ref, node: it.Node, prefix: it.Path, document: doc.Index, locate: at})
	}
}

// LoadCRDs reads the CustomResourceDefinitions in files and directories (as
// check reads manifests); other objects in them are ignored. A file that cannot
// be read, or a CRD whose schema cannot be, is an error naming it.
func LoadCRDs(paths []string) ([]*CRD, error) {
	var out []*CRD
	for _, src := range Sources(paths, nil) {
		if src.Skip != "" {
			continue
		}
		if src.Err != nil {
			return nil, fmt.Errorf("%s: %s", src.Name, describeFSError(src.Err))
		}
		rc, err := src.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s", src.Name, describeFSError(err))
		}
		sp := manifest.NewSplitter(&limitReader{r: rc, n: DefaultMaxFileBytes}, DefaultMaxDocumentBytes)
		for {
			doc, err := sp.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return nil, fmt.Errorf("%s:%d: %v", src.Name, sp.ErrorLine(), err)
			}
			if manifest.IsEmpty(doc.Data) {
				continue
			}
			root, err := manifest.Parse(doc)
			if err != nil {
				rc.Close()
				return nil, fmt.Errorf("%s: document %d: %v", src.Name, doc.Index, err)
			}
			items, _ := manifest.Items(root)
			for _, it := range items {
				if !IsCRD(it.APIVersion, it.Kind) {
					continue
				}
				crd, err := ParseCRD(it.Node)
				if err != nil {
					rc.Close()
					return nil, fmt.Errorf("%s:%d: %v", src.Name, doc.StartLine+it.Node.Line-1, err)
				}
				crd.Source = fmt.Sprintf("%s:%d", src.Name, doc.StartLine+it.Node.Line-1)
				out = append(out, crd)
			}
		}
		rc.Close()
	}
	return out, nil
}
