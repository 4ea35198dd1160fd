package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// client is a language client for tests: a real JSON-RPC connection to the
// server over an in-memory pipe, recording what the server sends.
type client struct {
	t    *testing.T
	conn *jsonrpc2.Conn
	done chan error

	mu    sync.Mutex
	diags chan PublishDiagnosticsParams
	logs  []LogMessageParams
	shown []LogMessageParams
	// registered are the client/registerCapability requests received.
	registered []RegistrationParams
}

func startServer(t *testing.T, c Config, initOpts any) (*client, *Server) {
	t.Helper()
	srvSide, cliSide := connPair(t)
	srv := NewServer(c)
	cl := &client{t: t, done: make(chan error, 1), diags: make(chan PublishDiagnosticsParams, 1000)}
	go func() { cl.done <- srv.Serve(context.Background(), srvSide) }()
	cl.conn = jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(cliSide, jsonrpc2.VSCodeObjectCodec{}),
		jsonrpc2.HandlerWithError(func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
			switch req.Method {
			case "textDocument/publishDiagnostics":
				var p PublishDiagnosticsParams
				if err := json.Unmarshal(*req.Params, &p); err != nil {
					t.Errorf("publishDiagnostics: %v", err)
				}
				cl.diags <- p
			case "client/registerCapability":
				var p RegistrationParams
				_ = json.Unmarshal(*req.Params, &p)
				cl.mu.Lock()
				cl.registered = append(cl.registered, p)
				cl.mu.Unlock()
			case "window/logMessage", "window/showMessage":
				var p LogMessageParams
				_ = json.Unmarshal(*req.Params, &p)
				cl.mu.Lock()
				if req.Method == "window/logMessage" {
					cl.logs = append(cl.logs, p)
				} else {
					cl.shown = append(cl.shown, p)
				}
				cl.mu.Unlock()
			}
			return nil, nil
		}))
	t.Cleanup(func() { cl.conn.Close() })
	var res InitializeResult
	params := map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{
		"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}}}, "initializationOptions": initOpts}
	cl.call("initialize", params, &res)
	if res.Capabilities.PositionEncoding != "utf-16" || res.Capabilities.TextDocumentSync.Change != SyncIncremental {
		t.Fatalf("capabilities: %+v", res.Capabilities)
	}
	cl.notify("initialized", map[string]any{})
	return cl, srv
}

// connPair connects client and server over loopback TCP. An editor talks to the
// server through OS pipes, which buffer; net.Pipe does not, and with it the two
// read loops can each wait on a write the other has not read yet.
func connPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server, client
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.conn.Call(ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// waitDiags returns the diagnostics published for uri at version, skipping
// those of older versions.
func (c *client) waitDiags(uri string, version int) []Diagnostic {
	c.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case p := <-c.diags:
			if p.URI == uri && p.Version != nil && *p.Version == version {
				return p.Diagnostics
			}
		case <-timeout:
			c.t.Fatalf("no diagnostics for %s version %d", uri, version)
		}
	}
}

func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

func codes(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return out
}

func find(ds []Diagnostic, code string) *Diagnostic {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i]
		}
	}
	return nil
}

// applyTextEdits applies LSP edits to s as an editor does: all ranges refer
// to the text before any edit.
func applyTextEdits(t *testing.T, s string, edits []TextEdit) string {
	t.Helper()
	tx := newText(s)
	type span struct {
		start, end int
		text       string
	}
	var spans []span
	for _, e := range edits {
		a, err := tx.offset(e.Range.Start)
		if err != nil {
			t.Fatal(err)
		}
		b, err := tx.offset(e.Range.End)
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, span{a, b, e.NewText})
	}
	for i := len(spans) - 1; i >= 0; i-- {
		for j := 0; j < i; j++ {
			if spans[j].start > spans[i].start {
				spans[i], spans[j] = spans[j], spans[i]
			}
		}
	}
	for i := len(spans) - 1; i >= 0; i-- {
		s = s[:spans[i].start] + spans[i].text + s[spans[i].end:]
	}
	return s
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      restartPolicy: OnFailure
      containers:
      - name: web
        image: nginx:latest
        readinessProbe:
          httpGet: {port: http}
