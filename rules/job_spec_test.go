package rules

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
)

func TestJobSpec(t *testing.T) { testRule(t, jobSpec) }

// A Job as the API server stores it: the selector it generated from the UID.
const storedJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  uid: ccdfb54e-8542-4e57-8ca6-1555dff3d95c
spec:
  manualSelector: false
  selector:
    matchLabels:
      batch.kubernetes.io/controller-uid: ccdfb54e-8542-4e57-8ca6-1555dff3d95c
  template:
    metadata:
      labels:
        batch.kubernetes.io/controller-uid: ccdfb54e-8542-4e57-8ca6-1555dff3d95c
        batch.kubernetes.io/job-name: migrate
        controller-uid: ccdfb54e-8542-4e57-8ca6-1555dff3d95c
        job-name: migrate
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: example/migrate:1.0
`

// TestJobSpecGeneratedSelector: the generated selector of a live Job (the
// webhook, podlint audit) is the API server's own and accepted; the same Job
// as a manifest is still reported, since a create gets a new UID. Found by the
// control plane test: every Job was denied in deny mode.
func TestJobSpecGeneratedSelector(t *testing.T) {
	e := lint.NewEngine(All(), lint.Options{})
	live, err := e.CheckObject(context.Background(), []byte(storedJob))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range live.Findings {
		if f.Rule == jobSpec.ID {
			t.Errorf("live Job: %s: %s", f.Field, f.Message)
		}
	}
	src := lint.Source{Name: "job.yaml", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(storedJob)), nil }}
	res := e.Run(context.Background(), []lint.Source{src})
	found := false
	for _, f := range res.Findings {
		found = found || (f.Rule == jobSpec.ID && f.Field == "spec.selector")
	}
	if !found {
		t.Errorf("manifest with a copied selector: no %s finding at spec.selector in %+v", jobSpec.ID, res.Findings)
	}
}
