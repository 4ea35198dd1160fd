//go:build linux && cgo

package runner

import (
	"fmt"
	"os"

	"github.com/opencontainers/runc/libcontainer/exeseal"
	"golang.org/x/sys/unix"
)

// sealedEnv holds, in a podlint re-executed from its sealed copy, the path
// of the executable it came from.
const sealedEnv = "_PODLINT_EXECUTABLE"

// SealExecutable re-executes podlint, once, from a sealed in-memory copy of
// its executable, and returns only if it does not. libcontainer starts every
// container init (and every exec: probes, hooks) from such a copy, so that a
// container cannot overwrite the binary through /proc/PID/exe
// (CVE-2019-5736); an unprivileged user cannot use its overlayfs shortcut, so
// each start copied the whole podlint binary (tens of MB) into a memfd. When
// podlint itself already runs from a sealed copy, libcontainer uses it as it
// is: one copy per `podlint run` instead of one per container start. As root
// libcontainer's overlayfs seal costs nothing: nothing to do.
func SealExecutable() {
	if os.Geteuid() == 0 || os.Getenv(sealedEnv) != "" || exeseal.IsSelfExeCloned() {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return
	}
	sealed, err := exeseal.CloneBinary(f, fi.Size(), exe, os.TempDir())
	if err != nil {
		return // libcontainer copies per start, as before
	}
	env := append(os.Environ(), sealedEnv+"="+exe)
	err = unix.Exec(fmt.Sprintf("/proc/self/fd/%d", sealed.Fd()), os.Args, env)
	// Exec failed: carry on unsealed.
	sealed.Close()
	_ = err
}

// executable returns the path of podlint's executable on the host, also
// when it runs from its sealed copy (which has no path).
func executable() (string, error) {
	if exe := os.Getenv(sealedEnv); exe != "" {
		return exe, nil
	}
	return os.Executable()
}
