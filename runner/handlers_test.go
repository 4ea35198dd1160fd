package runner

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestProbeCommand(t *testing.T) {
	env := []v1.EnvVar{
		{Name: "PORT", Value: "8080"},
		{Name: "URL", Value: "http://localhost:$(PORT)"}, // values are taken as written
		{Name: "TOKEN", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{Key: "t"}}},
		{Name: "odd name", Value: "odd"},
	}
	got := probeCommand([]string{
		"wget", "-q", "127.0.0.1:$(PORT)/healthz", "$(URL)", "[$(TOKEN)]", "$(FROM_IMAGE)", "$$(PORT)", "$(odd name)", "cost $5", "tail$", "$(unclosed",
	}, env)
	want := []string{
		"wget", "-q", "127.0.0.1:8080/healthz", "http://localhost:$(PORT)", "[]", "$(FROM_IMAGE)", "$(PORT)", "odd", "cost $5", "tail$", "$(unclosed",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestHTTPVerdicts(t *testing.T) {
	for _, tc := range []struct {
		out         string
		probe, hook bool
	}{
		{"status 200\n", true, true},
		{"status 302", true, true},
		{"status 404", false, true},
		{"status 500", false, true},
		{"error dial tcp 127.0.0.1:8080: connect: connection refused", false, false},
		{"error context deadline exceeded (Client.Timeout exceeded while awaiting headers)", false, false},
		{"", false, false},
	} {
		r := parseHTTPResult(tc.out)
		if ok, _ := r.probeVerdict(); ok != tc.probe {
			t.Errorf("%q: probe ok=%v, want %v", tc.out, ok, tc.probe)
		}
		if err := r.hookVerdict(); (err == nil) != tc.hook {
			t.Errorf("%q: hook err=%v, want success=%v", tc.out, err, tc.hook)
		}
	}
	if _, msg := parseHTTPResult("status 503").probeVerdict(); msg != "HTTP probe failed with statuscode: 503" {
		t.Errorf("probe message %q", msg)
	}
}
