package manifest

import (
	"io"
	"strings"
	"testing"
)

// TestSplitterBuffers guards the pooled read buffer and the uncopied lines: documents
// must stay intact after their splitter's buffer is reused by another stream, and a
// line longer than the buffer must arrive whole.
func TestSplitterBuffers(t *testing.T) {
	long := "data: " + strings.Repeat("x", 3*readerBufferSize) + "\n"
	streams := []string{
		"a: 1\n---\nb: 2\n",
		"\xef\xbb\xbfc: 3\n---\n" + long + "---\nd: 4\n",
		"e: 5\n",
	}
	want := [][]string{
		{"a: 1\n", "b: 2\n"},
		{"c: 3\n", long, "d: 4\n"},
		{"e: 5\n"},
	}
	var got [][]*Document
	for _, s := range streams {
		sp := NewSplitter(strings.NewReader(s), 8<<20)
		var docs []*Document
		for {
			d, err := sp.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, d)
		}
		got = append(got, docs)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("stream %d: %d documents, want %d", i, len(got[i]), len(want[i]))
		}
		for j, w := range want[i] {
			if d := string(got[i][j].Data); d != w {
				t.Errorf("stream %d document %d: got %.40q (%d bytes), want %.40q (%d bytes)", i, j+1, d, len(d), w, len(w))
			}
		}
	}
}
