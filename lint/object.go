package lint

import (
	"context"
	"errors"
	"fmt"

	"github.com/podlint/podlint/lint/manifest"
)

// ObjectResult is the outcome of checking one object with CheckObject.
type ObjectResult struct {
	// Object is what the rules ran on; nil when the document is not one object of
	// a kind podlint checks (then Findings says why, or Skipped is true).
	Object *Object
	// Findings carry field paths only: their Position is zero, as there is no file.
	Findings []Finding
	// Skipped is true when the object is of a kind podlint does not check.
	Skipped bool
	// Suppressed lists the findings hidden by the podlint.io/ignore annotation.
	Suppressed []SuppressedFinding
}

// CheckObject checks one object given as a JSON (or YAML) document, such as the
// object of an admission request, exactly as Run checks a document of a file:
// the same decoding, rules, configuration and annotation suppressions, so the
// findings have the IDs, paths and messages of `podlint check`. The error joins
// podlint's own failures (a rule that panicked); findings found before still count.
func (e *Engine) CheckObject(ctx context.Context, raw []byte) (*ObjectResult, error) {
	return e.CheckObjectIn(ctx, raw, nil)
}

// CheckObjectIn is CheckObject for an object whose namespace carries nsLabels in
// the cluster (nil when unknown): its pod-security.kubernetes.io labels then
// decide the Pod Security levels, over PodSecurityOptions.Default, as they do
// for the admission controller.
func (e *Engine) CheckObjectIn(ctx context.Context, raw []byte, nsLabels map[string]string) (*ObjectResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(raw) > e.opts.MaxDocumentBytes {
		return nil, fmt.Errorf("object is larger than %d bytes", e.opts.MaxDocumentBytes)
	}
	out := docResult{keep: true, live: true}
	e.checkDocumentInto("", &manifest.Document{Index: 1, Data: raw, StartLine: 1}, &out)
	res := &ObjectResult{Skipped: out.summary.Skipped > 0, Suppressed: out.suppressed}
	if len(out.checked) > 1 {
		return nil, errors.New("CheckObject takes one object, not a List")
	}
	if len(out.checked) == 1 {
		res.Object = out.checked[0]
	}
	var labels map[string]map[string]string
	if len(out.checked) == 1 && nsLabels != nil {
		labels = map[string]map[string]string{out.checked[0].Ref.Namespace: nsLabels}
	}
	out.findings = e.resolvePodSecurity(out.findings, labels)
	out.suppressed = e.resolveSuppressed(out.suppressed, labels)
	res.Suppressed = out.suppressed
	for _, f := range out.findings {
		f.Position, f.Source, f.Document = Position{}, "", 0
		res.Findings = append(res.Findings, f)
	}
	for i := range res.Suppressed {
		res.Suppressed[i].Position, res.Suppressed[i].Source, res.Suppressed[i].Document = Position{}, "", 0
	}
	return res, errors.Join(out.internal...)
}

// IsCreateOnly reports whether the engine's rule id is CreateOnly (see Rule):
// its findings do not apply to the update of an existing Pod.
func (e *Engine) IsCreateOnly(id string) bool {
	for _, r := range e.rules {
		if r.ID == id {
			return r.CreateOnly
		}
	}
	return false
}

// Controlled reports whether the object is a Pod managed by a controller (an
// ownerReference with controller: true). Its owner's template is what podlint
// judges, in the webhook and in an audit alike: repeating each finding on every
// Pod a workload creates would only multiply them.
func (o *Object) Controlled() bool {
	if !o.IsPod() || o.Meta == nil {
		return false
	}
	for _, ref := range o.Meta.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return true
		}
	}
	return false
}

// LiveFindings drops findings about an object's encoding from the findings of an
// object the API server has decoded and validated already (an admission request,
// an object listed from a cluster): a newer API server's fields that this podlint
// does not know would otherwise show up as unknown fields.
func LiveFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		switch {
		case f.Category == CategoryInput:
		case f.Rule == RuleUnknownField.ID, f.Rule == RuleDuplicateField.ID, f.Rule == RuleDuplicateKey.ID, f.Rule == RuleInvalidType.ID:
		default:
			out = append(out, f)
		}
	}
	return out
}
