package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// OpKind is what a structural change does.
type OpKind int

// Kinds of structural changes a fix can make to a document.
const (
	// OpSetValue replaces a scalar value, keeping its quoting style where it can.
	OpSetValue OpKind = iota + 1
	// OpQuote quotes a plain scalar so that it stays the string it is written as.
	OpQuote
	// OpRenameKey renames a mapping key in place.
	OpRenameKey
	// OpDeleteKey removes a key with its whole value (a block entry's lines).
	OpDeleteKey
	// OpMoveKey moves a key with its whole value, comments included, to the end
	// of another mapping, re-indenting it.
	OpMoveKey
	// OpInsertKey adds a key with a scalar value at the end of a mapping.
	OpInsertKey
)

// Op is one structural change, named by field path (as Locate reads paths) and
// turned into byte edits by PlanEdits. Key, when set, names the mapping key node
// directly (a duplicate key, which a path cannot tell from its twin).
type Op struct {
	Kind OpKind
	// Path is the field the change acts on; for OpInsertKey the mapping to add to.
	Path string
	// Key is the key node of Path when the caller has it (optional).
	Key *yaml.Node
	// Name is the new key of OpRenameKey and the key of OpInsertKey.
	Name string
	// Parent is the path of the mapping an OpMoveKey moves the field into.
	Parent string
	// Value is the new scalar of OpSetValue and OpInsertKey: a string, an int,
	// an int64 or a bool.
	Value any
}

// ByteEdit replaces Data[Start:End] of one document with Text.
type ByteEdit struct {
	Start, End int
	Text       string
}

// ErrNoEdit is returned (wrapped) when a change cannot be made as a minimal text
// edit: a flow-style mapping, a block scalar, an anchor, a key that shares its
// line with a list dash. The finding then carries no fix; its hint still applies.
var ErrNoEdit = errors.New("no minimal edit")

func noEdit(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNoEdit, fmt.Sprintf(format, args...))
}

// PlanEdits turns ops into byte edits of data, one document's text whose parsed
// tree is root. Every other byte stays as it was. It verifies its work: the
// edited document must parse, and its value must be the old value with exactly
// the changes the ops describe; otherwise it returns an error and no edits.
func PlanEdits(data []byte, root *yaml.Node, ops []Op) ([]ByteEdit, error) {
	if bytes.IndexByte(data, '\r') >= 0 && bytes.Count(data, []byte("\r")) != bytes.Count(data, []byte("\r\n")) {
		return nil, noEdit("a lone carriage return makes line positions ambiguous")
	}
	t := newText(data)
	var edits []ByteEdit
	for _, op := range ops {
		es, err := t.plan(root, op)
		if err != nil {
			return nil, err
		}
		edits = append(edits, es...)
	}
	out, err := ApplyBytes(data, edits)
	if err != nil {
		return nil, err
	}
	if err := verify(root, out, ops); err != nil {
		return nil, err
	}
	return edits, nil
}

// ApplyBytes applies non-overlapping edits to data (in any order) and returns the
// new text. Two insertions at one offset, or an insertion inside a replaced
// range, count as overlapping: their order would be a guess.
func ApplyBytes(data []byte, edits []ByteEdit) ([]byte, error) {
	sorted := append([]ByteEdit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b bytes.Buffer
	b.Grow(len(data))
	pos := 0
	for i, e := range sorted {
		if e.Start < 0 || e.End < e.Start || e.End > len(data) {
			return nil, fmt.Errorf("edit [%d,%d) is outside the text of %d bytes", e.Start, e.End, len(data))
		}
		if i > 0 {
			prev := sorted[i-1]
			if e.Start < prev.End || e.Start == prev.Start {
				return nil, fmt.Errorf("edits [%d,%d) and [%d,%d) overlap", prev.Start, prev.End, e.Start, e.End)
			}
		}
		b.Write(data[pos:e.Start])
		b.WriteString(e.Text)
		pos = e.End
	}
	b.Write(data[pos:])
	return b.Bytes(), nil
}

// text indexes a document's lines so that yaml.v3 positions (1-based lines and
// columns counted in characters) map to byte offsets.
type text struct {
	data   []byte
	starts []int
}

func newText(data []byte) *text {
	t := &text{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			t.starts = append(t.starts, i+1)
		}
	}
	return t
}

