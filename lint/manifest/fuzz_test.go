package manifest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// seedCorpus adds every fixture podlint ships as a seed.
func seedCorpus(f *testing.F) {
	f.Helper()
	for _, pattern := range []string{"../../rules/testdata/*/*/*.yaml", "../../testdata/*/*.yaml", "../../testdata/*/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n--- # c\n...\n\ufeffkind: Pod\r\n"))
}

// FuzzSplitter: splitting never panics, never loses or invents bytes outside
// separator lines, and keeps start lines increasing.
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
			if d.StartLine <= lastStart {
				t.Fatalf("start lines not increasing: %d after %d", d.StartLine, lastStart)
			}
			lastStart = d.StartLine
			total += len(d.Data)
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
		root, err := Parse(&Document{Data: data, StartLine: 1})
		if err != nil {
			return
		}
		items, _ := Items(root)
		for _, it := range items {
			for _, name := range KindNames() {
				dec, err := Decode(it, LookupKind(name))
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
