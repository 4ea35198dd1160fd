package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

var hostileResult = &lint.Result{
	Findings: []lint.Finding{{Rule: "input-limit", Category: lint.CategoryInput, Severity: lint.SeverityError,
		Message: "document nests more than 256 levels deep", Hint: "Flatten the document.", Document: 2,
		Position: lint.Position{File: "deep.yaml", Line: 9, Column: 4}}},
	Skipped: []lint.Skip{
		{Object: lint.ObjectRef{APIVersion: "v1", Kind: "Service", Name: "web"}, Document: 1, Position: lint.Position{File: "a.yaml", Line: 1}},
		{Position: lint.Position{File: "dir/logo.yaml"}, Reason: "file is binary, not YAML or JSON text (a NUL byte at offset 3)"},
	},
	Summary: lint.Summary{Files: 3, Objects: 1, Skipped: 2, Unreadable: 1, Errors: 1},
}

func TestTextNamesUnreadableAndSkippedFiles(t *testing.T) {
	var b bytes.Buffer
	if err := (&Text{}).Print(&b, hostileResult); err != nil {
		t.Fatal(err)
	}
	want := `deep.yaml:9:4: error: document nests more than 256 levels deep (input-limit)
    hint: Flatten the document.
dir/logo.yaml: info: skipped: file is binary, not YAML or JSON text (a NUL byte at offset 3)
1 error, 0 warnings, 0 infos (3 files, 1 object checked, 2 skipped (other kinds: Service; 1 file not read), 1 unreadable)
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJSONCarriesUnreadableAndSkipReasons(t *testing.T) {
	var b bytes.Buffer
	if err := (JSON{}).Print(&b, hostileResult); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Skipped []struct {
			File, Reason string
		}
		Summary map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary["unreadable"] != 1 || len(got.Skipped) != 2 || got.Skipped[0].Reason != "" || !strings.HasPrefix(got.Skipped[1].Reason, "file is binary") {
		t.Errorf("got %+v", got)
	}
	if strings.Count(b.String(), `"reason"`) != 1 {
		t.Errorf("reason must be omitted for skipped objects:\n%s", b.String())
	}
}
