package app

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/podlint/podlint/lint"
)

func newVersionCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print podlint's version and the Kubernetes releases it targets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := "(devel)"
			if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
				v = info.Main.Version
			}
			var rels []string
			for _, r := range lint.Releases() {
				rels = append(rels, r.Version)
			}
			fmt.Fprintf(s.Out, "podlint %s (Kubernetes %v, default %s)\n", v, rels, lint.DefaultKubernetesVersion)
			return nil
		},
	}
}
