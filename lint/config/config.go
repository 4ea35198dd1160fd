// Package config reads podlint's configuration file, .podlint.yaml: which rules
// run and how severe they are, which paths are left out, the Kubernetes release,
// the --fail-on threshold and the directories of Rego policies.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

// FileName is the configuration file podlint looks for.
const FileName = ".podlint.yaml"

// MaxFileBytes bounds the configuration file; real ones are a few hundred bytes.
const MaxFileBytes = 1 << 20

// DisableAll in rules.disable turns every rule off, so that rules.enable lists
// the only ones that run.
const DisableAll = "all"

// Config is the content of a configuration file, merged with the defaults.
type Config struct {
	// File is the path the configuration was read from; empty for the defaults.
	File string `yaml:"-"`
	// Dir is the directory exclude and policies are relative to: the file's
	// directory, or the working directory when there is no file.
	Dir string `yaml:"-"`

	KubernetesVersion string   `yaml:"kubernetesVersion"`
	FailOn            string   `yaml:"failOn"`
	Exclude           []string `yaml:"exclude"`
	Policies          []string `yaml:"policies"`
	Rules             Rules    `yaml:"rules"`
	// PodSecurity is the Pod Security level enforced where no Namespace label
	// says otherwise, and the exemptions.
	PodSecurity PodSecurity `yaml:"podSecurity,omitempty"`
	// CustomKinds declares custom resource kinds whose embedded pod templates
	// are checked, each as a built-in kind (see lint.CustomKind).
	CustomKinds []CustomKind `yaml:"customKinds,omitempty"`
}

// PodSecurity configures the Pod Security Standards checks, like the Pod Security
// admission configuration's defaults.enforce and exemptions.
type PodSecurity struct {
	// Default is LEVEL[:VERSION], as --pod-security; empty: none.
	Default    string                `yaml:"default,omitempty"`
	Exemptions PodSecurityExemptions `yaml:"exemptions,omitempty"`
}

// PodSecurityExemptions are exempt from every Pod Security mode.
type PodSecurityExemptions struct {
	Namespaces     []string `yaml:"namespaces,omitempty"`
	RuntimeClasses []string `yaml:"runtimeClasses,omitempty"`
}

// PodSecurityOptions returns the engine's Pod Security options (validated when read).
func (c *Config) PodSecurityOptions() lint.PodSecurityOptions {
	o := lint.PodSecurityOptions{ExemptNamespaces: c.PodSecurity.Exemptions.Namespaces, ExemptRuntimeClasses: c.PodSecurity.Exemptions.RuntimeClasses}
	if c.PodSecurity.Default != "" {
		o.Default, _ = lint.ParsePodSecurityLevel(c.PodSecurity.Default)
	}
	return o
}

// CustomKind is one entry of customKinds, as written.
type CustomKind struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Templates  []TemplateSite `yaml:"templates"`
}

// TemplateSite is one entry of a custom kind's templates, as written.
type TemplateSite struct {
	Path         string   `yaml:"path"`
	As           string   `yaml:"as"`
	JobSpec      bool     `yaml:"jobSpec,omitempty"`
	Siblings     []string `yaml:"siblings,omitempty"`
	ClaimVolumes bool     `yaml:"claimVolumes,omitempty"`
}

// LintKinds returns the declared custom kinds for lint.Options.
func (c *Config) LintKinds() []lint.CustomKind {
	var out []lint.CustomKind
	for _, k := range c.CustomKinds {
		out = append(out, k.lint())
	}
	return out
}

func (k CustomKind) lint() lint.CustomKind {
	group, version, _ := strings.Cut(k.APIVersion, "/")
	if version == "*" {
		version = ""
	}
	out := lint.CustomKind{Group: group, Version: version, Kind: k.Kind, Source: "config"}
	for _, t := range k.Templates {
		out.Templates = append(out.Templates, lint.TemplateSite{Path: t.Path, As: t.As, JobSpec: t.JobSpec,
			Siblings: t.Siblings, ClaimVolumes: t.ClaimVolumes})
	}
	return out
}

// Rules turns rules on and off and overrides their severity.
type Rules struct {
	Enable   []string          `yaml:"enable"`
	Disable  []string          `yaml:"disable"`
	Severity map[string]string `yaml:"severity"`
}

// Error is a problem in the configuration file, with its position.
type Error struct {
	File         string
	Line, Column int
	Message      string
}

