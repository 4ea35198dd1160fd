package lsp

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

func open(cl *client, uri, text string) []Diagnostic {
	cl.t.Helper()
	cl.notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: "yaml", Version: 1, Text: text}})
	return cl.waitDiags(uri, 1)
}

func replaceAll(cl *client, uri string, version int, text string) []Diagnostic {
	cl.t.Helper()
	cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: version},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: text}}})
	return cl.waitDiags(uri, version)
}

// Files that are not Kubernetes manifests get no diagnostics, not errors.
func TestNotManifests(t *testing.T) {
	cl, _ := startServer(t, Config{}, nil)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"ci.yml":                "jobs:\n  build:\n    runs-on: ubuntu-latest\n",
		"templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
		"kustomization.yaml":    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n",
		"package.json":          `{"name": "x", "version": "1.0.0"}`,
	} {
		if ds := open(cl, fileURI(filepath.Join(dir, name)), text); len(ds) != 0 {
			t.Errorf("%s: diagnostics %+v", name, ds)
		}
	}
}

// A YAML error is a diagnostic at its position, and the server goes on.
func TestYAMLErrorIsADiagnostic(t *testing.T) {
	cl, _ := startServer(t, Config{}, nil)
	uri := fileURI(filepath.Join(t.TempDir(), "bad.yaml"))
	ds := open(cl, uri, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: [unclosed\n")
	if len(ds) != 1 || ds[0].Code != "yaml-syntax" || ds[0].Severity != SeverityError || ds[0].Range.Start.Line < 7 {
		t.Fatalf("diagnostics: %+v", ds)
	}
	ds = replaceAll(cl, uri, 2, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: nginx\n")
	if find(ds, "yaml-syntax") != nil {
		t.Fatalf("after fixing the syntax: %+v", ds)
	}
}

// A rule that panics is caught: the other findings still arrive, and the
// panic is logged and shown once however often it happens.
func TestRulePanicReportedOnce(t *testing.T) {
	boom := &lint.Rule{ID: "test-boom", Category: lint.CategoryPractice, Severity: lint.SeverityWarning, Title: "panics",
		Check: func(p *lint.Pass) { panic("boom") }}
	cl, _ := startServer(t, Config{Rules: append(rules.All(), boom)}, nil)
	uri := fileURI(filepath.Join(t.TempDir(), "deploy.yaml"))
	ds := open(cl, uri, deployment)
	if find(ds, "restart-policy") == nil {
		t.Fatalf("diagnostics beside the panic: %v", codes(ds))
	}
	replaceAll(cl, uri, 2, deployment+"\n")
	replaceAll(cl, uri, 3, deployment+"\n\n")
	cl.mu.Lock()
	defer cl.mu.Unlock()
	n := 0
	for _, l := range cl.logs {
		if strings.Contains(l.Message, "test-boom panicked") {
			n++
		}
	}
	if n != 1 || len(cl.shown) != 1 || !strings.Contains(cl.shown[0].Message, "test-boom") {
		t.Fatalf("panic logged %d times, shown %+v", n, cl.shown)
	}
}

// Positions are UTF-16 code units: a finding after an emoji (two units) and
// an accented letter (one unit, two bytes) on the same line.
func TestUTF16Positions(t *testing.T) {
	cl, _ := startServer(t, Config{}, nil)
	uri := fileURI(filepath.Join(t.TempDir(), "pod.yaml"))
	text := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {note: \"é😀\"}}\nspec:\n  restartPolicy: Always\n  containers:\n  - {name: \"é😀\", image: nginx, readinessProbe: {httpGet: {port: http}}}\n"
	ds := open(cl, uri, text)
	d := find(ds, "probe-port-undeclared")
	if d == nil {
		t.Fatalf("diagnostics: %v", codes(ds))
	}
	line := "  - {name: \"é😀\", image: nginx, readinessProbe: {httpGet: {port: http}}}"
	byteCol := strings.Index(line, "port: http")
	want := utf16Len(line[:byteCol])
	if d.Range.Start.Line != 6 || d.Range.Start.Character != want || want != byteCol-3 {
		t.Fatalf("range %+v, want line 6 character %d (byte %d)", d.Range, want, byteCol)
	}
	// Hover at that UTF-16 position finds the field.
	var h Hover
	cl.call("textDocument/hover", TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Position: d.Range.Start}, &h)
	if !strings.Contains(h.Contents.Value, "`spec.containers[].readinessProbe.httpGet.port`") {
		t.Fatalf("hover: %s", h.Contents.Value)
	}
}

// Initialization options act like the command line's flags: a rule
// disabled there is not reported, a severity is overridden.
func TestInitializationOptions(t *testing.T) {
	cl, _ := startServer(t, Config{}, map[string]any{"podlint": map[string]any{
		"rules": map[string]any{"disable": []string{"probe-port-undeclared"}, "severity": map[string]string{"restart-policy": "warning"}}}})
	ds := open(cl, fileURI(filepath.Join(t.TempDir(), "deploy.yaml")), deployment)
	if len(ds) != 1 || ds[0].Code != "restart-policy" || ds[0].Severity != SeverityWarning {
		t.Fatalf("diagnostics: %+v", ds)
	}
	cl2, _ := startServer(t, Config{}, map[string]any{"kubernetesVersion": "0.1"})
	ds = open(cl2, fileURI(filepath.Join(t.TempDir(), "deploy.yaml")), deployment)
	if len(ds) != 1 || ds[0].Code != "configuration" || !strings.Contains(ds[0].Message, "kubernetesVersion") {
		t.Fatalf("diagnostics with a bad version: %+v", ds)
	}
}

// Fix all applies every finding's fix (the rules' own, through lint/fix as
// podlint fix does) in one edit, across the documents of a file, and offers
// each fix as a quick fix on its own finding too.
func TestFixAll(t *testing.T) {
	two := deployment + "---\n" + strings.Replace(deployment, "name: web\n", "name: api\n", 1)
	cl, _ := startServer(t, Config{}, nil)
	uri := fileURI(filepath.Join(t.TempDir(), "two.yaml"))
	ds := open(cl, uri, two)
	if n := strings.Count(strings.Join(codes(ds), ","), "restart-policy"); n != 2 {
		t.Fatalf("diagnostics: %v", codes(ds))
	}
	var actions []CodeAction
	second := ds[len(ds)-1]
	for _, d := range ds {
		if d.Code == "restart-policy" {
			second = d
		}
	}
	cl.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Range: second.Range,
		Context: CodeActionContext{Diagnostics: []Diagnostic{second}, Only: []string{KindQuickFix}}}, &actions)
	if len(actions) != 2 || !actions[0].IsPreferred || actions[0].Title != "Set restartPolicy to Always (restart-policy)" {
		t.Fatalf("quick fixes on the second document: %+v", actions)
	}
	one := applyTextEdits(t, two, actions[0].Edit.DocumentChanges[0].Edits)
	if strings.Count(one, "restartPolicy: OnFailure") != 1 || !strings.HasSuffix(strings.SplitN(one, "---\n", 2)[1], strings.Replace(strings.Replace(deployment, "name: web\n", "name: api\n", 1), "OnFailure", "Always", 1)) {
		t.Fatalf("the quick fix did not land in the second document:\n%s", one)
	}
	cl.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri},
		Context: CodeActionContext{Only: []string{"source.fixAll"}}}, &actions)
	if len(actions) != 1 || actions[0].Kind != KindSourceFixAll {
		t.Fatalf("actions: %+v", actions)
	}
	fixed := applyTextEdits(t, two, actions[0].Edit.DocumentChanges[0].Edits)
	if strings.Count(fixed, "restartPolicy: Always") != 2 || strings.Contains(fixed, "OnFailure") {
		t.Fatalf("after fix all:\n%s", fixed)
	}
	if ds = replaceAll(cl, uri, 2, fixed); find(ds, "restart-policy") != nil || len(ds) != 2 {
		t.Fatalf("diagnostics after fix all: %v", codes(ds))
	}
}

