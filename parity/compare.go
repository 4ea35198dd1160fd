package parity

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/podlint/podlint/lint"
)

// Outcome is the comparison of both sides on one Case.
type Outcome struct {
	Case    Case
	Kind    string
	Oracle  Verdict
	Podlint Verdict
	// Input is true when podlint could not read the object (its input category).
	Input bool
	// Missed are the oracle's paths podlint did not report.
	Missed []string
}

// Agree reports whether both sides reach the same verdict.
func (o *Outcome) Agree() bool {
	if o.Input {
		return o.Oracle.Rejected
	}
	return o.Oracle.Rejected == o.Podlint.Rejected
}

// Compare judges c with both sides. ok is false for objects of kinds podlint does not check.
func Compare(eng *lint.Engine, c Case) (o Outcome, ok bool) {
	ov, kind, ok := Oracle(c.Data)
	if !ok {
		return o, false
	}
	pv, input, _ := Podlint(eng, c.Data)
	o = Outcome{Case: c, Kind: kind, Oracle: ov, Podlint: pv, Input: input}
	if o.Kind == "" {
		o.Kind = "(unreadable)"
	}
	for _, p := range ov.Paths {
		if input {
			break // podlint could not read the object: no paths to compare
		}
		if !recalled(p, pv.Paths) {
			o.Missed = append(o.Missed, p)
		}
	}
	return o, true
}

var indexRe = regexp.MustCompile(`\[[^\]]*\]`)

// recalled reports whether podlint reported the oracle's path p. Paths from
// encoding/json type errors ("~" prefix) carry no list indices or map keys, so
// they match podlint's paths with those stripped.
func recalled(p string, got []string) bool {
	if blind, ok := strings.CutPrefix(p, "~"); ok {
		for _, g := range got {
			if indexRe.ReplaceAllString(g, "") == blind {
				return true
			}
		}
		return false
	}
	for _, g := range got {
		if g == p {
			return true
		}
	}
	return false
}

// Row is one line of the agreement table.
type Row struct {
	Kind                      string
	Objects, Rejected, Agree  int
	MissedReject, FalseReject int
	Paths, PathsRecalled      int
}

// Table aggregates outcomes per kind, with a total row last.
func Table(outs []Outcome) []Row {
	by := map[string]*Row{}
	total := &Row{Kind: "total"}
	for i := range outs {
		o := &outs[i]
		r := by[o.Kind]
		if r == nil {
			r = &Row{Kind: o.Kind}
			by[o.Kind] = r
		}
		for _, r := range []*Row{r, total} {
			r.Objects++
			if o.Oracle.Rejected {
				r.Rejected++
			}
			switch {
			case o.Agree():
				r.Agree++
			case o.Oracle.Rejected:
				r.MissedReject++
			default:
				r.FalseReject++
			}
			if !o.Input {
				r.Paths += len(o.Oracle.Paths)
				r.PathsRecalled += len(o.Oracle.Paths) - len(o.Missed)
			}
		}
	}
	var rows []Row
	for _, r := range by {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Kind < rows[j].Kind })
	return append(rows, *total)
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(b))
}

// PrintTable writes the agreement table.
func PrintTable(w io.Writer, rows []Row) {
	fmt.Fprintf(w, "%-22s %8s %9s %9s %9s %8s %8s %7s %9s\n", "kind", "objects", "rejected", "agree", "verdict", "missed", "false", "paths", "recall")
	for _, r := range rows {
		fmt.Fprintf(w, "%-22s %8d %9d %9d %9s %8d %8d %7d %9s\n", r.Kind, r.Objects, r.Rejected, r.Agree, pct(r.Agree, r.Objects), r.MissedReject, r.FalseReject, r.Paths, pct(r.PathsRecalled, r.Paths))
	}
}

// PrintDisagreements lists, grouped by kind, every object on which the verdicts
// differ, and (when paths is set) every object whose error paths podlint missed.
func PrintDisagreements(w io.Writer, outs []Outcome, paths bool, limit int) {
	by := map[string][]*Outcome{}
	var kinds []string
	for i := range outs {
		o := &outs[i]
		if o.Agree() && (!paths || len(o.Missed) == 0) {
			continue
		}
		if by[o.Kind] == nil {
			kinds = append(kinds, o.Kind)
		}
		by[o.Kind] = append(by[o.Kind], o)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "== %s: %d\n", k, len(by[k]))
		for i, o := range by[k] {
			if limit > 0 && i >= limit {
				fmt.Fprintf(w, "   ... %d more\n", len(by[k])-limit)
				break
			}
			what := "paths missed"
			switch {
			case !o.Agree() && o.Oracle.Rejected:
				what = "podlint accepts, API server rejects"
			case !o.Agree():
				what = "podlint rejects, API server accepts"
			}
			fmt.Fprintf(w, "-- %s [%s]\n", o.Case.Name, what)
			for _, e := range o.Oracle.Errors {
				fmt.Fprintf(w, "   apiserver: %s\n", firstLine(e))
			}
			for _, e := range o.Podlint.Errors {
				fmt.Fprintf(w, "   podlint:   %s\n", firstLine(e))
			}
			if len(o.Missed) > 0 {
				fmt.Fprintf(w, "   missed:    %s\n", strings.Join(o.Missed, ", "))
			}
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
