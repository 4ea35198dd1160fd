package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// multiDocument is a manifest of about lines lines: Deployments, each with
// the two mistakes of the session test, separated by ---.
func multiDocument(lines int) string {
	var b strings.Builder
	for i := 0; strings.Count(b.String(), "\n") < lines; i++ {
		fmt.Fprintf(&b, "---\n%s", strings.Replace(deployment, "name: web\n", fmt.Sprintf("name: web-%d\n", i), 1))
	}
	return b.String()
}

// BenchmarkChangeToPublish measures the path the issue bounds at 50 ms: a
// didChange of a 2,000-line multi-document manifest, sent by a JSON-RPC
// client over a pipe, to the publishDiagnostics it causes, received by the
// client. Each edit changes one value, as typing does.
func BenchmarkChangeToPublish(b *testing.B) {
	text := multiDocument(2000)
	uri := fileURI(filepath.Join(b.TempDir(), "big.yaml"))
	t := &testing.T{}
	cl, _ := startServer(t, Config{}, nil)
	cl.t = t
	cl.notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: "yaml", Version: 1, Text: text}})
	want := len(cl.waitDiags(uri, 1))
	if want == 0 {
		b.Fatal("no diagnostics on the big manifest")
	}
	line := strings.Count(text[:strings.Index(text, "OnFailure")], "\n")
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Toggle the first restartPolicy between OnFailure and Always.
		repl := "Always   "
		if i%2 == 1 {
			repl = "OnFailure"
		}
		cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: i + 2},
			ContentChanges: []TextDocumentContentChangeEvent{{Range: &Range{Start: Position{Line: line, Character: 21}, End: Position{Line: line, Character: 30}}, Text: repl}}})
		got := len(cl.waitDiags(uri, i+2))
		if (i%2 == 0 && got != want-1) || (i%2 == 1 && got != want) {
			b.Fatalf("edit %d: %d diagnostics, want %d", i, got, want)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(strings.Count(text, "\n")), "lines")
	// CPU time of the process (server and client) per edit: on a shared,
	// loaded machine wall time also counts the wait for a core.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// TestMemoryFlatOverEdits edits a document 10,000 times and checks that the
// server's heap after the last edit is what it was after the first thousand:
// no per-edit state (workers, texts, analyses, cancelled checks) is kept.
func TestMemoryFlatOverEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 edits")
	}
	uri := fileURI(filepath.Join(t.TempDir(), "deploy.yaml"))
	cl, _ := startServer(t, Config{}, nil)
	cl.notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: "yaml", Version: 1, Text: deployment}})
	cl.waitDiags(uri, 1)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	goroutines := 0
	var base uint64
	const edits = 10000
	for i := 0; i < edits; i++ {
		repl := "Always   "
		if i%2 == 1 {
			repl = "OnFailure"
		}
		cl.notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: i + 2},
			ContentChanges: []TextDocumentContentChangeEvent{{Range: &Range{Start: Position{Line: 11, Character: 21}, End: Position{Line: 11, Character: 30}}, Text: repl}}})
		// Wait for every tenth edit only, so that most checks are cancelled
		// by the next change, as when typing fast.
		if i%10 == 9 {
			cl.waitDiags(uri, i+2)
		}
		if i == 999 {
			base, goroutines = heap(), runtime.NumGoroutine()
		}
	}
	end := heap()
	t.Logf("heap after 1,000 edits %d KiB, after %d edits %d KiB; goroutines %d then %d", base>>10, edits, end>>10, goroutines, runtime.NumGoroutine())
	if end > base+base/4+(1<<20) {
		t.Errorf("heap grew from %d KiB after 1,000 edits to %d KiB after %d", base>>10, end>>10, edits)
	}
	if n := runtime.NumGoroutine(); n > goroutines+5 {
		t.Errorf("goroutines grew from %d to %d", goroutines, n)
	}
}

// BenchmarkCheckPeer is the peer of BenchmarkChangeToPublish: the engine
// alone on the same text, as podlint check runs it.
func BenchmarkCheckPeer(b *testing.B) {
	text := multiDocument(2000)
	s := NewServer(Config{})
	tx := newText(text)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if a := s.analyze(context.Background(), &document{s: s, path: "/tmp/big.yaml"}, 1, tx); len(a.diags) == 0 {
			b.Fatal("no diagnostics")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
