// Package parity holds podlint's differential test against the API server's own
// create path. It is a separate module so that podlint never depends on
// k8s.io/kubernetes; nothing in podlint imports it.
package parity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/component-base/featuregate"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/apps/install" // registers apps types, defaults and conversions
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/capabilities"
	"k8s.io/kubernetes/pkg/registry/apps/daemonset"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	"k8s.io/kubernetes/pkg/registry/apps/replicaset"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/replicationcontroller"
	"sigs.k8s.io/yaml"

	"github.com/podlint/podlint/lint"
)

// Verdict is one side's judgement of one object.
type Verdict struct {
	// Rejected is true when the object would not be created.
	Rejected bool
	// Paths are the field paths of the errors, as field.Path strings, deduplicated and sorted.
	// An error the API server reports without a usable path contributes no entry.
	Paths []string
	// Errors are the messages, for the disagreement report.
	Errors []string
	// Warnings are the API server's warnings on an accepted object (the Warning:
	// lines kubectl prints), as the registry's WarningsOnCreate and PrepareForCreate
	// emit them.
	Warnings []Warning
}

// Warning is one warning of the API server: the field path it starts with (empty
// when it names none) and its whole text.
type Warning struct {
	Path, Text string
}

// warningRecorder collects what the registry adds through warning.AddWarning.
type warningRecorder struct{ texts []string }

func (r *warningRecorder) AddWarning(_, text string) { r.texts = append(r.texts, text) }

// resource is how the API server serves one kind: the served group version, the
// resource name and the registry strategy its REST storage creates with.
type resource struct {
	gv       schema.GroupVersion
	name     string
	strategy rest.RESTCreateStrategy
}

// served lists the kinds podlint checks at the only versions Kubernetes 1.37 serves
// them. The legacy scheme still registers old versions (apps/v1beta1, batch/v1beta1)
// for conversion, but no storage serves them, so a request for them is a 404.
var served = map[string]resource{
	"Pod":                   {schema.GroupVersion{Version: "v1"}, "pods", pod.Strategy},
	"ReplicationController": {schema.GroupVersion{Version: "v1"}, "replicationcontrollers", replicationcontroller.Strategy},
	"Deployment":            {schema.GroupVersion{Group: "apps", Version: "v1"}, "deployments", deployment.Strategy},
	"ReplicaSet":            {schema.GroupVersion{Group: "apps", Version: "v1"}, "replicasets", replicaset.Strategy},
	"StatefulSet":           {schema.GroupVersion{Group: "apps", Version: "v1"}, "statefulsets", statefulset.Strategy},
	"DaemonSet":             {schema.GroupVersion{Group: "apps", Version: "v1"}, "daemonsets", daemonset.Strategy},
	"Job":                   {schema.GroupVersion{Group: "batch", Version: "v1"}, "jobs", job.Strategy},
	"CronJob":               {schema.GroupVersion{Group: "batch", Version: "v1"}, "cronjobs", cronjob.Strategy},
}

func init() {
	// kube-apiserver's --allow-privileged defaults to false, but every mainstream
	// installer (kubeadm, kind, managed clusters) starts it with true, and podlint
	// judges manifests for such clusters: privileged containers are allowed.
	capabilities.Setup(true, 0)
}

// decoder is the strict JSON serializer the API server uses with
// fieldValidation=Strict (what kubectl's default --validate=strict asks for),
// wrapped so that it defaults the external object and converts it to the internal
// version, as the create handler does. kubectl sends JSON: a YAML document is
// converted first (see body), a JSON document is sent as written.
var decoder = func() runtime.Decoder {
	info, ok := runtime.SerializerInfoForMediaType(legacyscheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok || info.StrictSerializer == nil {
		panic("no strict JSON serializer in the legacy scheme")
	}
	return legacyscheme.Codecs.DecoderToVersion(info.StrictSerializer, runtime.InternalGroupVersioner)
}()

// body is the request body a client sends for one document: a document written
// as JSON as it is, a YAML document converted by sigs.k8s.io/yaml as kubectl and
// Helm do, which keeps the last value of a repeated key.
func body(data []byte) ([]byte, error) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return data, nil
	}
	return yaml.YAMLToJSON(data)
}

// CheckGates compares podlint's gate table for rel with the feature gates this
// binary enables by default, which are the defaults of the Kubernetes release it
// was built from.
func CheckGates(rel lint.Release) error {
	var errs []error
	known := utilfeature.DefaultMutableFeatureGate.GetAll()
	for g, want := range rel.Gates() {
		// A gate that graduated and was then removed from the registry is on for good.
		got := true
		if _, ok := known[featuregate.Feature(g)]; ok {
			got = utilfeature.DefaultFeatureGate.Enabled(featuregate.Feature(g))
		}
		if got != want {
			errs = append(errs, fmt.Errorf("gate %s: podlint %s says %v, kube-apiserver defaults to %v", g, rel.Version, want, got))
		}
	}
	return errors.Join(errs...)
}

