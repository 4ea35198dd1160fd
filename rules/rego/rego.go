// Package rego runs organisation policies written in Rego (Open Policy Agent) as
// podlint rules. It is the only package of podlint that imports OPA.
//
// The policy interface, fixed so that users' policies keep working:
//
//   - input is the object exactly as written (a List item on its own), as
//     conftest gives it: unknown fields included, nothing defaulted;
//   - data.podlint.lib is podlint's library (lib/podlint_lib.rego): the pod spec
//     and its path for every kind, every container with its kind and path, and
//     image reference helpers;
//   - data.podlint.config holds the run's static settings: kubernetes_version;
//   - a policy is a package with rules deny and/or warn, sets of
//     {"msg": string, "path": [keys and indices]} (path may also be a field path
//     string such as "metadata.annotations[example.com/team]", or left out to
//     point at the object; a plain string is a message without a path, as in
//     conftest);
//   - the package's # METADATA gives title, description, and under custom: id,
//     severity (error, warning, info), category (api, lifecycle, practice) and
//     remediation.
//
// Each policy becomes a *lint.Rule whose Check evaluates the policy's prepared
// queries, so its findings take the engine's positions and printers like any
// built-in rule's.
package rego

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/podlint/podlint/lint"
)

// DefaultTimeout bounds one policy's evaluation on one object. A policy needs
// microseconds to milliseconds per object; one that runs for seconds loops
// without bound. The limit is wall-clock time, so it is generous enough not to
// fire on a loaded CI machine (or under the race detector), which would make
// findings depend on load.
const DefaultTimeout = 5 * time.Second

// LibraryFile is the name podlint's Rego library carries in locations.
const LibraryFile = "podlint:lib/podlint_lib.rego"

//go:embed lib/podlint_lib.rego
var librarySource string

// RulePolicyError is reported when a policy fails on an object: a runtime error,
// a result of the wrong shape, or evaluation past the time limit. Its position is
// the policy's file and line, where the fix belongs.
var RulePolicyError = &lint.Rule{
	ID: "policy-error", Category: lint.CategoryInput, Severity: lint.SeverityError,
	Title:       "Policy failed while checking an object",
	Doc:         "An organisation policy (podlint check --policy) raised a runtime error, returned a result that is not {\"msg\": ..., \"path\": [...]}, or ran past its time limit on an object. The object was not fully checked by that policy, so the run counts as failed input rather than as clean.",
	Remediation: "Fix the policy at the reported file and line; `podlint policy test DIR` runs its tests.",
	HelpURI:     "https://github.com/podlint/podlint/blob/main/README.md#organisation-policies-rego",
}

// Options configure Load.
type Options struct {
	// Release fills data.podlint.config; zero means lint's default release.
	Release lint.Release
	// Timeout bounds one policy on one object; zero means DefaultTimeout.
	Timeout time.Duration
	// Reserved are rule IDs policies may not take (the built-in rules').
	Reserved []string
}

// Policy is one policy package, ready to evaluate.
type Policy struct {
	// Rule carries the policy's metadata and its Check.
	Rule *lint.Rule
	// Package is the package's data path, e.g. data.podlint.policies.no_latest_tag.
	Package string
	// File, Line and Column locate the package clause (of the package's first file).
	File         string
	Line, Column int

	queries []*query
	timeout time.Duration
	set     *Set
}

// query is one of a policy's rules (deny or warn), prepared once.
type query struct {
	index    int    // the query's variable in the Set's combined query
	name     string // deny or warn
	severity lint.Severity
	pq       rego.PreparedEvalQuery // this query alone, for errors and undefined results
	ref      ast.Ref
	loc      *ast.Location
}

// Set is the policies loaded from some directories.
type Set struct {
	Policies []*Policy

	// all evaluates every policy's queries in one evaluation, so that what they
	// share (data.podlint.lib's containers, the input) is computed once per object.
	all     rego.PreparedEvalQuery
	queries []*query
	timeout time.Duration
}

// Rules returns the policy-error rule and one rule per policy, in load order.
func (s *Set) Rules() []*lint.Rule {
	if s == nil || len(s.Policies) == 0 {
		return nil
	}
	out := []*lint.Rule{RulePolicyError}
	for _, p := range s.Policies {
		out = append(out, p.Rule)
	}
	return out
}