// Error renders file:line:col: message, like findings.
func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Default returns the configuration used without a file, rooted at dir.
func Default(dir string) *Config {
	return &Config{Dir: dir, KubernetesVersion: lint.DefaultKubernetesVersion, FailOn: "error",
		Exclude: []string{}, Policies: []string{}, Rules: Rules{Enable: []string{}, Disable: []string{}, Severity: map[string]string{}}}
}

// Find walks up from dir to the filesystem root and returns the first
// .podlint.yaml it meets, or "" when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		info, err := os.Stat(p)
		if err == nil && !info.IsDir() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Load reads and validates the configuration file at file against rules.
func Load(file string, rules []*lint.Rule) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(f, MaxFileBytes+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	} else if n > MaxFileBytes {
		return nil, &Error{File: file, Message: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, filepath.Dir(abs), buf.Bytes(), rules)
}

// Parse decodes configuration text strictly: unknown keys, wrong types, unknown
// rule IDs and bad values are errors with their line and column. name is the
// file name used in errors and dir the directory paths are relative to.
func Parse(name, dir string, data []byte, rules []*lint.Rule) (*Config, error) {
	c := Default(dir)
	c.File = name
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file is the defaults
	}
	p := &parser{file: name, rules: map[string]*lint.Rule{}}
	for _, r := range rules {
		p.rules[r.ID] = r
		p.ids = append(p.ids, r.ID)
	}
	top := doc.Content[0]
	p.mapping(top, "the configuration", map[string]func(*yaml.Node){
		"kubernetesVersion": func(v *yaml.Node) {
			if s, ok := p.scalar(v, "kubernetesVersion"); ok {
				if _, err := lint.ParseRelease(s); err != nil {
					p.errorf(v, "kubernetesVersion: %v", err)
				}
				c.KubernetesVersion = s
			}
		},
		"failOn": func(v *yaml.Node) {
			if s, ok := p.scalar(v, "failOn"); ok {
				if _, err := lint.ParseSeverity(s); err != nil {
					p.errorf(v, "failOn: %v", err)
				}
				c.FailOn = s
			}
		},
		"exclude": func(v *yaml.Node) {
			c.Exclude = p.list(v, "exclude", func(n *yaml.Node, s string) {
				if _, err := path.Match(s, ""); err != nil {
					p.errorf(n, "exclude: bad glob %q: %v", s, err)
				}
			})
		},
		"policies": func(v *yaml.Node) { c.Policies = p.list(v, "policies", nil) },
		"podSecurity": func(v *yaml.Node) {
			p.mapping(v, "podSecurity", map[string]func(*yaml.Node){
				"default": func(v *yaml.Node) {
					if s, ok := p.scalar(v, "podSecurity.default"); ok {
						if _, err := lint.ParsePodSecurityLevel(s); err != nil {
							p.errorf(v, "podSecurity.default: %v", err)
						}
						c.PodSecurity.Default = s
					}
				},
				"exemptions": func(v *yaml.Node) {
					p.mapping(v, "podSecurity.exemptions", map[string]func(*yaml.Node){
						"namespaces": func(v *yaml.Node) {
							c.PodSecurity.Exemptions.Namespaces = p.list(v, "podSecurity.exemptions.namespaces", nil)
						},
						"runtimeClasses": func(v *yaml.Node) {
							c.PodSecurity.Exemptions.RuntimeClasses = p.list(v, "podSecurity.exemptions.runtimeClasses", nil)
						},
						"usernames": func(v *yaml.Node) {
							p.errorf(v, "podSecurity.exemptions.usernames: podlint checks manifests, not requests, so there is no user to exempt; exempt the namespace or runtime class instead")
						},
					})
				},
			})
		},
		"customKinds": func(v *yaml.Node) { c.CustomKinds = p.customKinds(v) },
		"rules": func(v *yaml.Node) {
			p.mapping(v, "rules", map[string]func(*yaml.Node){
				"enable":  func(v *yaml.Node) { c.Rules.Enable = p.list(v, "rules.enable", p.ruleID(false)) },
				"disable": func(v *yaml.Node) { c.Rules.Disable = p.list(v, "rules.disable", p.ruleID(true)) },
				"severity": func(v *yaml.Node) {
					if v.Kind != yaml.MappingNode {
						p.errorf(v, "rules.severity: expected a mapping of rule ID to severity, got %s", kindName(v))
						return
					}
					for i := 0; i+1 < len(v.Content); i += 2 {
						k, val := v.Content[i], v.Content[i+1]
						p.ruleID(false)(k, k.Value)
						if r := p.rules[k.Value]; r != nil && r.Category == lint.CategoryInput {
							p.errorf(k, "rules.severity: %s is an input rule: podlint cannot read the input, which is always an error", k.Value)
						}
						if s, ok := p.scalar(val, "rules.severity."+k.Value); ok {
							if sev, err := lint.ParseSeverity(s); err != nil || sev == lint.SeverityNone {
								p.errorf(val, "rules.severity.%s: %q is not error, warning or info", k.Value, s)
							}
							if _, dup := c.Rules.Severity[k.Value]; dup {
								p.errorf(k, "rules.severity: %s is given twice", k.Value)
							}
							c.Rules.Severity[k.Value] = s
						}
					}
				},
			})
		},
	})
	for _, id := range c.Rules.Enable {
		for _, d := range c.Rules.Disable {
			if id == d {
				p.errs = append(p.errs, &Error{File: name, Message: fmt.Sprintf("rules: %s is both enabled and disabled", id)})
			}
		}
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

type parser struct {
	file  string
	rules map[string]*lint.Rule
	ids   []string
	errs  []error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Column: n.Column, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) mapping(n *yaml.Node, what string, keys map[string]func(*yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping, got %s", what, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fn, ok := keys[k.Value]
		if !ok {
			var names []string
			for name := range keys {
				names = append(names, name)
			}
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if near := manifest.Nearest(k.Value, names); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			p.errorf(k, "%s", msg)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "key %q is given twice in %s", k.Value, what)
		}
		seen[k.Value] = true
		fn(v)
	}
}

