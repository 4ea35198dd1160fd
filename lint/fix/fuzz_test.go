package fix_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/podlint/podlint/internal/fuzzcorpus"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/fix"
	"github.com/podlint/podlint/rules"
)

// FuzzFix fixes arbitrary input, and the same input with CRLF line endings and
// a byte order mark, and asserts what podlint fix promises: every edit's line
// and column name its byte offset; the bytes outside the edits of a round are
// unchanged; the fixed text parses wherever the input did; and fixing the
// fixed text again is a no-op.
func FuzzFix(f *testing.F) {
	// Seeds: the committed corpus in testdata/fuzz/FuzzFix (see TestFuzzCorpus).
	engine := lint.NewEngine(rules.All(), lint.Options{Workers: 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		for _, in := range [][]byte{data, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), append([]byte("\ufeff"), data...)} {
			checkFix(t, engine, in)
		}
	})
}

func checkFix(t *testing.T, engine *lint.Engine, data []byte) {
	ctx := context.Background()
	first := engine.Run(ctx, []lint.Source{source(data)})
	for _, err := range first.Internal {
		t.Fatal(err)
	}
	edits, _ := fix.Select(first.Findings, "in.yaml")
	for _, e := range edits {
		for _, s := range []lint.TextSpot{e.Start, e.End} {
			if line, col := position(data, s.Offset); line != s.Line || col != s.Column {
				t.Fatalf("edit %s: offset %d is %d:%d, not %d:%d\n%q", e, s.Offset, line, col, s.Line, s.Column, data)
			}
		}
	}
	out, err := fix.Apply(data, edits)
	if err != nil {
		t.Fatalf("Select chose edits Apply refuses: %v", err)
	}
	assertOutsideUnchanged(t, data, out, edits)

	r, err := fix.Buffer(ctx, engine, "in.yaml", data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rounds == 0 {
		if !bytes.Equal(r.Fixed, data) {
			t.Fatalf("no round applied, yet the text changed")
		}
		return
	}
	if first.InputErrors() == 0 && r.Check.InputErrors() > 0 {
		t.Fatalf("the fixed text has input errors the original did not:\n%q\n->\n%q\n%v", data, r.Fixed, r.Check.Findings)
	}
	again, err := fix.Buffer(ctx, engine, "in.yaml", r.Fixed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Rounds != 0 || !bytes.Equal(again.Fixed, r.Fixed) {
		t.Fatalf("a second fix changed the text:\n%q\n->\n%q", r.Fixed, again.Fixed)
	}
}

func source(data []byte) lint.Source {
	return lint.Source{Name: "in.yaml", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// position is an independent count of an offset's line and column: lines end at
// "\n", columns count characters, and a leading byte order mark is not one.
func position(data []byte, off int) (int, int) {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	seg := data[start:off]
	if start == 0 {
		seg = bytes.TrimPrefix(seg, []byte("\ufeff"))
	}
	return line, 1 + utf8.RuneCount(seg)
}

// assertOutsideUnchanged checks that out is data with only the edited ranges replaced.
func assertOutsideUnchanged(t *testing.T, data, out []byte, edits []lint.Edit) {
	t.Helper()
	sorted := append([]lint.Edit(nil), edits...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Start.Offset < sorted[j-1].Start.Offset; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	pos, shift := 0, 0
	for _, e := range sorted {
		if !bytes.Equal(data[pos:e.Start.Offset], out[pos+shift:e.Start.Offset+shift]) {
			t.Fatalf("bytes [%d,%d) outside the edits changed", pos, e.Start.Offset)
		}
		if got := out[e.Start.Offset+shift : e.Start.Offset+shift+len(e.Text)]; string(got) != e.Text {
			t.Fatalf("edit %s: %q where %q belongs", e, got, e.Text)
		}
		shift += len(e.Text) - (e.End.Offset - e.Start.Offset)
		pos = e.End.Offset
	}
	if !bytes.Equal(data[pos:], out[pos+shift:]) {
		t.Fatalf("bytes after the last edit changed")
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzFix in step with the rule fixtures,
// the fix fixtures among them (UPDATE_FUZZ_CORPUS=1 regenerates it).
func TestFuzzCorpus(t *testing.T) {
	var entries [][]any
	for _, content := range fuzzcorpus.Fixtures(t, "../../rules/testdata/*/*/*.yaml", "../../testdata/*/*.yaml") {
		entries = append(entries, []any{content})
	}
	fuzzcorpus.Sync(t, "FuzzFix", entries)
}