// lineEnd returns the offset just past line's newline (or the end of the text).
func (t *text) lineEnd(line int) int {
	if line < len(t.starts) {
		return t.starts[line]
	}
	return len(t.data)
}

// lineContent returns line without its line ending.
func (t *text) lineContent(line int) []byte {
	l := t.data[t.starts[line-1]:t.lineEnd(line)]
	l = bytes.TrimSuffix(l, []byte("\n"))
	return bytes.TrimSuffix(l, []byte("\r"))
}

// offset converts a node position to a byte offset.
func (t *text) offset(line, col int) (int, bool) {
	if line < 1 || line > len(t.starts) || col < 1 {
		return 0, false
	}
	off := t.starts[line-1]
	for c := 1; c < col; c++ {
		if off >= len(t.data) || t.data[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(t.data[off:])
		off += size
	}
	return off, true
}

// eol is the document's line ending: CRLF when its first line ends so.
func (t *text) eol() string {
	if i := bytes.IndexByte(t.data, '\n'); i > 0 && t.data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// scalarSpan returns the byte range of a scalar node's text (quotes included).
func (t *text) scalarSpan(n *yaml.Node) (int, int, error) {
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, 0, noEdit("not a plain or quoted scalar")
	}
	start, ok := t.offset(n.Line, n.Column)
	if !ok {
		return 0, 0, noEdit("position %d:%d outside the document", n.Line, n.Column)
	}
	d := t.data
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if start >= len(d) || d[start] != '"' {
			return 0, 0, noEdit("no opening quote")
		}
		for i := start + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if start >= len(d) || d[start] != '\'' {
			return 0, 0, noEdit("no opening quote")
		}
		for i := start + 1; i < len(d); i++ {
			if d[i] == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				return start, i + 1, nil
			}
		}
	default:
		if n.Value != "" && bytes.HasPrefix(d[start:], []byte(n.Value)) {
			return start, start + len(n.Value), nil
		}
	}
	return 0, 0, noEdit("scalar text does not match its value")
}

// entry is a mapping key with its value, found by path or given directly.
type entry struct {
	mapping, key, value *yaml.Node
}

// findEntry resolves path to the mapping entry it names.
func findEntry(root *yaml.Node, path string, key *yaml.Node) (entry, error) {
	parentPath, name := splitLast(path)
	m := Lookup(root, parentPath)
	if m == nil || m.Kind != yaml.MappingNode {
		return entry{}, noEdit("%s is not a mapping", parentPath)
	}
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		k := m.Content[i]
		// Without a key node the last occurrence wins, as in decoding.
		if (key != nil && k == key) || (key == nil && k.Value == name && k.Tag != "!!merge") {
			return entry{mapping: m, key: k, value: m.Content[i+1]}, nil
		}
	}
	return entry{}, noEdit("%s is not written in this document (a merge key or alias brings it)", path)
}

// splitLast cuts the last segment off a path: "a.b[0].c" -> ("a.b[0]", "c");
// "metadata.labels[app]" -> ("metadata.labels", "app").
func splitLast(path string) (string, string) {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i], path[i+1 : len(path)-1]
		}
	}
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		if path[i] == ']' {
			return path[:i+1], path[i+1:]
		}
		return path[:i], path[i+1:]
	}
	return "", path
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// blockLines returns the byte range of an entry's lines in a block mapping: from
// the start of the key's line to the end of the last line of its value, with
// the comments inside it. indent is the key's indentation in bytes.
func (t *text) blockLines(e entry) (start, end, indent int, err error) {
	if e.mapping.Style&yaml.FlowStyle != 0 {
		return 0, 0, 0, noEdit("flow-style mapping")
	}
	ks, ok := t.offset(e.key.Line, e.key.Column)
	if !ok {
		return 0, 0, 0, noEdit("key position outside the document")
	}
	start = t.starts[e.key.Line-1]
	for _, c := range t.data[start:ks] {
		if c != ' ' {
			return 0, 0, 0, noEdit("the key shares its line with a list dash or another node")
		}
	}
	indent = ks - start
	return start, t.entryEnd(e.key.Line, indent), indent, nil
}