// Lookup returns the policy whose rule has the given ID, or nil.
func (s *Set) Lookup(id string) *Policy {
	if s == nil {
		return nil
	}
	for _, p := range s.Policies {
		if p.Rule.ID == id {
			return p
		}
	}
	return nil
}

// Error is a problem in a policy at a file and line (line 0 when unknown).
type Error struct {
	File         string
	Line, Column int
	Message      string
}

// Error renders the error as file:line:col: message, the shape editors parse.
func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return e.File + ": " + e.Message
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Errors are every problem found while loading policies.
type Errors []*Error

// Error renders one error a line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func errAt(loc *ast.Location, format string, args ...any) *Error {
	e := &Error{Message: fmt.Sprintf(format, args...)}
	if loc != nil {
		e.File, e.Line, e.Column = loc.File, loc.Row, loc.Col
	}
	return e
}

// fromAST converts OPA's parse and compile errors, keeping their locations.
func fromAST(err error) Errors {
	var aes ast.Errors
	if errors.As(err, &aes) {
		out := make(Errors, 0, len(aes))
		for _, ae := range aes {
			out = append(out, errAt(ae.Location, "%s: %s", ae.Code, ae.Message))
		}
		return out
	}
	return Errors{{Message: err.Error()}}
}

// Files lists the .rego files under paths (directories recursively, skipping
// hidden ones; files as given). tests selects _test.rego files as well.
func Files(paths []string, tests bool) ([]string, error) {
	var out []string
	var errs Errors
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Message: describe(err)})
			continue
		}
		if !info.IsDir() {
			out = append(out, filepath.Clean(p))
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &Error{File: path, Message: describe(err)})
				return nil
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, ".rego") && (tests || !strings.HasSuffix(path, "_test.rego")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &Error{File: p, Message: describe(err)})
		}
		if len(out) == n {
			errs = append(errs, &Error{File: p, Message: "no .rego policy files in this directory"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Strings(out)
	// A directory given twice, or a file inside a directory given too, loads once.
	return slices.Compact(out), nil
}

func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("cannot %s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}

// parserOptions parse Rego v1 with annotations, limited to podlint's capabilities.
func parserOptions(caps *ast.Capabilities) ast.ParserOptions {
	return ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true, Capabilities: caps}
}

// capabilities are OPA's built-ins minus those that reach outside the process:
// a lint run must be deterministic and must not make a network call per object.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		switch b.Name {
		case "http.send", "net.lookup_ip_addr", "opa.runtime", "trace":
			continue
		}
		kept = append(kept, b)
	}
	caps.Builtins = kept
	return caps
}

// parse reads and parses files, then adds podlint's library and config modules.
func parse(files []string, rel lint.Release, caps *ast.Capabilities) (map[string]*ast.Module, Errors) {
	modules := make(map[string]*ast.Module, len(files)+2)
	var errs Errors
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, &Error{File: f, Message: describe(err)})
			continue
		}
		m, err := ast.ParseModuleWithOpts(f, string(src), parserOptions(caps))
		if err != nil {
			errs = append(errs, fromAST(err)...)
			continue
		}
		if reservedPackage(m.Package.Path) {
			errs = append(errs, errAt(m.Package.Location, "package %s: data.podlint.lib and data.podlint.config are podlint's own", m.Package.Path))
			continue
		}
		modules[f] = m
	}
	lib, err := ast.ParseModuleWithOpts(LibraryFile, librarySource, parserOptions(caps))
	if err != nil {
		panic("podlint's Rego library does not parse: " + err.Error()) // caught by the package's tests
	}
	modules[LibraryFile] = lib
	cfg, err := ast.ParseModuleWithOpts("podlint:config.rego", configSource(rel), parserOptions(caps))
	if err != nil {
		panic("podlint's Rego config does not parse: " + err.Error())
	}
	modules["podlint:config.rego"] = cfg
	return modules, errs
}

func reservedPackage(path ast.Ref) bool {
	for _, own := range []ast.Ref{libraryPath, configPath} {
		if path.HasPrefix(own) || own.HasPrefix(path) {
			return true
		}
	}
	return false
}

var (
	libraryPath = ast.MustParseRef("data.podlint.lib")
	configPath  = ast.MustParseRef("data.podlint.config")
)

