package lint

import (
	"bytes"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Change is one difference between an old and a new value of the same Go type.
type Change struct {
	// Path is the deepest field at which the two differ: the field itself when a
	// whole struct, list item or map entry appears or disappears.
	Path *field.Path
	// Old and New are the values at Path; nil where the value is absent.
	Old, New any
}

// Added reports whether the value exists only in the new object.
func (c Change) Added() bool { return c.Old == nil && c.New != nil }

// Removed reports whether the value exists only in the old object.
func (c Change) Removed() bool { return c.Old != nil && c.New == nil }

// Diff lists where old and new (pointers to or values of the same type) differ,
// with paths under base named by the JSON field names, as the API server names
// them. Equality is the API server's semantic equality (apiequality.Semantic):
// nil and empty lists and maps are equal, quantities compare by value, times by
// instant; a nil pointer differs from a pointer to a zero value.
func Diff(base *field.Path, old, new any) []Change {
	var out []Change
	diffValue(base, reflect.ValueOf(old), reflect.ValueOf(new), &out)
	return out
}

var (
	quantityType = reflect.TypeOf(resource.Quantity{})
	timeType     = reflect.TypeOf(metav1.Time{})
	microType    = reflect.TypeOf(metav1.MicroTime{})
)

func iface(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}

func diffValue(p *field.Path, a, b reflect.Value, out *[]Change) {
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			*out = append(*out, Change{Path: p, Old: iface(a), New: iface(b)})
		}
		return
	}
	leaf := func(equal bool) {
		if !equal {
			*out = append(*out, Change{Path: p, Old: iface(a), New: iface(b)})
		}
	}
	switch a.Type() {
	case quantityType:
		qa, qb := a.Interface().(resource.Quantity), b.Interface().(resource.Quantity)
		leaf(qa.Cmp(qb) == 0)
		return
	case timeType:
		ta, tb := a.Interface().(metav1.Time), b.Interface().(metav1.Time)
		leaf(ta.Equal(&tb))
		return
	case microType:
		ma, mb := a.Interface().(metav1.MicroTime), b.Interface().(metav1.MicroTime)
		leaf(ma.Equal(&mb))
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		switch {
		case a.IsNil() && b.IsNil():
		case a.IsNil():
			*out = append(*out, Change{Path: p, New: iface(b.Elem())})
		case b.IsNil():
			*out = append(*out, Change{Path: p, Old: iface(a.Elem())})
		default:
			diffValue(p, a.Elem(), b.Elem(), out)
		}
	case reflect.Interface:
		switch {
		case a.IsNil() && b.IsNil():
		case a.IsNil() || b.IsNil() || a.Elem().Type() != b.Elem().Type():
			*out = append(*out, Change{Path: p, Old: iface(a), New: iface(b)})
		default:
			diffValue(p, a.Elem(), b.Elem(), out)
		}
	case reflect.Struct:
		t := a.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, inline := jsonName(f)
			if name == "-" {
				continue
			}
			child := p
			if !inline {
				if p == nil {
					child = field.NewPath(name)
				} else {
					child = p.Child(name)
				}
			}
			diffValue(child, a.Field(i), b.Field(i), out)
		}
	case reflect.Slice:
		if a.Type().Elem().Kind() == reflect.Uint8 {
			leaf(bytes.Equal(a.Bytes(), b.Bytes()))
			return
		}
		if (a.Len() == 0) != (b.Len() == 0) {
			wholeList(p, a, b, out)
			return
		}
		n := max(a.Len(), b.Len())
		for i := 0; i < n; i++ {
			switch {
			case i >= a.Len():
				*out = append(*out, Change{Path: p.Index(i), New: iface(b.Index(i))})
			case i >= b.Len():
				*out = append(*out, Change{Path: p.Index(i), Old: iface(a.Index(i))})
			default:
				diffValue(p.Index(i), a.Index(i), b.Index(i), out)
			}
		}
	case reflect.Map:
		if (a.Len() == 0) != (b.Len() == 0) {
			wholeList(p, a, b, out)
			return
		}
		keys := map[string]reflect.Value{}
		for _, k := range a.MapKeys() {
			keys[k.String()] = k
		}
		for _, k := range b.MapKeys() {
			keys[k.String()] = k
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			av, bv := a.MapIndex(keys[k]), b.MapIndex(keys[k])
			diffValue(p.Key(k), av, bv, out)
		}
	default:
		leaf(reflect.DeepEqual(a.Interface(), b.Interface()))
	}
}

// wholeList records a list or map that exists on one side only as one change.
func wholeList(p *field.Path, a, b reflect.Value, out *[]Change) {
	c := Change{Path: p}
	if a.Len() > 0 {
		c.Old = iface(a)
	}
	if b.Len() > 0 {
		c.New = iface(b)
	}
	*out = append(*out, c)
}

// jsonName returns a struct field's JSON name and whether it is inlined.
func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if strings.Contains(opts, "inline") || (f.Anonymous && name == "") {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}
