package lsp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
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
func (s *Server) analyze(ctx context.Context, d *document, version int, t *text) *analysis {
	path := d.path
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
	a.settings = st
	findings, internal := s.check(ctx, st, d, t)
	s.reportInternal(internal)
	a.findings = findings
	a.diags = make([]Diagnostic, 0, len(findings))
	for i := range findings {
		a.diags = append(a.diags, s.diagnostic(t, &findings[i]))
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
		s.notify("window/showMessage", LogMessageParams{Type: MessageError,
			Message: "podlint: internal error (reported once; details in the log): " + first})
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

// docResult is what checking one document of a stream found, placed as if
// the document were alone in its file (line 1, offset 0).
type docResult struct {
	findings []lint.Finding
	internal []error
}

// docCache holds, for one engine, the results of the documents of the
// latest check of each open file, by document text.
type docCache map[string]docResult

// check runs the engine on t. The engine checks every document of a stream
// on its own, so the server checks only the documents whose text changed
// since the last check and reuses the others' findings, moved to where the
// document now starts: typing in one Deployment of a long file re-checks
// that Deployment. Streams the splitter refuses are checked whole, so their
// input findings are exactly check's.
func (s *Server) check(ctx context.Context, st *settings, d *document, t *text) ([]lint.Finding, []error) {
	path := d.path
	whole := func() ([]lint.Finding, []error) {
		res := st.engine.Run(ctx, []lint.Source{{Name: path, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(t.s)), nil
		}}})
		return res.Findings, res.Internal
	}
	type piece struct {
		doc   *manifest.Document
		start int // byte offset of the document in t
	}
	var pieces []piece
	sp := manifest.NewSplitter(strings.NewReader(t.s), lint.DefaultMaxDocumentBytes)
	for {
		doc, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil || doc.Index > lint.DefaultMaxDocuments || doc.StartLine < 1 || doc.StartLine > len(t.lines) {
			return whole()
		}
		start := t.lines[doc.StartLine-1]
		if !strings.HasPrefix(t.s[start:], string(doc.Data)) {
			return whole()
		}
		pieces = append(pieces, piece{doc: doc, start: start})
	}
	if len(pieces) < 2 {
		return whole()
	}

	s.mu.Lock()
	old := d.cache
	if d.cacheFor != st {
		old = nil
	}
	s.mu.Unlock()
	next := docCache{}
	var sources []lint.Source
	names := map[string]string{} // source name -> document text
	for i, p := range pieces {
		key := string(p.doc.Data)
		if r, ok := old[key]; ok {
			next[key] = r
			continue
		}
		if _, queued := next[key]; queued {
			continue
		}
		next[key] = docResult{}
		// A name per source tells the findings apart; it is put back below.
		name := fmt.Sprintf("%s\x00%d", path, i)
		names[name] = key
		data := p.doc.Data
		sources = append(sources, lint.Source{Name: name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
	}
	if len(sources) > 0 {
		res := st.engine.Run(ctx, sources)
		if ctx.Err() != nil {
			return nil, nil // cancelled: a newer text is on its way
		}
		for _, f := range res.Findings {
			key, ok := names[f.Position.File]
			if !ok {
				return whole() // a finding of no document: do as check does
			}
			r := next[key]
			r.findings = append(r.findings, f)
			next[key] = r
		}
		for _, err := range res.Internal {
			// Rule panics name no document; they are reported once anyway.
			r := next[names[sources[0].Name]]
			r.internal = append(r.internal, err)
			next[names[sources[0].Name]] = r
		}
	}
	s.mu.Lock()
	d.cache, d.cacheFor = next, st
	s.mu.Unlock()

	var findings []lint.Finding
	var internal []error
	for _, p := range pieces {
		r := next[string(p.doc.Data)]
		internal = append(internal, r.internal...)
		lines := p.doc.StartLine - 1
		for _, f := range r.findings {
			f.Position.File = path
			f.Document = p.doc.Index
			if f.Position.Line > 0 {
				f.Position.Line += lines
			}
			if f.Fix != nil {
				fix := *f.Fix
				fix.Edits = make([]lint.Edit, len(f.Fix.Edits))
				for i, e := range f.Fix.Edits {
					e.File = path
					e.Start.Line += lines
					e.End.Line += lines
					e.Start.Offset += p.start
					e.End.Offset += p.start
					fix.Edits[i] = e
				}
				f.Fix = &fix
			}
			findings = append(findings, f)
		}
	}
	return findings, internal
}