// customKinds reads the customKinds list: each entry strictly, then checked
// as lint.CustomKind.Validate does, with the entry's position.
func (p *parser) customKinds(n *yaml.Node) []CustomKind {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "customKinds: expected a list, got %s", kindName(n))
		return nil
	}
	var out []CustomKind
	seen := map[string]bool{}
	for i, item := range n.Content {
		what := fmt.Sprintf("customKinds[%d]", i)
		var k CustomKind
		p.mapping(item, what, map[string]func(*yaml.Node){
			"apiVersion": func(v *yaml.Node) { k.APIVersion, _ = p.scalar(v, what+".apiVersion") },
			"kind":       func(v *yaml.Node) { k.Kind, _ = p.scalar(v, what+".kind") },
			"templates": func(v *yaml.Node) {
				if v.Kind != yaml.SequenceNode {
					p.errorf(v, "%s.templates: expected a list, got %s", what, kindName(v))
					return
				}
				for j, tn := range v.Content {
					tw := fmt.Sprintf("%s.templates[%d]", what, j)
					var t TemplateSite
					p.mapping(tn, tw, map[string]func(*yaml.Node){
						"path":         func(v *yaml.Node) { t.Path, _ = p.scalar(v, tw+".path") },
						"as":           func(v *yaml.Node) { t.As, _ = p.scalar(v, tw+".as") },
						"jobSpec":      func(v *yaml.Node) { t.JobSpec = p.boolean(v, tw+".jobSpec") },
						"claimVolumes": func(v *yaml.Node) { t.ClaimVolumes = p.boolean(v, tw+".claimVolumes") },
						"siblings":     func(v *yaml.Node) { t.Siblings = p.list(v, tw+".siblings", nil) },
					})
					k.Templates = append(k.Templates, t)
				}
			},
		})
		if item.Kind != yaml.MappingNode {
			continue
		}
		if group, _, ok := strings.Cut(k.APIVersion, "/"); !ok || group == "" {
			p.errorf(item, "%s: apiVersion %q must be group/version (or group/* for every version)", what, k.APIVersion)
			continue
		}
		lk := k.lint()
		if err := lk.Validate(); err != nil {
			p.errorf(item, "%s: %v", what, err)
			continue
		}
		key := k.APIVersion + " " + k.Kind
		if seen[key] {
			p.errorf(item, "%s: %s %s is declared twice", what, k.APIVersion, k.Kind)
		}
		seen[key] = true
		out = append(out, k)
	}
	return out
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || (n.Value != "true" && n.Value != "false") {
		p.errorf(n, "%s: expected true or false, got %s", what, kindName(n))
		return false
	}
	return n.Value == "true"
}

