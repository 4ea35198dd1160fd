package apiservertest

import (
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/podlint/podlint/internal/testpki"
	"github.com/podlint/podlint/webhook"
)

// An object podlint cannot read (here a containerPort sent as a string, as an
// API server of another version or a conversion could send it) is answered
// with an error, never admitted unjudged: through the API server's own webhook
// plugin, failurePolicy Fail refuses it with podlint's reason and Ignore admits
// it, exactly as when podlint is down.
func TestUnreadableObjectFollowsFailurePolicy(t *testing.T) {
	ca := testpki.NewCA(t, "podlint-ca")
	p := startPodlint(t, ca, podlintHandler(t, nil, webhook.Config{Mode: webhook.ModeDeny}))
	pod := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "odd", "namespace": "team-a"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web", "image": "nginx:1.27",
			"ports": []any{map[string]any{"containerPort": "80"}},
		}}},
	}}

	closed := newPlugin(t, p.url, hook(admissionregistrationv1.Fail, 10, ca.PEM))
	err, _ := admit(t, closed, pod, nil, false)
	if err == nil || !strings.Contains(err.Error(), "failed calling webhook") || !strings.Contains(err.Error(), "podlint could not read") ||
		!strings.Contains(err.Error(), "containerPort") {
		t.Errorf("failurePolicy Fail: %v", err)
	}

	open := newPlugin(t, p.url, hook(admissionregistrationv1.Ignore, 10, ca.PEM))
	if err, _ := admit(t, open, pod, nil, false); err != nil {
		t.Errorf("failurePolicy Ignore: %v", err)
	}
}
