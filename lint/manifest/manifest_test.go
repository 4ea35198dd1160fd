package manifest

import (
	"io"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
)

func TestResolveScalarFollowsKubectlYAML11(t *testing.T) {
	tests := []struct {
		name string
		src  string
		kind scalarKind
		json string
	}{
		{name: "yes is a boolean", src: "yes", kind: scalarBool, json: "true"},
		{name: "Off is a boolean", src: "Off", kind: scalarBool, json: "false"},
		{name: "quoted yes is a string", src: `"yes"`, kind: scalarString, json: `"yes"`},
		{name: "explicit str tag", src: "!!str 1", kind: scalarString, json: `"1"`},
		{name: "octal", src: "0777", kind: scalarInt, json: "511"},
		{name: "hex", src: "0x1F", kind: scalarInt, json: "31"},
		{name: "underscores", src: "1_000", kind: scalarInt, json: "1000"},
		{name: "float", src: "1.5", kind: scalarFloat, json: "1.5"},
		{name: "tilde", src: "~", kind: scalarNull, json: "null"},
		{name: "plain string", src: "nginx:1.27", kind: scalarString, json: `"nginx:1.27"`},
		{name: "date stays a string", src: "2024-01-02", kind: scalarString, json: `"2024-01-02"`},
		{name: "huge unsigned", src: "18446744073709551615", kind: scalarInt, json: "18446744073709551615"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte("v: "+tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			got := resolveScalar(doc.Content[0].Content[1])
			if got.kind != tt.kind || got.jsonText() != tt.json {
				t.Errorf("resolve(%s) = %v %s, want %v %s", tt.src, got.kind, got.jsonText(), tt.kind, tt.json)
			}
		})
	}
}

func splitAll(t *testing.T, src string) []*Document {
	t.Helper()
	sp := NewSplitter(strings.NewReader(src), 1<<20)
	var docs []*Document
	for {
		d, err := sp.Next()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
}

func TestSplitterDocumentsAndLines(t *testing.T) {
	tests := []struct {
		name       string
		src        string
		wantStarts []int
		wantEmpty  []bool
	}{
		{name: "single", src: "a: 1\n", wantStarts: []int{1}, wantEmpty: []bool{false}},
		{name: "leading separator and prelude comment", src: "# license\n---\na: 1\n---\nb: 2\n", wantStarts: []int{3, 5}, wantEmpty: []bool{false, false}},
		{name: "trailing separator opens nothing", src: "a: 1\n---\n", wantStarts: []int{1}, wantEmpty: []bool{false}},
		{name: "helm comment-only document is kept", src: "---\n# Source: x.yaml\n---\na: 1\n", wantStarts: []int{2, 4}, wantEmpty: []bool{true, false}},
		{name: "separator with comment", src: "a: 1\n--- # next\nb: 2", wantStarts: []int{1, 3}, wantEmpty: []bool{false, false}},
		{name: "--- with content separates, as an error", src: "a: |\n  x\n--- foo\nb: 1\n", wantStarts: []int{1, 4}, wantEmpty: []bool{false, false}},
		{name: "CRLF and BOM", src: "\ufeffa: 1\r\n---\r\nb: 2\r\n", wantStarts: []int{1, 3}, wantEmpty: []bool{false, false}},
		{name: "empty stream", src: "", wantStarts: nil},
		{name: "document end marker separates nothing", src: "a: 1\n...\n---\nb: 2\n", wantStarts: []int{1, 4}, wantEmpty: []bool{false, false}},
		{name: "JSON values", src: "{\"a\": 1}\n{\"b\": 2} {\"c\": 3}\n", wantStarts: []int{1, 2, 2}, wantEmpty: []bool{false, false, false}},
		{name: "JSON then YAML", src: "{\"a\": 1}\n---\nb: 2\n---\nc: 3\n", wantStarts: []int{1, 3, 5}, wantEmpty: []bool{false, false, false}},
		{name: "flow YAML with a trailing comma", src: "{a: 1,\n b: 2,}\n---\n{c: 3,}\n", wantStarts: []int{1, 4}, wantEmpty: []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := splitAll(t, tt.src)
			if len(docs) != len(tt.wantStarts) {
				t.Fatalf("got %d documents, want %d", len(docs), len(tt.wantStarts))
			}
			for i, d := range docs {
				if d.Index != i+1 || d.StartLine != tt.wantStarts[i] || IsEmpty(d.Data) != tt.wantEmpty[i] {
					t.Errorf("doc %d: index %d start %d empty %v, want index %d start %d empty %v", i, d.Index, d.StartLine, IsEmpty(d.Data), i+1, tt.wantStarts[i], tt.wantEmpty[i])
				}
				if strings.Contains(string(d.Data), "\ufeff") {
					t.Errorf("doc %d keeps the BOM", i)
				}
			}
		})
	}
}

