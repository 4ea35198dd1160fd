package manifest

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Locate finds the node a field path names in a document's tree and returns its
// line and column (relative to the tree's own text). For a field, that is its key;
// for a list item, the item. A path that does not exist in the tree (a required
// field left out) resolves to its nearest existing parent, with exact false.
func Locate(root *yaml.Node, path string) (line, col int, exact bool) {
	_, line, col, exact = walk(root, path)
	return line, col, exact
}

// Lookup returns the value node at path, or nil when the path does not exist.
func Lookup(root *yaml.Node, path string) *yaml.Node {
	n, _, _, exact := walk(root, path)
	if !exact {
		return nil
	}
	return n
}

// walk follows path from root. It returns the deepest node reached, the position
// of its key (or item), and whether the whole path was found.
func walk(root *yaml.Node, path string) (cur *yaml.Node, line, col int, exact bool) {
	cur = deref(root)
	if cur == nil {
		return nil, 0, 0, false
	}
	line, col = cur.Line, cur.Column
	rest := path
	for rest != "" {
		var seg string
		bracket := false
		switch rest[0] {
		case '.':
			rest = rest[1:]
			continue
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return cur, line, col, false
			}
			seg, rest, bracket = rest[1:end], rest[end+1:], true
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			seg, rest = rest[:end], rest[end:]
		}
		switch {
		case cur.Kind == yaml.SequenceNode && bracket:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(cur.Content) {
				return cur, line, col, false
			}
			item := cur.Content[i]
			line, col = item.Line, item.Column
			cur = deref(item)
		case cur.Kind == yaml.MappingNode:
			k, v := lookupKey(cur, seg)
			if k == nil {
				return cur, line, col, false
			}
			line, col = k.Line, k.Column
			cur = deref(v)
		default:
			return cur, line, col, false
		}
	}
	return cur, line, col, true
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return n
		}
	}
	return n
}

// lookupKey finds key in a mapping; the last occurrence wins, as in decoding.
func lookupKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return m.Content[i], m.Content[i+1]
		}
	}
	for _, p := range pairs(m) {
		if p[0].Value == key {
			return p[0], p[1]
		}
	}
	return nil, nil
}
