package lsp

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

// A document is a Kubernetes manifest when one of its documents has a
// top-level apiVersion or kind, in YAML or JSON.
var manifestKey = regexp.MustCompile(`(?m)^(apiVersion|kind)\s*:|"(apiVersion|kind)"\s*:`)

// isManifest tells Kubernetes manifests from the other YAML and JSON an
// editor opens: Helm templates (which are not YAML until rendered), CI
// configurations, package files. Those get no diagnostics at all.
// Kustomizations are manifests by this test; the engine skips their kind.
func isManifest(t string) bool {
	if strings.Contains(t, "{{") {
		return false
	}
	return manifestKey.MatchString(t)
}

// analyze checks one version of a document as `podlint check` checks the
// file: the configuration found for it, the same engine, the same findings.
func (s *Server) analyze(ctx context.Context, path string, version int, t *text) *analysis {
	a := &analysis{version: version, text: t}
	if !isManifest(t.s) {
		return a
	}
	s.mu.Lock()
	st := s.settingsFor(ctx, filepath.Dir(path))
	s.mu.Unlock()
	if st.err != nil {
		a.diags = []Diagnostic{{
			Range: Range{End: Position{Character: utf16Len(t.line(0))}}, Severity: SeverityError,
			Code: "configuration", Source: "podlint", Message: st.err.Error(),
		}}
		return a
	}
	if st.cfg.Excluded(path) {
		return a
	}
	res := st.engine.Run(ctx, []lint.Source{{Name: path, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(t.s)), nil
	}}})
	s.reportInternal(res.Internal)
	a.findings = res.Findings
	a.diags = make([]Diagnostic, 0, len(res.Findings))
	for i := range res.Findings {
		a.diags = append(a.diags, s.diagnostic(t, &res.Findings[i]))
	}
	return a
}

// reportInternal logs podlint's own failures (a rule that panicked) and
// shows each once: the same panic on every keystroke would drown the user.
func (s *Server) reportInternal(errs []error) {
	for _, err := range errs {
		msg := err.Error()
		first, _, _ := strings.Cut(msg, "\n")
		s.mu.Lock()
		seen := s.reported[first]
		s.reported[first] = true
		s.mu.Unlock()
		if seen {
			continue
		}
		s.logf(MessageError, "podlint: internal error: %s", msg)
		if s.conn != nil {
			_ = s.conn.Notify(context.Background(), "window/showMessage", LogMessageParams{Type: MessageError,
				Message: "podlint: internal error (reported once; details in the log): " + first})
		}
	}
}

// findingRange is where a finding is shown: from its column to the end of
// the line's content; a finding without a line covers the first line.
func findingRange(t *text, f *lint.Finding) Range {
	start := t.runePosition(f.Position.Line, f.Position.Column)
	line := t.line(start.Line)
	end := Position{Line: start.Line, Character: utf16Len(strings.TrimRight(line, " \t"))}
	if f.Position.Line <= 0 {
		end.Character = utf16Len(line)
	}
	if end.Character < start.Character {
		end.Character = start.Character
	}
	return Range{Start: start, End: end}
}

func severity(s lint.Severity) int {
	switch s {
	case lint.SeverityError:
		return SeverityError
	case lint.SeverityWarning:
		return SeverityWarning
	}
	return SeverityInformation
}

func (s *Server) diagnostic(t *text, f *lint.Finding) Diagnostic {
	d := Diagnostic{
		Range:    findingRange(t, f),
		Severity: severity(f.Severity),
		Code:     f.Rule,
		Source:   "podlint",
		Message:  f.Message,
		Data: &DiagnosticData{Category: string(f.Category), Field: f.Field, Hint: f.Hint,
			Object: f.Object.String(), Fixable: f.Fix != nil},
	}
	if f.Object.Kind == "" {
		d.Data.Object = ""
	}
	if f.Hint != "" {
		d.Message += "\n" + f.Hint
	}
	if s.builtin(f.Rule) {
		d.CodeDescription = &CodeDescription{Href: report.RuleHelpURI + f.Rule}
	}
	return d
}

// builtin reports whether id is one of podlint's own rules, which have a
// documentation page (Rego policies do not).
func (s *Server) builtin(id string) bool {
	if id == lint.RuleUnusedSuppression.ID {
		return true
	}
	for _, r := range s.rules {
		if r.ID == id {
			return true
		}
	}
	return false
}
