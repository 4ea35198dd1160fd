package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigDiscovery runs podlint from a directory below a .podlint.yaml: the
// file is found by walking up, its excludes are relative to its own directory,
// flags win over it, and a mistake in it is reported at file:line:col.
func TestConfigDiscovery(t *testing.T) {
	top := t.TempDir()
	mk := func(name, content string) {
		t.Helper()
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A bare Pod with only a bare-pod (info) finding, and a broken file to exclude.
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n"
	mk("apps/web/pod.yaml", pod)
	mk("apps/web/generated/broken.yaml", "kind: [\n")
	mk(".podlint.yaml", "failOn: info\nexclude: [apps/*/generated]\n")
	t.Chdir(filepath.Join(top, "apps", "web"))

	cases := []struct {
		name   string
		args   []string
		exit   int
		stdout string
		stderr string
	}{
		{name: "found above; failOn info makes bare-pod fail; generated/ excluded", args: []string{"check", "."}, exit: ExitFindings, stdout: "(1 file, 1 object checked)"},
		{name: "a flag wins over the file", args: []string{"check", "--fail-on", "warning", "."}, exit: ExitClean, stdout: "1 info"},
		{name: "config print names the file", args: []string{"config", "print"}, exit: ExitClean, stdout: "# from " + filepath.Join(top, ".podlint.yaml")},
		{name: "--config wins over discovery", args: []string{"check", "--config", filepath.Join(top, "other.yaml"), "."}, exit: ExitUsage, stderr: "other.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, cliCase{args: c.args})
			if code != c.exit || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout containing %q, stderr containing %q", code, stdout, stderr, c.exit, c.stdout, c.stderr)
			}
		})
	}

	mk(".podlint.yaml", "failOn: info\nrules:\n  disable: [bare-pod]\n  exclude: [x]\n")
	_, stderr, code := runCLI(t, cliCase{args: []string{"check", "."}})
	if want := filepath.Join(top, ".podlint.yaml") + `:4:3: unknown key "exclude" in rules`; code != ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
}
