package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditUsageErrors: flags and kubeconfigs that cannot work exit 2 with a
// message naming the problem, before any cluster is called. The audit itself
// is tested against a real kube-apiserver in clustertest (make cluster-test).
func TestAuditUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "kubeconfig")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{name: "namespace and all", args: []string{"--namespace", "a", "--all-namespaces"}, want: "exclude each other"},
		{name: "page size", args: []string{"--page-size", "0"}, want: "--page-size"},
		{name: "format", args: []string{"--format", "xml"}, want: "--format"},
		{name: "output", args: []string{"--output", "json"}, want: "want FORMAT=FILE"},
		{name: "missing kubeconfig", args: []string{"--kubeconfig", missing}, want: "kubeconfig: stat " + missing},
		{name: "arguments", args: []string{"pods"}, want: "unknown command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, append([]string{"audit"}, c.args...))
			if code != ExitUsage || !strings.Contains(errb.String(), c.want) {
				t.Errorf("exit %d, stderr %q: want %d and %q", code, errb.String(), ExitUsage, c.want)
			}
		})
	}
}
