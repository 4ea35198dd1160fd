package parity

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlint/podlint/lint"
)

// UpdateOracle runs an (old, new) pair through the API server's update path: the
// old object is created as it would have been (system fields, BeforeCreate), the
// new one decoded with defaults gets the stored object's identity and resource
// version, then the strategy's PrepareForUpdate and ValidateUpdate run
// (rest.BeforeUpdate), which is where immutable selectors and the Pod spec rules live.
func UpdateOracle(oldData, newData []byte) (v Verdict, kind string, err error) {
	var tm typeMeta
	if err := yamlUnmarshal(newData, &tm); err != nil {
		return Verdict{}, "", err
	}
	res, known := served[tm.Kind]
	if !known {
		return Verdict{}, tm.Kind, fmt.Errorf("kind %q is not served", tm.Kind)
	}
	update, ok := res.strategy.(rest.RESTUpdateStrategy)
	if !ok {
		return Verdict{}, tm.Kind, fmt.Errorf("%s's strategy has no update path", tm.Kind)
	}
	decode := func(data []byte) (runtime.Object, metav1.Object, error) {
		raw, err := body(data)
		if err != nil {
			return nil, nil, err
		}
		obj, _, err := decoder.Decode(raw, nil, nil)
		if err != nil {
			return nil, nil, err
		}
		om, err := meta.Accessor(obj)
		if err != nil {
			return nil, nil, err
		}
		if om.GetNamespace() == "" {
			om.SetNamespace(metav1.NamespaceDefault)
		}
		return obj, om, nil
	}
	oldObj, oldMeta, err := decode(oldData)
	if err != nil {
		return Verdict{}, tm.Kind, fmt.Errorf("old object: %w", err)
	}
	newObj, newMeta, err := decode(newData)
	if err != nil {
		return Verdict{}, tm.Kind, fmt.Errorf("new object: %w", err)
	}
	ctx := func(verb string) context.Context {
		ctx := genericapirequest.WithNamespace(context.Background(), oldMeta.GetNamespace())
		return genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
			IsResourceRequest: true, Verb: verb, APIPrefix: "apis",
			APIGroup: res.gv.Group, APIVersion: res.gv.Version, Namespace: oldMeta.GetNamespace(), Resource: res.name,
		})
	}
	rest.FillObjectMetaSystemFields(oldMeta)
	if err := rest.BeforeCreate(res.strategy, ctx("create"), oldObj); err != nil {
		return Verdict{}, tm.Kind, fmt.Errorf("old object is not valid: %w", err)
	}
	// What the registry store carries over from the stored object to an update.
	oldMeta.SetResourceVersion("1")
	newMeta.SetResourceVersion("1")
	newMeta.SetUID(oldMeta.GetUID())
	newMeta.SetCreationTimestamp(oldMeta.GetCreationTimestamp())
	if err := rest.BeforeUpdate(update, ctx("update"), newObj, oldObj); err != nil {
		return Verdict{Rejected: true, Errors: []string{err.Error()}}, tm.Kind, nil
	}
	return Verdict{}, tm.Kind, nil
}

// PodlintUpdate is podlint's verdict on the same pair: rejected when the update
// (or the new object itself) has an api finding.
func PodlintUpdate(eng *lint.Engine, oldData, newData []byte) Verdict {
	src := func(name string, data []byte) []lint.Source {
		return []lint.Source{{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}
	}
	res := eng.RunUpdate(context.Background(), src("old.yaml", oldData), src("new.yaml", newData))
	var v Verdict
	for _, f := range res.Findings {
		if f.Category == lint.CategoryAPI || f.Category == lint.CategoryInput {
			v.Rejected = true
			v.Errors = append(v.Errors, fmt.Sprintf("%s: %s (%s)", f.Field, f.Message, f.Rule))
		}
	}
	return v
}
