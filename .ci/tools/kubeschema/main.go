// Command kubeschema writes standalone JSON Schemas for the Kubernetes kinds podlint
// checks, in the file layout kubeconform reads from a local -schema-location:
//
//	DIR/master-standalone-strict/deployment-apps-v1.json
//	DIR/master-standalone/deployment-apps-v1.json
//
// The schemas are derived offline by reflection over the k8s.io/api Go types (the
// types the API server decodes into), following their json tags: a field without
// omitempty/omitzero is required, as openapi-gen marks it; optional fields also
// accept null; the strict variant sets additionalProperties: false on every object.
// Everything is inlined (no $ref), as in kubeconform's "standalone" schemas.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// kinds are the objects podlint checks; other kinds are skipped by both tools.
var kinds = []struct {
	apiVersion string
	obj        any
}{
	{"v1", corev1.Pod{}},
	{"v1", corev1.ReplicationController{}},
	{"apps/v1", appsv1.Deployment{}},
	{"apps/v1", appsv1.ReplicaSet{}},
	{"apps/v1", appsv1.StatefulSet{}},
	{"apps/v1", appsv1.DaemonSet{}},
	{"batch/v1", batchv1.Job{}},
	{"batch/v1", batchv1.CronJob{}},
}

func main() {
	out := flag.String("o", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: kubeschema -o DIR")
		os.Exit(2)
	}
	for _, strict := range []bool{true, false} {
		sub := "master-standalone"
		if strict {
			sub += "-strict"
		}
		dir := filepath.Join(*out, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fail(err)
		}
		for _, k := range kinds {
			t := reflect.TypeOf(k.obj)
			g := &generator{strict: strict, inProgress: map[reflect.Type]bool{}}
			s := g.schema(t)
			s["x-kubernetes-group-version-kind"] = []any{map[string]any{"group": group(k.apiVersion), "version": version(k.apiVersion), "kind": t.Name()}}
			data, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				fail(err)
			}
			name := filepath.Join(dir, fileName(t.Name(), k.apiVersion))
			if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
				fail(err)
			}
		}
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "kubeschema: %v\n", err)
	os.Exit(1)
}

// fileName follows kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json:
// the lower-cased kind, then -group (its first dot-separated part) and -version.
func fileName(kind, apiVersion string) string {
	g, v, found := strings.Cut(apiVersion, "/")
	if !found {
		return fmt.Sprintf("%s-%s.json", strings.ToLower(kind), strings.ToLower(apiVersion))
	}
	g, _, _ = strings.Cut(g, ".")
	return fmt.Sprintf("%s-%s-%s.json", strings.ToLower(kind), strings.ToLower(g), strings.ToLower(v))
}

func group(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

func version(apiVersion string) string {
	_, v, found := strings.Cut(apiVersion, "/")
	if !found {
		return apiVersion
	}
	return v
}

var (
	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	timeType        = reflect.TypeFor[metav1.Time]()
	microTimeType   = reflect.TypeFor[metav1.MicroTime]()
	durationType    = reflect.TypeFor[metav1.Duration]()
	rawType         = reflect.TypeFor[runtime.RawExtension]()
	fieldsV1Type    = reflect.TypeFor[metav1.FieldsV1]()
)

type generator struct {
	strict     bool
	inProgress map[reflect.Type]bool
}

// schema returns the JSON Schema of a Go API type.
func (g *generator) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case quantityType:
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	case intOrStringType:
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	case timeType, microTimeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case durationType:
		return map[string]any{"type": "string"}
	case rawType:
		return map[string]any{}
	case fieldsV1Type:
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if g.inProgress[t] {
			return map[string]any{} // recursive type: a standalone schema cannot inline it
		}
		g.inProgress[t] = true
		defer delete(g.inProgress, t)
		props := map[string]any{}
		var required []string
		g.fields(t, props, &required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		if g.strict {
			s["additionalProperties"] = false
		}
		return s
	}
	panic(fmt.Sprintf("kubeschema: no schema for Go type %s", t))
}

// fields adds the JSON properties of struct t, flattening inlined and embedded structs.
func (g *generator) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) && ft.Kind() == reflect.Struct {
			g.fields(ft, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if optional {
			s = nullable(s)
		} else {
			*required = append(*required, name)
		}
		props[name] = s
	}
}

// nullable lets an optional field be null, as kubeconform's upstream schemas do.
func nullable(s map[string]any) map[string]any {
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
	}
	return s
}
