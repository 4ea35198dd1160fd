package manifest

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// shapeKind is the JSON shape a Go API type accepts.
type shapeKind int

const (
	shapeAny shapeKind = iota // anything (RawExtension, FieldsV1, interface{})
	shapeObject
	shapeArray
	shapeMap
	shapeString
	shapeBytes // []byte: a base64 string
	shapeBool
	shapeInt
	shapeFloat
	shapeQuantity    // resource.Quantity: string or number
	shapeIntOrString // intstr.IntOrString
	shapeTime        // metav1.Time: RFC 3339 string
)

// shape describes which JSON a Go API type accepts. It is derived once per type by
// reflection from the k8s.io/api types, the same types the API server decodes into,
// so strict decoding here agrees with the API server's.
type shape struct {
	kind shapeKind
	// fields of an object, by JSON name.
	fields map[string]*shape
	// names of the fields, sorted, for suggestions.
	names []string
	// elem of an array or map.
	elem *shape
	// bits of an integer (8, 16, 32, 64) and whether it is unsigned.
	bits     int
	unsigned bool
	// goType is used in messages ("Container", "PodSpec").
	goType string
}

var (
	shapeMu    sync.Mutex
	shapeCache = map[reflect.Type]*shape{}

	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	timeType        = reflect.TypeFor[metav1.Time]()
	microTimeType   = reflect.TypeFor[metav1.MicroTime]()
	durationType    = reflect.TypeFor[metav1.Duration]()
	rawType         = reflect.TypeFor[runtime.RawExtension]()
	fieldsV1Type    = reflect.TypeFor[metav1.FieldsV1]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// shapeOf returns the cached shape of t.
func shapeOf(t reflect.Type) *shape {
	shapeMu.Lock()
	defer shapeMu.Unlock()
	return buildShape(t)
}

func buildShape(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := shapeCache[t]; ok {
		return s
	}
	s := &shape{goType: t.Name()}
	shapeCache[t] = s // before recursing, for recursive types
	switch t {
	case quantityType:
		s.kind = shapeQuantity
		return s
	case intOrStringType:
		s.kind = shapeIntOrString
		return s
	case timeType, microTimeType:
		s.kind = shapeTime
		return s
	case durationType:
		s.kind = shapeString
		return s
	case rawType, fieldsV1Type:
		s.kind = shapeAny
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			s.kind = shapeAny // a custom decoder we do not know: accept anything
			return s
		}
		s.kind = shapeObject
		s.fields = map[string]*shape{}
		addStructFields(s, t)
		for name := range s.fields {
			s.names = append(s.names, name)
		}
		sort.Strings(s.names)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			s.kind = shapeBytes
			return s
		}
		s.kind = shapeArray
		s.elem = buildShape(t.Elem())
	case reflect.Map:
		s.kind = shapeMap
		s.elem = buildShape(t.Elem())
	case reflect.String:
		s.kind = shapeString
	case reflect.Bool:
		s.kind = shapeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.kind, s.bits = shapeInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.kind, s.bits, s.unsigned = shapeInt, t.Bits(), true
	case reflect.Float32, reflect.Float64:
		s.kind = shapeFloat
	default:
		s.kind = shapeAny
	}
	return s
}

// addStructFields adds t's JSON fields to s, flattening inline and embedded structs
// the way encoding/json does.
func addStructFields(s *shape, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if (f.Anonymous && name == "") || strings.Contains(opts, "inline") {
			if ft.Kind() == reflect.Struct {
				addStructFields(s, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.fields[name] = buildShape(f.Type)
	}
}
