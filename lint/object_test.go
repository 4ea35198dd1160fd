package lint_test

import (
	"context"
	"testing"

	"github.com/podlint/podlint/lint"
)

func TestCheckObject(t *testing.T) {
	e := lint.NewEngine([]*lint.Rule{everyContainer, panicky}, lint.Options{})
	for _, tc := range []struct {
		name      string
		raw       string
		wantField string
		wantObj   bool
		skipped   bool
		wantErr   bool
	}{
		{name: "deployment JSON", raw: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"a","image":"x:1"}]}}}}`,
			wantField: "spec.template.spec.containers[0].image", wantObj: true},
		{name: "pod YAML", raw: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'x:1'}]\n",
			wantField: "spec.containers[0].image", wantObj: true},
		{name: "other kind", raw: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}`, skipped: true},
		{name: "panicking rule", raw: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"boom"},"spec":{"containers":[{"name":"a","image":"x:1"}]}}`,
			wantField: "spec.containers[0].image", wantObj: true, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.CheckObject(context.Background(), []byte(tc.raw))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if (res.Object != nil) != tc.wantObj || res.Skipped != tc.skipped {
				t.Fatalf("object %v skipped %v", res.Object, res.Skipped)
			}
			var fields []string
			for _, f := range res.Findings {
				if f.Position != (lint.Position{}) {
					t.Errorf("finding has a position: %+v", f.Position)
				}
				fields = append(fields, f.Field)
			}
			if tc.wantField == "" && len(fields) > 0 || tc.wantField != "" && (len(fields) != 1 || fields[0] != tc.wantField) {
				t.Errorf("fields = %q, want %q", fields, tc.wantField)
			}
		})
	}
	if _, err := e.CheckObject(context.Background(), []byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{}},{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{}}]}`)); err == nil {
		t.Error("a List of two objects was accepted")
	}
}

// TestControlledAndLive: what the webhook and podlint audit share. A Pod with a
// controller ownerReference is Controlled (a plain owner is not); objects from
// CheckObject are Live; encoding findings are not LiveFindings.
func TestControlledAndLive(t *testing.T) {
	e := lint.NewEngine([]*lint.Rule{everyContainer}, lint.Options{})
	pod := func(owner string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"` + owner + `},"spec":{"containers":[{"name":"a","image":"x:1"}]}}`
	}
	for _, tc := range []struct {
		name, raw  string
		controlled bool
	}{
		{name: "bare", raw: pod("")},
		{name: "owner, not controller", raw: pod(`,"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"c","uid":"u"}]`)},
		{name: "controller", raw: pod(`,"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"u","controller":true}]`), controlled: true},
		{name: "workload", raw: `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"d","uid":"u","controller":true}]},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"a","image":"x:1"}]}}}}`},
	} {
		res, err := e.CheckObject(context.Background(), []byte(tc.raw))
		if err != nil || res.Object == nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := res.Object.Controlled(); got != tc.controlled {
			t.Errorf("%s: Controlled() = %v", tc.name, got)
		}
		if !res.Object.Live {
			t.Errorf("%s: an object from CheckObject is not Live", tc.name)
		}
	}
	fs := []lint.Finding{
		{Rule: lint.RuleUnknownField.ID, Category: lint.CategoryAPI},
		{Rule: "yaml-syntax", Category: lint.CategoryInput},
		{Rule: "keep", Category: lint.CategoryLifecycle},
	}
	if got := lint.LiveFindings(fs); len(got) != 1 || got[0].Rule != "keep" {
		t.Errorf("LiveFindings kept %+v", got)
	}
}
