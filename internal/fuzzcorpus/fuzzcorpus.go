// Package fuzzcorpus keeps the committed seed corpora of podlint's fuzz targets
// in step with the fixtures they are generated from. The corpora live where
// `go test` reads them, testdata/fuzz/<Target>/, in Go's corpus file format, so
// every plain `go test` runs them as regression inputs.
package fuzzcorpus

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Env is the environment variable that makes Sync write the corpus instead of checking it.
const Env = "UPDATE_FUZZ_CORPUS"

// prefix names generated seeds, so fuzzing's own finds (crashers named by Go)
// are kept and never mistaken for stale seeds.
const prefix = "seed-"

// Fixtures returns the contents of the files matching the patterns, sorted by path.
func Fixtures(t testing.TB, patterns ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out[path] = data
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures match %v", patterns)
	}
	return out
}

// Encode renders one corpus entry in Go's format ("go test fuzz v1" and one
// Go literal per argument). Only []byte and string arguments are supported.
func Encode(args ...any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			b.WriteString("[]byte(" + strconv.Quote(string(v)) + ")\n")
		case string:
			b.WriteString("string(" + strconv.Quote(v) + ")\n")
		default:
			panic(fmt.Sprintf("fuzzcorpus: unsupported argument type %T", a))
		}
	}
	return []byte(b.String())
}

// Sync makes testdata/fuzz/<target> hold exactly the given entries (each a list
// of fuzz arguments) as seed files; with UPDATE_FUZZ_CORPUS=1 it writes them,
// otherwise it fails the test when the committed corpus is out of date.
func Sync(t *testing.T, target string, entries [][]any) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	want := map[string][]byte{}
	for _, args := range entries {
		data := Encode(args...)
		sum := sha256.Sum256(data)
		want[fmt.Sprintf("%s%x", prefix, sum[:8])] = data
	}
	have := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		have[filepath.Base(f)] = data
	}
	var stale, missing []string
	for name := range have {
		if _, ok := want[name]; !ok {
			stale = append(stale, name)
		}
	}
	for name := range want {
		if _, ok := have[name]; !ok {
			missing = append(missing, name)
		}
	}
	sort.Strings(stale)
	sort.Strings(missing)
	if os.Getenv(Env) == "" {
		if len(stale)+len(missing) > 0 {
			t.Errorf("%s: seed corpus out of date (%d missing, %d stale); run %s=1 go test -run %s", dir, len(missing), len(stale), Env, t.Name())
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range missing {
		if err := os.WriteFile(filepath.Join(dir, name), want[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var wantComment = regexp.MustCompile(`# want: \S+ (\S+)`)

// WantPaths returns the field paths named by `# want: <rule-id> <path>` comments.
func WantPaths(data []byte) []string {
	var out []string
	for _, m := range wantComment.FindAllSubmatch(data, -1) {
		out = append(out, string(m[1]))
	}
	return out
}
