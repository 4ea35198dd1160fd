package parity

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Generator derives variants of valid seed objects by deterministic mutation: the
// same seed always gives the same variants, so a disagreement can be replayed.
type Generator struct {
	seeds []seed
	rng   *rand.Rand
	n     int
}

type seed struct {
	name string
	obj  map[string]any
}

// NewGenerator returns a generator over the seed objects (YAML or JSON, one object each).
func NewGenerator(seedValue uint64, seeds []Case) (*Generator, error) {
	g := &Generator{rng: rand.New(rand.NewPCG(seedValue, 0x706f646c696e74))}
	for _, c := range seeds {
		var m map[string]any
		if err := yaml.Unmarshal(c.Data, &m); err != nil {
			return nil, fmt.Errorf("seed %s: %w", c.Name, err)
		}
		g.seeds = append(g.seeds, seed{name: c.Name, obj: m})
	}
	if len(g.seeds) == 0 {
		return nil, fmt.Errorf("no seeds")
	}
	return g, nil
}

// Next returns the next variant: a seed with one to three mutations. Its name
// lists the seed and each mutation applied, with the path it touched.
func (g *Generator) Next() Case {
	g.n++
	s := g.seeds[g.rng.IntN(len(g.seeds))]
	obj := deepCopy(s.obj).(map[string]any)
	var applied []string
	// Mostly one mutation, so that about half the variants stay valid and a
	// rejection usually has one cause.
	k := 1
	if r := g.rng.IntN(20); r >= 17 {
		k = 3
	} else if r >= 12 {
		k = 2
	}
	for ; k > 0; k-- {
		if d := g.mutate(obj); d != "" {
			applied = append(applied, d)
		}
	}
	data, err := yaml.Marshal(obj)
	if err != nil {
		panic(err) // the tree holds only JSON values
	}
	return Case{Name: fmt.Sprintf("gen#%d %s: %s", g.n, baseName(s.name), strings.Join(applied, "; ")), Data: data}
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// node is one place in the tree: its path, its value, and how to replace or delete it.
type node struct {
	path   string
	value  any
	set    func(any)
	delete func()
	key    string // the map key, "" for list elements
	rename func(string)
}

// walk lists every node below v, in a stable order.
func walk(v any, path string, out *[]node) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if path == "" && (k == "apiVersion" || k == "kind") {
				// kubectl refuses a document without them before any API server
				// sees it; kind changes have their own operation.
				continue
			}
			m, key := t, k
			*out = append(*out, node{path: p, value: t[k], key: k,
				set:    func(x any) { m[key] = x },
				delete: func() { delete(m, key) },
				rename: func(n string) { v := m[key]; delete(m, key); m[n] = v },
			})
			walk(t[k], p, out)
		}
	case []any:
		for i := range t {
			p := fmt.Sprintf("%s[%d]", path, i)
			l, idx := t, i
			*out = append(*out, node{path: p, value: t[i], set: func(x any) { l[idx] = x }})
			walk(t[i], p, out)
		}
	}
}

// Values that are out of range, or unsupported, somewhere in a pod spec.
var (
	badInts    = []any{-1, 0, 65536, 2147483648, -100, 1000000000, 1}
	badStrings = []any{"", "Bogus", "bad_name", "UPPER", "/abs/path", "../up", "a..b", "-lead", "x/y", "1.5Gx", "-1", "0", "*", strings.Repeat("l", 254), "Never", "OnFailure", "Always", "None", "Default", "RollingUpdate", "Recreate", "OnDelete", "Parallel", "TCP", "SCTP", "udp"}
)

