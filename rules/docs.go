package rules

import (
	"fmt"
	"strings"

	"github.com/podlint/podlint/lint"
)

// Explain renders a rule's documentation for `podlint rules explain`.
func Explain(r *lint.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "Category: %s (%s)\nSeverity: %s\n", r.Category, categoryMeaning(r.Category), r.Severity)
	if len(r.Fields) > 0 {
		fmt.Fprintf(&b, "Fields:   %s\n", strings.Join(r.Fields, ", "))
	}
	fmt.Fprintf(&b, "\n%s\n\nFix: %s\n", r.Doc, r.Remediation)
	if r.AutoFix != "" {
		fmt.Fprintf(&b, "\nAutomatic fix (podlint fix): %s\n", r.AutoFix)
	} else {
		b.WriteString("\nAutomatic fix: none; the fix needs the author's judgement.\n")
	}
	return b.String()
}

func categoryMeaning(c lint.Category) string {
	switch c {
	case lint.CategoryAPI:
		return "the Kubernetes API server rejects the object"
	case lint.CategoryLifecycle:
		return "accepted, but the Pod misbehaves at run time"
	case lint.CategoryPractice:
		return "works, but against good practice"
	case lint.CategoryInput:
		return "the input cannot be read as Kubernetes objects"
	case lint.CategoryPodSecurity:
		return "the namespace's Pod Security admission refuses the Pod (enforce) or warns about it (warn, audit)"
	}
	return string(c)
}

// Markdown renders the rule reference, rules/README.md, from the rule metadata.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# podlint rules\n\n")
	b.WriteString("Generated from the rule metadata by `UPDATE_GOLDEN=1 go test ./rules/`; do not edit by hand.\n")
	b.WriteString("`podlint rules` lists them and `podlint rules explain RULE-ID` prints one.\n\n")
	b.WriteString("Categories: `api`: the Kubernetes API server rejects the object. `lifecycle`: accepted, but the Pod misbehaves at run time. ")
	b.WriteString("`practice`: works, but against good practice. `input`: the input cannot be read as Kubernetes objects. ")
	b.WriteString("`pod-security`: the namespace's Pod Security admission refuses the Pod (enforce) or warns about it (warn, audit); ")
	b.WriteString("the severity follows the mode: enforce error, warn warning, audit info.\n\n")
	b.WriteString("Fix: `podlint fix` applies the automatic fix of the rules marked yes (see each rule for what it does).\n\n")
	b.WriteString("| Rule | Category | Severity | Fix | Title |\n|---|---|---|---|---|\n")
	for _, r := range All() {
		fix := "no"
		if r.AutoFix != "" {
			fix = "yes"
		}
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s |\n", r.ID, r.ID, r.Category, r.Severity, fix, r.Title)
	}
	for _, r := range All() {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n- Category: `%s` (%s)\n- Severity: `%s`\n", r.ID, r.Title, r.Category, categoryMeaning(r.Category), r.Severity)
		if len(r.Fields) > 0 {
			fmt.Fprintf(&b, "- Fields: `%s`\n", strings.Join(r.Fields, "`, `"))
		}
		fmt.Fprintf(&b, "\n%s\n\n**Fix:** %s\n", r.Doc, r.Remediation)
		if r.AutoFix != "" {
			fmt.Fprintf(&b, "\n**Automatic fix** (`podlint fix`): %s\n", r.AutoFix)
		}
	}
	return b.String()
}
