package lsp

import (
	"context"
	"regexp"
	"strings"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/fix"
)

// codeActions offers, for the findings under the range: each finding's fix
// (quickfix), a comment that suppresses its rule on that line, and a fix of
// every fixable finding in the file (source.fixAll.podlint).
func (s *Server) codeActions(ctx context.Context, p CodeActionParams) []CodeAction {
	s.mu.Lock()
	d, ok := s.docs[p.TextDocument.URI]
	var a *analysis
	var path string
	if ok {
		a, path = d.last, d.path
	}
	s.mu.Unlock()
	out := []CodeAction{}
	if a == nil {
		return out
	}
	d.s.mu.Lock()
	stale := a.version != d.version
	d.s.mu.Unlock()
	if stale {
		// Edits computed for an older text would land in the wrong place; the
		// client asks again once the new diagnostics arrive.
		return out
	}
	want := func(kind string) bool {
		if len(p.Context.Only) == 0 {
			return true
		}
		for _, k := range p.Context.Only {
			if kind == k || strings.HasPrefix(kind, k+".") {
				return true
			}
		}
		return false
	}
	doc := VersionedTextDocumentIdentifier{URI: p.TextDocument.URI, Version: a.version}
	edit := func(edits ...TextEdit) *WorkspaceEdit {
		return &WorkspaceEdit{DocumentChanges: []TextDocumentEdit{{TextDocument: doc, Edits: edits}}}
	}
	fixable := 0
	for i := range a.findings {
		f := &a.findings[i]
		if f.Fix != nil {
			fixable++
		}
		diag := a.diags[i]
		if !overlaps(diag.Range, p.Range) {
			continue
		}
		if f.Fix != nil && want(KindQuickFix) {
			if edits, ok := textEdits(a.text, path, f.Fix.Edits); ok {
				out = append(out, CodeAction{Title: fixTitle(f), Kind: KindQuickFix,
					Diagnostics: []Diagnostic{diag}, IsPreferred: true, Edit: edit(edits...)})
			}
		}
		if want(KindQuickFix) {
			if e, ok := suppressEdit(a.text, f); ok {
				out = append(out, CodeAction{Title: "Suppress " + f.Rule + " here (# podlint:ignore)", Kind: KindQuickFix,
					Diagnostics: []Diagnostic{diag}, Edit: edit(e)})
			}
		}
	}
	if fixable > 0 && want(KindSourceFixAll) {
		if fixed := s.fixAll(ctx, path, a); fixed != a.text.s {
			whole := Range{End: a.text.position(len(a.text.s))}
			out = append(out, CodeAction{Title: "Fix all podlint findings in this file", Kind: KindSourceFixAll,
				Edit: edit(TextEdit{Range: whole, NewText: fixed})})
		}
	}
	return out
}

func fixTitle(f *lint.Finding) string {
	if f.Fix.Description != "" {
		return f.Fix.Description + " (" + f.Rule + ")"
	}
	return "Fix " + f.Rule
}

func overlaps(a, b Range) bool {
	before := func(x, y Position) bool { return x.Line < y.Line || x.Line == y.Line && x.Character < y.Character }
	// Touching counts: a cursor at the end of a diagnostic is on it.
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// textEdits converts a fix's edits of path to LSP edits; a fix that edits
// another file, or offsets outside the text, is not offered.
func textEdits(t *text, path string, edits []lint.Edit) ([]TextEdit, bool) {
	out := make([]TextEdit, 0, len(edits))
	for _, e := range edits {
		if e.File != "" && e.File != path {
			return nil, false
		}
		if e.Start.Offset < 0 || e.End.Offset < e.Start.Offset || e.End.Offset > len(t.s) {
			return nil, false
		}
		out = append(out, TextEdit{Range: Range{Start: t.position(e.Start.Offset), End: t.position(e.End.Offset)}, NewText: e.Text})
	}
	return out, true
}

// fixAll applies every finding's fix, checks the result again and repeats
// until no fix applies (lint/fix.Buffer, as podlint fix does), with the
// engine the analysis was made with.
func (s *Server) fixAll(ctx context.Context, path string, a *analysis) string {
	if a.settings == nil || a.settings.engine == nil {
		return a.text.s
	}
	res, err := fix.Buffer(ctx, a.settings.engine, path, []byte(a.text.s), 0)
	if err != nil || res == nil {
		if err != nil {
			s.logf(MessageWarning, "podlint: fix all in %s: %v", path, err)
		}
		return a.text.s
	}
	return string(res.Fixed)
}

var ignoreLine = regexp.MustCompile(`^(\s*#\s*podlint:ignore[ \t]+)([^\s]+)`)

// suppressEdit writes "# podlint:ignore RULE" on the line above the finding,
// indented like it, or adds the rule to such a comment already there.
// Findings about the input itself cannot be suppressed, and JSON has no comments.
func suppressEdit(t *text, f *lint.Finding) (TextEdit, bool) {
	if f.Category == lint.CategoryInput || f.Position.Line <= 0 || f.Rule == lint.RuleUnusedSuppression.ID {
		return TextEdit{}, false
	}
	if trimmed := strings.TrimSpace(t.s); strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
		return TextEdit{}, false
	}
	n := f.Position.Line - 1
	line := t.line(n)
	if m := ignoreLine.FindStringSubmatchIndex(t.line(n - 1)); n > 0 && m != nil {
		prev := t.line(n - 1)
		for _, id := range strings.Split(prev[m[4]:m[5]], ",") {
			if id == f.Rule {
				return TextEdit{}, false
			}
		}
		at := Position{Line: n - 1, Character: utf16Len(prev[:m[5]])}
		return TextEdit{Range: Range{Start: at, End: at}, NewText: "," + f.Rule}, true
	}
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	at := Position{Line: n}
	return TextEdit{Range: Range{Start: at, End: at}, NewText: indent + "# podlint:ignore " + f.Rule + "\n"}, true
}
