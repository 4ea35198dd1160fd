package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/runner"
)

// The golden tests run from the repository root so that file names in the
// output read as a user would type them.
func TestMain(m *testing.M) {
	// podlint run's tests start containers: this binary is their init too.
	runner.Reexec()
	if err := os.Chdir("../../.."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

type cliCase struct {
	name  string
	args  []string
	stdin string // a file whose content is piped in
	exit  int
}

func runCLI(t *testing.T, c cliCase) (stdout, stderr string, code int) {
	t.Helper()
	var in bytes.Buffer
	if c.stdin != "" {
		data, err := os.ReadFile(c.stdin)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(data)
	}
	var out, errb bytes.Buffer
	code = Run(context.Background(), Streams{In: &in, Out: &out, Err: &errb}, c.args)
	return out.String(), errb.String(), code
}

// TestGolden compares whole CLI runs with testdata/golden; UPDATE_GOLDEN=1 rewrites
// them (read the diff before committing).
func TestGolden(t *testing.T) {
	cases := []cliCase{
		{name: "notes-text", args: []string{"check", "testdata/notes"}, exit: 2},
		{name: "notes-json", args: []string{"check", "--format", "json", "testdata/notes"}, exit: 2},
		{name: "examples-text", args: []string{"check", "--verbose", "testdata/examples"}, exit: 1},
		{name: "examples-json", args: []string{"check", "-f", "json", "testdata/examples"}, exit: 1},
		{name: "stdin-json", args: []string{"check", "--format", "json", "-"}, stdin: "testdata/examples/app.yaml", exit: 1},
		{name: "clean", args: []string{"check", "testdata/examples/clean.yaml"}, exit: 0},
		{name: "examples-sarif", args: []string{"check", "--format", "sarif", "testdata/examples"}, exit: 1},
		{name: "examples-junit", args: []string{"check", "--format", "junit", "testdata/examples"}, exit: 1},
		{name: "examples-github", args: []string{"check", "--format", "github", "testdata/examples"}, exit: 1},
		{name: "notes-junit", args: []string{"check", "--format", "junit", "testdata/notes"}, exit: 2},
		{name: "stdin-sarif", args: []string{"check", "--format", "sarif", "-"}, stdin: "testdata/suppress/legacy.yaml", exit: 1},
		{name: "source-color", args: []string{"check", "--show-source", "--color", "always", "testdata/examples/app.yaml", "testdata/suppress"}, exit: 1},
		{name: "stdin-source", args: []string{"check", "--show-source", "-"}, stdin: "testdata/notes/centos-onfalure.yaml", exit: 1},
		{name: "quiet", args: []string{"check", "--quiet", "testdata/notes/centos-onfalure.yaml"}, exit: 1},
		{name: "suppress-text", args: []string{"check", "--show-source", "testdata/suppress"}, exit: 1},
		{name: "suppress-json", args: []string{"check", "--format", "json", "testdata/suppress"}, exit: 1},
		{name: "config", args: []string{"check", "--config", "testdata/config/podlint.yaml", "testdata/examples", "testdata/notes", "testdata/suppress"}, exit: 1},
		{name: "config-flags-win", args: []string{"check", "--config", "testdata/config/podlint.yaml", "--fail-on", "none", "--kubernetes-version", "1.37", "--quiet", "testdata/examples/app.yaml"}, exit: 0},
		{name: "config-print", args: []string{"config", "print", "--config", "testdata/config/podlint.yaml", "--fail-on", "info"}, exit: 0},
		{name: "rules-kinds", args: []string{"rules", "kinds", "--config", "testdata/config/customkinds.yaml"}, exit: 0},
		{name: "customkinds", args: []string{"check", "--config", "testdata/config/customkinds.yaml", "testdata/customkinds"}, exit: 1},
		{name: "config-bad", args: []string{"check", "--config", "testdata/config/bad.yaml", "testdata/examples"}, exit: 2},
		{name: "diff-text", args: []string{"diff", "testdata/update/old/app.yaml", "testdata/update/new/app.yaml"}, exit: 1},
		{name: "diff-json", args: []string{"diff", "--format", "json", "testdata/update/old/app.yaml", "testdata/update/new/app.yaml"}, exit: 1},
		{name: "diff-stdin-old", args: []string{"diff", "--fail-on", "none", "-", "testdata/update/new/app.yaml"}, stdin: "testdata/update/old/app.yaml", exit: 0},
		{name: "against-dirs", args: []string{"check", "--against", "testdata/update/old", "testdata/update/new"}, exit: 1},
		{name: "diff-same", args: []string{"diff", "testdata/examples/clean.yaml", "testdata/examples/clean.yaml"}, exit: 0},
		{name: "rules", args: []string{"rules"}, exit: 0},
		{name: "rules-explain", args: []string{"rules", "explain", "restart-policy"}, exit: 0},
		{name: "policy-text", args: []string{"check", "--policy", "examples/policies", "--policy", "testdata/policy/team", "testdata/policy/manifests.yaml"}, exit: 1},
		{name: "policy-json", args: []string{"check", "--format", "json", "--policy", "examples/policies", "--policy", "testdata/policy/team", "testdata/policy/manifests.yaml"}, exit: 1},
		{name: "policy-load-error", args: []string{"check", "--policy", "testdata/policy/broken", "testdata/policy/manifests.yaml"}, exit: 2},
		{name: "policy-eval-error", args: []string{"check", "--policy", "testdata/policy/failing", "testdata/policy/manifests.yaml"}, exit: 2},
		{name: "policy-test-fail", args: []string{"policy", "test", "testdata/policy/failing"}, exit: 1},
		{name: "policy-test", args: []string{"policy", "test", "examples/policies", "testdata/policy/team"}, exit: 0},
		{name: "rules-policy", args: []string{"rules", "--policy", "examples/policies"}, exit: 0},
		{name: "rules-explain-policy", args: []string{"rules", "explain", "--policy", "examples/policies", "no-latest-tag"}, exit: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, c)
			if code != c.exit {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, c.exit, stderr)
			}
			got := fmt.Sprintf("$ podlint %s\n-- exit %d --\n-- stdout --\n%s-- stderr --\n%s", strings.Join(c.args, " "), code, stdout, stderr)
			path := filepath.Join("testdata", "golden", c.name+".golden")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./cmd/... creates it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (UPDATE_GOLDEN=1 to accept, after reading the diff):\n%s", path, got)
			}
		})
	}
}