func TestSplitterBoundsDocumentSize(t *testing.T) {
	sp := NewSplitter(strings.NewReader(strings.Repeat("a: 1\n", 100)), 64)
	if _, err := sp.Next(); err == nil || !strings.Contains(err.Error(), "at most 64 bytes") {
		t.Fatalf("want a size error, got %v", err)
	}
	sp = NewSplitter(strings.NewReader(strings.Repeat("x", 1<<20)), 1000)
	if _, err := sp.Next(); err == nil {
		t.Fatal("a 1 MiB line under a 1000-byte limit must fail")
	}
}

func parseOne(t *testing.T, src string) *yaml.Node {
	t.Helper()
	root, err := Parse(&Document{Data: []byte(src), StartLine: 1})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestLocate(t *testing.T) {
	root := parseOne(t, `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    example.com/team: core
spec:
  containers:
    - name: a
      image: x
    - name: b
      ports:
        - containerPort: 80
`)
	tests := []struct {
		path      string
		line, col int
		exact     bool
	}{
		{"spec.containers[1].ports[0].containerPort", 13, 11, true},
		{"spec.containers[1]", 11, 7, true},
		{"metadata.annotations[example.com/team]", 6, 5, true},
		{"spec.containers[1].image", 11, 7, false},
		{"spec.initContainers[0].lifecycle", 7, 1, false},
		{"", 1, 1, true},
	}
	for _, tt := range tests {
		line, col, exact := Locate(root, tt.path)
		if line != tt.line || col != tt.col || exact != tt.exact {
			t.Errorf("Locate(%q) = %d:%d %v, want %d:%d %v", tt.path, line, col, exact, tt.line, tt.col, tt.exact)
		}
	}
}

func TestParseSyntaxErrorHasAbsoluteLine(t *testing.T) {
	tests := []struct {
		src  string
		line int
	}{
		{src: "a: 1\nb: [unclosed\n", line: 11},             // parser error: yaml.v3 says 0-based line 1
		{src: "a: 1\nb: 2\nmetadata: {name: x\n", line: 12}, // parser error in a flow mapping
		{src: "a: 1\nb:\n\tc: 1\n", line: 12},               // scanner error: tab indentation
		{src: "a: 1\n  b: 2\n", line: 11},                   // scanner error
		{src: "a: 1\nb: 'open\n", line: 11},                 // scanner error at end of stream
	}
	for _, tt := range tests {
		_, err := Parse(&Document{Data: []byte(tt.src), StartLine: 10})
		se, ok := err.(*SyntaxError)
		if !ok || se.Line != tt.line || strings.Contains(se.Message, "yaml:") {
			t.Errorf("Parse(%q) = %v, want a syntax error at line %d", tt.src, err, tt.line)
		}
	}
}

func decodePod(t *testing.T, src string) (*Decoded, *corev1.Pod) {
	t.Helper()
	items, ok := Items(parseOne(t, src))
	if !ok || len(items) != 1 {
		t.Fatalf("want one item, got %d", len(items))
	}
	dec, err := Decode(items[0], LookupKind("Pod"))
	if err != nil {
		t.Fatal(err)
	}
	pod, _ := dec.Object.(*corev1.Pod)
	return dec, pod
}

func TestDecodeStrictProblems(t *testing.T) {
	dec, pod := decodePod(t, `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    version: 1
name: stray
spec:
  containers:
    - name: web
      image: nginx
      imagePulPolicy: Always
      image: nginx:2
      ports:
        - containerPort: 99999999999
        - containerPort: 8080
      resources:
        limits: {memory: lots}
  terminationGracePeriodSeconds: "30"
`)
	type want struct {
		kind       ProblemKind
		path       string
		line       int
		suggestion string
	}
	wants := []want{
		{InvalidType, "metadata.labels[version]", 6, `Quote the value`},
		{UnknownField, "name", 7, `indent it under metadata`},
		{DuplicateField, "spec.containers[0].image", 11, ""}, // the discarded first value; line 13's is kept
		{UnknownField, "spec.containers[0].imagePulPolicy", 12, `"imagePullPolicy"`},
		{InvalidType, "spec.containers[0].ports[0].containerPort", 15, ""},
		{InvalidType, "spec.containers[0].resources.limits[memory]", 18, "quantity"},
		{InvalidType, "spec.terminationGracePeriodSeconds", 19, ""},
	}
	if len(dec.Problems) != len(wants) {
		t.Errorf("got %d problems, want %d: %+v", len(dec.Problems), len(wants), dec.Problems)
	}
	for i, w := range wants {
		if i >= len(dec.Problems) {
			break
		}
		p := dec.Problems[i]
		if p.Kind != w.kind || p.Path != w.path || p.Line != w.line || !strings.Contains(p.Suggestion, w.suggestion) || p.Message == "" {
			t.Errorf("problem %d = %+v, want kind %d path %s line %d suggestion containing %q", i, p, w.kind, w.path, w.line, w.suggestion)
		}
	}
	// The rest of the object still decodes.
	if pod == nil || pod.Name != "web" || len(pod.Spec.Containers) != 1 || len(pod.Spec.Containers[0].Ports) != 2 || pod.Spec.Containers[0].Ports[1].ContainerPort != 8080 {
		t.Fatalf("object not decoded as far as possible: %+v", pod)
	}
}

func TestDecodeMergeKeysAndAliases(t *testing.T) {
	dec, pod := decodePod(t, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - &base
      name: a
      image: nginx
    - <<: *base
      name: b
`)
	if len(dec.Problems) != 0 {
		t.Fatalf("unexpected problems: %+v", dec.Problems)
	}
	if pod.Spec.Containers[1].Name != "b" || pod.Spec.Containers[1].Image != "nginx" {
		t.Fatalf("merge key not applied: %+v", pod.Spec.Containers[1])
	}
}

func TestDecodeAliasBombFailsFast(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("    a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	// FieldsV1 accepts any JSON, so only the node budget stops the expansion.
	b.WriteString("  managedFields:\n    - fieldsV1: *a8\n")
	items, _ := Items(parseOne(t, b.String()))
	dec, err := Decode(items[0], LookupKind("Pod"))
	if err != nil {
		t.Fatal(err)
	}
	if !dec.Aborted || len(dec.Problems) == 0 || dec.Problems[len(dec.Problems)-1].Kind != TooComplex {
		t.Fatalf("want an aborted decode with a TooComplex problem, got %+v", dec.Problems)
	}
}

func TestItemsOfList(t *testing.T) {
	items, ok := Items(parseOne(t, `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a, namespace: ns}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: b}
`))
	if !ok || len(items) != 2 {
		t.Fatalf("got %d items", len(items))
	}
	if items[1].Path != "items[1]" || items[1].Kind != "Deployment" || items[0].Namespace != "ns" || items[0].Name != "a" {
		t.Fatalf("unexpected items: %+v", items)
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"Always", "OnFailure", "Never"}
	for in, want := range map[string]string{"Onfalure": "OnFailure", "never": "Never", "Allways": "Always", "Sometimes": ""} {
		if got := Nearest(in, cands); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsKubernetesGroup(t *testing.T) {
	for v, want := range map[string]bool{"v1": true, "apps/v1": true, "extensions/v1beta1": true, "networking.k8s.io/v1": true, "example.com/v1": false} {
		if IsKubernetesGroup(v) != want {
			t.Errorf("IsKubernetesGroup(%q) != %v", v, want)
		}
	}
}
