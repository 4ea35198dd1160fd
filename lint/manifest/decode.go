package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	kjson "sigs.k8s.io/json"
)

// SyntaxError is a YAML or JSON syntax error at a line of the stream.
type SyntaxError struct {
	Line int
	// Column is 1-based; zero when unknown.
	Column  int
	Message string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// Parse parses one document into a node tree. Node lines are relative to the
// document; syntax errors carry the absolute line in the stream.
func Parse(doc *Document) (*yaml.Node, error) {
	if doc.Err != nil {
		return nil, doc.Err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc.Data, &root); err != nil {
		msg, rel := yamlError(err)
		if culprit := culpritLine(doc.Data, msg); culprit > 0 {
			rel = culprit
		}
		line := doc.StartLine
		if rel > 0 {
			line = doc.StartLine + rel - 1
		}
		rel = line - doc.StartLine + 1
		col := culpritColumn(lineAt(doc.Data, rel), msg)
		if jl, jc := jsonCulprit(doc.Data); jl == rel {
			col = jc // JSON's error offset is exact where YAML names only the line
		}
		return nil, &SyntaxError{Line: line, Column: col, Message: explainSyntax(msg, doc.Data, rel)}
	}
	return &root, nil
}

// yamlError splits a yaml.v3 error into its message and the 1-based line it
// names within the document (0 when it names none).
func yamlError(err error) (msg string, line int) {
	msg = err.Error()
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return msg, 0
	}
	msg = msg[len(m[0]):]
	if m[1] != "" {
		line, _ = strconv.Atoi(m[1])
		if isParserError(msg) {
			line++ // yaml.v3 reports parser (not scanner) errors with a 0-based line
		}
	}
	return msg, line
}

// culpritLine finds the line that breaks a document: the last line of the
// shortest prefix of whole lines that fails with the same message. yaml.v3
// names where the broken construct began (a wrongly indented key is reported at
// its parent block, lines above) or the line before a tab; the prefix ends
// where the text stops being YAML. Cutting at a line inside a flow collection
// or quoted scalar fails differently, so those prefixes are not taken. The
// search is binary: a broken prefix stays broken as lines are added. 0 when no
// prefix fails alike.
func culpritLine(data []byte, msg string) int {
	ends := lineEnds(data)
	fails := func(n int) bool {
		var root yaml.Node
		err := yaml.Unmarshal(data[:ends[n-1]], &root)
		if err == nil {
			return false
		}
		m, _ := yamlError(err)
		return m == msg
	}
	if len(ends) == 0 || !fails(len(ends)) {
		return 0
	}
	lo, hi := 0, len(ends) // prefix lo parses (or fails otherwise), prefix hi fails alike
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// jsonCulprit returns the 1-based line and column at which a document written as
// JSON (its first character is { or [) stops being JSON; 0, 0 otherwise.
func jsonCulprit(data []byte) (line, col int) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' && trimmed[0] != '[' {
		return 0, 0
	}
	var v any
	var se *json.SyntaxError
	if err := json.Unmarshal(data, &v); !errors.As(err, &se) || se.Offset < 1 {
		return 0, 0
	}
	before := data[:se.Offset-1]
	return bytes.Count(before, []byte("\n")) + 1, len(before) - bytes.LastIndexByte(before, '\n')
}

// lineEnds returns the offset after each line of data (the last may lack a newline).
func lineEnds(data []byte) []int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	return ends
}

// lineAt returns the 1-based line n of data without its line break.
func lineAt(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[n-1], "\r")
}

// culpritColumn is the 1-based column a syntax error points at on its line:
// a tab in the indentation, the ": " of a key where a plain value continues,
// otherwise the first character after the indentation.
func culpritColumn(text, msg string) int {
	indent := len(text) - len(strings.TrimLeft(text, " \t"))
	if i := strings.IndexByte(text[:indent], '\t'); i >= 0 {
		return i + 1
	}
	if strings.HasPrefix(msg, "mapping values are not allowed") {
		if i := strings.Index(text[indent:], ": "); i >= 0 {
			return indent + i + 1
		}
	}
	if indent == len(text) {
		return 1
	}
	return indent + 1
}

// explainSyntax adds what usually causes yaml.v3's terse messages.
func explainSyntax(msg string, data []byte, relLine int) string {
	lines := strings.Split(string(data), "\n")
	if relLine >= 1 && relLine <= len(lines) {
		l := lines[relLine-1]
		if strings.HasPrefix(strings.TrimLeft(l, " "), "\t") {
			return msg + ": tabs may not be used for indentation in YAML; indent with spaces"
		}
	}
	if first := firstContentLine(data); first == "..." || strings.HasPrefix(first, "... ") {
		return msg + ": a `...` document-end marker ends a document that has not begun, and kubectl fails on it; remove it"
	}
	switch {
	case strings.HasPrefix(msg, "did not find expected key"), strings.HasPrefix(msg, "did not find expected '-' indicator"):
		return msg + ": a line is indented differently from its siblings, or a list item (\"- \") stands where a key was expected"
	case strings.HasPrefix(msg, "mapping values are not allowed"):
		return msg + ": a \"key: value\" stands where a plain value was expected; fix the indentation, or quote a value that contains \": \""
	case strings.HasPrefix(msg, "found character that cannot start any token"):
		return msg + ": quote values that start with @ or `, and do not indent with tabs"
	}
	return msg
}

