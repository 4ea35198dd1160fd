//go:build linux && cgo

package runner

import (
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	// The device cgroup code registers itself; libcontainer refuses to
	// create containers without it even when cgroups are not used.
	_ "github.com/opencontainers/cgroups/devices"
	// nsenter's C constructor joins and creates namespaces before the Go
	// runtime starts in the re-executed "init" process.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// pauseName is argv[0] of the infra process and of helpers run inside it.
const pauseName = "/pause"

// Reexec handles podlint's re-executions and does not return from them: the
// container init entry ("podlint init", started by libcontainer) and the infra
// process (argv[0] "/pause"). It returns false for an ordinary invocation and
// must be called before anything else in main.
func Reexec() bool {
	if len(os.Args) > 1 && os.Args[1] == "init" && os.Getenv("_LIBCONTAINER_INITPIPE") != "" {
		// libcontainer's process type has no parent-death signal and the
		// config's setting does not reach the container process: without
		// this, containers outlive a SIGKILLed podlint.
		_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
		// A new container (not an exec in one) may get an overlay root,
		// mounted here in its own mount namespace before libcontainer
		// prepares the root filesystem, and supplementary groups
		// (overlay_linux.go).
		if os.Getenv("_LIBCONTAINER_INITTYPE") == "standard" {
			if err := prepareInit(); err != nil {
				os.Exit(1)
			}
		}
		libcontainer.Init()
		os.Exit(255) // Init never returns on success.
	}
	if len(os.Args) > 0 && os.Args[0] == usernsHelperName {
		os.Exit(usernsHelperMain(os.Args[1:]))
	}
	if len(os.Args) > 0 && os.Args[0] == pauseName && filepath.Base(os.Args[0]) == "pause" {
		os.Exit(pauseMain(os.Args[1:]))
	}
	return false
}
