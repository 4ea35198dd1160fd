package app

import (
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lsp"
)

func newLSPCommand(s Streams) *cobra.Command {
	var o lsp.Options
	var stdio bool
	cmd := &cobra.Command{
		Use:   "lsp",
		Short: "Run the language server (LSP over stdio) for editors",
		Long: `Run podlint as a language server on standard input and output. Editors show
podlint's findings as diagnostics while you type, offer fixes and suppressions
as code actions, and explain rules and Kubernetes fields on hover.

Each document is checked with the .podlint.yaml found from its folder upward,
as podlint check would; these flags and the client's initializationOptions
apply over it. See the README for Neovim, VS Code, Helix and Emacs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv := lsp.NewServer(lsp.Config{Options: o, Version: buildVersion()})
			err := srv.Serve(cmd.Context(), stdioConn{s.In, s.Out})
			if errors.Is(err, lsp.ErrExitWithoutShutdown) {
				return exitWith(1, nil)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Config, "config", "", "configuration file (default: the first .podlint.yaml found walking up from each document's folder)")
	fl.StringVar(&o.KubernetesVersion, "kubernetes-version", "", "Kubernetes release whose behaviour to check against (default: the configuration's)")
	fl.StringArrayVar(&o.Policies, "policy", nil, "directory or file of Rego policies to run as well (repeatable)")
	fl.IntVar(&o.DebounceMillis, "debounce", 0, "milliseconds to wait after a change before checking (0: at once, cancelling older checks)")
	// vscode-languageclient passes --stdio; stdio is the only transport.
	fl.BoolVar(&stdio, "stdio", true, "talk LSP over standard input and output (the only transport)")
	return cmd
}

// stdioConn joins the command's input and output into one connection.
type stdioConn struct {
	io.Reader
	io.Writer
}

func (stdioConn) Close() error { return nil }
