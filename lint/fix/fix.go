// Package fix applies the fixes podlint's findings carry: minimal text edits that
// leave every other byte of a file as it was. It works on in-memory buffers, so
// `podlint fix` and the language server (which has no file on disk) share it.
package fix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/podlint/podlint/lint"
)

// Apply returns src with edits applied. Edits are given against src (in any
// order) and must not overlap; two insertions at one offset overlap too, since
// their order would be a guess. On error src is returned unchanged with the error.
func Apply(src []byte, edits []lint.Edit) ([]byte, error) {
	sorted := append([]lint.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start.Offset < sorted[j].Start.Offset })
	var b bytes.Buffer
	b.Grow(len(src))
	pos := 0
	for i, e := range sorted {
		s, end := e.Start.Offset, e.End.Offset
		if s < 0 || end < s || end > len(src) {
			return src, fmt.Errorf("edit %s: bytes [%d,%d) are outside the text of %d bytes", e, s, end, len(src))
		}
		if i > 0 && overlap(sorted[i-1], e) {
			return src, fmt.Errorf("edits %s and %s overlap", sorted[i-1], e)
		}
		b.Write(src[pos:s])
		b.WriteString(e.Text)
		pos = end
	}
	b.Write(src[pos:])
	return b.Bytes(), nil
}

// overlap reports whether a (starting no later than b) and b touch the same bytes,
// or insert at the same offset.
func overlap(a, b lint.Edit) bool {
	return b.Start.Offset < a.End.Offset || b.Start.Offset == a.Start.Offset
}

// Select chooses, in the order of findings, the fixes of file whose edits overlap
// none chosen before; the others wait for the next round, when their finding
// (if it is still there) is placed on the edited text. A fix identical to one
// already chosen (two findings with the same correction) is taken once.
func Select(findings []lint.Finding, file string) (edits []lint.Edit, chosen []lint.Finding) {
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			continue
		}
		ok := true
		for _, e := range f.Fix.Edits {
			if e.File != file {
				ok = false
			}
		}
		key := editsKey(f.Fix.Edits)
		if !ok || seen[key] {
			continue
		}
		for _, e := range f.Fix.Edits {
			for _, c := range edits {
				a, b := c, e
				if b.Start.Offset < a.Start.Offset {
					a, b = b, a
				}
				if overlap(a, b) {
					ok = false
				}
			}
		}
		if !ok {
			continue
		}
		if selfOverlapping(f.Fix.Edits) {
			continue // a malformed fix; Apply would refuse it
		}
		seen[key] = true
		edits = append(edits, f.Fix.Edits...)
		chosen = append(chosen, f)
	}
	return edits, chosen
}

func editsKey(edits []lint.Edit) string {
	var b bytes.Buffer
	for _, e := range edits {
		fmt.Fprintf(&b, "%d:%d:%q;", e.Start.Offset, e.End.Offset, e.Text)
	}
	return b.String()
}

// selfOverlapping reports whether a fix's own edits overlap each other.
func selfOverlapping(edits []lint.Edit) bool {
	sorted := append([]lint.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start.Offset < sorted[j].Start.Offset })
	for i := 1; i < len(sorted); i++ {
		if overlap(sorted[i-1], sorted[i]) {
			return true
		}
	}
	return false
}

// Applied is one fix applied in one round.
type Applied struct {
	Round   int
	Finding lint.Finding
}

// Result is what fixing one buffer did.
type Result struct {
	// Fixed is the text after the last round; equal to the input when nothing applied.
	Fixed []byte
	// Rounds counts the rounds that applied at least one fix.
	Rounds  int
	Applied []Applied
	// Check is the check of Fixed: the findings that remain.
	Check *lint.Result
}

// DefaultMaxRounds bounds the rounds of Buffer. Each round applies every fix that
// does not overlap another, so real files settle in two or three; a document with
// more than lint.MaxFixesPerDocument fixable findings takes a round per hundred.
const DefaultMaxRounds = 64

// Buffer checks src (named name in findings and edits) with engine, applies all
// non-overlapping fixes, checks again and repeats until no fix applies, the text
// stops changing or maxRounds (DefaultMaxRounds when zero) have run. The last
// check is of the returned text. An input error (a syntax error) stops it at the
// first round with nothing applied; the check then reports the error.
func Buffer(ctx context.Context, engine *lint.Engine, name string, src []byte, maxRounds int) (*Result, error) {
	if maxRounds <= 0 {
		maxRounds = DefaultMaxRounds
	}
	res := &Result{Fixed: src}
	seen := map[string]bool{string(src): true}
	for {
		check := engine.Run(ctx, []lint.Source{{Name: name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(res.Fixed)), nil
		}}})
		res.Check = check
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if res.Rounds >= maxRounds {
			return res, nil
		}
		edits, chosen := Select(check.Findings, name)
		if len(edits) == 0 {
			return res, nil
		}
		next, err := Apply(res.Fixed, edits)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if seen[string(next)] {
			return res, nil // a cycle: two fixes undoing each other
		}
		seen[string(next)] = true
		res.Rounds++
		for _, f := range chosen {
			res.Applied = append(res.Applied, Applied{Round: res.Rounds, Finding: f})
		}
		res.Fixed = next
	}
}
