package manifest

import (
	"fmt"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits bound what one document may cost to parse and decode. Zero fields take
// the defaults of DefaultLimits.
type Limits struct {
	// MaxNodes bounds the YAML nodes of a document. It is enforced twice: by a
	// cheap count of tokens before yaml.v3 parses (a parsed node costs about 200
	// bytes, so 8 MB of "[0,0,...]" would otherwise take 800 MB), then exactly.
	MaxNodes int
	// MaxDepth bounds how deeply collections nest.
	MaxDepth int
	// MaxScalarBytes bounds one scalar (a string, a number, a key).
	MaxScalarBytes int
	// MaxExpandedNodes bounds the nodes converted for one document with YAML
	// aliases and merge keys expanded: billion-laughs input stops here.
	MaxExpandedNodes int
	// MaxExpandedBytes bounds the JSON produced for one document with aliases
	// expanded: one large scalar aliased many times stops here.
	MaxExpandedBytes int
}

// Default limits for one document.
const (
	// DefaultMaxNodes: a large real object (a CRD with its whole OpenAPI schema)
	// has tens of thousands of nodes; 250,000 keeps one document under ~50 MB.
	DefaultMaxNodes = 250_000
	// DefaultMaxDepth: a Pod template nests about 12 levels and the deepest CRD
	// schemas about 60; yaml.v3 itself stops at 10,000.
	DefaultMaxDepth = 256
	// DefaultMaxScalarBytes: 1 MiB, the most a ConfigMap or Secret may hold in total.
	DefaultMaxScalarBytes = 1 << 20
	// DefaultMaxExpandedNodes bounds alias expansion (billion laughs).
	DefaultMaxExpandedNodes = 1 << 20
	// DefaultMaxExpandedBytes: 16 MiB of JSON per document, twice the default
	// document size, so in practice only aliases reach it.
	DefaultMaxExpandedBytes = 16 << 20
)

// DefaultLimits returns the default per-document limits.
func DefaultLimits() Limits {
	return Limits{}.WithDefaults()
}

// WithDefaults returns l with its zero (or negative) fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxScalarBytes <= 0 {
		l.MaxScalarBytes = DefaultMaxScalarBytes
	}
	if l.MaxExpandedNodes <= 0 {
		l.MaxExpandedNodes = DefaultMaxExpandedNodes
	}
	if l.MaxExpandedBytes <= 0 {
		l.MaxExpandedBytes = DefaultMaxExpandedBytes
	}
	return l
}

// Limit names, as carried by LimitError and Problem.Limit.
const (
	LimitNodes         = "nodes"
	LimitDepth         = "depth"
	LimitScalarBytes   = "scalar-bytes"
	LimitExpandedNodes = "expanded-nodes"
	LimitExpandedBytes = "expanded-bytes"
)

// LimitError is returned by ParseLimited when a document exceeds a limit.
type LimitError struct {
	// Limit names the limit (LimitNodes, ...).
	Limit string
	// Max is the limit's value.
	Max int
	// Line is absolute in the stream, Column 1-based; zero when unknown.
	Line, Column int
	Message      string
}

func (e *LimitError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// ParseLimited parses one document like Parse after checking it against lim:
// invalid UTF-8 and too many nodes are
// refused before yaml.v3 allocates a tree; depth and scalar length are checked
// on the tree.
func ParseLimited(doc *Document, lim Limits) (*yaml.Node, error) {
	lim = lim.WithDefaults()
	if doc.Err != nil {
		return nil, doc.Err
	}
	if err := checkUTF8(doc); err != nil {
		return nil, err
	}
	if n, line := countTokens(doc.Data, lim.MaxNodes); n > lim.MaxNodes {
		return nil, &LimitError{Limit: LimitNodes, Max: lim.MaxNodes, Line: doc.StartLine + line - 1,
			Message: fmt.Sprintf("document has more than %d YAML nodes (keys, values, lists and maps, counted before parsing); it is not parsed", lim.MaxNodes)}
	}
	root, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	if err := checkTree(root, lim); err != nil {
		err.Line += doc.StartLine - 1
		return nil, err
	}
	return root, nil
}

// checkUTF8 refuses text that is not UTF-8 or holds control characters, naming
// the first bad byte: yaml.v3 says only "invalid leading UTF-8 octet" or
// "control characters are not allowed", without a line.
func checkUTF8(doc *Document) error {
	data := doc.Data
	if utf8.Valid(data) && !hasControl(data) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return &SyntaxError{Line: doc.StartLine + line - 1, Column: col,
				Message: fmt.Sprintf("byte 0x%02X at column %d is not valid UTF-8: YAML and JSON must be UTF-8 encoded (convert with iconv -t UTF-8)", data[i], col)}
		}
		if isControl(r) {
			return &SyntaxError{Line: doc.StartLine + line - 1, Column: col,
				Message: fmt.Sprintf("control character U+%04X at column %d: YAML does not allow control characters (is this a binary file?)", r, col)}
		}
		if r == '\n' {
			line, col = line+1, 0
		}
		col++
		i += size
	}
	return nil
}