// TestExitCodes pins the command-line contract: 0 clean, 1 findings at or above
// --fail-on, 2 usage or input errors (which win over findings).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cliCase
		stderr string
	}{
		{cliCase: cliCase{name: "no paths", args: []string{"check"}, exit: ExitUsage}, stderr: "at least one PATH"},
		{cliCase: cliCase{name: "bad fail-on", args: []string{"check", "--fail-on", "fatal", "x"}, exit: ExitUsage}, stderr: "unknown severity"},
		{cliCase: cliCase{name: "bad version", args: []string{"check", "--kubernetes-version", "1.20", "x"}, exit: ExitUsage}, stderr: "1.35, 1.36, 1.37"},
		{cliCase: cliCase{name: "bad format", args: []string{"check", "--format", "xml", "x"}, exit: ExitUsage}, stderr: "unknown format"},
		{cliCase: cliCase{name: "unknown flag", args: []string{"check", "--nope", "x"}, exit: ExitUsage}, stderr: "unknown flag"},
		{cliCase: cliCase{name: "stdin twice", args: []string{"check", "-", "-"}, exit: ExitUsage}, stderr: "only once"},
		{cliCase: cliCase{name: "missing file", args: []string{"check", filepath.Join(dir, "nope.yaml")}, exit: ExitUsage}},
		{cliCase: cliCase{name: "input error wins over findings and fail-on none", args: []string{"check", "--fail-on", "none", bad, "testdata/notes/centos-onfalure.yaml"}, exit: ExitUsage}},
		{cliCase: cliCase{name: "findings", args: []string{"check", "testdata/notes/centos-onfalure.yaml"}, exit: ExitFindings}},
		{cliCase: cliCase{name: "fail-on none", args: []string{"check", "--fail-on", "none", "testdata/notes/centos-onfalure.yaml"}, exit: ExitClean}},
		{cliCase: cliCase{name: "explain typo", args: []string{"rules", "explain", "restart-polcy"}, exit: ExitUsage}, stderr: `did you mean "restart-policy"`},
		{cliCase: cliCase{name: "output sink", args: []string{"check", "--output", "json=" + filepath.Join(dir, "out.json"), "testdata/examples/clean.yaml"}, exit: ExitClean}},
		{cliCase: cliCase{name: "diff needs two paths", args: []string{"diff", "x"}, exit: ExitUsage}, stderr: "exactly two paths"},
		{cliCase: cliCase{name: "diff stdin twice", args: []string{"diff", "-", "-"}, exit: ExitUsage}, stderr: "only once"},
		{cliCase: cliCase{name: "against missing", args: []string{"check", "--against", filepath.Join(dir, "nope.yaml"), "testdata/examples/clean.yaml"}, exit: ExitUsage}},
		{cliCase: cliCase{name: "bad output sink", args: []string{"check", "--output", "json", "x"}, exit: ExitUsage}, stderr: "FORMAT=FILE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, c.cliCase)
			if code != c.exit || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and stderr containing %q", code, stderr, c.exit, c.stderr)
			}
		})
	}
	if data, err := os.ReadFile(filepath.Join(dir, "out.json")); err != nil || !bytes.Contains(data, []byte(`"objects": 1`)) {
		t.Errorf("--output json=FILE wrote %q, %v", data, err)
	}
}
