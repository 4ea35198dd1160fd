package app

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
	"github.com/podlint/podlint/rules"
)

type checkFlags struct {
	format            string
	outputs           []string
	failOn            string
	kubernetesVersion string
	verbose           bool
	limits            limitFlags
}

func newCheckCommand(s Streams) *cobra.Command {
	f := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check [flags] PATH...",
		Short: "Check manifests: files, directories (recursive) or - for stdin",
		Long: `Check Pods and workloads with pod templates (Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job, CronJob, ReplicationController) in YAML or JSON files, directories
(*.yaml, *.yml, *.json, recursively) or standard input (-).

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 internal error.`,
		Example: `  podlint check deploy/
  helm template ./chart | podlint check -
  podlint check --format json --fail-on warning pod.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return exitWith(ExitUsage, errors.New("check needs at least one PATH (a file, a directory, or - for stdin)"))
			}
			return runCheck(cmd, s, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringArrayVar(&f.outputs, "output", nil, "additional output as FORMAT=FILE (repeatable), e.g. json=report.json")
	fl.StringVar(&f.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, warning, info or none")
	fl.StringVar(&f.kubernetesVersion, "kubernetes-version", lint.DefaultKubernetesVersion, "Kubernetes release whose behaviour to check against (1.35 to 1.37)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also list skipped objects of other kinds")
	f.limits.register(fl)
	return cmd
}

type sink struct {
	printer report.Printer
	path    string
}

func runCheck(cmd *cobra.Command, s Streams, f *checkFlags, paths []string) error {
	failOn, err := lint.ParseSeverity(f.failOn)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--fail-on: %w", err))
	}
	rel, err := lint.ParseRelease(f.kubernetesVersion)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--kubernetes-version: %w", err))
	}
	textOpts := report.TextOptions{Verbose: f.verbose}
	main, err := report.New(f.format, textOpts)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--format: %w", err))
	}
	var extra []sink
	for _, o := range f.outputs {
		format, path, ok := strings.Cut(o, "=")
		if !ok || path == "" {
			return exitWith(ExitUsage, fmt.Errorf("--output %q: want FORMAT=FILE", o))
		}
		p, err := report.New(format, textOpts)
		if err != nil {
			return exitWith(ExitUsage, fmt.Errorf("--output: %w", err))
		}
		extra = append(extra, sink{printer: p, path: path})
	}
	stdinUses := 0
	for _, p := range paths {
		if p == "-" {
			stdinUses++
		}
	}
	if stdinUses > 1 {
		return exitWith(ExitUsage, errors.New("- (stdin) may be given only once"))
	}

	opts := lint.Options{Release: rel}
	if err := f.limits.apply(&opts); err != nil {
		return exitWith(ExitUsage, err)
	}
	engine := lint.NewEngine(rules.All(), opts)
	res := engine.Run(cmd.Context(), lint.Sources(paths, s.In))

	if err := main.Print(s.Out, res); err != nil {
		return exitWith(ExitInternal, fmt.Errorf("writing output: %w", err))
	}
	for _, o := range extra {
		if err := writeReport(o, res); err != nil {
			return exitWith(ExitUsage, err)
		}
	}
	if err := cmd.Context().Err(); err != nil {
		return exitWith(ExitInternal, fmt.Errorf("interrupted: %w", err))
	}
	if len(res.Internal) > 0 {
		for _, e := range res.Internal {
			fmt.Fprintf(s.Err, "podlint: internal error: %v\n", e)
		}
		return exitWith(ExitInternal, nil)
	}
	if res.InputErrors() > 0 {
		return exitWith(ExitUsage, nil)
	}
	for i := range res.Findings {
		if res.Findings[i].Severity >= failOn {
			return exitWith(ExitFindings, nil)
		}
	}
	return nil
}

func writeReport(o sink, res *lint.Result) error {
	file, err := os.Create(o.path)
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := o.printer.Print(file, res); err != nil {
		file.Close()
		return fmt.Errorf("--output %s: %w", o.path, err)
	}
	return file.Close()
}