// entryEnd is the offset after the last line that belongs to an entry whose key
// is on keyLine at indent: lines indented deeper, list items at the same
// indentation (a block sequence value), and blank lines and comments between them.
func (t *text) entryEnd(keyLine, indent int) int {
	end := t.lineEnd(keyLine)
	for l := keyLine + 1; l <= len(t.starts); l++ {
		c := t.lineContent(l)
		trimmed := bytes.TrimLeft(c, " ")
		lead := len(c) - len(trimmed)
		if len(bytes.TrimSpace(c)) == 0 {
			continue // pending: taken only if content follows
		}
		deeper := lead > indent
		item := lead == indent && (bytes.HasPrefix(trimmed, []byte("- ")) || bytes.Equal(trimmed, []byte("-")))
		if trimmed[0] == '#' && !deeper {
			continue // a comment at the key's level belongs to what follows it
		}
		if !deeper && !item {
			break
		}
		end = t.lineEnd(l)
	}
	return end
}

// leadingComments extends an entry's start (the start of keyLine) over the
// comment lines directly above it at the key's indentation: they describe the
// key and move with it.
func (t *text) leadingComments(keyLine, indent, start int) int {
	for l := keyLine - 1; l >= 1; l-- {
		c := t.lineContent(l)
		trimmed := bytes.TrimLeft(c, " ")
		if len(c)-len(trimmed) != indent || !bytes.HasPrefix(trimmed, []byte("#")) {
			break
		}
		start = t.starts[l-1]
	}
	return start
}

// mappingIndent is the indentation of a block mapping's keys and where a new
// entry goes: after the last entry's lines.
func (t *text) mappingIndent(m *yaml.Node) (indent, end int, err error) {
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) < 2 {
		return 0, 0, noEdit("not a non-empty block mapping")
	}
	first := m.Content[0]
	fs, ok := t.offset(first.Line, first.Column)
	if !ok {
		return 0, 0, noEdit("key position outside the document")
	}
	indent = fs - t.starts[first.Line-1]
	for _, c := range t.data[t.starts[first.Line-1]:fs] {
		if c != ' ' && c != '-' {
			return 0, 0, noEdit("tab or other text before a key")
		}
	}
	last := m.Content[len(m.Content)-2]
	lv := m.Content[len(m.Content)-1]
	if lv.Style&yaml.FlowStyle != 0 && lv.Line != last.Line {
		return 0, 0, noEdit("multi-line flow value")
	}
	return indent, t.entryEnd(last.Line, last.Column-1), nil
}

