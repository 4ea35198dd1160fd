package manifest

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ProblemKind classifies what strict decoding found wrong.
type ProblemKind int

// Kinds of decoding problems; each maps to one podlint rule.
const (
	// UnknownField: a field the API type does not have.
	UnknownField ProblemKind = iota + 1
	// DuplicateField: the same key twice in one mapping.
	DuplicateField
	// InvalidType: a value of the wrong JSON type, or one its type cannot parse.
	InvalidType
	// TooComplex: the document exceeds a nesting or alias-expansion bound.
	TooComplex
)

// Problem is one strict-decoding problem, located at the offending node.
type Problem struct {
	Kind ProblemKind
	// Path is the field path in Kubernetes syntax (spec.containers[0].imagePulPolicy).
	Path string
	// Line and Column are relative to the document's own text (1-based).
	Line, Column int
	Message      string
	// Suggestion is a fix hint, possibly empty.
	Suggestion string
	BadValue   string
	// Limit names the exceeded limit of a TooComplex problem (LimitDepth, ...).
	Limit string
	// Fix is the unambiguous correction, when there is one, with FixDescription
	// saying what it does; PlanEdits turns it into text edits.
	Fix            []Op
	FixDescription string
	// KeptLine is, for a DuplicateField problem (reported at the discarded key), the
	// line of the later key whose value is kept, relative to the document.
	KeptLine int
}

type pathSeg struct {
	name  string // field name or map key; "" for an index
	index int
	isKey bool // map key: rendered as [key]
}

// converter turns a yaml.v3 node tree into JSON for one API type, reporting what
// strict decoding would reject and leaving the offending values out so the rest
// of the object still decodes and gets checked.
type converter struct {
	buf      []byte
	path     []pathSeg
	problems []Problem
	budget   *budget
	aborted  bool
	// via is the outermost alias being expanded, and viaDepth the path length
	// there: an expansion limit is reported where the alias is written.
	via      *yaml.Node
	viaDepth int
}

// jsonBufferPool holds the converters' JSON buffers: one per decoded object
// otherwise, grown to the size of a typical object several times over.
var jsonBufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledBuffer keeps a rare huge document's buffer out of the pool.
const maxPooledBuffer = 1 << 20

// budget is what is left of a document's expansion limits; the items of a List
// share it, so a List of aliases cannot multiply it.
type budget struct {
	lim          Limits
	nodes, bytes int
}

func newConverter(b *budget) *converter {
	return &converter{buf: (*jsonBufferPool.Get().(*[]byte))[:0], budget: b}
}

// release returns the JSON buffer to the pool; c.buf must not be used afterwards.
// Decoding copies what it keeps (strings, RawExtension bytes), so nothing refers to it.
func (c *converter) release() {
	if cap(c.buf) <= maxPooledBuffer {
		b := c.buf[:0]
		jsonBufferPool.Put(&b)
	}
	c.buf = nil
}

