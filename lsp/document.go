package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/podlint/podlint/lint"
)

// document is one open text document and the worker that checks it.
type document struct {
	s       *Server
	uri     string
	path    string
	version int
	text    *text
	// gen counts texts; a check's result is published only while its gen is
	// still the document's (the latest text wins).
	gen    uint64
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}
	// last is the latest published analysis: code actions and hover use it.
	last *analysis
	// cache is the results of the documents of the latest check, valid for
	// the settings cacheFor (see Server.check).
	cache    docCache
	cacheFor *settings
}

// analysis is the outcome of checking one version of a document.
type analysis struct {
	version  int
	text     *text
	findings []lint.Finding
	diags    []Diagnostic
	// settings are those the document was checked with (nil when it was not).
	settings *settings
}

func (s *Server) open(item TextDocumentItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.docs[item.URI]; ok {
		old.close()
	}
	path, ok := uriPath(item.URI)
	if !ok {
		path = item.URI // untitled: buffers have no folder and so no configuration file
	}
	d := &document{s: s, uri: item.URI, path: path, version: item.Version, text: newText(item.Text),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.docs[item.URI] = d
	s.wg.Add(1)
	go d.work()
	d.schedule()
}

func (s *Server) change(p DidChangeTextDocumentParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[p.TextDocument.URI]
	if !ok {
		return fmt.Errorf("didChange for %s, which is not open", p.TextDocument.URI)
	}
	t := d.text
	for _, c := range p.ContentChanges {
		next, err := t.apply(c)
		if err != nil {
			// The texts now disagree; the client must resend the document.
			return fmt.Errorf("didChange for %s: %w", p.TextDocument.URI, err)
		}
		t = newText(next)
	}
	d.text, d.version = t, p.TextDocument.Version
	d.schedule()
	return nil
}

func (s *Server) save(p DidSaveTextDocumentParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name := filepath.Base(p.TextDocument.URI); name == ".podlint.yaml" || strings.HasSuffix(name, ".rego") {
		// Clients that do not watch files still tell us about the ones edited here.
		s.settings = map[string]*settings{}
		for _, d := range s.docs {
			d.schedule()
		}
		return
	}
	if d, ok := s.docs[p.TextDocument.URI]; ok {
		if p.Text != nil && *p.Text != d.text.s {
			d.text = newText(*p.Text)
		}
		d.schedule()
	}
}

func (s *Server) closeDoc(uri string) {
	s.mu.Lock()
	d, ok := s.docs[uri]
	delete(s.docs, uri)
	s.mu.Unlock()
	if !ok {
		return
	}
	d.close()
	// An editor keeps showing diagnostics of a closed file unless told.
	s.publish(uri, nil, nil)
}

// schedule asks the worker to check the current text, cancelling a check
// of an older one. Callers hold s.mu.
func (d *document) schedule() {
	d.gen++
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
	select {
	case d.wake <- struct{}{}:
	default: // already woken: it reads the latest text when it starts
	}
}

// close stops the worker. Callers hold s.mu.
func (d *document) close() {
	select {
	case <-d.done:
	default:
		close(d.done)
	}
	if d.cancel != nil {
		d.cancel()
	}
}

func (d *document) work() {
	s := d.s
	defer s.wg.Done()
	for {
		select {
		case <-d.done:
			return
		case <-d.wake:
		}
		s.mu.Lock()
		wait := s.opts.debounce()
		s.mu.Unlock()
		if wait > 0 {
			select {
			case <-d.done:
				return
			case <-time.After(wait):
			}
		}
		s.mu.Lock()
		gen, version, t := d.gen, d.version, d.text
		ctx, cancel := context.WithCancel(context.Background())
		d.cancel = cancel
		s.mu.Unlock()

		a := s.analyze(ctx, d, version, t)

		s.mu.Lock()
		current := gen == d.gen && ctx.Err() == nil
		if current {
			d.last = a
		}
		cancel()
		s.mu.Unlock()
		if current {
			s.publish(d.uri, &version, a.diags)
		}
	}
}

func (s *Server) publish(uri string, version *int, diags []Diagnostic) {
	if diags == nil {
		diags = []Diagnostic{}
	}
	s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: uri, Version: version, Diagnostics: diags})
}