// typeMeta reads apiVersion and kind without judging the rest.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// Oracle runs one document (a single object, YAML or JSON) through the API
// server's create path: strict decoding with defaults, conversion to the internal
// version, system metadata, name generation, the namespace check, the strategy's
// PrepareForCreate and Validate, then object metadata validation
// (rest.BeforeCreate). ok is false for kinds podlint does not check.
func Oracle(data []byte) (v Verdict, kind string, ok bool) {
	var tm typeMeta
	if err := yamlUnmarshal(data, &tm); err != nil {
		return Verdict{Rejected: true, Errors: []string{err.Error()}}, "", true
	}
	res, known := served[tm.Kind]
	if !known {
		return Verdict{}, tm.Kind, false
	}
	if tm.APIVersion != res.gv.String() {
		return Verdict{Rejected: true, Paths: []string{"apiVersion"},
			Errors: []string{fmt.Sprintf("%s is not served under %q", tm.Kind, tm.APIVersion)}}, tm.Kind, true
	}
	raw, err := body(data)
	if err != nil {
		return Verdict{Rejected: true, Errors: []string{err.Error()}}, tm.Kind, true
	}
	obj, _, err := decoder.Decode(raw, nil, nil)
	if err != nil {
		if !runtime.IsStrictDecodingError(err) || obj == nil {
			return Verdict{Rejected: true, Paths: decodePaths(err), Errors: []string{err.Error()}}, tm.Kind, true
		}
		// The API server stops at strict decoding errors (a 400 listing every unknown
		// or duplicate field), so validation never runs on such an object.
		se, _ := runtime.AsStrictDecodingError(err)
		v := Verdict{Rejected: true}
		for _, e := range se.Errors() {
			v.Errors = append(v.Errors, e.Error())
			v.Paths = append(v.Paths, decodePaths(e)...)
		}
		return v.normalize(), tm.Kind, true
	}
	return create(obj, res).normalize(), tm.Kind, true
}

func create(obj runtime.Object, res resource) (v Verdict) {
	defer func() {
		// The API server's handler chain turns a panic in validation into a 500, so
		// the object is not created (see KNOWN.md for the cases the generator found).
		if r := recover(); r != nil {
			v = Verdict{Rejected: true, Errors: []string{fmt.Sprintf("kube-apiserver panics in validation (HTTP 500): %v", r)}}
		}
	}()
	om, err := meta.Accessor(obj)
	if err != nil {
		return Verdict{Rejected: true, Errors: []string{err.Error()}}
	}
	ns := om.GetNamespace()
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: "create", APIPrefix: "apis",
		APIGroup: res.gv.Group, APIVersion: res.gv.Version, Namespace: ns, Resource: res.name,
	})
	rec := &warningRecorder{}
	ctx = warning.WithWarningRecorder(ctx, rec)
	// The create handler runs mutating admission before the registry.
	if err := admit(ctx, obj, res, ns, om.GetName()); err != nil {
		return Verdict{Rejected: true, Errors: []string{"admission: " + err.Error()}}
	}
	// What the generic registry store does before BeforeCreate.
	rest.FillObjectMetaSystemFields(om)
	if om.GetGenerateName() != "" && om.GetName() == "" {
		om.SetName(res.strategy.GenerateName(om.GetGenerateName()))
	}
	err = rest.BeforeCreate(res.strategy, ctx, obj)
	if err == nil {
		return Verdict{Warnings: warningsOf(obj, rec.texts)}
	}
	v = Verdict{Rejected: true}
	var se *apierrors.StatusError
	if errors.As(err, &se) && se.ErrStatus.Details != nil && len(se.ErrStatus.Details.Causes) > 0 {
		for _, c := range se.ErrStatus.Details.Causes {
			v.Errors = append(v.Errors, fmt.Sprintf("%s: %s", c.Field, c.Message))
			if c.Field != "" {
				v.Paths = append(v.Paths, c.Field)
			}
		}
		return v
	}
	v.Errors = append(v.Errors, err.Error())
	if strings.Contains(err.Error(), "namespace") {
		v.Paths = append(v.Paths, "metadata.namespace")
	}
	return v
}

var (
	strictFieldRe = regexp.MustCompile(`(?:unknown|duplicate) field "([^"]*)"`)
	// json: cannot unmarshal string into Go struct field Container.spec.containers.ports.containerPort of type int32
	typeFieldRe = regexp.MustCompile(`Go struct field [A-Za-z0-9_]+\.([A-Za-z0-9_.]+) of type`)
	// unmarshal errors of custom types (quantities, int-or-string) name no field.
)

// decodePaths extracts the field paths a decoding error names. Type errors from
// encoding/json carry a path without list indices; they are returned prefixed
// with "~" so the comparison matches them index-blind.
func decodePaths(err error) []string {
	msg := err.Error()
	var out []string
	for _, m := range strictFieldRe.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	for _, m := range typeFieldRe.FindAllStringSubmatch(msg, -1) {
		// Embedded Go structs (VolumeSource, ProbeHandler, ...) appear in the
		// path under their type name; in JSON their fields are inlined.
		var parts []string
		for _, part := range strings.Split(m[1], ".") {
			if part != "" && part[0] >= 'A' && part[0] <= 'Z' {
				continue
			}
			parts = append(parts, part)
		}
		out = append(out, "~"+strings.Join(parts, "."))
	}
	return out
}

func (v Verdict) normalize() Verdict {
	sort.Strings(v.Paths)
	out := v.Paths[:0]
	for i, p := range v.Paths {
		if i == 0 || p != v.Paths[i-1] {
			out = append(out, p)
		}
	}
	v.Paths = out
	return v
}
