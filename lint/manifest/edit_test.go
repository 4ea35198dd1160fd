package manifest

import (
	"errors"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func planText(t *testing.T, src string, ops ...Op) (string, error) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	edits, err := PlanEdits([]byte(src), &root, ops)
	if err != nil {
		return "", err
	}
	out, err := ApplyBytes([]byte(src), edits)
	return string(out), err
}

func TestPlanEdits(t *testing.T) {
	const doc = "a:\n  b: 1 # one\n  c: 'x'\nd:\n  e: [1, 2]\nf: |\n  text\n"
	for _, c := range []struct {
		name string
		op   Op
		want string
	}{
		{"set keeps the quote", Op{Kind: OpSetValue, Path: "a.c", Value: "y'z"}, "a:\n  b: 1 # one\n  c: 'y''z'\nd:\n  e: [1, 2]\nf: |\n  text\n"},
		{"set a number", Op{Kind: OpSetValue, Path: "a.b", Value: 2}, "a:\n  b: 2 # one\n  c: 'x'\nd:\n  e: [1, 2]\nf: |\n  text\n"},
		{"a string that would read as a number is quoted", Op{Kind: OpSetValue, Path: "a.b", Value: "2"}, "a:\n  b: '2' # one\n  c: 'x'\nd:\n  e: [1, 2]\nf: |\n  text\n"},
		{"rename", Op{Kind: OpRenameKey, Path: "a.b", Name: "g"}, "a:\n  g: 1 # one\n  c: 'x'\nd:\n  e: [1, 2]\nf: |\n  text\n"},
		{"delete with its comment", Op{Kind: OpDeleteKey, Path: "a.b"}, "a:\n  c: 'x'\nd:\n  e: [1, 2]\nf: |\n  text\n"},
		{"move", Op{Kind: OpMoveKey, Path: "a.b", Parent: "d"}, "a:\n  c: 'x'\nd:\n  e: [1, 2]\n  b: 1 # one\nf: |\n  text\n"},
		{"insert", Op{Kind: OpInsertKey, Path: "a", Name: "h", Value: true}, "a:\n  b: 1 # one\n  c: 'x'\n  h: true\nd:\n  e: [1, 2]\nf: |\n  text\n"},
	} {
		got, err := planText(t, doc, c.op)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v\nwant %q", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		op   Op
	}{
		{"rename onto an existing key", Op{Kind: OpRenameKey, Path: "a.b", Name: "c"}},
		{"delete the last key of a mapping", Op{Kind: OpDeleteKey, Path: "d.e"}},
		{"move into a list", Op{Kind: OpMoveKey, Path: "a.b", Parent: "d.e"}},
		{"set a block scalar", Op{Kind: OpSetValue, Path: "f", Value: "x"}},
		{"insert into a flow sequence", Op{Kind: OpInsertKey, Path: "d.e", Name: "x", Value: 1}},
		{"missing path", Op{Kind: OpSetValue, Path: "a.zz", Value: 1}},
	} {
		if got, err := planText(t, doc, c.op); !errors.Is(err, ErrNoEdit) {
			t.Errorf("%s: %q, %v; want ErrNoEdit", c.name, got, err)
		}
	}
}