func (t *text) plan(root *yaml.Node, op Op) ([]ByteEdit, error) {
	switch op.Kind {
	case OpSetValue, OpQuote:
		e, err := findEntry(root, op.Path, op.Key)
		var n *yaml.Node
		if err == nil {
			n = e.value
		} else if n = Lookup(root, op.Path); n == nil {
			return nil, err
		}
		s, end, err := t.scalarSpan(n)
		if err != nil {
			return nil, err
		}
		var repl string
		if op.Kind == OpQuote {
			repl = quoteString(n.Value, preferredQuote(root))
		} else {
			repl = renderScalar(op.Value, n.Style, preferredQuote(root))
		}
		return []ByteEdit{{Start: s, End: end, Text: repl}}, nil
	case OpRenameKey:
		e, err := findEntry(root, op.Path, op.Key)
		if err != nil {
			return nil, err
		}
		if _, v := lookupKey(e.mapping, op.Name); v != nil {
			return nil, noEdit("%s already has %s", op.Path, op.Name)
		}
		s, end, err := t.scalarSpan(e.key)
		if err != nil {
			return nil, err
		}
		return []ByteEdit{{Start: s, End: end, Text: renderScalar(op.Name, e.key.Style, preferredQuote(root))}}, nil
	case OpDeleteKey:
		e, err := findEntry(root, op.Path, op.Key)
		if err != nil {
			return nil, err
		}
		s, end, _, err := t.blockLines(e)
		if err != nil {
			return nil, err
		}
		if len(e.mapping.Content) == 2 {
			return nil, noEdit("the mapping would be left empty")
		}
		return []ByteEdit{{Start: s, End: end}}, nil
	case OpMoveKey:
		return t.planMove(root, op)
	case OpInsertKey:
		m := Lookup(root, op.Path)
		if m == nil {
			return nil, noEdit("%s is not written in this document", op.Path)
		}
		if _, v := lookupKey(m, op.Name); v != nil {
			return nil, noEdit("%s already has %s", op.Path, op.Name)
		}
		indent, at, err := t.mappingIndent(m)
		if err != nil {
			return nil, err
		}
		line := strings.Repeat(" ", indent) + op.Name + ": " + renderScalar(op.Value, 0, preferredQuote(root)) + t.eol()
		if at == len(t.data) && at > 0 && t.data[at-1] != '\n' {
			line = t.eol() + line
		}
		return []ByteEdit{{Start: at, End: at, Text: line}}, nil
	}
	return nil, fmt.Errorf("unknown change %d", op.Kind)
}

func (t *text) planMove(root *yaml.Node, op Op) ([]ByteEdit, error) {
	e, err := findEntry(root, op.Path, op.Key)
	if err != nil {
		return nil, err
	}
	s, end, indent, err := t.blockLines(e)
	if err != nil {
		return nil, err
	}
	s = t.leadingComments(e.key.Line, indent, s)
	target := Lookup(root, op.Parent)
	if target == nil || target == e.mapping {
		return nil, noEdit("%s is not written in this document", op.Parent)
	}
	var newIndent, at int
	if isNull(target) {
		// An empty parent (`metadata:` with nothing under it): the block goes
		// right below its key, one indentation step deeper.
		pe, err := findEntry(root, op.Parent, nil)
		if err != nil {
			return nil, err
		}
		_, pend, pindent, err := t.blockLines(pe)
		if err != nil {
			return nil, err
		}
		if pe.value.Line != pe.key.Line && pe.value.Line != 0 {
			return nil, noEdit("%s has a value on another line", op.Parent)
		}
		newIndent, at = pindent+indentStep(root), pend
	} else {
		if _, v := lookupKey(target, e.key.Value); v != nil {
			return nil, noEdit("%s already has %s", op.Parent, e.key.Value)
		}
		if newIndent, at, err = t.mappingIndent(target); err != nil {
			return nil, err
		}
	}
	if at > s && at < end {
		return nil, noEdit("the target lies inside the moved block")
	}
	moved, err := reindent(t.data[s:end], newIndent-indent)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(moved, "\n") {
		moved += t.eol()
	}
	if at == s {
		return []ByteEdit{{Start: s, End: end, Text: moved}}, nil
	}
	if at == len(t.data) && at > 0 && t.data[at-1] != '\n' {
		moved = t.eol() + moved
	}
	if at == end {
		return []ByteEdit{{Start: s, End: end, Text: moved}}, nil
	}
	return []ByteEdit{{Start: at, End: at, Text: moved}, {Start: s, End: end}}, nil
}

// isNull reports whether n is an empty or null plain scalar (a key with no value).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style == 0 && resolveScalar(n).kind == scalarNull && n.Anchor == ""
}

