package lint

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// MaxFixesPerDocument bounds the fixes resolved for one document in one check.
const MaxFixesPerDocument = 100

// FixPlan is a fix as a rule expresses it: what to change, named by field paths.
// Rules never compute positions; the engine turns the plan into byte edits of the
// document as written, verifies that the edited document parses and differs from
// the original by exactly these changes, and attaches the result as Finding.Fix.
// A plan that cannot be made as a minimal edit (a flow-style mapping, an anchor,
// a key on a list dash's line) yields no fix; the finding's hint still applies.
type FixPlan struct {
	// Description says what the fix does, imperative, without a final period.
	Description string
	Changes     []FixChange
}

// FixChange is one structural change of a FixPlan; build it with SetValue,
// RenameField, DeleteField, MoveField or InsertField.
type FixChange struct{ op manifest.Op }

// SetValue replaces the scalar at path with value (a string, int, int64 or bool),
// keeping its quoting style.
func SetValue(path *field.Path, value any) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpSetValue, Path: path.String(), Value: value}}
}

// QuoteValue quotes the plain scalar at path, so it stays the string it is written as.
func QuoteValue(path *field.Path) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpQuote, Path: path.String()}}
}

// RenameField renames the key at path to name, in place.
func RenameField(path *field.Path, name string) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpRenameKey, Path: path.String(), Name: name}}
}

// DeleteField removes the key at path with its whole value.
func DeleteField(path *field.Path) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpDeleteKey, Path: path.String()}}
}

// MoveField moves the key at path, with its value and the comments inside it,
// to the end of the mapping at parent, re-indented.
func MoveField(path, parent *field.Path) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpMoveKey, Path: path.String(), Parent: parent.String()}}
}

// InsertField adds name: value at the end of the mapping at parent.
func InsertField(parent *field.Path, name string, value any) FixChange {
	return FixChange{manifest.Op{Kind: manifest.OpInsertKey, Path: parent.String(), Name: name, Value: value}}
}

// SetOrInsert sets the scalar at parent.name when the object has the field, and
// inserts it otherwise; has says which.
func SetOrInsert(parent *field.Path, name string, has bool, value any) FixChange {
	if has {
		return SetValue(parent.Child(name), value)
	}
	return InsertField(parent, name, value)
}

// ReportFix records a finding like Report, with a fix the engine will try to make.
func (p *Pass) ReportFix(path *field.Path, typ field.ErrorType, bad any, message, hint string, fix FixPlan) {
	f := p.rule.finding(p.Object.Ref, path, typ, bad, message, hint)
	f.plan = &fix
	p.report(f)
}

// WithFixPlan returns f carrying plan, for ReportFinding.
func (f Finding) WithFixPlan(plan FixPlan) Finding {
	f.plan = &plan
	return f
}

func planOf(description string, ops []manifest.Op) *FixPlan {
	if len(ops) == 0 {
		return nil
	}
	p := &FixPlan{Description: description}
	for _, op := range ops {
		p.Changes = append(p.Changes, FixChange{op})
	}
	return p
}

// resolveFix turns a plan into a Fix of file: edits of doc.Data shifted to the
// stream's offsets and lines. It returns nil when the plan cannot be made as a
// minimal, verified edit.
func resolveFix(file string, doc *manifest.Document, root *yaml.Node, plan *FixPlan) *Fix {
	if plan == nil || root == nil || len(plan.Changes) == 0 {
		return nil
	}
	ops := make([]manifest.Op, len(plan.Changes))
	for i, c := range plan.Changes {
		ops[i] = c.op
	}
	edits, err := manifest.PlanEdits(doc.Data, root, ops)
	if err != nil {
		return nil
	}
	fix := &Fix{Description: plan.Description}
	for _, e := range edits {
		fix.Edits = append(fix.Edits, Edit{
			File:  file,
			Start: spot(doc, e.Start),
			End:   spot(doc, e.End),
			Text:  e.Text,
		})
	}
	return fix
}

// spot places an offset of doc.Data in its stream.
func spot(doc *manifest.Document, off int) TextSpot {
	line, col := manifest.TextPosition(doc.Data, off)
	return TextSpot{Line: doc.StartLine + line - 1, Column: col, Offset: doc.StartOffset + off}
}

// String renders an edit for messages: file:line:col-line:col.
func (e Edit) String() string {
	return fmt.Sprintf("%s:%d:%d-%d:%d", e.File, e.Start.Line, e.Start.Column, e.End.Line, e.End.Column)
}
