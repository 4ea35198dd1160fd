package rules

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

// TestPositions checks the line and column of findings whose position used to
// be off (testdata/positions/want.txt names each fixture's finding): a tab in
// the indentation, a wrongly indented key, a syntax error in JSON, a pod
// template's label, and a document after a `...` end marker.
func TestPositions(t *testing.T) {
	dir := "../testdata/positions"
	f, err := os.Open(filepath.Join(dir, "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		var file, rule, at string
		var doc int
		if _, err := fmt.Sscanf(line, "%s %s %s %d", &file, &rule, &at, &doc); err != nil {
			t.Fatalf("want.txt: %q: %v", line, err)
		}
		n++
		t.Run(file, func(t *testing.T) {
			res := checkFile(t, filepath.Join(dir, file), lint.DefaultKubernetesVersion)
			var got []string
			for _, f := range res.Findings {
				if f.Rule == rule {
					got = append(got, fmt.Sprintf("%d:%d %d", f.Position.Line, f.Position.Column, f.Document))
				}
			}
			if want := fmt.Sprintf("%s %d", at, doc); len(got) != 1 || got[0] != want {
				t.Errorf("%s findings at %v, want one at %s", rule, got, want)
			}
			if res.Summary.Empty != 0 {
				t.Errorf("summary counts %d empty documents, want none", res.Summary.Empty)
			}
		})
	}
	if n == 0 {
		t.Fatal("want.txt names no fixtures")
	}
}