// pathString renders the current path, optionally with one more field name.
func (c *converter) pathString(extra string) string {
	var b strings.Builder
	for _, s := range c.path {
		switch {
		case s.isKey:
			b.WriteByte('[')
			b.WriteString(s.name)
			b.WriteByte(']')
		case s.name == "":
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	if extra != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(extra)
	}
	return b.String()
}

func (c *converter) problem(kind ProblemKind, n *yaml.Node, path, msg, suggestion, bad string) {
	c.problems = append(c.problems, Problem{Kind: kind, Path: path, Line: n.Line, Column: n.Column, Message: msg, Suggestion: suggestion, BadValue: bad})
}

// withFix attaches a fix to the last problem.
func (c *converter) withFix(description string, ops ...Op) {
	p := &c.problems[len(c.problems)-1]
	p.Fix, p.FixDescription = ops, description
}

// equalValues reports whether two value nodes decode to the same value.
func equalValues(a, b *yaml.Node) bool {
	va, errA := Value(a)
	vb, errB := Value(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// abort stops the conversion at n with a TooComplex problem naming the limit.
func (c *converter) abort(n *yaml.Node, limit string) {
	c.aborted = true
	lim := c.budget.lim
	var msg string
	switch limit {
	case LimitDepth:
		msg = fmt.Sprintf("document nests more than %d levels deep through YAML aliases", lim.MaxDepth)
	case LimitExpandedBytes:
		msg = fmt.Sprintf("document expands to more than %d bytes of JSON through YAML aliases", lim.MaxExpandedBytes)
	default:
		msg = fmt.Sprintf("document expands to more than %d nodes through YAML aliases or merge keys", lim.MaxExpandedNodes)
	}
	path := c.path
	if c.via != nil {
		n = c.via
		c.path = c.path[:c.viaDepth]
	}
	c.problems = append(c.problems, Problem{Kind: TooComplex, Path: c.pathString(""), Line: n.Line, Column: n.Column, Message: msg, Limit: limit})
	c.path = path // the callers unwind it
}

// value converts n according to s and appends it to buf. It returns false (and
// appends nothing) when n cannot be converted.
func (c *converter) value(n *yaml.Node, s *shape) bool {
	if c.aborted {
		return false
	}
	c.budget.nodes--
	switch {
	case c.budget.nodes < 0:
		c.abort(n, LimitExpandedNodes)
	case len(c.path) > c.budget.lim.MaxDepth:
		c.abort(n, LimitDepth)
	}
	if n.Kind == yaml.AliasNode && c.via == nil {
		c.via, c.viaDepth = n, len(c.path)
		defer func() { c.via = nil }()
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	// Checked before appending, so the buffer never grows past the limit.
	if !c.aborted && len(c.buf)+len(n.Value) > c.budget.bytes {
		c.abort(n, LimitExpandedBytes)
	}
	if c.aborted {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		sc := resolveScalar(n)
		if sc.kind == scalarNull {
			c.buf = append(c.buf, "null"...)
			return true
		}
		return c.scalarValue(n, sc, s)
	}
	switch s.kind {
	case shapeAny:
		return c.anyValue(n)
	case shapeObject:
		if n.Kind != yaml.MappingNode {
			return c.typeError(n, s, "")
		}
		c.object(n, s)
		return true
	case shapeMap:
		if n.Kind != yaml.MappingNode {
			return c.typeError(n, s, "")
		}
		c.mapping(n, s)
		return true
	case shapeArray:
		if n.Kind != yaml.SequenceNode {
			return c.typeError(n, s, "")
		}
		c.buf = append(c.buf, '[')
		written := 0
		for i, item := range n.Content {
			mark := len(c.buf)
			if written > 0 {
				c.buf = append(c.buf, ',')
			}
			c.path = append(c.path, pathSeg{index: i})
			ok := c.value(item, s.elem)
			c.path = c.path[:len(c.path)-1]
			if !ok {
				c.buf = c.buf[:mark]
				if c.aborted {
					return false
				}
				// Keep indices stable for the rules: an unconvertible item becomes null.
				if written > 0 {
					c.buf = append(c.buf, ',')
				}
				c.buf = append(c.buf, "null"...)
			}
			written++
		}
		c.buf = append(c.buf, ']')
		return true
	}
	return c.typeError(n, s, "")
}

func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func shapeName(s *shape) string {
	switch s.kind {
	case shapeObject:
		if s.goType != "" {
			return "object (" + s.goType + ")"
		}
		return "object"
	case shapeMap:
		if s.elem.kind == shapeString {
			return "map of strings"
		}
		return "map"
	case shapeArray:
		return "list"
	case shapeString, shapeBytes, shapeTime:
		return "string"
	case shapeBool:
		return "boolean"
	case shapeInt:
		return "integer"
	case shapeFloat:
		return "number"
	case shapeQuantity:
		return "quantity (a string like \"500m\" or \"1Gi\", or a number)"
	case shapeIntOrString:
		return "integer or string"
	}
	return "value"
}

func (c *converter) typeError(n *yaml.Node, s *shape, got string) bool {
	if got == "" {
		got = nodeKindName(n)
	}
	hint := ""
	switch {
	case s.kind == shapeArray && n.Kind == yaml.MappingNode:
		hint = "Start each item with \"- \" to make a list."
	case s.kind == shapeObject && n.Kind == yaml.SequenceNode:
		hint = "Remove the leading \"- \": this field holds a single object, not a list."
	case (s.kind == shapeString || (s.kind == shapeMap && s.elem.kind == shapeString)) && n.Kind == yaml.ScalarNode:
		hint = fmt.Sprintf("Quote the value (%q): this field holds strings, and YAML reads the bare value as %s.", n.Value, withArticle(resolveScalar(n).kind.String()))
	}
	bad := ""
	if n.Kind == yaml.ScalarNode {
		bad = n.Value
	}
	c.problem(InvalidType, n, c.pathString(""), fmt.Sprintf("expected %s, got %s", shapeName(s), got), hint, bad)
	if s.kind == shapeString && n.Kind == yaml.ScalarNode && n.Style == 0 {
		c.withFix(fmt.Sprintf("Quote %s so that it stays the string it is written as", n.Value), Op{Kind: OpQuote, Path: c.pathString("")})
	}
	return false
}

func withArticle(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// scalarTypeError reports a scalar of the wrong type. Its description is built
// only here: scalarValue runs for every scalar of every document.
func (c *converter) scalarTypeError(n *yaml.Node, s *shape, sc scalar) bool {
	return c.typeError(n, s, sc.kind.String()+" "+sc.display())
}

func (c *converter) scalarValue(n *yaml.Node, sc scalar, s *shape) bool {
	orig := sc
	switch s.kind {
	case shapeAny:
		if sc.kind == scalarFloat && (math.IsInf(sc.f, 0) || math.IsNaN(sc.f)) {
			return c.scalarTypeError(n, s, orig)
		}
		c.buf = append(c.buf, sc.jsonText()...)
		return true
	case shapeString, shapeBytes, shapeTime:
		if sc.kind != scalarString {
			return c.scalarTypeError(n, s, orig)
		}
		if s.kind == shapeTime {
			// metav1.Time accepts RFC 3339 only; anything else fails the decode.
			if _, err := parseRFC3339(sc.s); err != nil {
				c.problem(InvalidType, n, c.pathString(""), fmt.Sprintf("%q is not an RFC 3339 time", sc.s), "", sc.s)
				return false
			}
		}
		c.buf = appendJSONString(c.buf, sc.s)
		return true
	case shapeBool:
		if sc.kind != scalarBool {
			return c.scalarTypeError(n, s, orig)
		}
		c.buf = append(c.buf, sc.jsonText()...)
		return true
	case shapeInt, shapeIntOrString:
		if sc.kind == scalarString && s.kind == shapeIntOrString {
			c.buf = appendJSONString(c.buf, sc.s)
			return true
		}
		if sc.kind == scalarFloat && sc.f == math.Trunc(sc.f) && math.Abs(sc.f) < 1<<53 {
			// sigs.k8s.io/yaml re-marshals 2.0 as 2, so kubectl sends an integer.
			sc = scalar{kind: scalarInt, i: int64(sc.f)}
		}
		if sc.kind != scalarInt {
			return c.scalarTypeError(n, s, orig)
		}
		if !fitsInt(sc, s) {
			c.problem(InvalidType, n, c.pathString(""), fmt.Sprintf("%s does not fit in a %s", sc.display(), intTypeName(s)), "", n.Value)
			return false
		}
		c.buf = append(c.buf, sc.jsonText()...)
		return true
	case shapeFloat:
		if sc.kind != scalarInt && sc.kind != scalarFloat || math.IsInf(sc.f, 0) || math.IsNaN(sc.f) {
			return c.scalarTypeError(n, s, orig)
		}
		c.buf = append(c.buf, sc.jsonText()...)
		return true
	case shapeQuantity:
		text := sc.s
		switch sc.kind {
		case scalarInt, scalarFloat:
			text = sc.jsonText()
		case scalarString:
		default:
			return c.scalarTypeError(n, s, orig)
		}
		if _, err := resource.ParseQuantity(text); err != nil {
			c.problem(InvalidType, n, c.pathString(""), fmt.Sprintf("%q is not a valid quantity: %v", text, err), "Write a quantity such as \"250m\", \"0.5\", \"128Mi\" or \"1Gi\".", text)
			return false
		}
		c.buf = appendJSONString(c.buf, text)
		return true
	}
	return c.scalarTypeError(n, s, orig)
}

func intTypeName(s *shape) string {
	if s.kind == shapeIntOrString {
		return "int32"
	}
	if s.unsigned {
		return "uint" + strconv.Itoa(s.bits)
	}
	return "int" + strconv.Itoa(s.bits)
}

func fitsInt(sc scalar, s *shape) bool {
	bits := s.bits
	if s.kind == shapeIntOrString {
		bits = 32
	}
	if sc.isUint {
		return s.unsigned && (bits == 64 || sc.u < 1<<bits)
	}
	if s.unsigned {
		return sc.i >= 0 && (bits == 64 || sc.i < 1<<bits)
	}
	if bits == 64 {
		return true
	}
	lim := int64(1) << (bits - 1)
	return sc.i >= -lim && sc.i < lim
}

// pairs returns a mapping's key/value pairs with YAML merge keys (<<) expanded:
// explicit keys win over merged ones, as in yaml.v2. Each merged mapping is
// expanded once, so merge chains cost linear, not exponential, time.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		out = append(out, [2]*yaml.Node{k, v})
	}
	if len(merges) == 0 {
		return out
	}
	seen := make(map[string]bool, len(out))
	for _, p := range out {
		seen[p[0].Value] = true
	}
	visited := map[*yaml.Node]bool{n: true}
	for _, v := range merges {
		out = mergeInto(out, v, seen, visited)
	}
	return out
}

// mergeInto appends the pairs a merge value brings that are not yet seen: a
// mapping's own keys, then those of its merges; a sequence's items in order.
func mergeInto(out [][2]*yaml.Node, v *yaml.Node, seen map[string]bool, visited map[*yaml.Node]bool) [][2]*yaml.Node {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if visited[v] {
		return out // everything it brings is already there
	}
	visited[v] = true
	switch v.Kind {
	case yaml.MappingNode:
		var merges []*yaml.Node
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, val := v.Content[i], v.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				merges = append(merges, val)
				continue
			}
			if !seen[k.Value] {
				seen[k.Value] = true
				out = append(out, [2]*yaml.Node{k, val})
			}
		}
		for _, m := range merges {
			out = mergeInto(out, m, seen, visited)
		}
	case yaml.SequenceNode:
		for _, item := range v.Content {
			out = mergeInto(out, item, seen, visited)
		}
	}
	return out
}

// checkDuplicate reports the pair at i when a later pair of the same mapping has
// the same key: sigs.k8s.io/yaml (kubectl, Helm) and encoding/json keep the last
// value, so this one is discarded and the converter skips it. last maps keys to
// their last index for large mappings; nil means search.
func (c *converter) checkDuplicate(ps [][2]*yaml.Node, i int, last map[string]int) bool {
	k := ps[i][0]
	later := -1
	if last != nil {
		if j := last[k.Value]; j > i {
			later = j
		}
	} else {
		for j := len(ps) - 1; j > i; j-- {
			if ps[j][0].Value == k.Value {
				later = j
				break
			}
		}
	}
	if later < 0 {
		return false
	}
	kept := ps[later][0]
	c.problems = append(c.problems, Problem{Kind: DuplicateField, Path: c.pathString(k.Value), Line: k.Line, Column: k.Column,
		Message:    fmt.Sprintf("key %q is repeated; the value here is discarded in favour of the later one", k.Value),
		Suggestion: "Remove one of the two keys (keep the one you mean).", BadValue: k.Value, KeptLine: kept.Line})
	if equalValues(ps[i][1], ps[later][1]) {
		// Deleting the discarded key changes nothing the API server sees.
		c.withFix(fmt.Sprintf("Remove the repeated key %q (both values are equal)", k.Value), Op{Kind: OpDeleteKey, Path: c.pathString(k.Value), Key: k})
	}
	return true
}

// lastIndexes maps each key of a large mapping to the index of its last pair.
func lastIndexes(ps [][2]*yaml.Node) map[string]int {
	if len(ps) <= 16 {
		return nil
	}
	m := make(map[string]int, len(ps))
	for i, p := range ps {
		m[p[0].Value] = i
	}
	return m
}

func (c *converter) object(n *yaml.Node, s *shape) {
	ps := pairs(n)
	last := lastIndexes(ps)
	c.buf = append(c.buf, '{')
	written := 0
	for i, p := range ps {
		k, v := p[0], p[1]
		if k.Kind != yaml.ScalarNode {
			c.problem(InvalidType, k, c.pathString(""), "field names must be strings, got "+nodeKindName(k), "", "")
			continue
		}
		if c.checkDuplicate(ps, i, last) {
			continue
		}
		fs, ok := s.fields[k.Value]
		if !ok {
			path := c.pathString(k.Value)
			c.problem(UnknownField, k, path, fmt.Sprintf("unknown field %q in %s", k.Value, s.goType), suggestField(s, k.Value), k.Value)
			if best := nearest(k.Value, s.names); best != "" {
				c.withFix(fmt.Sprintf("Rename %q to %q", k.Value, best), Op{Kind: OpRenameKey, Path: path, Key: k, Name: best})
			} else if home := objectHome(s, k.Value); home != "" {
				parent := c.pathString(home)
				c.withFix(fmt.Sprintf("Move %q with its value under %s", k.Value, home), Op{Kind: OpMoveKey, Path: path, Key: k, Parent: parent})
			}
			continue
		}
		mark := len(c.buf)
		if written > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendJSONString(c.buf, k.Value)
		c.buf = append(c.buf, ':')
		c.path = append(c.path, pathSeg{name: k.Value})
		ok = c.value(v, fs)
		c.path = c.path[:len(c.path)-1]
		if !ok {
			c.buf = c.buf[:mark]
			if c.aborted {
				return
			}
			continue
		}
		written++
	}
	c.buf = append(c.buf, '}')
}

func (c *converter) mapping(n *yaml.Node, s *shape) {
	ps := pairs(n)
	last := lastIndexes(ps)
	c.buf = append(c.buf, '{')
	written := 0
	for i, p := range ps {
		k, v := p[0], p[1]
		if k.Kind != yaml.ScalarNode {
			c.problem(InvalidType, k, c.pathString(""), "map keys must be strings, got "+nodeKindName(k), "", "")
			continue
		}
		if c.checkDuplicate(ps, i, last) {
			continue
		}
		mark := len(c.buf)
		if written > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendJSONString(c.buf, k.Value)
		c.buf = append(c.buf, ':')
		c.path = append(c.path, pathSeg{name: k.Value, isKey: true})
		ok := c.value(v, s.elem)
		c.path = c.path[:len(c.path)-1]
		if !ok {
			c.buf = c.buf[:mark]
			if c.aborted {
				return
			}
			continue
		}
		written++
	}
	c.buf = append(c.buf, '}')
}

var anyShape = &shape{kind: shapeAny}

func (c *converter) anyValue(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		c.mapping(n, &shape{kind: shapeMap, elem: anyShape})
		return true
	case yaml.SequenceNode:
		return c.value(n, &shape{kind: shapeArray, elem: anyShape})
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return c.value(n.Content[0], anyShape)
		}
	}
	c.buf = append(c.buf, "null"...)
	return true
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD as in encoding/json.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
