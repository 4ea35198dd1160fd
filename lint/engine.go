package lint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"runtime/debug"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint/manifest"
)

// Options configure an Engine.
type Options struct {
	// Release selects the Kubernetes release table; zero means the default release.
	Release Release
	// Workers is the number of documents checked in parallel; zero means GOMAXPROCS.
	Workers int
	// MaxFileBytes bounds one file or stream (DefaultMaxFileBytes when zero).
	MaxFileBytes int64
	// MaxDocumentBytes bounds one document and so one line (DefaultMaxDocumentBytes).
	MaxDocumentBytes int
	// Disabled rules neither run nor report; Severity overrides a rule's default
	// severity. Both come from the configuration file (lint/config).
	Disabled map[string]bool
	Severity map[string]Severity
	// MaxDocuments bounds the documents of one file or stream (DefaultMaxDocuments).
	MaxDocuments int
	// MaxObjects bounds the objects of one run (DefaultMaxObjects).
	MaxObjects int
	// KeepObjects makes Run return the decoded objects in Result.Checked.
	KeepObjects bool
	// DocumentLimits bound each document's nodes, depth, scalars and alias
	// expansion; zero fields take manifest's defaults.
	DocumentLimits manifest.Limits
	// PodSecurity is the Pod Security level enforced by default and the
	// exemptions (see podsecurity.go).
	PodSecurity PodSecurityOptions
	// CustomKinds are custom resource kinds declared in the configuration, read
	// besides (or instead of) the built-in ones (BuiltinCustomKinds).
	CustomKinds []CustomKind
	// CRDs validate the custom resources of their kinds (check --crd), besides
	// the CustomResourceDefinitions found in the inputs.
	CRDs []*CRD
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
	// custom are the custom resource kinds whose pod templates are checked.
	custom CustomKinds
	// setRules are the rules with a CheckSet, run once over a whole run.
	setRules []*Rule
}

// NewEngine returns an engine running rules (those with a Check) with opts.
func NewEngine(rules []*Rule, opts Options) *Engine {
	if opts.Release.Version == "" {
		opts.Release, _ = ParseRelease(DefaultKubernetesVersion)
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	opts = opts.withLimitDefaults()
	e := &Engine{opts: opts, known: map[string]bool{}, inputRule: map[string]bool{}, custom: NewCustomKinds(opts.CustomKinds)}
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
		if r.CheckSet != nil {
			e.setRules = append(e.setRules, r)
		}
	}
	return e
}

