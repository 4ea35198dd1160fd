// Package app is podlint's command line: thin cobra commands over the lint library.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/runner"
)

// Exit codes, shared by every verb.
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitUsage    = 2 // usage or input error
	ExitInternal = 3
	ExitTimeout  = 4
)

// Streams are the command's standard streams; tests pass buffers.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

// Main runs podlint with the process's arguments and streams.
func Main() int {
	// podlint re-executes itself as the container init and the Pod's infra
	// process; those never reach cobra.
	runner.Reexec()
	// `podlint run` starts containers: from a sealed copy of podlint, made
	// once here rather than by libcontainer for every container start. A
	// file or flag value spelled "run" only costs a re-execution.
	if slices.Contains(os.Args[1:], "run") {
		runner.SealExecutable()
	}
	if os.Getenv("GOGC") == "" {
		// podlint allocates many short-lived parse trees; a less eager collector
		// cut CPU time by about a fifth on the benchmark corpus for ~10 MiB more
		// peak memory (scripts/bench.sh). GOGC still overrides it.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal asks for a clean stop between documents; restoring the
	// default handling then lets a second one end podlint inside a slow document.
	context.AfterFunc(ctx, stop)
	return Run(ctx, Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Args[1:])
}

// Run executes podlint with args and returns the exit code.
func Run(ctx context.Context, s Streams, args []string) int {
	root := newRootCommand(s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(s.Err, "podlint: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown flags, wrong argument counts.
	fmt.Fprintf(s.Err, "podlint: %v\nRun 'podlint --help' for usage.\n", err)
	return ExitUsage
}

func newRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "podlint",
		Short:         "Make Kubernetes Pod specs behave the way their authors think they do",
		Long:          "podlint checks Pods and every workload with a pod template against what the Kubernetes API server rejects and what misbehaves at run time.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newCheckCommand(s), newDiffCommand(s), newRulesCommand(s), newFixCommand(s), newPolicyCommand(s), newVersionCommand(s), newConfigCommand(s), newImageCommand(s), newRunCommand(s), newWebhookCommand(s), newAuditCommand(s), newLSPCommand(s))
	return root
}
