package report

import (
	"fmt"
	"strings"

	"github.com/podlint/podlint/lint"
)

// ANSI SGR sequences; the eight basic colours render on every terminal.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiBlue   = "\x1b[1;34m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[1;32m"
)

// palette paints text when colour is on and passes it through otherwise.
type palette bool

func (p palette) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func severityColor(s lint.Severity) string {
	switch s {
	case lint.SeverityError:
		return ansiRed
	case lint.SeverityWarning:
		return ansiYellow
	}
	return ansiBlue
}

// writeSource prints the finding's source line under a gutter with its line
// number, and a caret under the column. The caret line copies the tabs of the
// source line so that the caret lines up however wide the terminal draws a tab.
func writeSource(b *strings.Builder, c palette, f *lint.Finding) {
	if f.Source == "" || f.Position.Line == 0 {
		return
	}
	num := fmt.Sprint(f.Position.Line)
	gutter := strings.Repeat(" ", len(num))
	fmt.Fprintf(b, "  %s %s %s\n", c.paint(ansiDim, num), c.paint(ansiDim, "|"), f.Source)
	col := f.Position.Column
	if col < 1 {
		col = 1
	}
	var pad strings.Builder
	for i, r := range []rune(f.Source) {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	fmt.Fprintf(b, "  %s %s %s%s\n", gutter, c.paint(ansiDim, "|"), pad.String(), c.paint(ansiGreen, "^"))
}
