package audit_test

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/podlint/podlint/audit"
	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

func object(apiVersion, kind, namespace, name string, labels map[string]any, spec map[string]any) *unstructured.Unstructured {
	meta := map[string]any{"name": name}
	if namespace != "" {
		meta["namespace"] = namespace
	}
	if labels != nil {
		meta["labels"] = labels
	}
	o := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
	if spec != nil {
		o["spec"] = spec
	}
	return &unstructured.Unstructured{Object: o}
}

// TestAuditPodSecurityLabels: the audited namespaces' pod-security labels decide
// the level of their Pods, as the admission controller's dry run of the label does.
func TestAuditPodSecurityLabels(t *testing.T) {
	hostPID := map[string]any{"hostPID": true, "containers": []any{map[string]any{"name": "c", "image": "busybox:1.36"}}}
	gvrs := map[schema.GroupVersionResource]string{{Version: "v1", Resource: "namespaces"}: "NamespaceList"}
	for _, k := range audit.Kinds {
		gvrs[k] = "List"
	}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), gvrs,
		object("v1", "Namespace", "", "locked", map[string]any{"pod-security.kubernetes.io/enforce": "baseline"}, nil),
		object("v1", "Namespace", "", "open", nil, nil),
		object("v1", "Pod", "locked", "p", nil, hostPID),
		object("v1", "Pod", "open", "p", nil, hostPID),
	)
	res, st, err := audit.Run(context.Background(), client, audit.Options{Engine: lint.NewEngine(rules.All(), lint.Options{})})
	if err != nil || st.NamespaceLabelsErr != nil {
		t.Fatal(err, st.NamespaceLabelsErr)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Category == lint.CategoryPodSecurity {
			got = append(got, f.Object.Namespace+" "+f.Rule+" "+f.Field+" "+f.Severity.String())
		}
	}
	if len(got) != 1 || got[0] != "locked pod-security-host-namespaces spec.hostPID error" {
		t.Errorf("want one enforce finding in namespace locked, got %q", got)
	}
}
