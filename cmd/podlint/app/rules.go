package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/config"
	"github.com/podlint/podlint/lint/manifest"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/rules/rego"
)

func newRulesCommand(s Streams) *cobra.Command {
	var format string
	var policies []string
	// withPolicies returns the built-in rules, then those of --policy.
	withPolicies := func(cmd *cobra.Command) ([]*lint.Rule, *rego.Set, error) {
		all := rules.All()
		if len(policies) == 0 {
			return all, nil, nil
		}
		set, err := loadPolicies(cmd.Context(), policies, lint.Release{})
		if err != nil {
			return nil, nil, err
		}
		return append(all, set.Rules()...), set, nil
	}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule (ID, category, severity, title)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, _, err := withPolicies(cmd)
			if err != nil {
				return err
			}
			switch format {
			case "text":
				tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tTITLE")
				for _, r := range all {
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
				for _, r := range all {
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
	cmd.PersistentFlags().StringArrayVar(&policies, "policy", nil, "also list the Rego policies in this directory or file (repeatable)")
	cmd.AddCommand(&cobra.Command{
		Use:   "explain RULE-ID",
		Short: "Print a rule's documentation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			all, set, err := withPolicies(cmd)
			if err != nil {
				return err
			}
			var r *lint.Rule
			for _, c := range all {
				if c.ID == args[0] {
					r = c
				}
			}
			if r == nil {
				var ids []string
				for _, r := range all {
					ids = append(ids, r.ID)
				}
				msg := fmt.Sprintf("no rule %q", args[0])
				if near := manifest.Nearest(args[0], ids); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				}
				return exitWith(ExitUsage, fmt.Errorf("%s (podlint rules lists them all)", msg))
			}
			fmt.Fprint(s.Out, rules.Explain(r))
			if p := set.Lookup(r.ID); p != nil {
				fmt.Fprintf(s.Out, "\nPolicy: %s (%s:%d)\n", p.Package, p.File, p.Line)
			}
			return nil
		},
	})
	cmd.AddCommand(newKindsCommand(s))
	return cmd
}

// newKindsCommand is `podlint rules kinds`: every kind podlint reads, the
// built-in ones, the custom resources it knows and those the configuration declares.
func newKindsCommand(s Streams) *cobra.Command {
	var format string
	f := &configFlags{}
	cmd := &cobra.Command{
		Use:   "kinds",
		Short: "List the kinds podlint reads: Kubernetes' own, and custom resources with pod templates (built in or declared in " + config.FileName + ")",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load(cmd.Flags())
			if err != nil {
				return err
			}
			type jsonKind struct {
				APIVersion string              `json:"apiVersion"`
				Kind       string              `json:"kind"`
				Templates  []lint.TemplateSite `json:"templates"`
				Source     string              `json:"source"`
			}
			var out []jsonKind
			for _, name := range manifest.KindNames() {
				k := manifest.LookupKind(name)
				out = append(out, jsonKind{APIVersion: k.APIVersion, Kind: name, Source: "kubernetes",
					Templates: []lint.TemplateSite{{Path: strings.Join(k.SpecPath, "."), As: name}}})
			}
			for _, k := range lint.NewCustomKinds(cfg.LintKinds()).List() {
				v := k.Version
				if v == "" {
					v = "*"
				}
				out = append(out, jsonKind{APIVersion: k.Group + "/" + v, Kind: k.Kind, Templates: k.Templates, Source: k.Source})
			}
			switch format {
			case "text":
				tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "APIVERSION\tKIND\tTEMPLATES (CHECKED AS)\tSOURCE")
				for _, k := range out {
					var sites []string
					for _, t := range k.Templates {
						sites = append(sites, fmt.Sprintf("%s (%s)", t.Path, t.As))
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.APIVersion, k.Kind, strings.Join(sites, ", "), k.Source)
				}
				return tw.Flush()
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			return exitWith(ExitUsage, fmt.Errorf("--format: unknown format %q (supported: text, json)", format))
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	f.register(cmd.Flags())
	return cmd
}
