package app

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
	"github.com/podlint/podlint/rules"
)

func newRulesCommand(s Streams) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule (ID, category, severity, title)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case "text":
				tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tTITLE")
				for _, r := range rules.All() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Severity, r.Title)
				}
				return tw.Flush()
			case "json":
				type jsonRule struct {
					ID          string        `json:"id"`
					Category    lint.Category `json:"category"`
					Severity    lint.Severity `json:"severity"`
					Title       string        `json:"title"`
					Doc         string        `json:"doc"`
					Remediation string        `json:"remediation"`
					Fields      []string      `json:"fields"`
				}
				var out []jsonRule
				for _, r := range rules.All() {
					out = append(out, jsonRule{r.ID, r.Category, r.Severity, r.Title, r.Doc, r.Remediation, r.Fields})
				}
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			return exitWith(ExitUsage, fmt.Errorf("--format: unknown format %q (supported: text, json)", format))
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	cmd.AddCommand(&cobra.Command{
		Use:   "explain RULE-ID",
		Short: "Print a rule's documentation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := rules.Lookup(args[0])
			if r == nil {
				var ids []string
				for _, r := range rules.All() {
					ids = append(ids, r.ID)
				}
				msg := fmt.Sprintf("no rule %q", args[0])
				if near := manifest.Nearest(args[0], ids); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				}
				return exitWith(ExitUsage, fmt.Errorf("%s (podlint rules lists them all)", msg))
			}
			fmt.Fprint(s.Out, rules.Explain(r))
			return nil
		},
	})
	return cmd
}
