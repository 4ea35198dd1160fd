package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/podlint/podlint/internal/fuzzcorpus"
	yaml "go.yaml.in/yaml/v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// readResult is which documents a reader could read from a stream, in order:
// each one's content as canonical JSON (null and empty documents left out, as
// kubectl skips them), and whether reading stopped on an error after them.
type readResult struct {
	docs   []string
	failed bool
}

// kubectlReads reads a stream as kubectl's resource builder does: apimachinery's
// YAMLOrJSONDecoder with a 4096-byte sniff buffer, until EOF or the first error.
func kubectlReads(data []byte) readResult {
	var out readResult
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for range 100000 {
		var v any
		if err := d.Decode(&v); err != nil {
			out.failed = !errors.Is(err, io.EOF)
			return out
		}
		if v != nil {
			out.docs = append(out.docs, canonicalJSON(v))
		}
	}
	panic("kubectl's decoder did not finish")
}

// podlintReads reads a stream with podlint's splitter and parser, and the value
// podlint would send (manifest.Value), stopping at the first document it cannot read.
func podlintReads(data []byte) readResult {
	var out readResult
	sp := NewSplitter(bytes.NewReader(data), 1<<24)
	for {
		doc, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out.failed = true
			return out
		}
		if doc.Err == nil && IsEmpty(doc.Data) {
			continue
		}
		root, err := Parse(doc)
		if err != nil {
			out.failed = true
			return out
		}
		v, err := Value(root)
		if err != nil || hasComplexKey(root) {
			// A key that is a list or a map: the strict decoder reports it as an
			// api error, and yaml.v2 fails on it.
			out.failed = true
			return out
		}
		if v != nil {
			out.docs = append(out.docs, canonicalJSON(v))
		}
	}
}

func hasComplexKey(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Kind != yaml.ScalarNode && c.Kind != yaml.AliasNode {
			return true
		}
		if hasComplexKey(c) {
			return true
		}
	}
	return false
}

func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	var back any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&back); err != nil {
		return string(b)
	}
	b, _ = json.Marshal(normalizeNumbers(back))
	return string(b)
}

// normalizeNumbers writes numbers one way: kubectl's decoder gives float64 and
// int64, podlint json.Number as written; both are the same JSON number.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
	}
	return v
}

// agree compares the two readers on one stream: podlint reads the documents
// kubectl reads and fails where kubectl fails; with content, each document
// must also hold the same value.
func agree(t *testing.T, name string, data []byte, content bool) {
	t.Helper()
	k, p := kubectlReads(data), podlintReads(data)
	if !content {
		// yaml.v2 reads an empty scalar with a tag ("!") as "", yaml.v3 as null.
		k.docs, p.docs = withoutEmpty(k.docs), withoutEmpty(p.docs)
	}
	n := min(len(k.docs), len(p.docs))
	if !content {
		n = 0
	}
	for i := range n {
		if k.docs[i] != p.docs[i] {
			t.Errorf("%s: document %d: kubectl reads %s, podlint %s", name, i+1, k.docs[i], p.docs[i])
			return
		}
	}
	if len(k.docs) != len(p.docs) || k.failed != p.failed {
		t.Errorf("%s: kubectl reads %d documents (then fails: %v), podlint %d (then fails: %v)\ninput: %q",
			name, len(k.docs), k.failed, len(p.docs), p.failed, data)
	}
}

func withoutEmpty(docs []string) []string {
	var out []string
	for _, d := range docs {
		if d != `""` {
			out = append(out, d)
		}
	}
	return out
}

// kubectlCases are the streams where the two ways of reading used to differ.
var kubectlCases = []string{
	"{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\",\n}\n",                         // trailing comma: YAML
	"---\n{\n  # flow style with comments\n  apiVersion: v1,\n  kind: Pod,\n}\n", // flow document after ---
	"{\"a\": 1}\n{\"b\": 2}\n",                                                   // concatenated JSON
	"{\"a\": 1}{\"b\": 2}{\"c\": 3}\n",                                           // on one line
	"{\"a\": 1}\n---\nb: 2\n---\n{c: 3,}\n",                                      // JSON, then YAML
	"{\"a\": 1}\nb: 2\n",                                                         // JSON, then YAML without ---
	"{\"a\": 1}\n{\"b\": 2}\n---\nc: 3\n",                                        // two JSON values: no YAML after
	"{\"a\": 1}\n{\"b\": 2}\n{c: 3,}\n",                                          // nor flow YAML
	"{\"a\": 1} # trailing comment\n",                                            // one JSON value, then YAML
	"a: 1\n...\n---\nb: 2\n",                                                     // document end marker
	"a: 1\n...\nb: 2\n",                                                          // content after ... is dropped
	"...\n",                                                                      // a marker alone is an error
	"a: 1\n--- b: 2\n",                                                           // content after ---
	"a: 1\n----\nb: 2\n",                                                         // four dashes
	"---x\n",                                                                     // at the start
	"\ufeff{\"a\": 1}\n",                                                         // a BOM is not a space: YAML
	"null\n---\n{\"a\": null}\n",                                                 // null documents
	"{\"a\": 1}\nnull\n{\"b\": 2}\n",                                             // null JSON value
	"{\"a\": [1, 2, {\"b\": \"}\"}]}\n{\"c\": \"\\u00e9\\n\"}\n",                 // brackets in strings
	"# only a comment\n---\n---\na: 1\n",                                         // empty documents
	"a: 1\r\n---\r\nb: 2\r\n",                                                    // CRLF
	"{\"a\": 1}\n   \n\n",                                                        // JSON and blank tail
}

func TestReaderAgreesWithKubectl(t *testing.T) {
	for _, c := range kubectlCases {
		agree(t, "case", []byte(c), true)
	}
	for _, s := range hostileSeeds {
		agree(t, "hostile seed", []byte(s), true)
	}
	// The fixtures, which are also the committed seed corpora of the fuzz targets.
	for name, data := range fuzzcorpus.Fixtures(t, fixturePatterns...) {
		agree(t, name, data, true)
	}
}

// FuzzKubectlReader: podlint reads exactly the documents kubectl's decoder reads.
// Values are compared on the fixtures only: on random input yaml.v2 and yaml.v3
// differ in corners no manifest uses (an empty scalar with a local tag, for one).
func FuzzKubectlReader(f *testing.F) {
	seedCorpus(f)
	for _, c := range kubectlCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, "fuzz", data, false)
	})
}