// isControl reports the C0 control characters and DEL, which YAML does not
// allow anywhere (only tab, line feed and carriage return).
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
}

func hasControl(data []byte) bool {
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return true
		}
	}
	return false
}

// countTokens counts, in one pass and without allocating, a close estimate of
// the nodes yaml.v3 will build: each scalar (plain, quoted or block), each flow
// collection and each block-sequence entry. It stops counting past max and
// returns the line at which it did.
func countTokens(data []byte, max int) (n, line int) {
	line = 1
	inRun := false    // inside a plain scalar
	blockIndent := -1 // >= 0: inside a block scalar whose header line has this indentation
	lineStart := true // only indentation seen so far on this line
	indent := 0       // indentation of the current line
	skipLine := func(i int) int {
		for i+1 < len(data) && data[i+1] != '\n' {
			i++
		}
		return i
	}
	for i := 0; i < len(data) && n <= max; i++ {
		c := data[i]
		if c == '\n' {
			inRun, lineStart, indent = false, true, 0
			line++
			continue
		}
		if lineStart {
			if c == ' ' {
				indent++
				continue
			}
			lineStart = false
			if blockIndent >= 0 {
				if indent > blockIndent {
					i = skipLine(i) // block scalar content
					continue
				}
				blockIndent = -1
			}
		}
		switch {
		case c == '#' && (i == 0 || isBlankByte(data[i-1])):
			i = skipLine(i)
			inRun = false
		case isBlankByte(c):
		case c == ',' || c == ']' || c == '}':
			inRun = false
		case c == '[' || c == '{':
			inRun = false
			n++
		case (c == '-' || c == ':' || c == '?') && (i+1 == len(data) || isBlankByte(data[i+1])):
			inRun = false
			if c == '-' {
				n++ // a block-sequence entry
			}
		case inRun:
		case c == '"' || c == '\'':
			n++ // a quoted scalar, possibly over several lines
			for i++; i < len(data); i++ {
				if data[i] == '\n' {
					line++
				}
				if c == '"' && data[i] == '\\' {
					i++
					continue
				}
				if data[i] == c {
					if c == '\'' && i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case (c == '|' || c == '>') && afterValueIndicator(data, i):
			// A block scalar: its header ends the line, the more indented lines below are its text.
			n++
			i = skipLine(i)
			blockIndent = indent
		default:
			inRun = true
			n++
		}
	}
	return n, line
}

// afterValueIndicator reports whether only blanks separate data[i] from a
// preceding ": " or "- " (where `|` and `>` start block scalars).
func afterValueIndicator(data []byte, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch data[j] {
		case ' ', '\t':
			continue
		case ':', '-':
			return true
		}
		return false
	}
	return false
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// checkTree checks nesting depth, scalar length and the exact node count of a
// parsed tree. Aliases are not followed: the converter bounds their expansion.
func checkTree(root *yaml.Node, lim Limits) *LimitError {
	type frame struct {
		n     *yaml.Node
		depth int
	}
	stack := []frame{{root, 0}}
	nodes := 0
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		nodes++
		if nodes > lim.MaxNodes {
			return &LimitError{Limit: LimitNodes, Max: lim.MaxNodes, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("document has more than %d YAML nodes (keys, values, lists and maps)", lim.MaxNodes)}
		}
		if f.depth > lim.MaxDepth {
			return &LimitError{Limit: LimitDepth, Max: lim.MaxDepth, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("document nests more than %d levels deep", lim.MaxDepth)}
		}
		if len(n.Value) > lim.MaxScalarBytes {
			return &LimitError{Limit: LimitScalarBytes, Max: lim.MaxScalarBytes, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("a value of %d bytes is longer than the limit of %d bytes", len(n.Value), lim.MaxScalarBytes)}
		}
		d := f.depth
		if n.Kind != yaml.DocumentNode {
			d++
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, frame{n.Content[i], d})
		}
	}
	return nil
}
