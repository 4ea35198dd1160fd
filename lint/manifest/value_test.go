package manifest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValueIsTheObjectAsWritten(t *testing.T) {
	root := parseOne(t, `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {tier: 3, on: yes}
base: &base
  image: nginx
spec:
  containers:
    - <<: *base
      name: a
      imagePulPolicy: Always   # unknown fields stay
      ports: [{containerPort: 0x50}]
      weight: 1.50
`)
	items, _ := Items(root)
	got, err := Value(items[0].Node)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web", "labels": map[string]any{"tier": json.Number("3"), "true": true}}, // keys resolve as YAML 1.1 too
		"base":     map[string]any{"image": "nginx"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "a", "image": "nginx", "imagePulPolicy": "Always",
			"ports":  []any{map[string]any{"containerPort": json.Number("80")}},
			"weight": json.Number("1.5"),
		}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Value:\n got %#v\nwant %#v", got, want)
	}
}

func TestValueAliasBombFailsFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	if _, err := Value(parseOne(t, b.String())); !errors.Is(err, ErrTooComplex) {
		t.Fatalf("want ErrTooComplex, got %v", err)
	}
}
