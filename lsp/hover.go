package lsp

import (
	"bytes"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
	"github.com/podlint/podlint/lint/report"
)

// hover explains what is under the cursor: the rules of the findings there,
// and the Kubernetes field whose key is on that line.
func (s *Server) hover(p TextDocumentPositionParams) *Hover {
	s.mu.Lock()
	d, ok := s.docs[p.TextDocument.URI]
	var t *text
	var a *analysis
	if ok {
		t, a = d.text, d.last
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	var parts []string
	if a != nil && a.text == t {
		for i := range a.findings {
			if contains(a.diags[i].Range, p.Position) {
				parts = append(parts, s.ruleDoc(&a.findings[i]))
			}
		}
	}
	var rng *Range
	if isManifest(t.s) {
		line, col := t.runeColumn(p.Position)
		if kind, path, key := fieldAt(t.s, line, col); key != nil {
			if info, ok := lookupField(kind, path); ok {
				parts = append(parts, fieldDoc(info))
				start := t.runePosition(key.Line, key.Column)
				rng = &Range{Start: start, End: Position{Line: start.Line, Character: start.Character + utf16Len(key.Value)}}
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return &Hover{Contents: MarkupContent{Kind: "markdown", Value: strings.Join(parts, "\n\n---\n\n")}, Range: rng}
}

func contains(r Range, p Position) bool {
	after := func(x, y Position) bool { return x.Line > y.Line || x.Line == y.Line && x.Character >= y.Character }
	return after(p, r.Start) && after(r.End, p)
}

func (s *Server) ruleDoc(f *lint.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**podlint %s** (%s, %s)", f.Rule, f.Severity, f.Category)
	var r *lint.Rule
	for _, x := range s.rules {
		if x.ID == f.Rule {
			r = x
		}
	}
	if f.Rule == lint.RuleUnusedSuppression.ID {
		r = lint.RuleUnusedSuppression
	}
	if r != nil {
		fmt.Fprintf(&b, ": %s\n\n%s", r.Title, r.Doc)
		if r.Remediation != "" {
			fmt.Fprintf(&b, "\n\n**Fix:** %s", r.Remediation)
		}
		fmt.Fprintf(&b, "\n\n[Rule documentation](%s%s)", report.RuleHelpURI, r.ID)
	} else {
		fmt.Fprintf(&b, "\n\n%s", f.Message)
		if f.Hint != "" {
			fmt.Fprintf(&b, "\n\n%s", f.Hint)
		}
	}
	return b.String()
}

func fieldDoc(f fieldInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` *%s*", f.Path, f.Type)
	if f.Description != "" {
		fmt.Fprintf(&b, "\n\n%s", f.Description)
	}
	if f.Default != "" {
		fmt.Fprintf(&b, "\n\n**Default:** %s", f.Default)
	}
	return b.String()
}

// fieldAt finds the mapping key at a 1-based line and rune column of the
// whole text: the last key on that line that starts at or before the
// column. It returns the object's kind, the key's path (list indexes left
// out) and the key node, with its line made absolute.
func fieldAt(src string, line, col int) (kind string, path []string, key *yaml.Node) {
	sp := manifest.NewSplitter(strings.NewReader(src), lint.DefaultMaxDocumentBytes)
	for {
		doc, err := sp.Next()
		if err != nil {
			return "", nil, nil
		}
		if line < doc.StartLine {
			return "", nil, nil
		}
		if n := bytes.Count(doc.Data, []byte("\n")); line > doc.StartLine+n {
			continue
		}
		var root yaml.Node
		if yaml.Unmarshal(doc.Data, &root) != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
			return "", nil, nil
		}
		top := root.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "kind" {
				kind = top.Content[i+1].Value
			}
		}
		rel := line - doc.StartLine + 1
		var best []string
		var bestKey *yaml.Node
		var walk func(n *yaml.Node, at []string)
		walk = func(n *yaml.Node, at []string) {
			switch n.Kind {
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					k := n.Content[i]
					p := append(at[:len(at):len(at)], k.Value)
					if k.Line == rel && k.Column <= col && (bestKey == nil || k.Column >= bestKey.Column) {
						best, bestKey = p, k
					}
					walk(n.Content[i+1], p)
				}
			case yaml.SequenceNode:
				for _, c := range n.Content {
					walk(c, at)
				}
			}
		}
		walk(top, nil)
		if bestKey == nil {
			return kind, nil, nil
		}
		k := *bestKey
		k.Line += doc.StartLine - 1
		return kind, best, &k
	}
}