var operations = []func(g *Generator, obj map[string]any, nodes []node) string{
	// drop a field or list element
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { return n.delete != nil })
		if n == nil {
			return ""
		}
		n.delete()
		return "drop " + n.path
	},
	// duplicate a list element (same names twice)
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { _, ok := n.value.([]any); return ok && len(n.value.([]any)) > 0 })
		if n == nil {
			return ""
		}
		l := n.value.([]any)
		n.set(append(l, deepCopy(l[g.rng.IntN(len(l))])))
		return "duplicate in " + n.path
	},
	// retype a value
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { return true })
		if n == nil {
			return ""
		}
		var nv any
		switch n.value.(type) {
		case string:
			nv = []any{7, true, map[string]any{"a": "b"}}[g.rng.IntN(3)]
		case float64, int, int64:
			nv = []any{"7", "seven", true}[g.rng.IntN(3)]
		case bool:
			nv = []any{"true", 1}[g.rng.IntN(2)]
		case map[string]any:
			nv = []any{[]any{n.value}, "x"}[g.rng.IntN(2)]
		case []any:
			l := n.value.([]any)
			if len(l) > 0 {
				nv = l[0]
			} else {
				nv = "x"
			}
		default:
			nv = "x"
		}
		n.set(nv)
		return "retype " + n.path
	},
	// rename a field (a typo or a case slip)
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { return n.rename != nil && len(n.key) > 1 })
		if n == nil {
			return ""
		}
		var nk string
		switch g.rng.IntN(3) {
		case 0:
			i := g.rng.IntN(len(n.key))
			nk = n.key[:i] + n.key[i+1:]
		case 1:
			nk = strings.ToUpper(n.key[:1]) + n.key[1:]
		default:
			nk = n.key + "s"
		}
		n.rename(nk)
		return "rename " + n.path + " to " + nk
	},
	// out-of-range number
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { _, ok := n.value.(float64); return ok })
		if n == nil {
			return ""
		}
		v := badInts[g.rng.IntN(len(badInts))]
		n.set(v)
		return fmt.Sprintf("set %s to %v", n.path, v)
	},
	// unsupported string
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool { _, ok := n.value.(string); return ok })
		if n == nil {
			return ""
		}
		v := badStrings[g.rng.IntN(len(badStrings))]
		n.set(v)
		return fmt.Sprintf("set %s to %.20q", n.path, v)
	},
	// nudge a number (one more) or a list (drop its last element): mostly still valid
	func(g *Generator, obj map[string]any, nodes []node) string {
		n := g.pick(nodes, func(n node) bool {
			switch v := n.value.(type) {
			case float64:
				return true
			case []any:
				return len(v) > 1
			}
			return false
		})
		if n == nil {
			return ""
		}
		if f, ok := n.value.(float64); ok {
			n.set(f + 1)
			return fmt.Sprintf("set %s to %v", n.path, f+1)
		}
		l := n.value.([]any)
		n.set(l[:len(l)-1])
		return "shorten " + n.path
	},
	// move a container between initContainers and containers
	func(g *Generator, obj map[string]any, nodes []node) string {
		spec := podSpecOf(obj)
		if spec == nil {
			return ""
		}
		from, to := "containers", "initContainers"
		if g.rng.IntN(2) == 0 {
			from, to = to, from
		}
		l, _ := spec[from].([]any)
		if len(l) == 0 {
			return ""
		}
		i := g.rng.IntN(len(l))
		c := l[i]
		spec[from] = append(l[:i:i], l[i+1:]...)
		dst, _ := spec[to].([]any)
		spec[to] = append(dst, c)
		return fmt.Sprintf("move %s[%d] to %s", from, i, to)
	},
	// change the kind (the spec stays) or the apiVersion
	func(g *Generator, obj map[string]any, nodes []node) string {
		kinds := [][2]string{{"v1", "Pod"}, {"v1", "ReplicationController"}, {"apps/v1", "Deployment"}, {"apps/v1", "ReplicaSet"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"}, {"batch/v1", "Job"}, {"batch/v1", "CronJob"}, {"apps/v1beta2", "Deployment"}, {"extensions/v1beta1", "DaemonSet"}, {"batch/v1beta1", "CronJob"}, {"apps/v1", "Pod"}}
		k := kinds[g.rng.IntN(len(kinds))]
		obj["apiVersion"], obj["kind"] = k[0], k[1]
		return "kind " + k[0] + " " + k[1]
	},
}

// opWeights lists operation indexes, each as often as it should be drawn.
var opWeights = []int{0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 7}

// mutate applies one random operation and describes it ("" when it found no target).
func (g *Generator) mutate(obj map[string]any) string {
	var nodes []node
	walk(obj, "", &nodes)
	// Kind changes turn most objects into nonsense; keep them rare. Strict-decoding
	// mutations (retype, rename) always reject, so they are drawn less often than
	// drops and value changes, which the API server often accepts.
	op := operations[len(operations)-1]
	if g.rng.IntN(25) != 0 {
		op = operations[opWeights[g.rng.IntN(len(opWeights))]]
	}
	return op(g, obj, nodes)
}

func (g *Generator) pick(nodes []node, ok func(node) bool) *node {
	var c []int
	for i, n := range nodes {
		if ok(n) {
			c = append(c, i)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return &nodes[c[g.rng.IntN(len(c))]]
}

// podSpecOf finds the pod spec in a Pod or any workload (CronJob's is deepest).
func podSpecOf(obj map[string]any) map[string]any {
	for _, p := range [][]string{{"spec", "jobTemplate", "spec", "template", "spec"}, {"spec", "template", "spec"}, {"spec"}} {
		var cur any = obj
		for _, k := range p {
			m, _ := cur.(map[string]any)
			cur = m[k]
		}
		if m, ok := cur.(map[string]any); ok {
			if _, has := m["containers"]; has {
				return m
			}
		}
	}
	return nil
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
