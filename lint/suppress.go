package lint

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/podlint/podlint/lint/manifest"
)

// IgnoreAnnotation is the object annotation that suppresses rules for a whole
// object: a comma-separated list of rule IDs, optionally followed by "# reason".
const IgnoreAnnotation = "podlint.io/ignore"

// RuleUnusedSuppression reports suppressions that match no finding, or that name
// a rule podlint does not have, so that they do not outlive the problem they hid.
var RuleUnusedSuppression = &Rule{
	ID: "unused-suppression", Category: CategoryPractice, Severity: SeverityInfo,
	Title: "Suppression matches no finding",
	Doc: "A `# podlint:ignore RULE-ID` comment or a `" + IgnoreAnnotation + "` annotation hides findings of the rules it names. " +
		"Once the problem is fixed, or when the rule ID is misspelled, it hides nothing, and it would silently hide the problem if it came back. " +
		"Findings of input rules (the input cannot be read) are never suppressed.",
	Remediation: "Remove the suppression, or correct the rule ID it names.",
}

// MaxSourceLineBytes bounds the source line kept in a Finding: a minified JSON
// manifest is one line of megabytes, and every finding in it would copy it.
const MaxSourceLineBytes = 1024

// SuppressedFinding is a finding hidden by a suppression. It does not count in the
// summary or the exit code; SARIF reports it with its justification.
type SuppressedFinding struct {
	Finding
	// Via is "annotation" or "comment".
	Via string
	// Reason is the text after "#" in the annotation, or after the rule IDs in the comment.
	Reason string
}

// CheckedObject is an object the rules ran on, with or without findings.
type CheckedObject struct {
	Object   ObjectRef
	Document int
	Position Position
}

// suppression is one rule ID named by one comment or annotation.
type suppression struct {
	rule   string
	via    string
	reason string
	pos    Position
	// line is the absolute line a comment covers; 0 for an annotation.
	line int
	// item is the path of the object an annotation belongs to ("" or items[N]).
	item string
	ref  ObjectRef
	used bool
}

// The marker must start a YAML comment; the rule IDs follow, comma-separated.
var ignoreCommentRE = regexp.MustCompile(`(^|\s)#\s*podlint:ignore\b[ \t]*([^\s]*)[ \t]*(.*)$`)

