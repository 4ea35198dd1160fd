package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitHook installs podlint's hook (.pre-commit-hooks.yaml) the way a user
// does: a throwaway git repository whose .pre-commit-config.yaml points at a git
// copy of this working tree with `language: golang`, so pre-commit itself builds
// podlint with `go install ./...`. A commit of a broken manifest is blocked with
// podlint's file:line:col message, and goes through once the manifest is fixed.
//
// It needs git, go and pre-commit (Debian: apt-get install git pre-commit) and
// module downloads (the Go module proxy, or a filled module cache).
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds podlint through pre-commit")
	}
	for _, tool := range []string{"git", "go", "pre-commit"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: apt-get install git golang pre-commit): %v", tool, err)
		}
	}
	root, err := os.Getwd() // the repository root: TestMain changed to it
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-home"),
		"GIT_AUTHOR_NAME=podlint test", "GIT_AUTHOR_EMAIL=test@podlint.invalid",
		"GIT_COMMITTER_NAME=podlint test", "GIT_COMMITTER_EMAIL=test@podlint.invalid",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		// pre-commit sets GOPATH to its own directory; keep the shared module
		// cache so the build does not download every module again.
		"GOMODCACHE="+goEnv(t, "GOMODCACHE"),
	)
	run := func(dir string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, name string, args ...string) string {
		t.Helper()
		out, err := run(dir, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return out
	}

	// The hook repository: this working tree (committed or not) as one commit.
	hooks := filepath.Join(tmp, "podlint")
	files := must(root, "git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(hooks, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must(hooks, "git", "init", "-q")
	must(hooks, "git", "add", "-A")
	must(hooks, "git", "commit", "-q", "-m", "podlint under test")
	rev := strings.TrimSpace(must(hooks, "git", "rev-parse", "HEAD"))

	// The user's repository.
	proj := filepath.Join(tmp, "project")
	if err := os.MkdirAll(filepath.Join(proj, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	config := "repos:\n  - repo: " + hooks + "\n    rev: " + rev + "\n    hooks:\n      - id: podlint\n"
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(proj, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".pre-commit-config.yaml", config)
	const bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: centos\n  annotations:\n    podlint.io/ignore: bare-pod\nspec:\n  restartPolicy: Onfalure\n  containers:\n    - name: centos\n      image: centos:7\n"
	write("deploy/pod.yaml", bad)
	must(proj, "git", "init", "-q")
	must(proj, "pre-commit", "install")
	must(proj, "git", "add", "-A")

	out, err := run(proj, "git", "commit", "-m", "add a Pod")
	if err == nil {
		t.Fatalf("the commit of a broken manifest went through:\n%s", out)
	}
	want := `deploy/pod.yaml:8:3: error: spec.restartPolicy: unsupported restartPolicy "Onfalure"`
	if !strings.Contains(out, want) {
		t.Fatalf("blocked commit's output lacks %q:\n%s", want, out)
	}
	t.Logf("blocked commit:\n%s", out)

	write("deploy/pod.yaml", strings.Replace(bad, "Onfalure", "OnFailure", 1))
	must(proj, "git", "add", "-A")
	out = must(proj, "git", "commit", "-m", "add a Pod")
	if !strings.Contains(out, "podlint") || !strings.Contains(out, "Passed") {
		t.Errorf("commit of the fixed manifest did not run the hook:\n%s", out)
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}
