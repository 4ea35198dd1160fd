//go:build linux && cgo

package runner

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/opencontainers/runc/libcontainer/exeseal"
)

// TestSealExecutable re-executes the test binary from its sealed copy:
// libcontainer then finds /proc/self/exe sealed and copies nothing per
// container start, and podlint still knows its executable's path.
func TestSealExecutable(t *testing.T) {
	canRun(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSealed$")
	cmd.Env = append(os.Environ(), "PODLINT_HELPER_SEAL=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "sealed=true executable="+exe; !strings.Contains(got, want) {
		t.Errorf("helper said %q, want %q", got, want)
	}
}

// TestHelperSealed is the process TestSealExecutable starts.
func TestHelperSealed(t *testing.T) {
	if os.Getenv("PODLINT_HELPER_SEAL") == "" {
		t.Skip("helper for TestSealExecutable")
	}
	SealExecutable() // returns in the re-executed copy
	exe, err := executable()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("sealed=" + map[bool]string{true: "true", false: "false"}[exeseal.IsSelfExeCloned()] + " executable=" + exe + "\n")
}
