package lsp

import (
	"reflect"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// fieldInfo documents one field of a Kubernetes object: what the API
// reference says about it, from the descriptions k8s.io/api ships (the
// SwaggerDoc methods that the OpenAPI descriptions are generated from).
type fieldInfo struct {
	Path        string
	Type        string
	Description string
	Default     string
}

// kindTypes are the kinds podlint checks, by kind name.
var kindTypes = map[string]reflect.Type{
	"Pod":                   reflect.TypeFor[corev1.Pod](),
	"PodTemplate":           reflect.TypeFor[corev1.PodTemplate](),
	"ReplicationController": reflect.TypeFor[corev1.ReplicationController](),
	"Deployment":            reflect.TypeFor[appsv1.Deployment](),
	"ReplicaSet":            reflect.TypeFor[appsv1.ReplicaSet](),
	"StatefulSet":           reflect.TypeFor[appsv1.StatefulSet](),
	"DaemonSet":             reflect.TypeFor[appsv1.DaemonSet](),
	"Job":                   reflect.TypeFor[batchv1.Job](),
	"CronJob":               reflect.TypeFor[batchv1.CronJob](),
}

type swaggerDoc interface{ SwaggerDoc() map[string]string }

var (
	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	timeType        = reflect.TypeFor[metav1.Time]()
)

// lookupField documents the field at path (keys; list indexes left out) of
// an object of kind.
func lookupField(kind string, path []string) (fieldInfo, bool) {
	t, ok := kindTypes[kind]
	if !ok || len(path) == 0 {
		return fieldInfo{}, false
	}
	var desc string
	shown := make([]string, 0, len(path))
	for _, key := range path {
		t = elem(t)
		switch t.Kind() {
		case reflect.Map:
			// A user's key (a label, a resource name): its value is the field.
			t = t.Elem()
			shown = append(shown, key)
			continue
		case reflect.Struct:
		default:
			return fieldInfo{}, false
		}
		f, d, ok := structField(t, key)
		if !ok {
			return fieldInfo{}, false
		}
		t, desc = f.Type, d
		if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
			key += "[]"
		}
		shown = append(shown, key)
	}
	return fieldInfo{Path: strings.Join(shown, "."), Type: typeName(t), Description: desc, Default: defaultOf(desc)}, true
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		t = t.Elem()
	}
	return t
}

// structField finds the field serialised as key in t, looking into inlined
// structs (TypeMeta), with its description.
func structField(t reflect.Type, key string) (reflect.StructField, string, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		// encoding/json inlines embedded structs without a name (Probe's
		// ProbeHandler); ",inline" is the same for sigs.k8s.io/yaml (TypeMeta).
		if name == "" && (f.Anonymous || strings.Contains(","+opts+",", ",inline,")) {
			if g, d, ok := structField(elem(f.Type), key); ok {
				return g, d, true
			}
			continue
		}
		if name != key {
			continue
		}
		var desc string
		if doc, ok := reflect.New(t).Elem().Interface().(swaggerDoc); ok {
			desc = doc.SwaggerDoc()[key]
		}
		return f, desc, true
	}
	return reflect.StructField{}, "", false
}

// typeName names a field's type as the API reference does.
func typeName(t reflect.Type) string {
	switch t {
	case quantityType:
		return "quantity (string or number, e.g. 500m, 1Gi)"
	case intOrStringType:
		return "integer or string"
	case timeType:
		return "string (RFC 3339 time)"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string (base64)"
		}
		return "array of " + typeName(t.Elem())
	case reflect.Map:
		return "map of string to " + typeName(t.Elem())
	case reflect.Struct:
		return "object (" + t.Name() + ")"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		return "integer (" + t.Kind().String() + ")"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}

// The API's descriptions state defaults in prose ("Defaults to 30 seconds.");
// k8s.io/api carries no other record of them.
var defaultSentence = regexp.MustCompile(`(?i)\bdefaults? (?:to|is) ([^.]*(?:\.\d[^.]*)*)`)

func defaultOf(desc string) string {
	m := defaultSentence.FindStringSubmatch(desc)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}
