// Package lsp is podlint's language server: `podlint lsp` speaks the Language
// Server Protocol (3.17) over stdio, publishes the findings of `podlint check`
// on every open manifest as the author types, offers the findings' fixes and
// suppressions as code actions, and explains rules and Kubernetes fields on hover.
//
// The JSON-RPC layer is github.com/sourcegraph/jsonrpc2; the LSP messages the
// server uses are declared in protocol.go.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// Server is one language server session.
type Server struct {
	opts    Options
	rules   []*lint.Rule
	version string

	// conn is set by the first message's handler or by Serve, whichever comes
	// first: the connection reads (and so calls handlers) as soon as it exists.
	conn atomic.Pointer[jsonrpc2.Conn]

	mu       sync.Mutex
	root     string
	docs     map[string]*document
	settings map[string]*settings
	// reported are the internal errors (rule panics) already shown to the
	// user, so a panic on every keystroke is reported once.
	reported map[string]bool
	shutdown bool
	exit     chan struct{}
	// watch: the client watches files for servers that ask (dynamic registration).
	watch bool
	wg    sync.WaitGroup
}

// Config configures a Server.
type Config struct {
	// Options are the command line's settings; the client's
	// initializationOptions apply over them.
	Options Options
	// Rules are the built-in rules to run; nil means rules.All().
	Rules []*lint.Rule
	// Version is podlint's version, reported in serverInfo.
	Version string
}

// NewServer returns a server that has not started yet.
func NewServer(c Config) *Server {
	if c.Rules == nil {
		c.Rules = rules.All()
	}
	return &Server{opts: c.Options, rules: c.Rules, version: c.Version,
		docs: map[string]*document{}, settings: map[string]*settings{}, reported: map[string]bool{},
		exit: make(chan struct{})}
}

// ErrExitWithoutShutdown is returned by Serve when the client sent exit
// before shutdown (LSP asks the server to exit with code 1 then).
var ErrExitWithoutShutdown = errors.New("exit without shutdown")

// Serve answers the client on rwc until it sends exit or disconnects.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	stream := jsonrpc2.NewBufferedStream(rwc, jsonrpc2.VSCodeObjectCodec{})
	// The handler runs on the connection's read loop, one message after the
	// other, so changes apply in order; checks run on each document's worker.
	conn := jsonrpc2.NewConn(ctx, stream, jsonrpc2.HandlerWithError(s.handle))
	s.conn.CompareAndSwap(nil, conn)
	select {
	case <-s.exit:
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
	}
	s.mu.Lock()
	for _, d := range s.docs {
		d.close()
	}
	clean := s.shutdown
	s.mu.Unlock()
	s.wg.Wait()
	conn.Close()
	if !clean {
		return ErrExitWithoutShutdown
	}
	return nil
}

func (s *Server) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) (result any, err error) {
	s.conn.CompareAndSwap(nil, conn)
	defer func() {
		// Bad input must not kill the server: a bug in a handler fails that
		// one request and is logged.
		if p := recover(); p != nil {
			s.logf(MessageError, "podlint: internal error handling %s: %v\n%s", req.Method, p, debug.Stack())
			result, err = nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprint(p)}
		}
	}()
	params := func(v any) error {
		if req.Params == nil {
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "missing params"}
		}
		if err := json.Unmarshal(*req.Params, v); err != nil {
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: err.Error()}
		}
		return nil
	}
	switch req.Method {
	case "initialize":
		var p InitializeParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.initialize(p)
	case "initialized":
		s.mu.Lock()
		watch := s.watch
		s.mu.Unlock()
		if watch {
			// A request to the client: its answer arrives on the read loop this
			// handler runs on, so it is sent from another goroutine.
			go func() {
				err := conn.Call(context.Background(), "client/registerCapability", RegistrationParams{Registrations: []Registration{{
					ID: "podlint-config", Method: "workspace/didChangeWatchedFiles",
					RegisterOptions: DidChangeWatchedFilesRegistrationOptions{Watchers: []FileSystemWatcher{
						{GlobPattern: "**/.podlint.yaml"}, {GlobPattern: "**/*.rego"}}},
				}}}, nil)
				if err != nil {
					s.logf(MessageWarning, "podlint: watching .podlint.yaml and policies: %v", err)
				}
			}()
		}
		return nil, nil
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return nil, nil
	case "exit":
		close(s.exit)
		return nil, nil
	case "textDocument/didOpen":
		var p DidOpenTextDocumentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.open(p.TextDocument)
		return nil, nil
	case "textDocument/didChange":
		var p DidChangeTextDocumentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return nil, s.change(p)
	case "textDocument/didSave":
		var p DidSaveTextDocumentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.save(p)
		return nil, nil
	case "textDocument/didClose":
		var p DidCloseTextDocumentParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.closeDoc(p.TextDocument.URI)
		return nil, nil
	case "workspace/didChangeWatchedFiles":
		var p DidChangeWatchedFilesParams
		if err := params(&p); err != nil {
			return nil, err
		}
		s.reload()
		return nil, nil
	case "workspace/didChangeConfiguration":
		var p DidChangeConfigurationParams
		if err := params(&p); err != nil {
			return nil, err
		}
		if o, err := parseOptions(p.Settings); err != nil {
			s.logf(MessageWarning, "podlint: %v", err)
		} else if len(p.Settings) > 0 && string(p.Settings) != "null" && string(p.Settings) != "{}" {
			s.mu.Lock()
			s.opts = s.opts.merge(o)
			s.mu.Unlock()
		}
		s.reload()
		return nil, nil
	case "textDocument/codeAction":
		var p CodeActionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.codeActions(ctx, p), nil
	case "textDocument/hover":
		var p TextDocumentPositionParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return s.hover(p), nil
	}
	if req.Notif || strings.HasPrefix(req.Method, "$/") {
		return nil, nil // notifications the server does not use are ignored
	}
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "podlint does not handle " + req.Method}
}

func (s *Server) initialize(p InitializeParams) (*InitializeResult, error) {
	o, err := parseOptions(p.InitializationOptions)
	if err != nil {
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: err.Error()}
	}
	s.mu.Lock()
	s.opts = s.opts.merge(o)
	s.watch = p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration
	if path, ok := uriPath(p.RootURI); ok {
		s.root = path
	}
	s.mu.Unlock()
	return &InitializeResult{
		Capabilities: ServerCapabilities{
			PositionEncoding: "utf-16",
			TextDocumentSync: TextDocumentSync{OpenClose: true, Change: SyncIncremental, Save: SaveOptions{}},
			HoverProvider:    true,
			CodeActionProvider: CodeActionOptions{CodeActionKinds: []string{
				KindQuickFix, KindSourceFixAll}},
		},
		ServerInfo: ServerInfo{Name: "podlint", Version: s.version},
	}, nil
}

// reload drops every configuration read so far and checks the open documents
// again: a .podlint.yaml or a policy changed.
func (s *Server) reload() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = map[string]*settings{}
	for _, d := range s.docs {
		d.schedule()
	}
}

// logf sends window/logMessage; it never blocks a handler on the client.
func (s *Server) logf(typ int, format string, args ...any) {
	s.notify("window/logMessage", LogMessageParams{Type: typ, Message: fmt.Sprintf(format, args...)})
}

// notify sends a notification to the client, if one is connected.
func (s *Server) notify(method string, params any) {
	if c := s.conn.Load(); c != nil {
		_ = c.Notify(context.Background(), method, params)
	}
}

// uriPath converts a file: URI to a path.
func uriPath(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return filepath.FromSlash(u.Path), true
}