`

// pinRule stands in for a rule with a fix until the built-in rules have
// some: it reports image tags "latest" with an edit pinning them to 1.27.
// Its edits are computed from the text the test last sent (the document of
// the object, found by its name), as the engine gives rules no byte offsets
// of their own; offsets are relative to the document, which the server
// checks on its own when the file has several.
func pinRule(current *atomic.Value) *lint.Rule {
	return &lint.Rule{ID: "test-pin-latest", Category: lint.CategoryPractice, Severity: lint.SeverityWarning,
		Title: "test rule", Doc: "Pins latest tags.", Remediation: "Pin the tag.",
		Check: func(p *lint.Pass) {
			for i, c := range p.Object.PodSpec.Containers {
				if !strings.HasSuffix(c.Image, ":latest") {
					continue
				}
				src := current.Load().(string)
				for _, doc := range strings.Split(src, "---\n") {
					if strings.Contains(doc, "\n  name: "+p.Object.Meta.Name+"\n") {
						src = doc
					}
				}
				at := strings.Index(src, c.Image) + len(c.Image) - len("latest")
				p.ReportFinding(lint.Finding{
					Field:   p.Object.PodSpecPath.Child("containers").Index(i).Child("image").String(),
					Message: "image tag latest", Position: lint.Position{},
					Fix: &lint.Fix{Description: "Pin the image to 1.27", Edits: []lint.Edit{{
						Start: lint.TextSpot{Offset: at}, End: lint.TextSpot{Offset: at + len("latest")}, Text: "1.27"}}},
				})
			}
		}}
}

// TestSession drives the server through a whole editing session: initialize,
// open, change, diagnostics, code actions and their edits, hover, a
// configuration change, shutdown and exit.
func TestSession(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deploy.yaml")
	uri := fileURI(path)
	var current atomic.Value
	current.Store(deployment)
	cl, _ := startServer(t, Config{Rules: append(rules.All(), pinRule(&current))}, map[string]any{"kubernetesVersion": "1.37"})

	// open: the same findings as podlint check, at their positions.
	cl.notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: "yaml", Version: 1, Text: deployment}})
	ds := cl.waitDiags(uri, 1)
	rp := find(ds, "restart-policy")
	if rp == nil || find(ds, "probe-port-undeclared") == nil || find(ds, "test-pin-latest") == nil {
		t.Fatalf("diagnostics on open: %v", codes(ds))
	}
	if rp.Severity != SeverityError || rp.Source != "podlint" || rp.Range.Start != (Position{Line: 11, Character: 6}) ||
		rp.CodeDescription == nil || !strings.HasSuffix(rp.CodeDescription.Href, "#restart-policy") ||
		rp.Data == nil || rp.Data.Category != "api" || !strings.Contains(rp.Message, "Always") {
		t.Fatalf("restart-policy diagnostic: %+v", rp)
	}

	// change (incremental): OnFailure -> Always; that finding goes away.
	text := strings.Replace(deployment, "OnFailure", "Always", 1)
	current.Store(text)
	cl.notify("textDocument/didChange", DidChangeTextDocumentParams{
		TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: 2},
		ContentChanges: []TextDocumentContentChangeEvent{{
			Range: &Range{Start: Position{Line: 11, Character: 21}, End: Position{Line: 11, Character: 30}}, Text: "Always"}},
	})
	ds = cl.waitDiags(uri, 2)
	if find(ds, "restart-policy") != nil || len(ds) != 2 {
		t.Fatalf("diagnostics after the change: %v", codes(ds))
	}

	// code action on the image line: the finding's fix, applied as the editor would.
	pin := find(ds, "test-pin-latest")
	var actions []CodeAction
	cl.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Range: pin.Range,
		Context: CodeActionContext{Diagnostics: []Diagnostic{*pin}}}, &actions)
	var fix *CodeAction
	for i := range actions {
		if actions[i].Kind == KindQuickFix && actions[i].IsPreferred {
			fix = &actions[i]
		}
	}
	if fix == nil || fix.Edit == nil || fix.Edit.DocumentChanges[0].TextDocument.Version != 2 {
		t.Fatalf("quick fix: %+v", actions)
	}
	text = applyTextEdits(t, text, fix.Edit.DocumentChanges[0].Edits)
	if !strings.Contains(text, "image: nginx:1.27\n") {
		t.Fatalf("after the quick fix:\n%s", text)
	}
	current.Store(text)
	cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: 3},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: text}}})
	ds = cl.waitDiags(uri, 3)
	if len(ds) != 1 || ds[0].Code != "probe-port-undeclared" {
		t.Fatalf("diagnostics after the quick fix: %v", codes(ds))
	}

	// hover: the rule on the finding, and the field's API documentation.
	var h Hover
	cl.call("textDocument/hover", TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Position: Position{Line: 16, Character: 22}}, &h)
	if !strings.Contains(h.Contents.Value, "probe-port-undeclared") || !strings.Contains(h.Contents.Value, "`spec.template.spec.containers[].readinessProbe.httpGet.port` *integer or string*") {
		t.Fatalf("hover on the probe port:\n%s", h.Contents.Value)
	}
	cl.call("textDocument/hover", TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Position: Position{Line: 11, Character: 8}}, &h)
	if !strings.Contains(h.Contents.Value, "Restart policy for all containers within the pod") || !strings.Contains(h.Contents.Value, "**Default:** Always") ||
		h.Range == nil || h.Range.Start != (Position{Line: 11, Character: 6}) {
		t.Fatalf("hover on restartPolicy: %+v", h)
	}

	// suppress this rule here: a comment above the line, and the finding is gone
	// with no unused-suppression in its place.
	probe := find(ds, "probe-port-undeclared")
	cl.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Range: probe.Range,
		Context: CodeActionContext{Diagnostics: []Diagnostic{*probe}, Only: []string{KindQuickFix}}}, &actions)
	if len(actions) != 1 || !strings.HasPrefix(actions[0].Title, "Suppress probe-port-undeclared") {
		t.Fatalf("actions on the probe port: %+v", actions)
	}
	text = applyTextEdits(t, text, actions[0].Edit.DocumentChanges[0].Edits)
	if !strings.Contains(text, "\n          # podlint:ignore probe-port-undeclared\n          httpGet: {port: http}\n") {
		t.Fatalf("after suppressing:\n%s", text)
	}
	cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: 4},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: text}}})
	if ds = cl.waitDiags(uri, 4); len(ds) != 0 {
		t.Fatalf("diagnostics after suppressing: %v", codes(ds))
	}

	// configuration change: a .podlint.yaml that re-rates unused-suppression is
	// picked up when the client reports it, here by removing the comment's
	// target so that the suppression is unused.
	text = strings.Replace(text, "{port: http}", "{port: 8080}", 1)
	cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: 5},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: text}}})
	ds = cl.waitDiags(uri, 5)
	if u := find(ds, "unused-suppression"); u == nil || u.Severity != SeverityInformation {
		t.Fatalf("diagnostics with an unused suppression: %+v", ds)
	}
	if err := os.WriteFile(filepath.Join(dir, ".podlint.yaml"), []byte("rules:\n  severity:\n    unused-suppression: error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cl.notify("workspace/didChangeWatchedFiles", DidChangeWatchedFilesParams{Changes: []FileEvent{{URI: fileURI(filepath.Join(dir, ".podlint.yaml")), Type: 1}}})
	ds = cl.waitDiags(uri, 5)
	if u := find(ds, "unused-suppression"); u == nil || u.Severity != SeverityError {
		t.Fatalf("diagnostics after the configuration change: %+v", ds)
	}

	// The server asked the client to watch its configuration and policies.
	cl.mu.Lock()
	reg := fmt.Sprint(cl.registered)
	cl.mu.Unlock()
	if !strings.Contains(reg, "workspace/didChangeWatchedFiles") || !strings.Contains(reg, "**/.podlint.yaml") || !strings.Contains(reg, "**/*.rego") {
		t.Fatalf("registrations: %s", reg)
	}

	// save: checked again, the same diagnostics for the same version.
	cl.notify("textDocument/didSave", DidSaveTextDocumentParams{TextDocument: TextDocumentIdentifier{URI: uri}})
	if again := cl.waitDiags(uri, 5); len(again) != len(ds) || again[0].Code != ds[0].Code {
		t.Fatalf("diagnostics on save: %v, before %v", codes(again), codes(ds))
	}

	// shutdown, exit: Serve returns cleanly.
	cl.call("shutdown", nil, nil)
	cl.notify("exit", nil)
	select {
	case err := <-cl.done:
		if err != nil {
			t.Fatalf("Serve after shutdown and exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit")
	}
}