// Summary counts what a run saw.
type Summary struct {
	Files   int `json:"files"`
	Objects int `json:"objects"`
	Skipped int `json:"skipped"`
	Empty   int `json:"empty"`
	// Unreadable counts documents and objects that could not be checked:
	// unreadable files, syntax errors, objects without a kind, exceeded limits.
	Unreadable int `json:"unreadable"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	// Suppressed counts findings hidden by suppressions; they count nowhere else.
	Suppressed int `json:"suppressed,omitempty"`
}

// Skip is an object of a kind podlint does not check, or a file found by a
// directory walk that is not read (Reason says why; Object is then empty).
type Skip struct {
	Object   ObjectRef
	Document int
	Position Position
	Reason   string
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
	// Checked holds the objects the rules ran on, decoded, in input order,
	// when Options.KeepObjects is set (podlint run runs the Pod it linted).
	Checked []*Object
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
	// keep asks checkItem to return the decoded objects too; live marks
	// them Live (only CheckObject sets it).
	keep    bool
	live    bool
	checked []*Object
	// namespaces holds the labels of the Namespace objects seen, by name.
	namespaces map[string]map[string]string
	// set holds the objects for the cross-object rules (when any runs).
	set []*SetObject
	// crds and crs are the CustomResourceDefinitions and custom resources of
	// the document, validated once the whole input is read.
	crds []*CRD
	crs  []*pendingCR
}

// Run checks every source and returns the findings in input order.
func (e *Engine) Run(ctx context.Context, sources []Source) *Result {
	res := &Result{}
	// Reaching MaxObjects stops the producer through this context.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
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
	objects, full := 0, false
	namespaces := map[string]map[string]string{}
	var set []*SetObject
	var crds []*CRD
	var crs []*pendingCR
	for j := range ordered {
		r := <-j.done
		if full {
			continue // drain what was already queued
		}
		// Counted here, in input order, so the object limit cuts the same place every run.
		objects += r.summary.Objects + r.summary.Skipped + r.summary.Unreadable
		if objects > e.opts.MaxObjects {
			full = true
			stop()
			doc, line := 0, 0
			if j.doc != nil {
				doc, line = j.doc.Index, j.doc.StartLine
			}
			res.Findings = append(res.Findings, limitFinding(LimitObjects, j.file, doc, line, 0,
				fmt.Sprintf("more than %d objects in this run; this document and the rest of the input are not checked", e.opts.MaxObjects)))
			res.Summary.Unreadable++
			continue
		}
		res.Findings = append(res.Findings, r.findings...)
		res.Skipped = append(res.Skipped, r.skipped...)
		res.Internal = append(res.Internal, r.internal...)
		res.Suppressed = append(res.Suppressed, r.suppressed...)
		res.Objects = append(res.Objects, r.objects...)
		res.Checked = append(res.Checked, r.checked...)
		set = append(set, r.set...)
		crds = append(crds, r.crds...)
		crs = append(crs, r.crs...)
		res.Summary.Suppressed += len(r.suppressed)
		res.Summary.Files += r.summary.Files
		res.Summary.Objects += r.summary.Objects
		res.Summary.Skipped += r.summary.Skipped
		res.Summary.Empty += r.summary.Empty
		res.Summary.Unreadable += r.summary.Unreadable
		for name, labels := range r.namespaces {
			namespaces[name] = labels
		}
	}
	res.Findings = e.resolvePodSecurity(res.Findings, namespaces)
	res.Suppressed = e.resolveSuppressed(res.Suppressed, namespaces)
	res.Summary.Suppressed = len(res.Suppressed)
	if !full && ctx.Err() == nil {
		// After every per-object finding: these need the whole input.
		e.runSchemas(crds, crs, res)
		e.runSetRules(set, res)
	}
	res.CountSeverities()
	return res
}

// CountSeverities sets the summary's error, warning and info counts from the findings.
func (r *Result) CountSeverities() {
	r.Summary.Errors, r.Summary.Warnings, r.Summary.Infos = 0, 0, 0
	for i := range r.Findings {
		switch r.Findings[i].Severity {
		case SeverityError:
			r.Summary.Errors++
		case SeverityWarning:
			r.Summary.Warnings++
		case SeverityInfo:
			r.Summary.Infos++
		}
	}
}

// produce splits one source into document jobs. Read failures become a job with
// no document and its result already filled in, so they stay in input order.
func (e *Engine) produce(ctx context.Context, src Source, emit func(*docJob)) {
	done := func(r docResult) {
		j := &docJob{file: src.Name, done: make(chan docResult, 1)}
		j.done <- r
		emit(j)
	}
	fail := func(f Finding, countFile bool) {
		r := docResult{findings: []Finding{f}, summary: Summary{Unreadable: 1}}
		if countFile {
			r.summary.Files = 1
		}
		done(r)
	}
	if src.Skip != "" {
		done(docResult{summary: Summary{Skipped: 1}, skipped: []Skip{{Position: Position{File: src.Name}, Reason: src.Skip}}})
		return
	}
	if src.Err != nil {
		fail(inputFinding(RuleFileUnreadable, src.Name, 0, 0, describeFSError(src.Err)), true)
		return
	}
	rc, err := src.Open()
	if err != nil {
		fail(inputFinding(RuleFileUnreadable, src.Name, 0, 0, describeFSError(err)), true)
		return
	}
	defer rc.Close()
	limited := bufio.NewReaderSize(&limitReader{r: rc, n: e.opts.MaxFileBytes}, sniffBytes)
	if why := sniffText(limited); why != "" {
		if src.Walked {
			done(docResult{summary: Summary{Files: 1, Skipped: 1}, skipped: []Skip{{Position: Position{File: src.Name}, Reason: why}}})
			return
		}
		fail(inputFinding(RuleFileUnreadable, src.Name, 0, 0, why), true)
		return
	}
	sp := manifest.NewSplitter(limited, e.opts.MaxDocumentBytes)
	first := true
	for ctx.Err() == nil {
		doc, err := sp.Next()
		if err == io.EOF {
			if first {
				// An empty file still counts as a file read.
				done(docResult{summary: Summary{Files: 1}})
			}
			return
		}
		if err == nil && doc.Index > e.opts.MaxDocuments {
			fail(limitFinding(LimitDocuments, src.Name, doc.Index, doc.StartLine, 0,
				fmt.Sprintf("more than %d documents in one stream; this one and the rest are not checked", e.opts.MaxDocuments)), false)
			return
		}
		if err != nil {
			line := sp.ErrorLine()
			f := inputFinding(RuleFileUnreadable, src.Name, 0, line, err.Error())
			var se *manifest.SyntaxError
			switch {
			case errors.As(err, &se):
				f = inputFinding(RuleYAMLSyntax, src.Name, 0, se.Line, se.Message)
				f.Position.Column = se.Column
			case errors.Is(err, errFileTooLarge):
				f = limitFinding(LimitFileBytes, src.Name, 0, line, 0,
					fmt.Sprintf("file is larger than %s; the rest of it is not checked", bytesString(e.opts.MaxFileBytes)))
			case errors.Is(err, manifest.ErrDocumentTooLarge):
				f = limitFinding(LimitDocumentBytes, src.Name, 0, line, 0, err.Error()+"; the rest of the stream is not checked")
			default:
				f.Message = describeFSError(err)
			}
			fail(f, first)
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
	out.keep = e.opts.KeepObjects
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
	if doc.Err == nil && manifest.IsEmpty(doc.Data) {
		out.summary.Empty = 1
		return
	}
	var err error
	root, err = manifest.ParseLimited(doc, e.opts.DocumentLimits)
	if err != nil {
		out.summary.Unreadable = 1
		var se *manifest.SyntaxError
		var le *manifest.LimitError
		switch {
		case errors.As(err, &se):
			f := inputFinding(RuleYAMLSyntax, file, doc.Index, se.Line, se.Message)
			f.Position.Column = se.Column
			out.findings = append(out.findings, f)
		case errors.As(err, &le):
			out.findings = append(out.findings, limitFinding(le.Limit, file, doc.Index, le.Line, le.Column, le.Message))
		default:
			out.findings = append(out.findings, inputFinding(RuleYAMLSyntax, file, doc.Index, doc.StartLine, err.Error()))
		}
		return
	}
	var ok bool
	items, ok = manifest.Items(root)
	if !ok {
		out.summary.Unreadable = 1
		f := inputFinding(RuleMissingKind, file, doc.Index, doc.StartLine, "document is not a Kubernetes object: its top level is not a mapping")
		if top := root; len(top.Content) > 0 {
			f.Position.Line = doc.StartLine + top.Content[0].Line - 1
			f.Position.Column = top.Content[0].Column
		}
		out.findings = append(out.findings, f)
		return
	}
	dec := manifest.NewDecoder(e.opts.DocumentLimits)
	for _, it := range items {
		e.checkItem(file, doc, root, it, dec, out)
	}
}

func (e *Engine) checkItem(file string, doc *manifest.Document, root *yaml.Node, it manifest.Item, decoder *manifest.Decoder, out *docResult) {
	ref := ObjectRef{APIVersion: it.APIVersion, Kind: it.Kind, Namespace: it.Namespace, Name: it.Name}
	at := func(path string) Position {
		line, col, _ := manifest.Locate(root, path)
		return Position{File: file, Line: doc.StartLine + line - 1, Column: col}
	}
	add := func(f Finding) {
		f.Object = ref
		f.Document = doc.Index
		if f.Position.Line == 0 {
			if f.locate != "" {
				f.Position = at(f.locate)
			} else {
				f.Position = at(f.Field)
			}
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
		out.summary.Unreadable++
		return
	}
	if !out.live {
		e.collectSchemaInputs(file, doc, root, it, ref, at, add, out)
	}
	kind := manifest.LookupKind(it.Kind)
	if it.Kind == "Namespace" && it.APIVersion == "v1" && it.Node != nil {
		// Not checked, but its pod-security labels decide the level of its objects.
		if v, err := manifest.Value(it.Node); err == nil {
			if m, ok := v.(map[string]any); ok {
				if out.namespaces == nil {
					out.namespaces = map[string]map[string]string{}
				}
				out.namespaces[it.Name] = namespaceLabels(m)
			}
		}
	}
	if kind == nil || !manifest.IsKubernetesGroup(it.APIVersion) {
		if ck := e.custom.Lookup(it.APIVersion, it.Kind); ck != nil && !manifest.IsKubernetesGroup(it.APIVersion) {
			e.checkCustom(file, doc, root, it, ck, decoder, out, ref, at(it.Path), add)
			return
		}
		if len(e.setRules) > 0 {
			if typed := referrer(it); typed != nil {
				out.set = append(out.set, &SetObject{Ref: ref, Typed: typed, locate: at, node: it.Node, document: doc.Index, root: itemRoot(it.Path)})
			}
		}
		out.summary.Skipped++
		out.skipped = append(out.skipped, Skip{Object: ref, Document: doc.Index, Position: at(it.Path)})
		return
	}
	wrongVersion := it.APIVersion != kind.APIVersion
	var apiVersionFinding *Finding
	if wrongVersion {
		msg := fmt.Sprintf("%s is not served under %s; it is served under %s", kind.Name, it.APIVersion, kind.APIVersion)
		if rel, ok := kind.Removed[it.APIVersion]; ok {
			msg = fmt.Sprintf("%s under %s was removed in Kubernetes %s; it is served under %s", kind.Name, it.APIVersion, rel, kind.APIVersion)
		}
		apiVersionFinding = &Finding{Rule: RuleAPIVersion.ID, Category: CategoryAPI, Severity: SeverityError,
			Field: joinPath(it.Path, "apiVersion"), Type: field.ErrorTypeNotSupported, BadValue: it.APIVersion,
			Message: msg, Hint: fmt.Sprintf("Set apiVersion: %s.", kind.APIVersion)}
	}
	dec, err := decoder.Decode(it, kind)
	if err != nil {
		out.internal = append(out.internal, fmt.Errorf("%s: document %d: %w", file, doc.Index, err))
		return
	}
	if apiVersionFinding != nil {
		if apiVersionFixable(root, it, kind, dec) {
			apiVersionFinding.plan = &FixPlan{
				Description: fmt.Sprintf("Set apiVersion to %s", kind.APIVersion),
				Changes:     []FixChange{{manifest.Op{Kind: manifest.OpSetValue, Path: apiVersionFinding.Field, Value: kind.APIVersion}}},
			}
		}
		add(*apiVersionFinding)
	}
	var dropped []string
	for _, p := range dec.Problems {
		if wrongVersion && p.Kind == manifest.UnknownField {
			continue // the old version's schema differs; the apiVersion finding says what to do
		}
		if p.Kind == manifest.InvalidType {
			dropped = append(dropped, p.Path)
		}
		add(problemFinding(p, file, doc))
	}
	if dec.Object == nil {
		out.summary.Unreadable++ // a limit stopped the decoding; a TooComplex problem says which
		return
	}
	out.summary.Objects++
	objPos := at(it.Path)
	out.objects = append(out.objects, CheckedObject{Object: ref, Document: doc.Index, Position: objPos})
	meta, podMeta, spec := kind.Parts(dec.Object)
	obj := &Object{Ref: ref, Meta: meta, PodMeta: podMeta, PodSpec: spec, Typed: dec.Object, node: it.Node, Live: out.live}
	if it.Path != "" {
		obj.Root = rootPath(it.Path)
	}
	obj.PodSpecPath = obj.Path(kind.SpecPath[0], kind.SpecPath[1:]...)
	obj.Position = objPos
	if out.keep {
		out.checked = append(out.checked, obj)
	}
	if len(e.setRules) > 0 {
		out.set = append(out.set, &SetObject{Ref: ref, Workload: obj, locate: at, node: it.Node, document: doc.Index, root: obj.Root})
	}
	if spec == nil {
		return
	}
	check := add
	if len(dropped) > 0 {
		// A value of the wrong type was left out of the decoded object; rules would
		// then see it as unset ("containerPort is required"), which only repeats
		// the invalid-type finding at the same place.
		check = func(f Finding) {
			if !underAny(f.Field, dropped) {
				add(f)
			}
		}
	}
	for _, r := range e.rules {
		e.runRule(r, obj, check, out)
	}
	e.podSecurityCandidates(obj, check)
}

// apiVersionFixable reports whether moving an object from a removed apiVersion to
// the served one needs nothing else: every field it has exists in the served
// version, the label selector that apps/v1 requires (the old versions defaulted
// it from the template's labels) is written out, and no default that changes
// what the Pods do applies: extensions/v1beta1 DaemonSets and apps/v1beta1
// StatefulSets defaulted their updateStrategy to OnDelete, apps/v1 to RollingUpdate.
func apiVersionFixable(root *yaml.Node, it manifest.Item, kind *manifest.Kind, dec *manifest.Decoded) bool {
	if _, removed := kind.Removed[it.APIVersion]; !removed || dec.Aborted {
		return false
	}
	for _, p := range dec.Problems {
		if p.Kind == manifest.UnknownField {
			return false
		}
	}
	has := func(path string) bool { return manifest.Lookup(root, joinPath(it.Path, path)) != nil }
	switch kind.Name {
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet":
		if !has("spec.selector") {
			return false
		}
	}
	switch it.Kind + " " + it.APIVersion {
	case "DaemonSet extensions/v1beta1", "StatefulSet apps/v1beta1":
		return has("spec.updateStrategy.type")
	}
	return true
}

// underAny reports whether path is one of roots or lies below one of them.
func underAny(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r) && (path[len(r)] == '.' || path[len(r)] == '[') {
			return true
		}
	}
	return false
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
		kept := doc.StartLine + p.KeptLine - 1
		if writtenAsJSON(doc.Data) {
			p.Message = fmt.Sprintf("duplicate key %q (again on line %d): the API server's strict decoding rejects a JSON body with a repeated field", p.BadValue, kept)
		} else {
			rule, typ = RuleDuplicateKey, ""
			p.Message = fmt.Sprintf("key %q is repeated on line %d: kubectl and Helm (sigs.k8s.io/yaml) keep that later value and silently discard this one", p.BadValue, kept)
		}
	case manifest.TooComplex:
		rule, typ = RuleInputLimit, ""
	}
	hint := p.Suggestion
	if hint == "" {
		hint = rule.Remediation
	}
	if p.Kind == manifest.TooComplex {
		if h, ok := limitHints[p.Limit]; ok {
			hint = h
		}
	}
	f := Finding{Rule: rule.ID, Category: rule.Category, Severity: rule.Severity, Field: p.Path, Type: typ,
		Message: p.Message, Hint: hint, Document: doc.Index,
		Position: Position{File: file, Line: doc.StartLine + p.Line - 1, Column: p.Column}}
	if p.BadValue != "" {
		f.BadValue = p.BadValue
	}
	f.plan = planOf(p.FixDescription, p.Fix)
	return f
}

// writtenAsJSON reports whether a document is written as JSON (its first
// non-blank byte is '{'), and so is what a client that posts the file as written
// sends; everything else is YAML, which clients convert before sending.
func writtenAsJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{'
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// itemRoot is rootPath for an item's path, nil at the top level.
func itemRoot(path string) *field.Path {
	if path == "" {
		return nil
	}
	return rootPath(path)
}

// rootPath turns "items[3]" into a field.Path.
func rootPath(s string) *field.Path {
	name, idx, _ := strings.Cut(strings.TrimSuffix(s, "]"), "[")
	var i int
	fmt.Sscanf(idx, "%d", &i)
	return field.NewPath(name).Index(i)
}