// A JSON manifest is checked like a YAML one; no comment suppression is
// offered, as JSON has no comments.
func TestJSONManifest(t *testing.T) {
	cl, _ := startServer(t, Config{}, nil)
	uri := fileURI(filepath.Join(t.TempDir(), "pod.json"))
	text := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
 "spec": {"restartPolicy": "Always", "containers": [{"name": "a", "image": "nginx",
   "readinessProbe": {"httpGet": {"port": "http"}}}]}}`
	ds := open(cl, uri, text)
	d := find(ds, "probe-port-undeclared")
	if d == nil || d.Range.Start.Line != 2 {
		t.Fatalf("diagnostics: %+v", ds)
	}
	var actions []CodeAction
	cl.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Range: d.Range}, &actions)
	if len(actions) != 0 {
		t.Fatalf("actions on JSON: %+v", actions)
	}
}

func TestTextPositions(t *testing.T) {
	tx := newText("a😀b\r\nxé\n")
	if p := tx.position(len("a😀")); p != (Position{Line: 0, Character: 3}) {
		t.Errorf("position after the emoji: %+v", p)
	}
	if off, _ := tx.offset(Position{Line: 1, Character: 1}); off != len("a😀b\r\nx") {
		t.Errorf("offset of é: %d", off)
	}
	if off, _ := tx.offset(Position{Line: 0, Character: 99}); off != len("a😀b\r") {
		t.Errorf("offset past the end of line 0: %d", off)
	}
	if p := tx.runePosition(1, 3); p != (Position{Line: 0, Character: 3}) {
		t.Errorf("rune column 3 of line 1: %+v", p)
	}
	if l, c := tx.runeColumn(Position{Line: 0, Character: 3}); l != 1 || c != 3 {
		t.Errorf("rune column of 0:3: %d:%d", l, c)
	}
	next, err := tx.apply(TextDocumentContentChangeEvent{Range: &Range{Start: Position{Line: 0, Character: 1}, End: Position{Line: 0, Character: 3}}, Text: "-"})
	if err != nil || next != "a-b\r\nxé\n" {
		t.Errorf("apply: %q %v", next, err)
	}
}
