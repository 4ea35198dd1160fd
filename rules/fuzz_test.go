package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/podlint/podlint/lint"
)

// FuzzRules runs the whole engine with every rule over arbitrary input: no rule
// may panic on any object that decodes (nil pointers, empty lists, huge numbers).
func FuzzRules(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*/*.yaml")
	for _, path := range files {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	engine := lint.NewEngine(All(), lint.Options{Workers: 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		res := engine.Run(context.Background(), lint.Sources([]string{"-"}, bytes.NewReader(data)))
		for _, err := range res.Internal {
			t.Fatal(err)
		}
	})
}
