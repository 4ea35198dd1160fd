// Package testbin builds the podlint binary for tests that run it as its own
// process (to kill it, measure it, or put a real API server in front of it),
// once per test binary.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Podlint builds ./cmd/podlint of the checkout at repoRoot (relative to the
// test's package directory) the first time it is called and returns the
// binary's path. Call Cleanup from TestMain to remove it.
func Podlint(t testing.TB, repoRoot string) string {
	t.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "podlint-testbin-"); err != nil {
			return
		}
		path = filepath.Join(dir, "podlint")
		build := exec.Command("go", "build", "-o", path, "./cmd/podlint")
		build.Dir = repoRoot
		if out, buildErr := build.CombinedOutput(); buildErr != nil {
			err = fmt.Errorf("go build ./cmd/podlint: %v\n%s", buildErr, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Cleanup removes what Podlint built.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
