package lsp

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// text is one version of a document with the start of each line, so that
// LSP positions (UTF-16 code units) and podlint's (bytes, runes) convert
// without rescanning the whole document.
type text struct {
	s     string
	lines []int // byte offset at which each line starts
}

func newText(s string) *text {
	t := &text{s: s, lines: make([]int, 1, strings.Count(s, "\n")+1)}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// line returns line n (0-based) without its line break.
func (t *text) line(n int) string {
	if n < 0 || n >= len(t.lines) {
		return ""
	}
	end := len(t.s)
	if n+1 < len(t.lines) {
		end = t.lines[n+1] - 1
	}
	return strings.TrimSuffix(t.s[t.lines[n]:end], "\r")
}

// position converts a byte offset to an LSP position; offsets inside a
// multi-byte character round down to its start.
func (t *text) position(off int) Position {
	off = max(0, min(off, len(t.s)))
	n := sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off }) - 1
	return Position{Line: n, Character: utf16Len(t.s[t.lines[n]:off])}
}

// offset converts an LSP position to a byte offset. A character past the end
// of its line means the end of the line, and a line past the end the end of
// the text, as LSP asks servers to treat them.
func (t *text) offset(p Position) (int, error) {
	if p.Line < 0 || p.Character < 0 {
		return 0, fmt.Errorf("negative position %d:%d", p.Line, p.Character)
	}
	if p.Line >= len(t.lines) {
		return len(t.s), nil
	}
	start := t.lines[p.Line]
	end := len(t.s)
	if p.Line+1 < len(t.lines) {
		end = t.lines[p.Line+1] - 1
	}
	units := 0
	for i, r := range t.s[start:end] {
		if units >= p.Character {
			return start + i, nil
		}
		units += utf16RuneLen(r)
	}
	return end, nil
}

// runePosition converts podlint's 1-based line and rune column (yaml.v3's
// counting) to an LSP position; zero means unknown and maps to the start.
func (t *text) runePosition(line, col int) Position {
	if line <= 0 {
		return Position{}
	}
	l := t.line(line - 1)
	units, n := 0, 0
	for _, r := range l {
		if n >= col-1 {
			break
		}
		units += utf16RuneLen(r)
		n++
	}
	return Position{Line: line - 1, Character: units}
}

// runeColumn converts an LSP position to podlint's 1-based line and rune column.
func (t *text) runeColumn(p Position) (line, col int) {
	l := t.line(p.Line)
	units, n := 0, 0
	for _, r := range l {
		if units >= p.Character {
			break
		}
		units += utf16RuneLen(r)
		n++
	}
	return p.Line + 1, n + 1
}

// apply returns the text with one change applied: the whole text, or a range.
func (t *text) apply(c TextDocumentContentChangeEvent) (string, error) {
	if c.Range == nil {
		return c.Text, nil
	}
	start, err := t.offset(c.Range.Start)
	if err != nil {
		return "", err
	}
	end, err := t.offset(c.Range.End)
	if err != nil {
		return "", err
	}
	if end < start {
		return "", fmt.Errorf("change range ends before it starts")
	}
	return t.s[:start] + c.Text + t.s[end:], nil
}

func utf16RuneLen(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16RuneLen(r)
	}
	return n
}