// indentStep is how far the document indents a block mapping under its key: the
// first nested block mapping's offset, 2 when it has none.
func indentStep(root *yaml.Node) int {
	var step func(n *yaml.Node, depth int) int
	step = func(n *yaml.Node, depth int) int {
		if n == nil || depth > 64 {
			return 0
		}
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Column > k.Column {
					return v.Content[0].Column - k.Column
				}
			}
		}
		for _, c := range n.Content {
			if d := step(c, depth+1); d > 0 {
				return d
			}
		}
		return 0
	}
	if d := step(root, 0); d > 0 {
		return d
	}
	return 2
}

// reindent shifts every non-blank line of block by delta spaces.
func reindent(block []byte, delta int) (string, error) {
	var b strings.Builder
	for len(block) > 0 {
		line, rest, found := bytes.Cut(block, []byte("\n"))
		block = rest
		if len(bytes.TrimSpace(line)) > 0 {
			switch {
			case delta > 0:
				b.WriteString(strings.Repeat(" ", delta))
			case delta < 0:
				if !bytes.HasPrefix(line, bytes.Repeat([]byte(" "), -delta)) {
					return "", noEdit("a line of the moved block is indented less than its key")
				}
				line = line[-delta:]
			}
		}
		b.Write(line)
		if found {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// preferredQuote is the quote the document uses most for its quoted scalars:
// '\” or '"' (the default when it quotes nothing).
func preferredQuote(root *yaml.Node) byte {
	single, double := 0, 0
	var visit func(n *yaml.Node, depth int)
	visit = func(n *yaml.Node, depth int) {
		if n == nil || depth > 64 {
			return
		}
		if n.Kind == yaml.ScalarNode {
			switch {
			case n.Style&yaml.SingleQuotedStyle != 0:
				single++
			case n.Style&yaml.DoubleQuotedStyle != 0:
				double++
			}
		}
		for _, c := range n.Content {
			visit(c, depth+1)
		}
	}
	visit(root, 0)
	if single > double {
		return '\''
	}
	return '"'
}

var plainSafe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)

// renderScalar writes v as YAML: in the quoting style the old scalar had, plain
// when that keeps it the same string, quoted with the document's quote otherwise.
func renderScalar(v any, style yaml.Style, quote byte) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		switch {
		case style&yaml.DoubleQuotedStyle != 0:
			return quoteString(x, '"')
		case style&yaml.SingleQuotedStyle != 0:
			return quoteString(x, '\'')
		}
		if plainSafe.MatchString(x) && resolveScalar(&yaml.Node{Kind: yaml.ScalarNode, Value: x}).kind == scalarString {
			return x
		}
		return quoteString(x, quote)
	}
	return fmt.Sprint(v)
}

// quoteString quotes s with q, falling back to double quotes for text a single-quoted
// scalar cannot hold as is (line breaks, control characters).
func quoteString(s string, q byte) string {
	if q == '\'' && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return string(appendJSONString(nil, s))
}

// verify checks that edited, parsed, has the value of root changed exactly by ops.
func verify(root *yaml.Node, edited []byte, ops []Op) error {
	var after yaml.Node
	if err := yaml.Unmarshal(edited, &after); err != nil {
		return noEdit("the edited document does not parse: %v", err)
	}
	want, err := Value(root)
	if err != nil {
		return noEdit("%v", err)
	}
	for _, op := range ops {
		if want, err = applyOp(root, want, op); err != nil {
			return err
		}
	}
	got, err := Value(&after)
	if err != nil {
		return noEdit("%v", err)
	}
	if !reflect.DeepEqual(normalize(want), normalize(got)) {
		return noEdit("the edit would change more than the fix intends")
	}
	return nil
}

// normalize makes numbers comparable whatever their spelling (json.Number "1" vs 1).
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case int:
		return number(strconv.Itoa(x))
	case int64:
		return number(strconv.FormatInt(x, 10))
	case json.Number:
		return number(x)
	}
	return v
}

// number is a number in its decimal spelling, distinct from a string.
type number string

