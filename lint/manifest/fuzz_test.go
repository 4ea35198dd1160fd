package manifest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/podlint/podlint/internal/fuzzcorpus"
)

// fixturePatterns are the fixtures the committed seed corpora are generated from.
var fixturePatterns = []string{"../../rules/testdata/*/*/*.yaml", "../../testdata/*/*.yaml", "../../testdata/*/*.json"}

// hostileSeeds are small inputs for the paths fixtures do not reach.
var hostileSeeds = []string{
	"a: &a [*a]\n",
	"---\n--- # c\n...\n\ufeffkind: Pod\r\n",
	"{\"apiVersion\": \"v1\", // c\n \"kind\": \"Pod\",}\n",
	"kind: Pod\nx: &m0 {a: b}\ny: &m1 {<<: [*m0, *m0]}\nz: {<<: [*m1, *m1]}\n",
	"metadata:\n  annotations:\n    a: &a [x, x]\n    b: &b [*a, *a]\n  managedFields: [{fieldsV1: *b}]\n",
	"kind: |\n  x: [1,\n\tb: c\n",
	"metadata: {name: caf\xe9}\n\x00",
	"x: [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]\n",
}

// seedCorpus adds the hand-written hostile seeds; the fixtures come from the
// committed corpus in testdata/fuzz (see TestFuzzCorpus).
func seedCorpus(f *testing.F) {
	f.Helper()
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
}

// TestFuzzCorpus keeps testdata/fuzz in step with the fixtures
// (UPDATE_FUZZ_CORPUS=1 regenerates it).
func TestFuzzCorpus(t *testing.T) {
	fixtures := fuzzcorpus.Fixtures(t, fixturePatterns...)
	var data, located [][]any
	for _, content := range fixtures {
		data = append(data, []any{content})
		for _, path := range fuzzcorpus.WantPaths(content) {
			located = append(located, []any{content, path})
		}
	}
	fuzzcorpus.Sync(t, "FuzzSplitter", data)
	fuzzcorpus.Sync(t, "FuzzDecode", data)
	fuzzcorpus.Sync(t, "FuzzLocate", located)
}

// FuzzSplitter: splitting never panics, never invents bytes, and keeps start
// lines in order.
func FuzzSplitter(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		sp := NewSplitter(bytes.NewReader(data), 1<<16)
		total, lastStart := 0, 0
		for {
			d, err := sp.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // a size error is a valid outcome
			}
			// JSON values can share a line ({}{}), YAML documents cannot.
			if d.StartLine < lastStart {
				t.Fatalf("start lines decreasing: %d after %d", d.StartLine, lastStart)
			}
			lastStart = d.StartLine
			total += len(bytes.TrimLeft(d.Data, " ")) // a JSON value is padded to its column
		}
		if total > len(data) {
			t.Fatalf("documents hold %d bytes, input only %d", total, len(data))
		}
	})
}

// FuzzDecode: parsing, strict decoding and locating every problem never panic,
// and every problem's path resolves to a position inside the document.
func FuzzDecode(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		// Small limits, so that every limit is reachable from small inputs.
		lim := Limits{MaxNodes: 2000, MaxDepth: 32, MaxScalarBytes: 4096, MaxExpandedNodes: 20_000, MaxExpandedBytes: 256 << 10}
		root, err := ParseLimited(&Document{Data: data, StartLine: 1}, lim)
		if err != nil {
			var se *SyntaxError
			var le *LimitError
			if !errors.As(err, &se) && !errors.As(err, &le) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		items, _ := Items(root)
		d := NewDecoder(lim)
		for _, it := range items {
			for _, name := range KindNames() {
				dec, err := d.Decode(it, LookupKind(name))
				if err != nil {
					t.Fatalf("decode as %s: %v", name, err)
				}
				for _, p := range dec.Problems {
					if p.Line < 0 || p.Message == "" {
						t.Fatalf("bad problem %+v", p)
					}
					if line, _, _ := Locate(root, p.Path); line < 0 {
						t.Fatalf("locate %q: line %d", p.Path, line)
					}
				}
			}
		}
	})
}

// FuzzLocate: any path string on any tree resolves without panicking.
func FuzzLocate(f *testing.F) {
	f.Add([]byte("a:\n  b: [1, {c: 2}]\n"), "a.b[1].c")
	f.Add([]byte("x: 1"), "[")
	f.Add([]byte("- 1\n- 2"), "[-1]")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		root, err := Parse(&Document{Data: data, StartLine: 1})
		if err != nil {
			return
		}
		Locate(root, path)
		Lookup(root, path)
	})
}
