package app

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestColorDecision pins --color: auto colours only a terminal, and NO_COLOR (any
// non-empty value) or TERM=dumb turn auto off; always and never are literal.
func TestColorDecision(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	cases := []struct {
		name, mode, noColor, term string
		out                       io.Writer
		want                      bool
	}{
		{name: "auto, buffer", mode: "auto", out: &bytes.Buffer{}, want: false},
		{name: "auto, /dev/null is a character device but no terminal", mode: "auto", out: devNull, want: false},
		{name: "always, buffer", mode: "always", out: &bytes.Buffer{}, want: true},
		{name: "always wins over NO_COLOR", mode: "always", noColor: "1", out: &bytes.Buffer{}, want: true},
		{name: "never", mode: "never", out: &bytes.Buffer{}, want: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", c.noColor)
			t.Setenv("TERM", c.term)
			got, err := useColor(c.mode, c.out)
			if err != nil || got != c.want {
				t.Errorf("useColor(%q) = %v, %v; want %v", c.mode, got, err, c.want)
			}
		})
	}
	if _, err := useColor("sometimes", &bytes.Buffer{}); err == nil {
		t.Error("--color sometimes was accepted")
	}
}