// configSource renders data.podlint.config as a module: constants compile into
// the queries, so reading them costs nothing per object.
func configSource(rel lint.Release) string {
	if rel.Version == "" {
		rel, _ = lint.ParseRelease(lint.DefaultKubernetesVersion)
	}
	return "package podlint.config\n\n# kubernetes_version is the release podlint judges against (--kubernetes-version).\nkubernetes_version := " + strconv.Quote(rel.Version) + "\n"
}

// Load parses and compiles the .rego files under paths (not _test.rego) with
// podlint's library, and prepares every policy's queries once. Its errors are
// Errors, each at a policy's file and line.
func Load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	files, err := Files(paths, false)
	if err != nil {
		return nil, err
	}
	caps := capabilities()
	modules, errs := parse(files, opts.Release, caps)
	if len(errs) > 0 {
		return nil, errs
	}
	compiler := ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(false)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fromAST(compiler.Errors)
	}

	reserved := map[string]bool{RulePolicyError.ID: true}
	for _, id := range opts.Reserved {
		reserved[id] = true
	}
	seen := map[string]*Policy{}
	set := &Set{}
	for _, pkg := range packages(files, compiler) {
		p, perr := newPolicy(ctx, pkg, compiler, opts)
		if perr != nil {
			errs = append(errs, perr...)
			continue
		}
		if p == nil {
			continue // a helper package without deny or warn
		}
		switch {
		case reserved[p.Rule.ID]:
			errs = append(errs, &Error{File: p.File, Line: p.Line, Column: p.Column, Message: fmt.Sprintf("rule ID %q is a built-in rule's; set custom.id in the package's METADATA", p.Rule.ID)})
			continue
		case seen[p.Rule.ID] != nil:
			o := seen[p.Rule.ID]
			errs = append(errs, &Error{File: p.File, Line: p.Line, Column: p.Column, Message: fmt.Sprintf("rule ID %q is also %s's (%s:%d); set custom.id in the package's METADATA", p.Rule.ID, o.Package, o.File, o.Line)})
			continue
		}
		seen[p.Rule.ID] = p
		set.Policies = append(set.Policies, p)
	}
	if len(errs) == 0 && len(set.Policies) == 0 {
		// Most likely conftest's violation rules, or a typo; silence would read as "clean".
		errs = append(errs, &Error{File: strings.Join(paths, ", "), Message: "no package defines deny or warn rules, so there is no policy to run"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := set.prepareAll(ctx, compiler, opts.Timeout); err != nil {
		return nil, err
	}
	return set, nil
}

// prepareAll prepares the combined query q0 = data.a.deny; q1 = data.a.warn; ...
func (s *Set) prepareAll(ctx context.Context, c *ast.Compiler, timeout time.Duration) error {
	s.timeout = timeout
	body := ast.NewBody()
	for _, p := range s.Policies {
		p.set = s
		for _, q := range p.queries {
			q.index = len(s.queries)
			s.queries = append(s.queries, q)
			body.Append(ast.Equality.Expr(ast.VarTerm(fmt.Sprintf("q%d", q.index)), ast.NewTerm(q.ref)))
		}
	}
	if len(s.queries) == 0 {
		return nil
	}
	pq, err := rego.New(rego.ParsedQuery(body), rego.Compiler(c)).PrepareForEval(ctx)
	if err != nil {
		return Errors{{Message: fmt.Sprintf("preparing the policies' combined query: %v", err)}}
	}
	s.all = pq
	return nil
}

// pkgModules are the compiled modules of one package, in file order.
type pkgModules struct {
	path    ast.Ref
	modules []*ast.Module
}

// packages groups the user's compiled modules by package, in file order.
func packages(files []string, c *ast.Compiler) []*pkgModules {
	byPath := map[string]*pkgModules{}
	var out []*pkgModules
	for _, f := range files {
		m := c.Modules[f]
		if m == nil {
			continue
		}
		key := m.Package.Path.String()
		pm := byPath[key]
		if pm == nil {
			pm = &pkgModules{path: m.Package.Path}
			byPath[key] = pm
			out = append(out, pm)
		}
		pm.modules = append(pm.modules, m)
	}
	return out
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// newPolicy builds the policy of one package, or nil when it has no deny or warn.
func newPolicy(ctx context.Context, pkg *pkgModules, c *ast.Compiler, opts Options) (*Policy, Errors) {
	first := pkg.modules[0]
	loc := first.Package.Location
	p := &Policy{Package: pkg.path.String(), File: loc.File, Line: loc.Row, Column: loc.Col, timeout: opts.Timeout}
	var ann *ast.Annotations
	var errs Errors
	locs := map[string]*ast.Location{}
	for _, m := range pkg.modules {
		for _, a := range m.Annotations {
			if a.Scope != "package" && a.Scope != "subpackages" {
				continue
			}
			if ann != nil {
				errs = append(errs, errAt(a.Location, "package %s has a second package METADATA block (the first is at %s:%d)", p.Package, ann.Location.File, ann.Location.Row))
				continue
			}
			ann = a
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 1 {
				continue
			}
			name := ref[0].Value.(ast.Var).String()
			if (name == "deny" || name == "warn") && locs[name] == nil {
				locs[name] = r.Location
			}
		}
	}
	if len(locs) == 0 {
		return nil, errs
	}
	rule, merrs := metadata(pkg.path, ann)
	errs = append(errs, merrs...)
	if len(errs) > 0 {
		return nil, errs
	}
	rule.Source = loc.File
	p.Rule = rule
	for _, name := range []string{"deny", "warn"} {
		loc := locs[name]
		if loc == nil {
			continue
		}
		sev := rule.Severity
		if name == "warn" && sev > lint.SeverityWarning {
			sev = lint.SeverityWarning
		}
		ref := pkg.path.Append(ast.StringTerm(name))
		pq, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))), rego.Compiler(c)).PrepareForEval(ctx)
		if err != nil {
			return nil, Errors{errAt(loc, "preparing %s: %v", ref, err)}
		}
		p.queries = append(p.queries, &query{name: name, severity: sev, pq: pq, ref: ref, loc: loc})
	}
	p.Rule.Check = p.check
	return p, nil
}

