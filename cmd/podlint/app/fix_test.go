package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixablePod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web, version: 2}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: \"1\", controller: true}]\nspec:\n  restartPolicy: Nevr # typo\n  containers:\n  - name: c\n    image: nginx:1.27\n    imagePulPolicy: Always\n"

const fixedPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web, version: \"2\"}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: \"1\", controller: true}]\nspec:\n  restartPolicy: Never # typo\n  containers:\n  - name: c\n    image: nginx:1.27\n    imagePullPolicy: Always\n"

func writeTemp(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestFixDiffLeavesFiles: the default prints a diff, touches nothing, and exits
// as --write would (0: nothing at --fail-on remains once fixed).
func TestFixDiffLeavesFiles(t *testing.T) {
	path := writeTemp(t, "pod.yaml", fixablePod, 0o644)
	stdout, stderr, code := runCLI(t, cliCase{args: []string{"fix", path}})
	if code != ExitClean {
		t.Errorf("exit %d, want 0; stderr %s", code, stderr)
	}
	for _, want := range []string{"--- " + path, "+++ " + path, "-  restartPolicy: Nevr # typo", "+  restartPolicy: Never # typo", "-    imagePulPolicy: Always", "+    imagePullPolicy: Always", `+  labels: {app: web, version: "2"}`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if got := readString(t, path); got != fixablePod {
		t.Errorf("diff mode changed the file:\n%s", got)
	}
	// Findings that remain make the exit 1, in diff mode as with --write.
	rest := writeTemp(t, "rest.yaml", strings.Replace(fixablePod, "image: nginx:1.27", "image: \"\"", 1), 0o644)
	if _, _, code := runCLI(t, cliCase{args: []string{"fix", rest}}); code != ExitFindings {
		t.Errorf("a finding without a fix remains: exit %d, want 1", code)
	}
}

// TestFixWrite edits in place, keeps the mode, and a second run has nothing to do.
func TestFixWrite(t *testing.T) {
	path := writeTemp(t, "pod.yaml", fixablePod, 0o600)
	_, stderr, code := runCLI(t, cliCase{args: []string{"fix", "--write", path}})
	if code != ExitClean {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	if got := readString(t, path); got != fixedPod {
		t.Errorf("written:\n%s\nwant:\n%s", got, fixedPod)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after --write: %v, %v; want 0600", info.Mode(), err)
	}
	if !strings.Contains(stderr, "fixed "+path+" (3 fixes)") {
		t.Errorf("stderr %q does not say what was fixed", stderr)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	stdout, _, code := runCLI(t, cliCase{args: []string{"fix", path}})
	if stdout != "" || code != ExitClean {
		t.Errorf("second run: exit %d, diff %q; want nothing", code, stdout)
	}
}

// TestFixSymlink fixes a symbolic link's target and keeps the link.
func TestFixSymlink(t *testing.T) {
	target := writeTemp(t, "pod.yaml", fixablePod, 0o644)
	link := filepath.Join(t.TempDir(), "link.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, cliCase{args: []string{"fix", "-w", link}}); code != ExitClean {
		t.Fatalf("exit %d; %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	if got := readString(t, target); got != fixedPod {
		t.Errorf("target not fixed:\n%s", got)
	}
}

// TestFixRefusesChangedFile: a file edited since podlint read it is not written.
func TestFixRefusesChangedFile(t *testing.T) {
	path := writeTemp(t, "pod.yaml", fixablePod+"# edited meanwhile\n", 0o644)
	err := writeFixed(path, []byte(fixablePod), []byte(fixedPod))
	if err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Errorf("writeFixed over a changed file: %v", err)
	}
	if got := readString(t, path); got != fixablePod+"# edited meanwhile\n" {
		t.Errorf("the changed file was overwritten:\n%s", got)
	}
}

// TestFixStdin writes the fixed stream to stdout, byte for byte.
func TestFixStdin(t *testing.T) {
	in := writeTemp(t, "in.yaml", "\ufeff"+strings.ReplaceAll(fixablePod, "\n", "\r\n"), 0o644)
	stdout, stderr, code := runCLI(t, cliCase{args: []string{"fix", "-"}, stdin: in})
	if code != ExitClean {
		t.Fatalf("exit %d; %s", code, stderr)
	}
	if want := "\ufeff" + strings.ReplaceAll(fixedPod, "\n", "\r\n"); stdout != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", stdout, want)
	}
}

func TestFixUsageAndInputErrors(t *testing.T) {
	bad := writeTemp(t, "bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", 0o644)
	good := writeTemp(t, "pod.yaml", fixablePod, 0o644)
	for _, c := range []struct {
		cliCase
		stderr string
	}{
		{cliCase{name: "no paths", args: []string{"fix"}, exit: ExitUsage}, "at least one PATH"},
		{cliCase{name: "stdin with files", args: []string{"fix", "-", good}, exit: ExitUsage}, "cannot be combined"},
		{cliCase{name: "write stdin", args: []string{"fix", "--write", "-"}, exit: ExitUsage}, "--write needs files"},
		{cliCase{name: "check --fix stdin", args: []string{"check", "--fix", "-"}, exit: ExitUsage}, "--fix edits files"},
		{cliCase{name: "input error", args: []string{"fix", "--write", bad, good}, exit: ExitUsage}, "yaml-syntax"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, c.cliCase)
			if code != c.exit || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, c.exit, c.stderr)
			}
		})
	}
	// The file that could be fixed still was; the broken one is untouched.
	if got := readString(t, good); got != fixedPod {
		t.Errorf("the good file was not fixed:\n%s", got)
	}
	if got := readString(t, bad); got != "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n" {
		t.Errorf("the broken file changed:\n%s", got)
	}
}

// TestCheckFix fixes in place and reports what remains in check's format.
func TestCheckFix(t *testing.T) {
	path := writeTemp(t, "pod.yaml", strings.Replace(fixablePod, "image: nginx:1.27", "image: \"\"", 1), 0o644)
	stdout, _, code := runCLI(t, cliCase{args: []string{"check", "--fix", "-f", "json", path}})
	if code != ExitFindings {
		t.Errorf("exit %d, want 1 (missing-image has no fix)", code)
	}
	if !strings.Contains(stdout, `"rule": "missing-image"`) || strings.Contains(stdout, `"rule": "unknown-field"`) {
		t.Errorf("report after --fix:\n%s", stdout)
	}
	if got := readString(t, path); !strings.Contains(got, "imagePullPolicy: Always") {
		t.Errorf("check --fix did not write the fix:\n%s", got)
	}
}
