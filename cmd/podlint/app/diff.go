package app

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDiffCommand is `podlint diff OLD NEW`: check --against OLD NEW under a name
// that reads as what it does. Flags, output and exit codes are check's.
func newDiffCommand(s Streams) *cobra.Command {
	f := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "diff [flags] OLD NEW",
		Short: "Check what changing OLD into NEW does: rejected updates, restarts, rollouts",
		Long: `Compare two versions of manifests (files, or - for one of them) as an update of the
objects in OLD into those in NEW. Objects are paired by API group (not version), kind,
namespace (empty means default) and name. Every object of NEW is checked as by
'podlint check'; a paired object is also checked as an update: fields the API server
does not let an update change (most of a running Pod's spec, workload selectors, a
StatefulSet's volumeClaimTemplates, a Job's template, ...) are api errors, and what an
accepted change does (a container restarted with a new image, a rollout and its
strategy) is reported as info. Objects of OLD missing from NEW are reported too.
Findings are located in NEW (removed objects in OLD).

Same as 'podlint check --against OLD NEW'. Exit codes: 0 clean, 1 findings at or
above --fail-on, 2 usage or input error, 3 internal error.`,
		Example: `  podlint diff pod.yaml pod-edited.yaml
  git show HEAD:deploy/app.yaml | podlint diff - deploy/app.yaml
  podlint check --against old/ new/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return exitWith(ExitUsage, errors.New("diff needs exactly two paths: OLD and NEW (files, or - for one of them)"))
			}
			f.against = args[0]
			return runCheck(cmd, s, f, args[1:])
		},
	}
	f.register(cmd.Flags())
	return cmd
}
