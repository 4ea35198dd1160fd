package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLimitFlags(t *testing.T) {
	pods := strings.Repeat("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n", 30)
	for _, tc := range []struct {
		name string
		args []string
		exit int
		out  string // in stdout (or stderr for usage errors)
	}{
		{name: "file-size", args: []string{"--max-file-size", "1Ki"}, exit: ExitUsage, out: "file is larger than 1 KiB"},
		{name: "file-size-hint", args: []string{"--max-file-size=1Ki"}, exit: ExitUsage, out: "raise the limit with --max-file-size"},
		{name: "document-size", args: []string{"--max-document-size", "16"}, exit: ExitUsage, out: "at most 16 bytes"},
		{name: "documents", args: []string{"--max-documents", "20"}, exit: ExitUsage, out: "20 objects checked, 1 unreadable"},
		{name: "objects", args: []string{"--max-objects", "5"}, exit: ExitUsage, out: "more than 5 objects in this run"},
		{name: "nodes", args: []string{"--max-nodes", "10"}, exit: ExitUsage, out: "more than 10 YAML nodes"},
		{name: "raised", args: []string{"--max-documents", "30", "--max-file-size", "1Mi"}, exit: ExitClean, out: "30 objects checked"},
		{name: "bad-size", args: []string{"--max-file-size", "lots"}, exit: ExitUsage, out: "--max-file-size: \"lots\" is not a size"},
		{name: "zero", args: []string{"--max-objects", "0"}, exit: ExitUsage, out: "--max-objects: want a positive number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"check", "--fail-on", "none"}, tc.args...)
			code := Run(context.Background(), Streams{In: strings.NewReader(pods), Out: &out, Err: &errb}, append(args, "-"))
			if code != tc.exit || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Errorf("exit %d (want %d), output:\n%s%s\nwant %q", code, tc.exit, out.String(), errb.String(), tc.out)
			}
		})
	}
}
