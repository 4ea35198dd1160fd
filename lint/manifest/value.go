package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// ErrTooComplex is returned by Value when a tree exceeds the node or depth bound.
var ErrTooComplex = errors.New("document too complex")

// Value converts a node tree into the generic value kubectl would send as JSON:
// map[string]any, []any, string, bool, json.Number (exact, as written) or nil.
// Scalars resolve as in Decode (YAML 1.1), merge keys expand, aliases are followed
// and, as when decoding, the last of repeated keys wins. No schema applies: unknown
// fields stay, so the value is the object exactly as written. The same node and
// depth bounds as Decode apply, so aliases cannot make it explode.
func Value(n *yaml.Node) (any, error) {
	lim := DefaultLimits()
	budget := lim.MaxExpandedNodes
	return value(n, 0, &budget, &lim)
}

func value(n *yaml.Node, depth int, budget *int, lim *Limits) (any, error) {
	*budget--
	if *budget < 0 || depth > lim.MaxDepth {
		return nil, fmt.Errorf("%w: more than %d nodes or %d levels", ErrTooComplex, lim.MaxExpandedNodes, lim.MaxDepth)
	}
	n = deref(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		sc := resolveScalar(n)
		switch sc.kind {
		case scalarNull:
			return nil, nil
		case scalarBool:
			return sc.b, nil
		case scalarString:
			return sc.s, nil
		case scalarFloat:
			if math.IsInf(sc.f, 0) || math.IsNaN(sc.f) {
				return nil, nil // JSON cannot carry them; strict decoding reports them
			}
		}
		return json.Number(sc.jsonText()), nil
	case yaml.MappingNode:
		ps := pairs(n)
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			if p[0].Kind != yaml.ScalarNode {
				continue // not representable in JSON; strict decoding reports it
			}
			v, err := value(p[1], depth+1, budget, lim)
			if err != nil {
				return nil, err
			}
			m[jsonKey(p[0])] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := value(item, depth+1, budget, lim)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	}
	return nil, nil
}

// jsonKey is the JSON name kubectl gives a mapping key: sigs.k8s.io/yaml resolves
// keys with YAML 1.1 too, so `y:` and `on:` become "true" and `0x10:` "16".
func jsonKey(k *yaml.Node) string {
	sc := resolveScalar(k)
	switch sc.kind {
	case scalarBool:
		return strconv.FormatBool(sc.b)
	case scalarInt:
		if sc.isUint {
			return strconv.FormatUint(sc.u, 10)
		}
		return strconv.FormatInt(sc.i, 10)
	case scalarFloat:
		switch s := strconv.FormatFloat(sc.f, 'g', -1, 32); s {
		case "+Inf":
			return ".inf"
		case "-Inf":
			return "-.inf"
		case "NaN":
			return ".nan"
		default:
			return s
		}
	}
	return k.Value
}
