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
	// WarningsMissed are the API server's warnings podlint did not report at their
	// field; WarningsExtra are podlint's findings of warning-mirroring rules where
	// the API server does not warn. Both are empty unless both sides accept.
	WarningsMissed, WarningsExtra []Warning
}

// WarningsAgree reports whether podlint reports exactly the API server's warnings
// on an object both sides accept.
func (o *Outcome) WarningsAgree() bool {
	return len(o.WarningsMissed) == 0 && len(o.WarningsExtra) == 0
}

// bothAccept reports whether the object is one on which warnings are compared:
// the API server only warns about objects it creates.
func (o *Outcome) bothAccept() bool {
	return !o.Input && !o.Oracle.Rejected && !o.Podlint.Rejected
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
	if o.bothAccept() {
		o.WarningsMissed, o.WarningsExtra = compareWarnings(ov.Warnings, pv.Warnings)
	}
	return o, true
}

// compareWarnings matches the API server's warnings with podlint's findings of
// warning-mirroring rules by field: a finding matches a warning at its path or
// below it (podlint names spec.containers[1].ports[0].name where the API server
// names the port).
func compareWarnings(api, podlint []Warning) (missed, extra []Warning) {
	for _, w := range api {
		found := false
		for _, p := range podlint {
			if w.Path != "" && under(p.Path, w.Path) {
				found = true
				break
			}
		}
		if !found {
			missed = append(missed, w)
		}
	}
	for _, p := range podlint {
		found := false
		for _, w := range api {
			if w.Path != "" && under(p.Path, w.Path) {
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, p)
		}
	}
	return missed, extra
}

// under reports whether path is root or a field below it. Case is ignored: the
// API server's warning names the storageos volume field storageOS (its Go name).
func under(path, root string) bool {
	path, root = strings.ToLower(path), strings.ToLower(root)
	return path == root || strings.HasPrefix(path, root) && (path[len(root)] == '.' || path[len(root)] == '[')
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
	// Warned are the objects both sides accept; WarnAgree those on which podlint
	// reports exactly the API server's warnings. Warnings counts the API server's
	// warnings on them, WarningsMirrored those podlint reports at their field.
	Warned, WarnAgree          int
	Warnings, WarningsMirrored int
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
			if o.bothAccept() {
				r.Warned++
				if o.WarningsAgree() {
					r.WarnAgree++
				}
				r.Warnings += len(o.Oracle.Warnings)
				r.WarningsMirrored += len(o.Oracle.Warnings) - len(o.WarningsMissed)
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
	fmt.Fprintf(w, "%-22s %8s %9s %9s %9s %8s %8s %7s %9s %9s %9s %9s %9s\n", "kind", "objects", "rejected", "agree", "verdict", "missed", "false", "paths", "recall", "accepted", "warnings", "mirrored", "warn-agree")
	for _, r := range rows {
		fmt.Fprintf(w, "%-22s %8d %9d %9d %9s %8d %8d %7d %9s %9d %9d %9s %9s\n", r.Kind, r.Objects, r.Rejected, r.Agree, pct(r.Agree, r.Objects), r.MissedReject, r.FalseReject, r.Paths, pct(r.PathsRecalled, r.Paths),
			r.Warned, r.Warnings, pct(r.WarningsMirrored, r.Warnings), pct(r.WarnAgree, r.Warned))
	}
}

// PrintDisagreements lists, grouped by kind, every object on which the verdicts
// differ, and (when paths is set) every object whose error paths podlint missed.
func PrintDisagreements(w io.Writer, outs []Outcome, paths bool, limit int) {
	by := map[string][]*Outcome{}
	var kinds []string
	for i := range outs {
		o := &outs[i]
		if o.Agree() && (!paths || len(o.Missed) == 0) && o.WarningsAgree() {
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
			case o.Agree() && !o.WarningsAgree():
				what = "warnings differ"
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
			for _, x := range o.WarningsMissed {
				fmt.Fprintf(w, "   warning podlint misses: %s\n", firstLine(x.Text))
			}
			for _, x := range o.WarningsExtra {
				fmt.Fprintf(w, "   podlint warns, API server does not: %s\n", firstLine(x.Text))
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
