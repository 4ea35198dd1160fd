package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/podlint/podlint/lint"
)

// GitHub prints GitHub Actions workflow commands, one per finding, which the
// runner turns into annotations on the pull request's changed lines:
//
//	::error file=pod.yaml,line=12,col=9,title=restart-policy::spec.restartPolicy: ...
//
// Errors are errors, warnings warnings and infos notices.
type GitHub struct {
	// NoSummary drops the closing summary line (--quiet).
	NoSummary bool
}

// Print writes one workflow command per finding, then the summary as plain text.
func (g *GitHub) Print(w io.Writer, res *lint.Result) error {
	var b strings.Builder
	for i := range res.Findings {
		f := &res.Findings[i]
		cmd := "notice"
		switch f.Severity {
		case lint.SeverityError:
			cmd = "error"
		case lint.SeverityWarning:
			cmd = "warning"
		}
		var props []string
		if p := f.Position; p.File != "" && p.File != "-" {
			props = append(props, "file="+escapeProperty(p.File))
			if p.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", p.Line), fmt.Sprintf("col=%d", max(p.Column, 1)))
			}
		}
		props = append(props, "title="+escapeProperty(f.Rule))
		msg := f.Message
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		if f.Position.File == "" && f.Object.Kind != "" {
			msg = f.Object.String() + ": " + msg
		}
		if f.Position.File == "-" && f.Position.Line > 0 {
			msg = fmt.Sprintf("stdin:%d:%d: %s", f.Position.Line, max(f.Position.Column, 1), msg)
		}
		if f.Hint != "" {
			msg += "\nhint: " + f.Hint
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg))
	}
	if !g.NoSummary {
		b.WriteString(Summary(res))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a command's message the way the Actions runner unescapes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty also escapes the separators of the property list.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
