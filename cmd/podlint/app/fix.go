package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/fix"
	"github.com/podlint/podlint/lint/report"
)

type fixFlags struct {
	config   configFlags
	policies []string
	limits   limitFlags
	write    bool
	quiet    bool
}

func newFixCommand(s Streams) *cobra.Command {
	f := &fixFlags{}
	cmd := &cobra.Command{
		Use:   "fix [flags] PATH...",
		Short: "Apply the findings' fixes as minimal edits: print a diff, or --write the files",
		Long: `Apply the fixes podlint's findings carry (podlint rules marks the rules that have one)
as the smallest text edits: every other byte of the file (comments, quoting, flow or
block style, key order, indentation, CRLF line endings, a byte order mark, the other
documents of a stream) stays as it was. All fixes that do not overlap are applied, the
result is checked again, and this repeats until no fix applies.

By default the changes are printed as a unified diff and no file is touched; --write
edits the files in place (atomically, keeping each file's mode, and refusing a file
that changed on disk since podlint read it). - reads standard input and writes the
fixed stream to standard output. The findings that remain are printed to standard error.

Exit codes (as check, for the fixed result, with or without --write): 0 when no
finding at or above --fail-on remains, 1 when some remain, 2 on usage or input
errors, 3 on internal errors.`,
		Example: `  podlint fix deploy/            # show what would change
  podlint fix --write deploy/    # change it
  helm template ./chart | podlint fix - > fixed.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return exitWith(ExitUsage, errors.New("fix needs at least one PATH (a file, a directory, or - for stdin)"))
			}
			return runFix(cmd, s, f, args)
		},
	}
	fl := cmd.Flags()
	f.config.register(fl)
	fl.StringArrayVar(&f.policies, "policy", nil, "directory or file of Rego policies to run as well (repeatable)")
	f.limits.register(fl)
	fl.BoolVarP(&f.write, "write", "w", false, "write the fixed files in place instead of printing a diff")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print the findings that remain")
	return cmd
}

func runFix(cmd *cobra.Command, s Streams, f *fixFlags, paths []string) error {
	stdin := false
	for _, p := range paths {
		if p == "-" {
			stdin = true
		}
	}
	if stdin && len(paths) > 1 {
		return exitWith(ExitUsage, errors.New("- (stdin) cannot be combined with other paths: the fixed stream goes to standard output"))
	}
	if stdin && f.write {
		return exitWith(ExitUsage, errors.New("--write needs files; with - the fixed stream goes to standard output"))
	}
	cfg, err := f.config.load(cmd.Flags())
	if err != nil {
		return err
	}
	failOn, rel := cfg.FailOn, cfg.Release
	all, err := rulesWithPolicies(cmd.Context(), append(cfg.PolicyDirs(), f.policies...), rel)
	if err != nil {
		return err
	}
	disabled, severity := cfg.EngineOptions(all)
	engineOpts := lint.Options{Release: rel, Disabled: disabled, Severity: severity}
	if err := f.limits.apply(&engineOpts); err != nil {
		return exitWith(ExitUsage, err)
	}
	engine := lint.NewEngine(all, engineOpts)
	var sources []lint.Source
	for _, src := range lint.Sources(paths, s.In) {
		if !cfg.Excluded(src.Name) {
			sources = append(sources, src)
		}
	}
	mode := fixDiff
	switch {
	case stdin:
		mode = fixStream
	case f.write:
		mode = fixWrite
	}
	res, err := fixSources(cmd.Context(), s, engine, engineOpts, sources, mode)
	if err != nil {
		return err
	}
	if !f.quiet {
		p := &report.Text{Options: report.TextOptions{}}
		if err := p.Print(s.Err, res); err != nil {
			return exitWith(ExitInternal, err)
		}
	}
	if err := cmd.Context().Err(); err != nil {
		return exitWith(ExitInternal, fmt.Errorf("interrupted: %w", err))
	}
	return exitFor(s, res, failOn)
}

type fixMode int

const (
	fixDiff   fixMode = iota // print a unified diff to s.Out
	fixWrite                 // write files in place
	fixStream                // write the fixed stream to s.Out
)

// fixSources fixes every source as mode says and returns the check of the fixed
// texts, merged as one run's result. Sources that cannot be read are checked as
// they are, so their input errors are reported as check reports them.
func fixSources(ctx context.Context, s Streams, engine *lint.Engine, opts lint.Options, sources []lint.Source, mode fixMode) (*lint.Result, error) {
	total := &lint.Result{}
	maxBytes := opts.MaxFileBytes
	if maxBytes <= 0 {
		maxBytes = lint.DefaultMaxFileBytes
	}
	for _, src := range sources {
		if ctx.Err() != nil {
			break
		}
		data, readErr := readSource(src, maxBytes)
		if readErr != nil {
			// Let the engine report it (unreadable, too large, a skipped entry)
			// exactly as check would; nothing is fixed.
			src := src
			if data != nil {
				src.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			}
			mergeResult(total, engine.Run(ctx, []lint.Source{src}))
			continue
		}
		r, err := fix.Buffer(ctx, engine, src.Name, data, 0)
		if err != nil {
			return nil, exitWith(ExitInternal, err)
		}
		mergeResult(total, r.Check)
		switch mode {
		case fixStream:
			if _, err := s.Out.Write(r.Fixed); err != nil {
				return nil, exitWith(ExitInternal, fmt.Errorf("writing output: %w", err))
			}
		case fixDiff:
			if !bytes.Equal(r.Fixed, data) {
				fmt.Fprint(s.Out, udiff.Unified(src.Name, src.Name, string(data), string(r.Fixed)))
			}
		case fixWrite:
			if bytes.Equal(r.Fixed, data) {
				continue
			}
			if err := writeFixed(src.Name, data, r.Fixed); err != nil {
				return nil, exitWith(ExitUsage, err)
			}
			fmt.Fprintf(s.Err, "podlint: fixed %s (%d %s)\n", src.Name, len(r.Applied), plural(len(r.Applied), "fix", "fixes"))
		}
	}
	total.CountSeverities()
	return total, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readSource reads a source whole. A source the engine would not read (an
// error listing it, a skipped entry) or one larger than maxBytes returns an
// error; data then holds what was read, so the engine sees the same bytes.
func readSource(src lint.Source, maxBytes int64) ([]byte, error) {
	if src.Err != nil {
		return nil, src.Err
	}
	if src.Skip != "" {
		return nil, errors.New(src.Skip)
	}
	rc, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxBytes+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > maxBytes {
		return data, errors.New("too large")
	}
	return data, nil
}

// mergeResult adds one source's result to the run's.
func mergeResult(dst, src *lint.Result) {
	dst.Findings = append(dst.Findings, src.Findings...)
	dst.Skipped = append(dst.Skipped, src.Skipped...)
	dst.Internal = append(dst.Internal, src.Internal...)
	dst.Suppressed = append(dst.Suppressed, src.Suppressed...)
	dst.Objects = append(dst.Objects, src.Objects...)
	dst.Summary.Files += src.Summary.Files
	dst.Summary.Objects += src.Summary.Objects
	dst.Summary.Skipped += src.Summary.Skipped
	dst.Summary.Empty += src.Summary.Empty
	dst.Summary.Unreadable += src.Summary.Unreadable
	dst.Summary.Suppressed += src.Summary.Suppressed
}

// writeFixed replaces path's content with fixed, atomically: a temporary file in
// the same directory, with the original's mode, renamed over it. It refuses when
// the file no longer holds original (edited since it was read). A symbolic link
// is followed, so the link stays and its target is fixed.
func writeFixed(path string, original, fixed []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	info, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	current, err := os.ReadFile(target)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !bytes.Equal(current, original) {
		return fmt.Errorf("%s changed on disk while podlint was fixing it; not written (run podlint fix again)", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".podlint-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := tmp.Write(fixed); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	done = true
	return nil
}
