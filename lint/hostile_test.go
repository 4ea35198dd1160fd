package lint_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

const minimalPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n"

const podJSON = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "b"}]}}`

// brief renders findings as "file:line rule" for comparisons.
func brief(res *lint.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s:%d %s", filepath.Base(f.Position.File), f.Position.Line, f.Rule))
	}
	return out
}

func runOpts(t *testing.T, opts lint.Options, paths []string, stdin io.Reader) *lint.Result {
	t.Helper()
	done := make(chan *lint.Result, 1)
	go func() {
		done <- lint.NewEngine([]*lint.Rule{everyContainer}, opts).Run(context.Background(), lint.Sources(paths, stdin))
	}()
	select {
	case res := <-done:
		return res
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return within a minute")
		return nil
	}
}

func findingWith(t *testing.T, res *lint.Result, rule, text string) lint.Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.Rule == rule && strings.Contains(f.Message, text) {
			return f
		}
	}
	t.Fatalf("no %s finding containing %q in %+v", rule, text, res.Findings)
	return lint.Finding{}
}

func TestReadingOddButValidText(t *testing.T) {
	for name, src := range map[string]string{
		"bom":             "\ufeff" + minimalPod,
		"crlf":            strings.ReplaceAll(minimalPod, "\n", "\r\n"),
		"separators-crlf": "---\r\n" + strings.ReplaceAll(minimalPod, "\n", "\r\n") + "...\r\n---\r\n",
		// kubectl reads a stream that starts with { as YAML when it is not JSON.
		"flow-trailing-comma": "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", # a pod\n \"metadata\": {\"name\": \"a\"},\n \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"b\"},]},\n}\n",
		"doc-end-markers":     minimalPod + "...\n---\n" + minimalPod,
		"long-scalar":         strings.Replace(minimalPod, "image: b", "image: "+strings.Repeat("b", 1<<20-100), 1),
	} {
		t.Run(name, func(t *testing.T) {
			res := runOpts(t, lint.Options{}, []string{"-"}, strings.NewReader(src))
			if res.InputErrors() != 0 || res.Summary.Objects == 0 || res.Summary.Unreadable != 0 {
				t.Fatalf("findings %v, summary %+v", brief(res), res.Summary)
			}
		})
	}
}

func TestEmptyInputs(t *testing.T) {
	for name, src := range map[string]string{
		"empty-file":      "",
		"only-separators": "---\n---\n--- # c\n",
		"only-comments":   "# a\n---\n# b\n",
		"blank":           "\n\n   \n",
	} {
		t.Run(name, func(t *testing.T) {
			res := runOpts(t, lint.Options{}, []string{"-"}, strings.NewReader(src))
			if len(res.Findings) != 0 || res.Summary.Files != 1 || res.Summary.Objects != 0 || res.Summary.Unreadable != 0 {
				t.Fatalf("findings %v, summary %+v", brief(res), res.Summary)
			}
		})
	}
}

func TestBrokenTextIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name, src, rule, text string
		line                  int
	}{
		{name: "tabs", src: "apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n", rule: "yaml-syntax", text: "tabs", line: 4},
		{name: "doc-end-alone", src: "...\n", rule: "yaml-syntax", text: "document-end marker", line: 1},
		{name: "json-then-not-json", src: podJSON + "\n" + podJSON + "\n\n{kind: Pod,}\n", rule: "yaml-syntax", text: "two JSON values", line: 4},
		{name: "separator-with-content", src: minimalPod + "--- kind: Pod\n", rule: "yaml-syntax", text: "only a comment may follow", line: 6},
		{name: "latin1-late", src: minimalPod + "---\n" + strings.Repeat("# pad\n", 2000) + "metadata: {name: caf\xe9}\n", rule: "yaml-syntax", text: "0xE9 at column 21 is not valid UTF-8", line: 2007},
		{name: "nul-late", src: minimalPod + "---\n" + strings.Repeat("# pad\n", 2000) + "kind: Pod\x00\n", rule: "yaml-syntax", text: "control character U+0000 at column 10", line: 2007},
		{name: "unclosed-quote", src: "kind: \"Pod\n", rule: "yaml-syntax", text: "", line: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runOpts(t, lint.Options{}, []string{"-"}, strings.NewReader(tc.src))
			f := findingWith(t, res, tc.rule, tc.text)
			if f.Position.Line != tc.line || f.Position.File != "-" {
				t.Errorf("position %+v, want line %d", f.Position, tc.line)
			}
			if res.Summary.Unreadable != 1 {
				t.Errorf("summary %+v: want 1 unreadable", res.Summary)
			}
		})
	}
}

func TestFlowYAMLThatIsNotJSONStillParses(t *testing.T) {
	res := runOpts(t, lint.Options{}, []string{"-"}, strings.NewReader("{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: b}]}}\n"))
	if res.InputErrors() != 0 || res.Summary.Objects != 1 {
		t.Fatalf("findings %v, summary %+v", brief(res), res.Summary)
	}
}

func TestBinaryFilesSkippedInWalksRefusedWhenNamed(t *testing.T) {
	dir := t.TempDir()
	bin := write(t, dir, "image.yaml", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	latin1 := write(t, dir, "latin1.yaml", "metadata: {name: caf\xe9}\n")
	utf16 := write(t, dir, "utf16.json", "\xff\xfe{\x00}\x00")
	write(t, dir, "ok.yaml", minimalPod)

	res := runOpts(t, lint.Options{}, []string{dir}, nil)
	if res.InputErrors() != 0 || res.Summary.Objects != 1 || res.Summary.Skipped != 3 || res.Summary.Files != 4 {
		t.Fatalf("walk: findings %v, summary %+v", brief(res), res.Summary)
	}
	reasons := map[string]string{}
	for _, s := range res.Skipped {
		reasons[filepath.Base(s.Position.File)] = s.Reason
	}
	for file, want := range map[string]string{"image.yaml": "binary", "latin1.yaml": "not UTF-8", "utf16.json": "UTF-16"} {
		if !strings.Contains(reasons[file], want) {
			t.Errorf("%s skipped for %q, want %q", file, reasons[file], want)
		}
	}

	res = runOpts(t, lint.Options{}, []string{bin, latin1, utf16}, nil)
	if got := strings.Join(brief(res), ","); got != "image.yaml:0 file-unreadable,latin1.yaml:0 file-unreadable,utf16.json:0 file-unreadable" {
		t.Fatalf("named: %s", got)
	}
	if res.Summary.Unreadable != 3 || res.Summary.Skipped != 0 {
		t.Errorf("named: summary %+v", res.Summary)
	}
}

func TestWalkSurvivesLinksPipesAndUnreadableEntries(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "real/pod.yaml", minimalPod)
	must(t, os.Symlink("loop.yaml", filepath.Join(dir, "loop.yaml")))
	must(t, os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")))
	must(t, os.Symlink("real", filepath.Join(dir, "linked-dir")))
	must(t, os.Symlink(".", filepath.Join(dir, "real", "self")))
	must(t, os.Symlink("real/pod.yaml", filepath.Join(dir, "linked.yaml")))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Logf("no FIFO on this system (%v); the pipe case is not exercised", err)
	}
	res := runOpts(t, lint.Options{}, []string{dir}, nil)
	got := strings.Join(brief(res), "\n")
	for _, want := range []string{"dangling.yaml:0 file-unreadable", "loop.yaml:0 file-unreadable"} {
		if !strings.Contains(got, want) {
			t.Errorf("findings:\n%s\nwant %s", got, want)
		}
	}
	if res.Summary.Objects != 2 { // real/pod.yaml and linked.yaml
		t.Errorf("summary %+v", res.Summary)
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, filepath.Base(s.Position.File)+": "+s.Reason)
	}
	joined := strings.Join(skipped, "\n")
	for _, want := range []string{"linked-dir: symbolic link to a directory", "self: symbolic link to a directory"} {
		if !strings.Contains(joined, want) {
			t.Errorf("skipped:\n%s\nwant %s", joined, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pipe.yaml")); err == nil && !strings.Contains(joined, "pipe.yaml: not a regular file (a named pipe)") {
		t.Errorf("skipped:\n%s\nwant the FIFO skipped", joined)
	}

	// A symlinked directory named on the command line is walked.
	res = runOpts(t, lint.Options{}, []string{filepath.Join(dir, "linked-dir")}, nil)
	if res.Summary.Objects != 1 || res.InputErrors() != 0 {
		t.Errorf("symlinked root: findings %v, summary %+v", brief(res), res.Summary)
	}
}

func TestUnreadableDirectoryEntries(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions are not enforced, so nothing is unreadable")
	}
	dir := t.TempDir()
	write(t, dir, "locked/pod.yaml", minimalPod)
	write(t, dir, "secret.yaml", minimalPod)
	must(t, os.Chmod(filepath.Join(dir, "locked"), 0))
	must(t, os.Chmod(filepath.Join(dir, "secret.yaml"), 0))
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	res := runOpts(t, lint.Options{}, []string{dir}, nil)
	if got := strings.Join(brief(res), ","); got != "locked:0 file-unreadable,secret.yaml:0 file-unreadable" {
		t.Errorf("findings %s", got)
	}
}

// failingReader yields some bytes, then an error, as a stdin closed by a dying producer can.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestStdinFailingMidway(t *testing.T) {
	res := runOpts(t, lint.Options{}, []string{"-"}, &failingReader{data: minimalPod + "---\n" + minimalPod[:20], err: syscall.EBADF})
	f := findingWith(t, res, "file-unreadable", "bad file descriptor")
	if f.Position.File != "-" || f.Position.Line != 8 {
		t.Errorf("position %+v", f.Position)
	}
	if res.Summary.Objects != 1 || res.Summary.Unreadable != 1 {
		t.Errorf("the document read before the error is checked: %+v", res.Summary)
	}
	res = runOpts(t, lint.Options{}, []string{"-"}, &failingReader{err: io.ErrUnexpectedEOF})
	if findingWith(t, res, "file-unreadable", "unexpected EOF"); res.Summary.Files != 1 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func TestLimits(t *testing.T) {
	var manyDocs, manyPods, bomb, bigAlias, merges strings.Builder
	for i := 0; i < 30; i++ {
		manyDocs.WriteString("---\n" + minimalPod)
	}
	for i := 0; i < 6; i++ {
		manyPods.WriteString("---\n" + minimalPod)
	}
	bomb.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 7; i++ {
		fmt.Fprintf(&bomb, "    a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	bomb.WriteString("  managedFields:\n    - fieldsV1: *a6\n")
	bigAlias.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {a: &s " + strings.Repeat("x", 1000) + "}\nspec:\n  containers:\n    - name: a\n      args: [" + strings.TrimSuffix(strings.Repeat("*s, ", 5000), ", ") + "]\n")
	merges.WriteString("apiVersion: v1\nkind: Pod\nx:\n  - &m0 {a: b}\n")
	for i := 1; i < 64; i++ {
		fmt.Fprintf(&merges, "  - &m%d {<<: [*m%d, *m%d], k%d: v}\n", i, i-1, i-1, i)
	}
	merges.WriteString("spec:\n  nodeSelector: {<<: *m63}\n  containers: [{name: a, image: b}]\n")

	for _, tc := range []struct {
		name       string
		src        string
		opts       lint.Options
		rule, text string
		line       int
		objects    int
	}{
		{name: "file-size", src: minimalPod + "---\n" + minimalPod, opts: lint.Options{MaxFileBytes: int64(len(minimalPod)) + 10}, rule: "input-limit", text: "larger than", line: 7, objects: 1},
		{name: "long-line", src: minimalPod + "---\nkind: " + strings.Repeat("x", 5000) + "\n", opts: lint.Options{MaxDocumentBytes: 4096}, rule: "input-limit", text: "4096 bytes", line: 7, objects: 1},
		{name: "documents", src: manyDocs.String(), opts: lint.Options{MaxDocuments: 25}, rule: "input-limit", text: "more than 25 documents", line: 26*6 + 1 - 5, objects: 25},
		{name: "objects", src: manyPods.String(), opts: lint.Options{MaxObjects: 4}, rule: "input-limit", text: "more than 4 objects", line: 5*6 - 4, objects: 4},
		{name: "nodes-prescan", src: "apiVersion: v1\nkind: Pod\nx: [" + strings.Repeat("0,", 2000) + "0]\n", opts: lint.Options{DocumentLimits: manifest.Limits{MaxNodes: 1000}}, rule: "input-limit", text: "more than 1000 YAML nodes", line: 3},
		{name: "depth", src: "apiVersion: v1\nkind: Pod\nx: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", rule: "input-limit", text: "more than 256 levels", line: 3},
		{name: "scalar", src: strings.Replace(minimalPod, "image: b", "image: "+strings.Repeat("b", 2000), 1), opts: lint.Options{DocumentLimits: manifest.Limits{MaxScalarBytes: 1000}}, rule: "input-limit", text: "value of 2000 bytes", line: 5},
		{name: "alias-bomb", src: bomb.String(), rule: "input-limit", text: "expands to more than 1048576 nodes", line: 13},
		{name: "alias-bytes", src: bigAlias.String(), opts: lint.Options{DocumentLimits: manifest.Limits{MaxExpandedBytes: 1 << 20}}, rule: "input-limit", text: "more than 1048576 bytes of JSON", line: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runOpts(t, tc.opts, []string{"-"}, strings.NewReader(tc.src))
			f := findingWith(t, res, tc.rule, tc.text)
			if f.Position.Line != tc.line {
				t.Errorf("line %d, want %d (%s)", f.Position.Line, tc.line, f.Message)
			}
			if f.Hint == lint.RuleInputLimit.Remediation || f.Hint == "" {
				t.Errorf("want a hint naming what to do about this limit, got %q", f.Hint)
			}
			if res.Summary.Objects != tc.objects || res.Summary.Unreadable != 1 {
				t.Errorf("summary %+v, want %d objects checked and 1 unreadable", res.Summary, tc.objects)
			}
		})
	}

	t.Run("merge-key-chain", func(t *testing.T) {
		// 2^63 paths through the merges: linear only if each merged mapping is expanded once.
		res := runOpts(t, lint.Options{}, []string{"-"}, strings.NewReader(merges.String()))
		if res.Summary.Objects != 1 {
			t.Fatalf("findings %v, summary %+v", brief(res), res.Summary)
		}
	})
}

func TestObjectLimitCountsUnreadableItems(t *testing.T) {
	// Each item is a missing-kind finding: they cost memory like checked objects.
	src := "apiVersion: v1\nkind: List\nitems:\n" + strings.Repeat("  - {}\n", 50)
	res := runOpts(t, lint.Options{MaxObjects: 10}, []string{"-"}, strings.NewReader(src))
	if got := strings.Join(brief(res), ","); got != "-:1 input-limit" {
		t.Errorf("findings %s", got)
	}
}

func TestObjectLimitCutsTheSamePlaceEveryRun(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 8; i++ {
		write(t, dir, fmt.Sprintf("f%d.yaml", i), minimalPod+"---\n"+minimalPod)
	}
	var first string
	for i := 0; i < 5; i++ {
		res := runOpts(t, lint.Options{MaxObjects: 7, Workers: 4}, []string{dir}, nil)
		got := fmt.Sprintf("%v %+v", brief(res), res.Summary)
		if i == 0 {
			first = got
			if !strings.Contains(got, "f3.yaml:7 input-limit") {
				t.Fatalf("got %s", got)
			}
		} else if got != first {
			t.Fatalf("run %d differs:\n%s\n%s", i, got, first)
		}
	}
}

// TestLoaderConcurrentUse runs one engine from several goroutines over the same
// directory of good and hostile files; with -race it checks the loader and the
// engine share nothing unsafely, and every run sees the same result.
func TestLoaderConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", minimalPod+"---\n"+minimalPod)
	write(t, dir, "b/bad.yaml", "kind: [\n")
	write(t, dir, "b/bin.yaml", "\x00\x01")
	write(t, dir, "c.json", `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "image": "j"}]},}`)
	must(t, os.Symlink("nowhere.yaml", filepath.Join(dir, "dangling.yaml")))
	e := lint.NewEngine([]*lint.Rule{everyContainer}, lint.Options{Workers: 3})
	var wg sync.WaitGroup
	results := make([]string, 6)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.Run(context.Background(), lint.Sources([]string{dir, "-"}, strings.NewReader(minimalPod)))
			results[g] = fmt.Sprintf("%v %+v", brief(res), res.Summary)
		}()
	}
	wg.Wait()
	for g := range results {
		if results[g] != results[0] {
			t.Fatalf("run %d differs:\n%s\n%s", g, results[g], results[0])
		}
	}
	if !strings.Contains(results[0], "Unreadable:2") {
		t.Errorf("got %s", results[0])
	}
}

func TestCancelStopsReading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := lint.NewEngine(nil, lint.Options{}).Run(ctx, lint.Sources([]string{"-"}, strings.NewReader(minimalPod)))
	if res.Summary.Objects != 0 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
}