// metadata reads a policy's rule metadata from its package annotations.
func metadata(path ast.Ref, ann *ast.Annotations) (*lint.Rule, Errors) {
	r := &lint.Rule{ID: defaultID(path), Category: lint.CategoryPractice, Severity: lint.SeverityError}
	if ann == nil {
		r.Title = r.ID
		return r, nil
	}
	var errs Errors
	bad := func(format string, args ...any) { errs = append(errs, errAt(ann.Location, format, args...)) }
	r.Title, r.Doc = ann.Title, strings.TrimSpace(ann.Description)
	if r.Title == "" {
		r.Title = r.ID
	}
	str := func(key string) (string, bool) {
		v, ok := ann.Custom[key]
		if !ok {
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			bad("METADATA custom.%s must be a string, got %v", key, v)
			return "", false
		}
		return s, true
	}
	if id, ok := str("id"); ok {
		if !kebab.MatchString(id) {
			bad("METADATA custom.id %q is not kebab-case (lower-case words joined by -)", id)
		}
		r.ID = id
		if ann.Title == "" {
			r.Title = id
		}
	}
	if s, ok := str("severity"); ok {
		sev, err := lint.ParseSeverity(s)
		if err != nil || sev == lint.SeverityNone {
			bad("METADATA custom.severity %q: want error, warning or info", s)
		}
		r.Severity = sev
	}
	if s, ok := str("category"); ok {
		switch c := lint.Category(s); c {
		case lint.CategoryAPI, lint.CategoryLifecycle, lint.CategoryPractice:
			r.Category = c
		default:
			bad("METADATA custom.category %q: want api, lifecycle or practice", s)
		}
	}
	if s, ok := str("remediation"); ok {
		r.Remediation = strings.TrimSpace(s)
	}
	if len(ann.RelatedResources) > 0 {
		r.HelpURI = ann.RelatedResources[0].Ref.String()
	}
	return r, errs
}

// defaultID derives a rule ID from the package's last name: no_latest_tag
// becomes no-latest-tag.
func defaultID(path ast.Ref) string {
	last := path[len(path)-1].Value
	name := last.String()
	if s, ok := last.(ast.String); ok {
		name = string(s)
	}
	return strings.ToLower(strings.ReplaceAll(name, "_", "-"))
}
