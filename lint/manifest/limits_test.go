package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// TestCountTokensTracksNodes keeps the pre-parse estimate honest on every
// fixture: close to the node count yaml.v3 builds, so the limit a user sets is
// the limit they get.
func TestCountTokensTracksNodes(t *testing.T) {
	files, _ := filepath.Glob("../../rules/testdata/*/*/*.yaml")
	for _, pattern := range []string{"../../testdata/*/*.yaml", "../../testdata/*/*.json"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d fixtures found", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sp := NewSplitter(strings.NewReader(string(data)), 1<<20)
		for {
			doc, err := sp.Next()
			if err != nil {
				break
			}
			root, err := Parse(doc)
			if err != nil || IsEmpty(doc.Data) {
				continue
			}
			nodes := countNodes(root) - 1 // the document node has no token
			tokens, _ := countTokens(doc.Data, 1<<30)
			if tokens > nodes*5/4+2 || tokens < nodes*3/4-2 {
				t.Errorf("%s document %d: %d tokens for %d nodes", path, doc.Index, tokens, nodes)
			}
		}
	}
}

func TestCountTokensCases(t *testing.T) {
	for src, want := range map[string]int{
		"a: b\n":                                            2,
		"a: [1, 2, {c: d}]\n":                               7,
		"- a\n- 'it''s: [x]'\n- \"q\\\"\"":                  6, // three entries, three scalars
		"a: |\n  x: [1, 2]\n  - y\nb: c\n":                  4,
		"a: >-\n\n  text # not a comment\nb: c # comment\n": 4,
		"# only: [a, comment]\n":                            0,
		`{"a": "b", "c": [1, 2]}`:                           7,
		"image: nginx:1.27\n":                               2,
	} {
		if got, _ := countTokens([]byte(src), 1<<30); got != want {
			t.Errorf("countTokens(%q) = %d, want %d", src, got, want)
		}
	}
}

func TestParseLimited(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		lim       Limits
		limit     string
		line      int
	}{
		{name: "nodes", src: "a: b\nc: [" + strings.Repeat("1,", 100) + "1]\n", lim: Limits{MaxNodes: 50}, limit: LimitNodes, line: 12},
		{name: "depth", src: "a:\n  b:\n    c: [[[1]]]\n", lim: Limits{MaxDepth: 4}, limit: LimitDepth, line: 13},
		{name: "scalar", src: "a: b\nc: |\n  " + strings.Repeat("x", 100) + "\n", lim: Limits{MaxScalarBytes: 64}, limit: LimitScalarBytes, line: 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLimited(&Document{Data: []byte(tc.src), StartLine: 11}, tc.lim)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tc.limit || le.Line != tc.line {
				t.Fatalf("got %#v, want a %s limit at line %d", err, tc.limit, tc.line)
			}
		})
	}
	if _, err := ParseLimited(&Document{Data: []byte("a: [[[1]]]\n"), StartLine: 1}, Limits{MaxDepth: 4}); err != nil {
		t.Errorf("depth 4 is within a limit of 4: %v", err)
	}
}

// TestMergeKeyChainIsLinear: each mapping merges the previous one twice, so a
// naive expansion visits 2^60 mappings; merged keys still resolve in order.
func TestMergeKeyChainIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nx:\n  - &m0 {a: zero, k0: v}\n")
	for i := 1; i <= 60; i++ {
		b.WriteString("  - &m" + itoa(i) + " {<<: [*m" + itoa(i-1) + ", *m" + itoa(i-1) + "], k" + itoa(i) + ": v, a: " + itoa(i) + "}\n")
	}
	b.WriteString("metadata:\n  labels: {<<: *m60}\n")
	start := time.Now()
	root := parseOne(t, b.String())
	labels := Lookup(root, "metadata.labels")
	ps := pairs(labels)
	if len(ps) != 62 || ps[0][0].Value != "k60" || ps[1][0].Value != "a" || ps[1][1].Value != "60" {
		t.Fatalf("got %d pairs, first %s=%s", len(ps), ps[0][0].Value, ps[1][1].Value)
	}
	if line, _, exact := Locate(root, "metadata.labels.k0"); !exact || line != 4 {
		t.Errorf("k0 located at line %d (exact %v), want 4", line, exact)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestDecoderSharesBudgetAcrossListItems(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nx: &big [" + strings.Repeat("a, ", 999) + "a]\nitems:\n")
	for i := 0; i < 20; i++ {
		b.WriteString("  - {apiVersion: v1, kind: Pod, metadata: {managedFields: [{fieldsV1: *big}]}}\n")
	}
	items, _ := Items(parseOne(t, b.String()))
	d := NewDecoder(Limits{MaxExpandedNodes: 10_000})
	aborted := 0
	for _, it := range items {
		dec, err := d.Decode(it, LookupKind("Pod"))
		if err != nil {
			t.Fatal(err)
		}
		if dec.Aborted {
			aborted++
			if p := dec.Problems[len(dec.Problems)-1]; p.Limit != LimitExpandedNodes || p.Line != 6+aborted-1+(20-len(items)) && p.Line < 6 {
				t.Errorf("problem %+v", p)
			}
		}
	}
	// Each item expands ~1,000 nodes: about ten fit in the shared budget.
	if aborted < 9 || aborted > 11 {
		t.Errorf("%d of %d items aborted, want about 10", aborted, len(items))
	}
}