// isParserError tells yaml.v3's parser errors, whose line is the 0-based start of
// the construct being parsed, from its scanner errors, whose line is 1-based.
func isParserError(msg string) bool {
	for _, p := range []string{"did not find expected node content", "did not find expected key",
		"did not find expected '-' indicator", "did not find expected ',' or", "did not find expected <document start>"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Item is one object in a document: the document's top-level object, or an item of a List.
type Item struct {
	// Path is "" for a top-level object, "items[N]" for a List item.
	Path string
	Node *yaml.Node
	// APIVersion and Kind as written (scalars; empty when missing or not strings).
	APIVersion, Kind string
	Namespace, Name  string
}

// Items returns the objects of a parsed document: one, or a List's items.
// ok is false when the document is not a mapping at all.
func Items(root *yaml.Node) (items []Item, ok bool) {
	top := deref(root)
	if top == nil || top.Kind != yaml.MappingNode {
		return nil, false
	}
	it := itemOf(top, "")
	if it.Kind == "List" || (strings.HasSuffix(it.Kind, "List") && it.APIVersion == "v1") {
		if list := Lookup(top, "items"); list != nil && list.Kind == yaml.SequenceNode {
			for i, n := range list.Content {
				items = append(items, itemOf(deref(n), "items["+strconv.Itoa(i)+"]"))
			}
			return items, true
		}
		if it.Kind == "List" {
			return nil, true
		}
	}
	return []Item{it}, true
}

func itemOf(n *yaml.Node, path string) Item {
	it := Item{Path: path, Node: n}
	if n == nil || n.Kind != yaml.MappingNode {
		return it
	}
	it.APIVersion = scalarAt(n, "apiVersion")
	it.Kind = scalarAt(n, "kind")
	it.Namespace = scalarAt(n, "metadata.namespace")
	it.Name = scalarAt(n, "metadata.name")
	if it.Name == "" {
		if g := scalarAt(n, "metadata.generateName"); g != "" {
			it.Name = g
		}
	}
	return it
}

func scalarAt(n *yaml.Node, path string) string {
	v := Lookup(n, path)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// Decoded is an item decoded strictly into its kind's Go type.
type Decoded struct {
	Object any
	// Problems carry full paths (with the item's items[N] prefix).
	Problems []Problem
	// Aborted is true when a limit stopped the conversion; Object is then unreliable.
	Aborted bool
}

// Decode converts the item's node tree into JSON for kind, recording strict-decoding
// problems, then decodes that JSON into the kind's Go type. Offending values are left
// out, so the object is as complete as the input allows. It applies the default limits;
// a Decoder shares limits across the items of one document.
func Decode(it Item, kind *Kind) (*Decoded, error) {
	return NewDecoder(DefaultLimits()).Decode(it, kind)
}

// Decoder decodes the items of one document under one expansion budget, so a
// List whose items alias the same large node cannot multiply the limits.
type Decoder struct {
	budget budget
}

// NewDecoder returns a decoder for one document with lim (zero fields take defaults).
func NewDecoder(lim Limits) *Decoder {
	lim = lim.WithDefaults()
	return &Decoder{budget: budget{lim: lim, nodes: lim.MaxExpandedNodes, bytes: lim.MaxExpandedBytes}}
}

// Decode decodes one item of the decoder's document; see the package-level Decode.
func (d *Decoder) Decode(it Item, kind *Kind) (*Decoded, error) {
	c := newConverter(&d.budget)
	defer c.release()
	if it.Path != "" {
		// items[N]: the converter renders the prefix in every problem path.
		name, idx, _ := strings.Cut(strings.TrimSuffix(it.Path, "]"), "[")
		i, _ := strconv.Atoi(idx)
		c.path = append(c.path, pathSeg{name: name}, pathSeg{index: i})
	}
	ok := c.value(it.Node, kind.shape)
	d.budget.bytes -= len(c.buf)
	out := &Decoded{Problems: c.problems, Aborted: c.aborted}
	if !ok || c.aborted {
		out.Aborted = true
		return out, nil
	}
	obj := kind.New()
	if err := kjson.UnmarshalCaseSensitivePreserveInts(c.buf, obj); err != nil {
		// The converter guarantees types; reaching here is podlint's bug.
		return nil, fmt.Errorf("internal error decoding %s: %w", kind.Name, err)
	}
	out.Object = obj
	return out, nil
}

// firstContentLine returns the first line that is not blank or a comment, trimmed.
func firstContentLine(data []byte) string {
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			return l
		}
	}
	return ""
}
