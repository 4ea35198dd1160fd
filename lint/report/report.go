// Package report prints a lint.Result in each output format: one printer per format.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/podlint/podlint/lint"
)

// Printer writes a result in one format.
type Printer interface {
	Print(w io.Writer, res *lint.Result) error
}

// Formats lists the supported format names.
func Formats() []string { return []string{"text", "json", "sarif", "junit", "github"} }

// TextOptions tune the text format.
type TextOptions struct {
	// Verbose also lists skipped objects.
	Verbose bool
	// NoSummary drops the closing summary line (--quiet).
	NoSummary bool
	// Color marks severities, positions and carets with ANSI colours.
	Color bool
	// ShowSource prints the offending source line with a caret under the column.
	ShowSource bool
}

// Options configure every printer.
type Options struct {
	Text TextOptions
	// Rules is the rule metadata SARIF describes in tool.driver.rules.
	Rules []*lint.Rule
	// Version is podlint's version, for SARIF.
	Version string
}

// New returns the printer for a format name.
func New(format string, text TextOptions) (Printer, error) {
	return NewWith(format, Options{Text: text})
}

// NewWith returns the printer for a format name with all options.
func NewWith(format string, o Options) (Printer, error) {
	switch format {
	case "text", "":
		return &Text{Options: o.Text}, nil
	case "json":
		return JSON{}, nil
	case "sarif":
		return &SARIF{Rules: o.Rules, Version: o.Version}, nil
	case "junit":
		return JUnit{}, nil
	case "github":
		return &GitHub{NoSummary: o.Text.NoSummary}, nil
	}
	return nil, fmt.Errorf("unknown format %q (supported: %s)", format, strings.Join(Formats(), ", "))
}

// JSONVersion is the version of the JSON shape; bump it only when the shape changes incompatibly.
const JSONVersion = 1

// JSON prints the stable machine-readable shape other tools read.
type JSON struct{}

type jsonFinding struct {
	Rule     string         `json:"rule"`
	Category lint.Category  `json:"category"`
	Severity lint.Severity  `json:"severity"`
	File     string         `json:"file"`
	Line     int            `json:"line"`
	Column   int            `json:"column"`
	Document int            `json:"document"`
	Object   lint.ObjectRef `json:"object"`
	Field    string         `json:"field"`
	Type     string         `json:"type"`
	Value    any            `json:"value,omitempty"`
	Message  string         `json:"message"`
	Hint     string         `json:"hint"`
	// Fix is the finding's machine-applicable correction, absent when it has none.
	Fix *lint.Fix `json:"fix,omitempty"`
}

type jsonSkip struct {
	File     string         `json:"file"`
	Line     int            `json:"line"`
	Document int            `json:"document"`
	Object   lint.ObjectRef `json:"object"`
	Reason   string         `json:"reason,omitempty"`
}