// applyOp applies op to the generic value v of root, the way the edit should.
func applyOp(root *yaml.Node, v any, op Op) (any, error) {
	switch op.Kind {
	case OpSetValue:
		return setAt(v, op.Path, op.Value)
	case OpQuote:
		n := Lookup(root, op.Path)
		if n == nil {
			return nil, noEdit("%s is not written in this document", op.Path)
		}
		return setAt(v, op.Path, n.Value)
	case OpInsertKey:
		return setAt(v, joinField(op.Path, op.Name), op.Value)
	case OpRenameKey, OpDeleteKey, OpMoveKey:
		old, ok := getAt(v, op.Path)
		if !ok {
			return nil, noEdit("%s not found", op.Path)
		}
		if op.Kind == OpDeleteKey && op.Key != nil {
			// A duplicate key: the value stays whatever its twin says.
			return v, nil
		}
		v, err := deleteAt(v, op.Path)
		if err != nil {
			return nil, err
		}
		switch op.Kind {
		case OpRenameKey:
			parent, _ := splitLast(op.Path)
			return setAt(v, joinField(parent, op.Name), old)
		case OpMoveKey:
			_, name := splitLast(op.Path)
			return setAt(v, joinField(op.Parent, name), old)
		}
		return v, nil
	}
	return v, nil
}

type seg struct {
	name  string
	index int
	isIdx bool
}

func parsePath(path string) []seg {
	var out []seg
	rest := path
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			continue
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return append(out, seg{name: rest})
			}
			s := rest[1:end]
			rest = rest[end+1:]
			if i, err := strconv.Atoi(s); err == nil {
				out = append(out, seg{name: s, index: i, isIdx: true})
			} else {
				out = append(out, seg{name: s})
			}
			continue
		}
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		out = append(out, seg{name: rest[:end]})
		rest = rest[end:]
	}
	return out
}

func child(v any, s seg) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[s.name]
		return c, ok
	case []any:
		if s.isIdx && s.index >= 0 && s.index < len(x) {
			return x[s.index], true
		}
	}
	return nil, false
}

func getAt(v any, path string) (any, bool) {
	for _, s := range parsePath(path) {
		var ok bool
		if v, ok = child(v, s); !ok {
			return nil, false
		}
	}
	return v, true
}

// setAt sets path to val, creating the last mapping key, and a mapping where
// the parent is null (a key moved under an empty `metadata:`).
func setAt(v any, path string, val any) (any, error) {
	segs := parsePath(path)
	if len(segs) == 0 {
		return nil, noEdit("empty path")
	}
	return setSegs(v, segs, val, path)
}

func setSegs(v any, segs []seg, val any, path string) (any, error) {
	if len(segs) == 0 {
		return val, nil
	}
	s := segs[0]
	switch x := v.(type) {
	case nil:
		if s.isIdx {
			return nil, noEdit("%s not found", path)
		}
		c, err := setSegs(nil, segs[1:], val, path)
		if err != nil {
			return nil, err
		}
		return map[string]any{s.name: c}, nil
	case map[string]any:
		c, err := setSegs(x[s.name], segs[1:], val, path)
		if err != nil {
			return nil, err
		}
		x[s.name] = c
		return x, nil
	case []any:
		if !s.isIdx || s.index < 0 || s.index >= len(x) {
			return nil, noEdit("%s not found", path)
		}
		c, err := setSegs(x[s.index], segs[1:], val, path)
		if err != nil {
			return nil, err
		}
		x[s.index] = c
		return x, nil
	}
	return nil, noEdit("%s is not a mapping", path)
}

func deleteAt(v any, path string) (any, error) {
	parentPath, name := splitLast(path)
	p, ok := getAt(v, parentPath)
	if !ok {
		return nil, noEdit("%s not found", parentPath)
	}
	m, ok := p.(map[string]any)
	if !ok {
		return nil, noEdit("%s is not a mapping", parentPath)
	}
	delete(m, name)
	return v, nil
}

// TextPosition converts a byte offset of data into a 1-based line and a column
// counted in characters, as yaml.v3 counts them.
func TextPosition(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	ls := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[ls:off])
}
