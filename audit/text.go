package audit

import (
	"fmt"
	"io"
	"strings"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

// Text prints an audit's result grouped by namespace: a heading per namespace
// with objects, its findings in report.Text's shape (located by object, as
// there is no file), then the summary line of the whole audit.
type Text struct {
	Options report.TextOptions
}

// Print writes the result; it expects it sorted by namespace, as Run returns it.
func (t *Text) Print(w io.Writer, res *lint.Result) error {
	var namespaces []string
	objects := map[string]int{}
	for _, o := range res.Objects {
		ns := o.Object.Namespace
		if objects[ns] == 0 {
			namespaces = append(namespaces, ns)
		}
		objects[ns]++
	}
	byNS := map[string][]lint.Finding{}
	for _, f := range res.Findings {
		if objects[f.Object.Namespace] == 0 {
			namespaces = append(namespaces, f.Object.Namespace)
			objects[f.Object.Namespace] = -1 // named once; not an object count
		}
		byNS[f.Object.Namespace] = append(byNS[f.Object.Namespace], f)
	}
	var b strings.Builder
	inner := &report.Text{Options: t.Options}
	inner.Options.NoSummary = true
	for _, ns := range namespaces {
		fs := byNS[ns]
		if len(fs) == 0 && !t.Options.Verbose {
			continue
		}
		name := ns
		if name == "" {
			name = "(cluster)"
		}
		fmt.Fprintf(&b, "namespace %s: %s in %s\n", name, countFindings(fs), countObjects(max(objects[ns], 0)))
		if err := inner.Print(&b, &lint.Result{Findings: fs}); err != nil {
			return err
		}
	}
	for _, e := range res.Internal {
		fmt.Fprintf(&b, "error: %v\n", e)
	}
	if !t.Options.NoSummary {
		b.WriteString(report.Summary(res))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func countFindings(fs []lint.Finding) string {
	switch len(fs) {
	case 0:
		return "no findings"
	case 1:
		return "1 finding"
	}
	return fmt.Sprintf("%d findings", len(fs))
}

func countObjects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}