// finish applies the configuration (disabled rules, severity overrides) and the
// suppressions to one document's findings, reports unused suppressions, keeps the
// source line of each finding for --show-source, and sorts by position.
func (e *Engine) finish(file string, doc *manifest.Document, root *yaml.Node, items []manifest.Item, out *docResult) {
	var sups []*suppression
	if root != nil {
		sups = append(commentSuppressions(file, doc, root), annotationSuppressions(file, doc, items)...)
	}
	for _, s := range sups {
		if s.via == "comment" {
			s.ref = objectAtLine(doc, items, s.pos.Line)
		}
	}
	kept := out.findings[:0]
	fixes := 0
	for _, f := range out.findings {
		if e.opts.Disabled[f.Rule] {
			continue
		}
		if s, ok := e.opts.Severity[f.Rule]; ok {
			f.Severity = s
		}
		if s := matchSuppression(sups, &f); s != nil {
			s.used = true
			f.plan = nil
			out.suppressed = append(out.suppressed, SuppressedFinding{Finding: f, Via: s.via, Reason: s.reason})
			continue
		}
		// Each fix is verified by re-parsing its document, so a document with
		// thousands of fixable findings resolves a bounded number per check (the
		// fix loop takes the rest in later rounds). Objects given to CheckObject
		// (admission requests) have no file to fix.
		if f.plan != nil && !out.keep && fixes < MaxFixesPerDocument {
			f.Fix = resolveFix(file, doc, root, f.plan)
			fixes++
		}
		f.plan = nil
		kept = append(kept, f)
	}
	out.findings = kept
	if !e.opts.Disabled[RuleUnusedSuppression.ID] {
		for _, s := range sups {
			if f, ok := e.unusedFinding(s, doc); ok {
				out.findings = append(out.findings, f)
			}
		}
	}
	if len(out.findings) > 0 {
		lines := bytes.Split(doc.Data, []byte("\n"))
		for i := range out.findings {
			f := &out.findings[i]
			if n := f.Position.Line - doc.StartLine; f.Position.Line > 0 && n >= 0 && n < len(lines) && len(lines[n]) <= MaxSourceLineBytes {
				f.Source = strings.TrimRight(string(lines[n]), "\r")
			}
		}
	}
	sort.SliceStable(out.findings, func(i, j int) bool {
		a, b := out.findings[i].Position, out.findings[j].Position
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// objectAtLine returns the object of a List (or the document's one object) that
// starts last at or before line.
func objectAtLine(doc *manifest.Document, items []manifest.Item, line int) ObjectRef {
	var ref ObjectRef
	for _, it := range items {
		if it.Node != nil && doc.StartLine+it.Node.Line-1 <= line {
			ref = ObjectRef{APIVersion: it.APIVersion, Kind: it.Kind, Namespace: it.Namespace, Name: it.Name}
		}
	}
	return ref
}

func matchSuppression(sups []*suppression, f *Finding) *suppression {
	if f.Category == CategoryInput {
		return nil
	}
	for _, s := range sups {
		if s.rule != f.Rule {
			continue
		}
		if s.line != 0 && s.line == f.Position.Line {
			return s
		}
		if s.line == 0 && (s.item == "" || f.Field == s.item || strings.HasPrefix(f.Field, s.item+".")) {
			return s
		}
	}
	return nil
}

func (e *Engine) unusedFinding(s *suppression, doc *manifest.Document) (Finding, bool) {
	f := Finding{
		Rule: RuleUnusedSuppression.ID, Category: RuleUnusedSuppression.Category, Severity: RuleUnusedSuppression.Severity,
		Hint: RuleUnusedSuppression.Remediation, Object: s.ref, Document: doc.Index, Position: s.pos,
		BadValue: s.rule,
	}
	if s.via == "annotation" {
		f.Field = joinPath(s.item, "metadata.annotations["+IgnoreAnnotation+"]")
	}
	if sev, ok := e.opts.Severity[f.Rule]; ok {
		f.Severity = sev
	}
	switch {
	case s.rule == "":
		f.Message = "suppression names no rule ID; podlint suppresses only the rules it is told"
		f.Hint = "Name the rule to suppress, e.g. # podlint:ignore bare-pod reason."
	case !e.known[s.rule]:
		f.Message = fmt.Sprintf("suppression names %q, which is not a podlint rule", s.rule)
		if near := manifest.Nearest(s.rule, e.ids); near != "" {
			f.Hint = fmt.Sprintf("Did you mean %q?", near)
		}
	case e.opts.Disabled[s.rule]:
		return f, false // the rule did not run, so the suppression cannot be judged
	case s.used:
		return f, false
	case e.inputRule[s.rule]:
		f.Message = fmt.Sprintf("%s is an input rule: podlint cannot read the input, and such findings are never suppressed", s.rule)
	case s.via == "annotation":
		f.Message = fmt.Sprintf("%s finds nothing in this object, so suppressing it hides nothing", s.rule)
	case s.line == s.pos.Line:
		f.Message = fmt.Sprintf("%s finds nothing on this line, so suppressing it hides nothing", s.rule)
	default:
		f.Message = fmt.Sprintf("%s finds nothing on the next line (%d), so suppressing it hides nothing", s.rule, s.line)
	}
	return f, true
}

// commentSuppressions finds "# podlint:ignore rule-a,rule-b reason" comments. A
// comment after content covers its own line; a comment alone on a line covers the
// next line. Only text that yaml.v3 also saw as a comment counts, so a "#" inside
// a quoted string is not mistaken for one.
func commentSuppressions(file string, doc *manifest.Document, root *yaml.Node) []*suppression {
	if !bytes.Contains(doc.Data, []byte("podlint:ignore")) {
		return nil
	}
	comments := collectComments(root, nil)
	var out []*suppression
	for i, raw := range bytes.Split(doc.Data, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		m := ignoreCommentRE.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		hash := strings.IndexByte(line[m[0]:], '#') + m[0]
		if !seenAsComment(comments, strings.TrimSpace(line[hash:])) {
			continue
		}
		ids, reason := line[m[4]:m[5]], strings.TrimSpace(line[m[6]:m[7]])
		covers := doc.StartLine + i
		if strings.TrimSpace(line[:hash]) == "" {
			covers++
		}
		pos := Position{File: file, Line: doc.StartLine + i, Column: len([]rune(line[:hash])) + 1}
		list := splitIDs(ids)
		if len(list) == 0 {
			list = []string{""}
		}
		for _, id := range list {
			out = append(out, &suppression{rule: id, via: "comment", reason: reason, pos: pos, line: covers})
		}
	}
	return out
}

func collectComments(n *yaml.Node, acc []string) []string {
	if n == nil {
		return acc
	}
	for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
		if c != "" {
			acc = append(acc, strings.Split(c, "\n")...)
		}
	}
	for _, c := range n.Content {
		acc = collectComments(c, acc)
	}
	return acc
}

func seenAsComment(comments []string, text string) bool {
	for _, c := range comments {
		if strings.TrimSpace(c) == text {
			return true
		}
	}
	return false
}

// annotationSuppressions reads the podlint.io/ignore annotation of each object.
func annotationSuppressions(file string, doc *manifest.Document, items []manifest.Item) []*suppression {
	var out []*suppression
	for _, it := range items {
		ann := manifest.Lookup(it.Node, "metadata.annotations")
		if ann == nil || ann.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(ann.Content); i += 2 {
			k, v := ann.Content[i], ann.Content[i+1]
			if k.Value != IgnoreAnnotation || v.Kind != yaml.ScalarNode {
				continue
			}
			ids, reason, _ := strings.Cut(v.Value, "#")
			pos := Position{File: file, Line: doc.StartLine + v.Line - 1, Column: v.Column}
			ref := ObjectRef{APIVersion: it.APIVersion, Kind: it.Kind, Namespace: it.Namespace, Name: it.Name}
			list := splitIDs(ids)
			if len(list) == 0 {
				list = []string{""}
			}
			for _, id := range list {
				out = append(out, &suppression{rule: id, via: "annotation", reason: strings.TrimSpace(reason), pos: pos, item: it.Path, ref: ref})
			}
		}
	}
	return out
}

func splitIDs(s string) []string {
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
