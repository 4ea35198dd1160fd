package manifest

import (
	"fmt"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ParsePattern checks a field pattern such as spec.workerGroupSpecs[*].template
// or spec.pytorchReplicaSpecs.*.template: field names separated by dots, "*" for
// every key of a map, "[*]" after a name for every item of its list.
func ParsePattern(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("empty path")
	}
	for _, seg := range strings.Split(pattern, ".") {
		name := strings.TrimSuffix(seg, "[*]")
		if name == "" || strings.ContainsAny(name, "[]*") && name != "*" {
			return fmt.Errorf("bad segment %q in path %q: use field names, * for every key of a map and [*] for every item of a list", seg, pattern)
		}
	}
	return nil
}

// MatchPattern calls fn with the concrete path (in the field.Path notation
// findings use: map keys as [key], list items as [i]) and node of every value
// the pattern names under root. Paths that do not exist are skipped.
func MatchPattern(root *yaml.Node, pattern string, fn func(path string, n *yaml.Node)) {
	matchSegs(deref(root), "", strings.Split(pattern, "."), fn)
}

func matchSegs(n *yaml.Node, path string, segs []string, fn func(string, *yaml.Node)) {
	if n == nil {
		return
	}
	if len(segs) == 0 {
		fn(path, n)
		return
	}
	seg := segs[0]
	each := strings.HasSuffix(seg, "[*]")
	name := strings.TrimSuffix(seg, "[*]")
	var next []hit
	if n.Kind != yaml.MappingNode {
		return
	}
	if name == "*" {
		for _, p := range pairs(n) {
			next = append(next, hit{path + "[" + p[0].Value + "]", deref(p[1])})
		}
	} else if _, v := lookupKey(n, name); v != nil {
		p := name
		if path != "" {
			p = path + "." + name
		}
		next = append(next, hit{p, deref(v)})
	}
	for _, c := range next {
		if !each {
			matchSegs(c.node, c.path, segs[1:], fn)
			continue
		}
		if c.node == nil || c.node.Kind != yaml.SequenceNode {
			continue
		}
		for i, item := range c.node.Content {
			matchSegs(deref(item), c.path+"["+strconv.Itoa(i)+"]", segs[1:], fn)
		}
	}
}

type hit struct {
	path string
	node *yaml.Node
}