func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: expected a string, got %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) list(n *yaml.Node, what string, check func(*yaml.Node, string)) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: expected a list, got %s", what, kindName(n))
		return []string{}
	}
	out := []string{}
	for _, item := range n.Content {
		if s, ok := p.scalar(item, what); ok {
			if check != nil {
				check(item, s)
			}
			out = append(out, s)
		}
	}
	return out
}

// ruleID checks that a rule ID exists (and, in rules.disable, that it may be disabled).
func (p *parser) ruleID(disable bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, id string) {
		if disable && id == DisableAll {
			return
		}
		r := p.rules[id]
		if r == nil {
			msg := fmt.Sprintf("no rule %q", id)
			if near := manifest.Nearest(id, p.ids); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			p.errorf(n, "%s (podlint rules lists them all)", msg)
			return
		}
		if disable && r.Category == lint.CategoryInput {
			p.errorf(n, "%s is an input rule and cannot be disabled: podlint could not read the input", id)
		}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// EngineOptions returns the disabled rules and severity overrides for lint.Options.
// Input rules are never disabled, even by "disable: [all]".
func (c *Config) EngineOptions(rules []*lint.Rule) (disabled map[string]bool, severity map[string]lint.Severity) {
	disabled = map[string]bool{}
	all := false
	for _, id := range c.Rules.Disable {
		if id == DisableAll {
			all = true
		}
		disabled[id] = true
	}
	delete(disabled, DisableAll)
	if all {
		for _, r := range rules {
			if r.Category != lint.CategoryInput {
				disabled[r.ID] = true
			}
		}
	}
	for _, id := range c.Rules.Enable {
		delete(disabled, id)
	}
	severity = map[string]lint.Severity{}
	for id, s := range c.Rules.Severity {
		severity[id], _ = lint.ParseSeverity(s)
	}
	return disabled, severity
}

// PolicyDirs returns the policy directories resolved against the configuration's directory.
func (c *Config) PolicyDirs() []string {
	var out []string
	for _, p := range c.Policies {
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.Dir, p)
		}
		out = append(out, p)
	}
	return out
}

// Excluded reports whether file (as given on the command line or found in a
// directory) matches an exclude glob. Globs are slash-separated and relative to
// the configuration's directory; "**" matches any number of directories, and a
// glob without a slash matches a file or directory name at any depth. A glob
// that matches a directory excludes everything in it.
func (c *Config) Excluded(file string) bool {
	if len(c.Exclude) == 0 || file == "-" {
		return false
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(c.Dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		// Outside the configuration's tree only name globs can apply.
		rel = abs
	}
	segs := strings.Split(filepath.ToSlash(rel), "/")
	for _, g := range c.Exclude {
		g = strings.TrimSuffix(strings.TrimPrefix(g, "./"), "/")
		if !strings.Contains(g, "/") {
			for _, s := range segs {
				if ok, _ := path.Match(g, s); ok {
					return true
				}
			}
			continue
		}
		gs := strings.Split(g, "/")
		for n := 1; n <= len(segs); n++ {
			if matchSegments(gs, segs[:n]) {
				return true
			}
		}
	}
	return false
}

func matchSegments(glob, segs []string) bool {
	if len(glob) == 0 {
		return len(segs) == 0
	}
	if glob[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegments(glob[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	if ok, _ := path.Match(glob[0], segs[0]); !ok {
		return false
	}
	return matchSegments(glob[1:], segs[1:])
}

// Print renders the configuration as YAML, as `podlint config print` shows it.
func (c *Config) Print() ([]byte, error) {
	var b bytes.Buffer
	if c.File != "" {
		fmt.Fprintf(&b, "# from %s, with command-line flags applied\n", c.File)
	} else {
		b.WriteString("# no " + FileName + " found: defaults, with command-line flags applied\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	// The kinds read besides the declared ones, as comments: they are not
	// configuration, but what the configuration adds to.
	b.WriteString("# kinds read: " + strings.Join(manifest.KindNames(), ", ") + "\n")
	b.WriteString("# custom kinds built in (podlint rules kinds lists their templates):\n")
	for _, k := range lint.BuiltinCustomKinds {
		fmt.Fprintf(&b, "#   %s/* %s (%s)\n", k.Group, k.Kind, k.Source)
	}
	return b.Bytes(), nil
}
