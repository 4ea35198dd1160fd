package app

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/report"
)

type checkFlags struct {
	config     configFlags
	format     string
	outputs    []string
	verbose    bool
	quiet      bool
	color      string
	showSource bool
	policies   []string
	limits     limitFlags
	// crds are --crd files and directories of CustomResourceDefinitions.
	crds []string
	// against is the old manifests' path: check then also judges updates (see diff.go).
	against string
	// fix writes the findings' fixes into the files first, then reports what
	// remains (podlint fix --write, under golangci-lint's flag).
	fix bool
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
	f.register(fl)
	fl.StringVar(&f.against, "against", "", "old manifests (file, directory or -): also check each object's update from its old version, and report removed objects")
	fl.BoolVar(&f.fix, "fix", false, "apply the findings' fixes to the files in place first (as podlint fix --write), then report the findings that remain")
	return cmd
}

// register adds the flags check shares with diff: output, configuration, verbosity.
func (f *checkFlags) register(fl *pflag.FlagSet) {
	fl.StringVarP(&f.format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringArrayVar(&f.outputs, "output", nil, "additional output as FORMAT=FILE (repeatable), e.g. json=report.json")
	f.config.register(fl)
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also list skipped objects of other kinds")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print findings only, without the summary line")
	fl.StringVar(&f.color, "color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	fl.BoolVar(&f.showSource, "show-source", false, "print the offending source line with a caret under the column (default: on for a terminal)")
	fl.StringArrayVar(&f.policies, "policy", nil, "directory or file of Rego policies to run as well (repeatable; _test.rego files are left out; adds to the configuration's policies)")
	fl.StringArrayVar(&f.crds, "crd", nil, "file or directory of CustomResourceDefinitions whose schemas validate the custom resources checked (repeatable; CRDs among the inputs are used too)")
	f.limits.register(fl)
}

type sink struct {
	printer report.Printer
	path    string
}

// outputSinks parses --output FORMAT=FILE flags into printers made by
// newPrinter, with the text options meant for files (no colour, no source).
func outputSinks(outputs []string, opts report.Options, sinkOpts report.TextOptions, newPrinter func(string, report.Options) (report.Printer, error)) ([]sink, error) {
	var sinks []sink
	opts.Text = sinkOpts
	for _, o := range outputs {
		format, path, ok := strings.Cut(o, "=")
		if !ok || path == "" {
			return nil, exitWith(ExitUsage, fmt.Errorf("--output %q: want FORMAT=FILE", o))
		}
		p, err := newPrinter(format, opts)
		if err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--output: %w", err))
		}
		sinks = append(sinks, sink{printer: p, path: path})
	}
	return sinks, nil
}

func runCheck(cmd *cobra.Command, s Streams, f *checkFlags, paths []string) error {
	cfg, err := f.config.load(cmd.Flags())
	if err != nil {
		return err
	}
	failOn, rel := cfg.FailOn, cfg.Release
	textOpts, sinkOpts, err := textOptions(f, cmd.Flags().Changed("show-source"), s.Out)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	// Printers are built once the policies are loaded: SARIF lists every rule.
	all, err := rulesWithPolicies(cmd.Context(), append(cfg.PolicyDirs(), f.policies...), rel)
	if err != nil {
		return err
	}
	opts := report.Options{Text: textOpts, Rules: all}
	if v := buildVersion(); v != "(devel)" {
		opts.Version = v
	}
	main, err := report.NewWith(f.format, opts)
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--format: %w", err))
	}
	extra, err := outputSinks(f.outputs, opts, sinkOpts, report.NewWith)
	if err != nil {
		return err
	}
	stdinUses := 0
	if f.against == "-" {
		stdinUses++
	}
	for _, p := range paths {
		if p == "-" {
			stdinUses++
		}
	}
	if stdinUses > 1 {
		return exitWith(ExitUsage, errors.New("- (stdin) may be given only once"))
	}
	if f.fix && (stdinUses > 0 || f.against != "") {
		return exitWith(ExitUsage, errors.New("--fix edits files: it takes neither - (use podlint fix - for a stream) nor --against"))
	}

	disabled, severity := cfg.EngineOptions(all)
	engineOpts := lint.Options{Release: rel, Disabled: disabled, Severity: severity, CustomKinds: cfg.LintKinds(), PodSecurity: cfg.PodSecurityOptions()}
	if err := f.limits.apply(&engineOpts); err != nil {
		return exitWith(ExitUsage, err)
	}
	if len(f.crds) > 0 {
		if engineOpts.CRDs, err = lint.LoadCRDs(f.crds); err != nil {
			return exitWith(ExitUsage, fmt.Errorf("--crd: %w", err))
		}
	}
	engine := lint.NewEngine(all, engineOpts)
	var sources []lint.Source
	for _, src := range lint.Sources(paths, s.In) {
		if !cfg.Excluded(src.Name) {
			sources = append(sources, src)
		}
	}
	var res *lint.Result
	if f.fix {
		if res, err = fixSources(cmd.Context(), s, engine, engineOpts, sources, fixWrite); err != nil {
			return err
		}
	} else if f.against != "" {
		res = engine.RunUpdate(cmd.Context(), lint.Sources([]string{f.against}, s.In), sources)
	} else {
		res = engine.Run(cmd.Context(), sources)
	}

	if err := writeReports(s, main, extra, res); err != nil {
		return err
	}
	if err := cmd.Context().Err(); err != nil {
		return exitWith(ExitInternal, fmt.Errorf("interrupted: %w", err))
	}
	return exitFor(s, res, failOn)
}

// writeReports prints res with the main printer and into every --output file.
func writeReports(s Streams, main report.Printer, extra []sink, res *lint.Result) error {
	if err := main.Print(s.Out, res); err != nil {
		return exitWith(ExitInternal, fmt.Errorf("writing output: %w", err))
	}
	for _, o := range extra {
		if err := writeReport(o, res); err != nil {
			return exitWith(ExitUsage, err)
		}
	}
	return nil
}

// exitFor is the exit code of a printed result: internal errors (3), input
// errors (2), findings at or above failOn (1), else clean.
func exitFor(s Streams, res *lint.Result, failOn lint.Severity) error {
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
