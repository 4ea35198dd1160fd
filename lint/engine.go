package lint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// Default input limits; every one is named in the error that enforces it.
const (
	DefaultMaxFileBytes     = 64 << 20
	DefaultMaxDocumentBytes = 8 << 20
)

// Options configure an Engine.
type Options struct {
	// Release selects the Kubernetes release table; zero means the default release.
	Release Release
	// Workers is the number of documents checked in parallel; zero means GOMAXPROCS.
	Workers          int
	MaxFileBytes     int64
	MaxDocumentBytes int
	// Disabled rules neither run nor report; Severity overrides a rule's default
	// severity. Both come from the configuration file (lint/config).
	Disabled map[string]bool
	Severity map[string]Severity
}

// Engine runs rules over manifests. It is safe for concurrent use.
type Engine struct {
	rules []*Rule
	opts  Options
	// known, ids and inputRule describe every rule given, for judging suppressions.
	known     map[string]bool
	ids       []string
	inputRule map[string]bool
	// updates are the rules with a CheckUpdate, run on (old, new) pairs.
	updates []*Rule
}

// NewEngine returns an engine running rules (those with a Check) with opts.
func NewEngine(rules []*Rule, opts Options) *Engine {
	if opts.Release.Version == "" {
		opts.Release, _ = ParseRelease(DefaultKubernetesVersion)
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.MaxDocumentBytes <= 0 {
		opts.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	e := &Engine{opts: opts, known: map[string]bool{}, inputRule: map[string]bool{}}
	all := append(rules[:len(rules):len(rules)], RuleUnusedSuppression) // never into the caller's array
	for _, r := range all {
		if e.known[r.ID] {
			continue
		}
		e.known[r.ID] = true
		e.ids = append(e.ids, r.ID)
		e.inputRule[r.ID] = r.Category == CategoryInput
		if opts.Disabled[r.ID] {
			continue
		}
		if r.Check != nil {
			e.rules = append(e.rules, r)
		}
		if r.CheckUpdate != nil {
			e.updates = append(e.updates, r)
		}
	}
	return e
}

// Summary counts what a run saw.
type Summary struct {
	Files    int `json:"files"`
	Objects  int `json:"objects"`
	Skipped  int `json:"skipped"`
	Empty    int `json:"empty"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
	// Suppressed counts findings hidden by suppressions; they count nowhere else.
	Suppressed int `json:"suppressed,omitempty"`
}

// Skip is an object of a kind podlint does not check.
type Skip struct {
	Object   ObjectRef
	Document int
	Position Position
}

// Result is the outcome of a run.
type Result struct {
	Findings []Finding
	Summary  Summary
	// Skipped lists the objects of other kinds (for --verbose).
	Skipped []Skip
	// Internal holds podlint's own failures (a rule that panicked); exit code 3.
	Internal []error
	// Suppressed lists the findings hidden by suppressions.
	Suppressed []SuppressedFinding
	// Objects lists the objects the rules ran on, in input order (for JUnit).
	Objects []CheckedObject
}

// InputErrors counts findings of the input category.
func (r *Result) InputErrors() int {
	n := 0
	for i := range r.Findings {
		if r.Findings[i].Category == CategoryInput {
			n++
		}
	}
	return n
}

// Source is one input stream: a file, or stdin named "-".
type Source struct {
	Name string
	Open func() (io.ReadCloser, error)
	// Err is set when the path could not even be listed.
	Err error
}

// Sources expands paths into sources: files as given, directories recursively
// (*.yaml, *.yml, *.json, skipping hidden directories), "-" as stdin.
func Sources(paths []string, stdin io.Reader) []Source {
	var out []Source
	for _, p := range paths {
		if p == "-" {
			out = append(out, Source{Name: "-", Open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			out = append(out, Source{Name: p, Err: err})
			continue
		}
		if !info.IsDir() {
			out = append(out, fileSource(p))
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, Source{Name: path, Err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				out = append(out, fileSource(path))
			}
			return nil
		})
		if err != nil {
			out = append(out, Source{Name: p, Err: err})
		}
	}
	return out
}

func fileSource(path string) Source {
	return Source{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

type docJob struct {
	file string
	doc  *manifest.Document
	done chan docResult
}

type docResult struct {
	findings []Finding
	summary  Summary
	skipped  []Skip
	internal []error

	suppressed []SuppressedFinding
	objects    []CheckedObject
	// keep asks checkItem to return the decoded objects too (CheckObject).
	keep    bool
	checked []*Object
}

// Run checks every source and returns the findings in input order.
func (e *Engine) Run(ctx context.Context, sources []Source) *Result {
	res := &Result{}
	jobs := make(chan *docJob, e.opts.Workers*2)
	ordered := make(chan *docJob, e.opts.Workers*4)
	for i := 0; i < e.opts.Workers; i++ {
		go func() {
			for j := range jobs {
				j.done <- e.checkDocument(j.file, j.doc)
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(ordered)
		for _, src := range sources {
			if ctx.Err() != nil {
				return
			}
			e.produce(ctx, src, func(j *docJob) {
				if j.doc != nil {
					jobs <- j
				}
				ordered <- j
			})
		}
	}()
	for j := range ordered {
		r := <-j.done
		res.Findings = append(res.Findings, r.findings...)
		res.Skipped = append(res.Skipped, r.skipped...)
		res.Internal = append(res.Internal, r.internal...)
		res.Suppressed = append(res.Suppressed, r.suppressed...)
		res.Objects = append(res.Objects, r.objects...)
		res.Summary.Suppressed += len(r.suppressed)
		res.Summary.Files += r.summary.Files
		res.Summary.Objects += r.summary.Objects
		res.Summary.Skipped += r.summary.Skipped
		res.Summary.Empty += r.summary.Empty
	}
	for i := range res.Findings {
		switch res.Findings[i].Severity {
		case SeverityError:
			res.Summary.Errors++
		case SeverityWarning:
			res.Summary.Warnings++
		case SeverityInfo:
			res.Summary.Infos++
		}
	}
	return res
}

// produce splits one source into document jobs. Read failures become a job with
// no document and its result already filled in, so they stay in input order.
func (e *Engine) produce(ctx context.Context, src Source, emit func(*docJob)) {
	fail := func(line int, rule *Rule, msg string, countFile bool) {
		j := &docJob{done: make(chan docResult, 1)}
		r := docResult{findings: []Finding{inputFinding(rule, src.Name, 0, line, msg)}}
		if countFile {
			r.summary.Files = 1
		}
		j.done <- r
		emit(j)
	}
	if src.Err != nil {
		fail(0, RuleFileUnreadable, describeFSError(src.Err), true)
		return
	}
	rc, err := src.Open()
	if err != nil {
		fail(0, RuleFileUnreadable, describeFSError(err), true)
		return
	}
	defer rc.Close()
	limited := &limitReader{r: rc, n: e.opts.MaxFileBytes}
	sp := manifest.NewSplitter(limited, e.opts.MaxDocumentBytes)
	first := true
	for ctx.Err() == nil {
		doc, err := sp.Next()
		if err == io.EOF {
			if first {
				// An empty file still counts as a file read.
				j := &docJob{done: make(chan docResult, 1)}
				j.done <- docResult{summary: Summary{Files: 1}}
				emit(j)
			}
			return
		}
		if err != nil {
			rule := RuleFileUnreadable
			msg := err.Error()
			if errors.Is(err, manifest.ErrDocumentTooLarge) || errors.Is(err, errFileTooLarge) {
				rule = RuleInputLimit
				if errors.Is(err, errFileTooLarge) {
					msg = fmt.Sprintf("file is larger than %d bytes; the rest of it is not checked", e.opts.MaxFileBytes)
				}
			}
			fail(sp.Line()+1, rule, msg, first)
			return
		}
		emit(&docJob{file: src.Name, doc: doc, done: make(chan docResult, 1)})
		first = false
	}
}

var errFileTooLarge = errors.New("file too large")

type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One more byte tells a file of exactly the limit from a larger one.
		var b [1]byte
		if n, _ := l.r.Read(b[:]); n > 0 {
			return 0, errFileTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func describeFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("cannot %s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}

func inputFinding(rule *Rule, file string, doc, line int, msg string) Finding {
	return Finding{
		Rule: rule.ID, Category: rule.Category, Severity: rule.Severity,
		Message: msg, Hint: rule.Remediation, Document: doc,
		Position: Position{File: file, Line: line},
	}
}

// checkDocument parses, decodes and checks one document.
func (e *Engine) checkDocument(file string, doc *manifest.Document) (out docResult) {
	e.checkDocumentInto(file, doc, &out)
	return out
}

// checkDocumentInto is checkDocument filling out (whose keep it honours).
func (e *Engine) checkDocumentInto(file string, doc *manifest.Document, out *docResult) {
	var root *yaml.Node
	var items []manifest.Item
	defer func() { e.finish(file, doc, root, items, out) }()
	if doc.Index == 1 {
		out.summary.Files = 1
	}
	if manifest.IsEmpty(doc.Data) {
		out.summary.Empty = 1
		return
	}
	var err error
	root, err = manifest.Parse(doc)
	if err != nil {
		line := doc.StartLine
		var se *manifest.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			line, msg = se.Line, se.Message
		}
		out.findings = append(out.findings, inputFinding(RuleYAMLSyntax, file, doc.Index, line, msg))
		return
	}
	var ok bool
	items, ok = manifest.Items(root)
	if !ok {
		f := inputFinding(RuleMissingKind, file, doc.Index, doc.StartLine, "document is not a Kubernetes object: its top level is not a mapping")
		if top := root; len(top.Content) > 0 {
			f.Position.Line = doc.StartLine + top.Content[0].Line - 1
			f.Position.Column = top.Content[0].Column
		}
		out.findings = append(out.findings, f)
		return
	}
	for _, it := range items {
		e.checkItem(file, doc, root, it, out)
	}
}

func (e *Engine) checkItem(file string, doc *manifest.Document, root *yaml.Node, it manifest.Item, out *docResult) {
	ref := ObjectRef{APIVersion: it.APIVersion, Kind: it.Kind, Namespace: it.Namespace, Name: it.Name}
	at := func(path string) Position {
		line, col, _ := manifest.Locate(root, path)
		return Position{File: file, Line: doc.StartLine + line - 1, Column: col}
	}
	add := func(f Finding) {
		f.Object = ref
		f.Document = doc.Index
		if f.Position.Line == 0 {
			f.Position = at(f.Field)
		}
		out.findings = append(out.findings, f)
	}
	if it.APIVersion == "" || it.Kind == "" {
		missing := "apiVersion and kind"
		switch {
		case it.APIVersion != "":
			missing = "kind"
		case it.Kind != "":
			missing = "apiVersion"
		}
		add(Finding{Rule: RuleMissingKind.ID, Category: CategoryInput, Severity: SeverityError,
			Field: it.Path, Message: "object has no " + missing + ", so it cannot be identified as a Kubernetes object",
			Hint: RuleMissingKind.Remediation})
		return
	}
	kind := manifest.LookupKind(it.Kind)
	if kind == nil || !manifest.IsKubernetesGroup(it.APIVersion) {
		out.summary.Skipped++
		out.skipped = append(out.skipped, Skip{Object: ref, Document: doc.Index, Position: at(it.Path)})
		return
	}
	wrongVersion := it.APIVersion != kind.APIVersion
	if wrongVersion {
		msg := fmt.Sprintf("%s is not served under %s; it is served under %s", kind.Name, it.APIVersion, kind.APIVersion)
		if rel, ok := kind.Removed[it.APIVersion]; ok {
			msg = fmt.Sprintf("%s under %s was removed in Kubernetes %s; it is served under %s", kind.Name, it.APIVersion, rel, kind.APIVersion)
		}
		add(Finding{Rule: RuleAPIVersion.ID, Category: CategoryAPI, Severity: SeverityError,
			Field: joinPath(it.Path, "apiVersion"), Type: field.ErrorTypeNotSupported, BadValue: it.APIVersion,
			Message: msg, Hint: fmt.Sprintf("Set apiVersion: %s.", kind.APIVersion)})
	}
	dec, err := manifest.Decode(it, kind)
	if err != nil {
		out.internal = append(out.internal, fmt.Errorf("%s: document %d: %w", file, doc.Index, err))
		return
	}
	for _, p := range dec.Problems {
		if wrongVersion && p.Kind == manifest.UnknownField {
			continue // the old version's schema differs; the apiVersion finding says what to do
		}
		add(problemFinding(p, file, doc))
	}
	if dec.Object == nil {
		return
	}
	out.summary.Objects++
	out.objects = append(out.objects, CheckedObject{Object: ref, Document: doc.Index, Position: at(it.Path)})
	meta, podMeta, spec := kind.Parts(dec.Object)
	obj := &Object{Ref: ref, Meta: meta, PodMeta: podMeta, PodSpec: spec, Typed: dec.Object, node: it.Node}
	if it.Path != "" {
		obj.Root = rootPath(it.Path)
	}
	obj.PodSpecPath = obj.Path(kind.SpecPath[0], kind.SpecPath[1:]...)
	obj.Position = at(it.Path)
	if out.keep {
		out.checked = append(out.checked, obj)
	}
	if spec == nil {
		return
	}
	for _, r := range e.rules {
		e.runRule(r, obj, add, out)
	}
}

func (e *Engine) runRule(r *Rule, obj *Object, add func(Finding), out *docResult) {
	defer func() {
		if p := recover(); p != nil {
			out.internal = append(out.internal, fmt.Errorf("rule %s panicked on %s: %v\n%s", r.ID, obj.Ref, p, debug.Stack()))
		}
	}()
	r.Check(NewPass(r, obj, e.opts.Release, add))
}

func problemFinding(p manifest.Problem, file string, doc *manifest.Document) Finding {
	rule := RuleInvalidType
	typ := field.ErrorTypeInvalid
	switch p.Kind {
	case manifest.UnknownField:
		rule, typ = RuleUnknownField, field.ErrorTypeNotSupported
	case manifest.DuplicateField:
		rule, typ = RuleDuplicateField, field.ErrorTypeDuplicate
	case manifest.TooComplex:
		rule, typ = RuleInputLimit, ""
	}
	hint := p.Suggestion
	if hint == "" {
		hint = rule.Remediation
	}
	f := Finding{Rule: rule.ID, Category: rule.Category, Severity: rule.Severity, Field: p.Path, Type: typ,
		Message: p.Message, Hint: hint, Document: doc.Index,
		Position: Position{File: file, Line: doc.StartLine + p.Line - 1, Column: p.Column}}
	if p.BadValue != "" {
		f.BadValue = p.BadValue
	}
	return f
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// rootPath turns "items[3]" into a field.Path.
func rootPath(s string) *field.Path {
	name, idx, _ := strings.Cut(strings.TrimSuffix(s, "]"), "[")
	var i int
	fmt.Sscanf(idx, "%d", &i)
	return field.NewPath(name).Index(i)
}
