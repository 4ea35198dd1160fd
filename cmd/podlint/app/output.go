package app

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"golang.org/x/term"

	"github.com/podlint/podlint/lint/report"
)

// isTerminal reports whether w is a terminal. It asks the terminal driver (as
// isatty does) rather than checking for a character device, which /dev/null is too.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor decides --color: auto colours a terminal unless NO_COLOR is set to
// anything (https://no-color.org) or TERM is dumb; always and never are literal.
func useColor(mode string, out io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return isTerminal(out) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb", nil
	}
	return false, fmt.Errorf("--color: %q is not auto, always or never", mode)
}

// textOptions returns the text options of the main output (to out) and of the
// --output sinks, which are files: never coloured, and showing source only when
// asked to explicitly.
func textOptions(f *checkFlags, showSourceSet bool, out io.Writer) (main, sinks report.TextOptions, err error) {
	color, err := useColor(f.color, out)
	if err != nil {
		return main, sinks, err
	}
	main = report.TextOptions{Verbose: f.verbose, NoSummary: f.quiet, Color: color, ShowSource: isTerminal(out)}
	sinks = report.TextOptions{Verbose: f.verbose, NoSummary: f.quiet}
	if showSourceSet {
		main.ShowSource, sinks.ShowSource = f.showSource, f.showSource
	}
	return main, sinks, nil
}

// buildVersion is podlint's module version, "(devel)" in a source build.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
