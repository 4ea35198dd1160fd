// Package lint is podlint's rule engine: it loads Kubernetes manifests, runs rules on
// every object that carries a pod template, and returns findings with positions.
// It has no command-line, HTTP or process concerns, so it can be used as a library.
package lint

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Severity is how much a finding matters; higher values are more severe.
type Severity int

// Severities, from least to most severe. SeverityNone is only a --fail-on threshold.
const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
	SeverityNone Severity = 100
)

// String returns the lower-case name used in every output format.
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	case SeverityNone:
		return "none"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText makes severities appear by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity parses error, warning, info or none.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return SeverityError, nil
	case "warning":
		return SeverityWarning, nil
	case "info":
		return SeverityInfo, nil
	case "none":
		return SeverityNone, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or none)", s)
}

// Category says why a rule exists.
type Category string

// Categories of rules.
const (
	// CategoryAPI: the Kubernetes API server rejects the object.
	CategoryAPI Category = "api"
	// CategoryLifecycle: the API server accepts the object but the Pod misbehaves at run time.
	CategoryLifecycle Category = "lifecycle"
	// CategoryPractice: accepted and works, but against good practice.
	CategoryPractice Category = "practice"
	// CategoryInput: the input could not be read as Kubernetes objects at all.
	CategoryInput Category = "input"
)

// ObjectRef identifies the Kubernetes object a finding is about.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// String renders the object as kind/namespace/name for messages.
func (o ObjectRef) String() string {
	if o.Namespace != "" {
		return o.Kind + "/" + o.Namespace + "/" + o.Name
	}
	return o.Kind + "/" + o.Name
}

// Position is a place in an input file; Line and Column are 1-based, zero when unknown.
type Position struct {
	File   string
	Line   int
	Column int
}

// Finding is one problem found in one object.
type Finding struct {
	Rule     string
	Category Category
	Severity Severity
	// Field is the full field path in the object as the API server reports it,
	// e.g. spec.template.spec.initContainers[0].lifecycle.
	Field string
	// Type is the Kubernetes field error type for api findings, empty otherwise.
	Type     field.ErrorType
	BadValue any
	Message  string
	Hint     string
	Object   ObjectRef
	// Document is the 1-based index of the document within its file.
	Document int
	Position Position
	// Source is the text of the line at Position, kept so that printers can show
	// it (--show-source) without re-reading files or stdin; empty when unknown.
	Source string
	// Fix, when set, is a machine-applicable correction of the finding (podlint fix,
	// SARIF fixes, editor quick fixes); nil when the rule offers none.
	Fix *Fix

	// plan is the fix as the rule expressed it, until the engine resolves it into Fix.
	plan *FixPlan

	// locate, when set, is the path the finding is positioned at instead of Field.
	locate string

	// psa marks a Pod Security candidate until Run resolves its namespace's levels.
	psa *psaTag
}

// Fix is an unambiguous correction of one finding: text edits that keep every other
// byte of the file as it was.
type Fix struct {
	Description string `json:"description"`
	Edits       []Edit `json:"edits"`
}

// Edit replaces the bytes of File from Start.Offset up to (not including) End.Offset
// with Text; Start equal to End inserts.
type Edit struct {
	File  string   `json:"file"`
	Start TextSpot `json:"start"`
	End   TextSpot `json:"end"`
	Text  string   `json:"text"`
}

// TextSpot is a place in a file: a 1-based line and column (counted as Position
// counts them) for people, and the 0-based byte offset that edits are applied at.
type TextSpot struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// TypeString returns the field error type the way Kubernetes names it
// ("Duplicate value" becomes "Duplicate"), or "" when the finding has none.
func (f *Finding) TypeString() string { return ErrorTypeName(f.Type) }

// ErrorTypeName maps a field.ErrorType to its short Go constant name.
func ErrorTypeName(t field.ErrorType) string {
	switch t {
	case "":
		return ""
	case field.ErrorTypeNotFound:
		return "NotFound"
	case field.ErrorTypeRequired:
		return "Required"
	case field.ErrorTypeDuplicate:
		return "Duplicate"
	case field.ErrorTypeInvalid:
		return "Invalid"
	case field.ErrorTypeNotSupported:
		return "NotSupported"
	case field.ErrorTypeForbidden:
		return "Forbidden"
	case field.ErrorTypeTooLong:
		return "TooLong"
	case field.ErrorTypeTooMany:
		return "TooMany"
	case field.ErrorTypeInternal:
		return "Internal"
	case field.ErrorTypeTypeInvalid:
		return "TypeInvalid"
	}
	return string(t)
}