type jsonReport struct {
	Version  int           `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Skipped  []jsonSkip    `json:"skipped"`
	Summary  lint.Summary  `json:"summary"`
}

// Print writes the result as one JSON document.
func (JSON) Print(w io.Writer, res *lint.Result) error {
	out := jsonReport{Version: JSONVersion, Findings: make([]jsonFinding, 0, len(res.Findings)), Skipped: make([]jsonSkip, 0, len(res.Skipped)), Summary: res.Summary}
	for i := range res.Findings {
		f := &res.Findings[i]
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule, Category: f.Category, Severity: f.Severity,
			File: f.Position.File, Line: f.Position.Line, Column: f.Position.Column,
			Document: f.Document, Object: f.Object, Field: f.Field, Type: f.TypeString(),
			Value: f.BadValue, Message: f.Message, Hint: f.Hint, Fix: f.Fix,
		})
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, jsonSkip{File: s.Position.File, Line: s.Position.Line, Document: s.Document, Object: s.Object, Reason: s.Reason})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// Text prints one line per finding in the shape editors and problem matchers parse:
// file:line:col: severity: field: message (rule-id), followed by an indented hint.
type Text struct {
	Options TextOptions
}

// Print writes the findings, then a summary line.
func (t *Text) Print(w io.Writer, res *lint.Result) error {
	var b strings.Builder
	c := palette(t.Options.Color)
	for i := range res.Findings {
		f := &res.Findings[i]
		b.WriteString(c.paint(ansiBold, findingLocation(f)))
		b.WriteString(c.paint(severityColor(f.Severity), f.Severity.String()+":"))
		b.WriteString(" ")
		if f.Field != "" {
			b.WriteString(f.Field)
			b.WriteString(": ")
		}
		b.WriteString(f.Message)
		b.WriteString(" ")
		b.WriteString(c.paint(ansiDim, "("+f.Rule+")"))
		b.WriteString("\n")
		if t.Options.ShowSource {
			writeSource(&b, c, f)
		}
		if f.Hint != "" {
			b.WriteString("    ")
			b.WriteString(c.paint(ansiCyan, "hint:"))
			b.WriteString(" ")
			b.WriteString(f.Hint)
			b.WriteString("\n")
		}
	}
	for _, s := range res.Skipped {
		switch {
		case s.Reason != "":
			// Files a directory walk could not read are always named: never silent.
			fmt.Fprintf(&b, "%sinfo: skipped: %s\n", location(s.Position), s.Reason)
		case t.Options.Verbose:
			fmt.Fprintf(&b, "%sinfo: skipped %s %s: podlint checks only %s\n", location(s.Position), s.Object.APIVersion, s.Object.String(), strings.Join(kindsChecked, ", "))
		}
	}
	if !t.Options.NoSummary {
		b.WriteString(Summary(res))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var kindsChecked = []string{"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"}

// findingLocation is where a finding is: its file position, or, for an object
// read from a cluster or an admission request (no file), the object itself.
func findingLocation(f *lint.Finding) string {
	if f.Position.File == "" && f.Object.Kind != "" {
		return f.Object.String() + ": "
	}
	return location(f.Position)
}

func location(p lint.Position) string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File + ": "
	case p.Column == 0:
		return fmt.Sprintf("%s:%d:1: ", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d: ", p.File, p.Line, p.Column)
}

// Summary renders the one-line summary of a result.
func Summary(res *lint.Result) string {
	s := res.Summary
	parts := []string{
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Infos, "info"),
	}
	extra := []string{plural(s.Files, "file"), plural(s.Objects, "object") + " checked"}
	if s.Files == 0 && s.Objects > 0 {
		extra = extra[1:] // objects listed from a cluster, not read from files
	}
	if s.Skipped > 0 {
		extra = append(extra, fmt.Sprintf("%d skipped (%s)", s.Skipped, skippedWhat(res)))
	}
	if s.Unreadable > 0 {
		extra = append(extra, fmt.Sprintf("%d unreadable", s.Unreadable))
	}
	if s.Empty > 0 {
		extra = append(extra, plural(s.Empty, "empty document"))
	}
	if s.Suppressed > 0 {
		extra = append(extra, fmt.Sprintf("%d suppressed", s.Suppressed))
	}
	return strings.Join(parts, ", ") + " (" + strings.Join(extra, ", ") + ")"
}

// skippedWhat says what the skipped entries were: other kinds (named when
// few), and files a directory walk did not read.
func skippedWhat(res *lint.Result) string {
	seen := map[string]bool{}
	objects, files := 0, 0
	for _, s := range res.Skipped {
		if s.Reason != "" {
			files++
			continue
		}
		objects++
		seen[s.Object.Kind] = true
	}
	var parts []string
	if objects > 0 || files == 0 {
		what := "other kinds"
		if len(seen) > 0 && len(seen) <= 5 {
			var kinds []string
			for k := range seen {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			what += ": " + strings.Join(kinds, ", ")
		}
		parts = append(parts, what)
	}
	if files > 0 {
		parts = append(parts, plural(files, "file")+" not read")
	}
	return strings.Join(parts, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
