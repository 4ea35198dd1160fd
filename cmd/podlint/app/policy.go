package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
	"github.com/podlint/podlint/rules/rego"
)

// loadPolicies loads Rego policies for --policy; a policy that does not load is
// a usage error (exit 2), reported at its file and line.
func loadPolicies(ctx context.Context, dirs []string, rel lint.Release) (*rego.Set, error) {
	var reserved []string
	for _, r := range rules.All() {
		reserved = append(reserved, r.ID)
	}
	set, err := rego.Load(ctx, dirs, rego.Options{Release: rel, Reserved: reserved})
	if err != nil {
		return nil, exitWith(ExitUsage, policyError(err))
	}
	return set, nil
}

// rulesWithPolicies is every built-in rule and the Rego policies of dirs (the
// configuration's and --policy's).
func rulesWithPolicies(ctx context.Context, dirs []string, rel lint.Release) ([]*lint.Rule, error) {
	all := rules.All()
	if len(dirs) == 0 {
		return all, nil
	}
	set, err := loadPolicies(ctx, dirs, rel)
	if err != nil {
		return nil, err
	}
	return append(all, set.Rules()...), nil
}

// policyError puts each load error on its own line, file:line first, so that
// editors and CI problem matchers pick them up.
func policyError(err error) error {
	var es rego.Errors
	if errors.As(err, &es) && len(es) > 1 {
		return fmt.Errorf("policies do not load:\n%w", err)
	}
	return fmt.Errorf("policy does not load: %w", err)
}

func newPolicyCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies (podlint check --policy)",
	}
	var kubernetesVersion string
	test := &cobra.Command{
		Use:   "test DIR...",
		Short: "Run the policies' tests (test_ rules in _test.rego files) with OPA's test runner",
		Long: `Run the test_ rules of every .rego file under DIR (policies and _test.rego files
together, with podlint's library data.podlint.lib and data.podlint.config).

Exit codes: 0 all passed, 1 a test failed or erred, 2 the policies do not load.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := lint.ParseRelease(kubernetesVersion)
			if err != nil {
				return exitWith(ExitUsage, fmt.Errorf("--kubernetes-version: %w", err))
			}
			results, err := rego.RunTests(cmd.Context(), args, rel, 0)
			if err != nil {
				var es rego.Errors
				if errors.As(err, &es) {
					return exitWith(ExitUsage, policyError(err))
				}
				return exitWith(ExitInternal, err)
			}
			passed, failed := 0, 0
			for _, r := range results {
				fmt.Fprintln(s.Out, r.String())
				if r.Output != "" {
					fmt.Fprintf(s.Out, "    output: %s", r.Output)
				}
				if r.Passed() {
					passed++
				} else {
					failed++
				}
			}
			fmt.Fprintf(s.Out, "%d passed, %d failed\n", passed, failed)
			if len(results) == 0 {
				return exitWith(ExitFindings, errors.New("no tests found (test_ rules in .rego files)"))
			}
			if failed > 0 {
				return exitWith(ExitFindings, nil)
			}
			return nil
		},
	}
	test.Flags().StringVar(&kubernetesVersion, "kubernetes-version", lint.DefaultKubernetesVersion, "release given to policies as data.podlint.config.kubernetes_version")
	cmd.AddCommand(test)
	return cmd
}
