package manifest

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// scalarKind is what a YAML scalar means once resolved the way kubectl resolves it.
type scalarKind int

const (
	scalarNull scalarKind = iota
	scalarBool
	scalarInt
	scalarFloat
	scalarString
)

func (k scalarKind) String() string {
	switch k {
	case scalarNull:
		return "null"
	case scalarBool:
		return "boolean"
	case scalarInt:
		return "integer"
	case scalarFloat:
		return "number"
	}
	return "string"
}

// scalar is a resolved YAML scalar.
type scalar struct {
	kind scalarKind
	b    bool
	i    int64
	u    uint64 // set with isUint for integers above MaxInt64
	f    float64
	s    string
	// isUint marks an integer that only fits uint64.
	isUint bool
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolveScalar resolves a scalar node with YAML 1.1 rules, as kubectl does: it
// converts YAML to JSON with sigs.k8s.io/yaml, which is built on yaml.v2. So
// `yes`, `on` and `off` are booleans and `0777` is octal, although yaml.v3 (which
// podlint parses with, for positions) would read them as YAML 1.2.
func resolveScalar(n *yaml.Node) scalar {
	v := n.Value
	// yaml.v3 fills Tag with its own YAML 1.2 resolution; only an explicit tag counts.
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!!binary":
			return scalar{kind: scalarString, s: v}
		case "!!null":
			return scalar{kind: scalarNull}
		case "!!bool":
			if b, ok := yaml11Bool(v); ok {
				return scalar{kind: scalarBool, b: b}
			}
		case "!!int", "!!float":
			if s, ok := resolveNumber(v); ok {
				return s
			}
		}
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return scalar{kind: scalarString, s: v}
	}
	switch v {
	case "", "~", "null", "Null", "NULL":
		return scalar{kind: scalarNull}
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return scalar{kind: scalarFloat, f: math.Inf(1)}
	case "-.inf", "-.Inf", "-.INF":
		return scalar{kind: scalarFloat, f: math.Inf(-1)}
	case ".nan", ".NaN", ".NAN":
		return scalar{kind: scalarFloat, f: math.NaN()}
	}
	if b, ok := yaml11Bool(v); ok {
		return scalar{kind: scalarBool, b: b}
	}
	if c := v[0]; c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') {
		if s, ok := resolveNumber(v); ok {
			return s
		}
	}
	return scalar{kind: scalarString, s: v}
}

func yaml11Bool(v string) (bool, bool) {
	switch v {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

func resolveNumber(v string) (scalar, bool) {
	plain := strings.ReplaceAll(v, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return scalar{kind: scalarInt, i: i}, true
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return scalar{kind: scalarInt, u: u, isUint: true}, true
	}
	if yamlStyleFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return scalar{kind: scalarFloat, f: f}, true
		}
	}
	return scalar{}, false
}

// jsonText renders the scalar as a JSON value.
func (s scalar) jsonText() string {
	switch s.kind {
	case scalarNull:
		return "null"
	case scalarBool:
		if s.b {
			return "true"
		}
		return "false"
	case scalarInt:
		if s.isUint {
			return strconv.FormatUint(s.u, 10)
		}
		return strconv.FormatInt(s.i, 10)
	case scalarFloat:
		if math.IsInf(s.f, 0) || math.IsNaN(s.f) {
			return "null" // JSON has no such numbers; the caller reports them
		}
		return strconv.FormatFloat(s.f, 'g', -1, 64)
	}
	return strconv.Quote(s.s)
}

// display is how the value is shown in messages.
func (s scalar) display() string {
	if s.kind == scalarString {
		return strconv.Quote(s.s)
	}
	if s.kind == scalarFloat {
		return strconv.FormatFloat(s.f, 'g', -1, 64)
	}
	return s.jsonText()
}
