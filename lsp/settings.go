package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/config"
	"github.com/podlint/podlint/rules/rego"
)

// Options are the settings the command line and the client's
// initializationOptions give, the same ones `podlint check` takes as flags.
// They apply over whatever .podlint.yaml says, as flags do.
type Options struct {
	// Config is a configuration file to use instead of looking for
	// .podlint.yaml upward from each document (--config).
	Config string `json:"config,omitempty"`
	// KubernetesVersion overrides the configuration's release (--kubernetes-version).
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// Policies are more directories or files of Rego policies (--policy).
	Policies []string `json:"policies,omitempty"`
	// Rules enable, disable and re-rate rules after the configuration file.
	Rules config.Rules `json:"rules"`
	// DebounceMillis waits this long after a change before checking; zero
	// (the default) checks at once, cancelling a check of an older text.
	DebounceMillis int `json:"debounceMillis,omitempty"`
}

func (o Options) debounce() time.Duration { return time.Duration(o.DebounceMillis) * time.Millisecond }

// merge applies the non-zero settings of more over o: initializationOptions
// over the command line's.
func (o Options) merge(more Options) Options {
	if more.Config != "" {
		o.Config = more.Config
	}
	if more.KubernetesVersion != "" {
		o.KubernetesVersion = more.KubernetesVersion
	}
	o.Policies = append(o.Policies[:len(o.Policies):len(o.Policies)], more.Policies...)
	o.Rules.Enable = append(o.Rules.Enable[:len(o.Rules.Enable):len(o.Rules.Enable)], more.Rules.Enable...)
	o.Rules.Disable = append(o.Rules.Disable[:len(o.Rules.Disable):len(o.Rules.Disable)], more.Rules.Disable...)
	if len(more.Rules.Severity) > 0 {
		sev := map[string]string{}
		for k, v := range o.Rules.Severity {
			sev[k] = v
		}
		for k, v := range more.Rules.Severity {
			sev[k] = v
		}
		o.Rules.Severity = sev
	}
	if more.DebounceMillis > 0 {
		o.DebounceMillis = more.DebounceMillis
	}
	return o
}

// parseOptions reads initializationOptions or didChangeConfiguration
// settings: the options themselves, or under a "podlint" key.
func parseOptions(raw json.RawMessage) (Options, error) {
	var o Options
	if len(raw) == 0 || string(raw) == "null" {
		return o, nil
	}
	var wrapped struct {
		Podlint *Options `json:"podlint"`
	}
	if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Podlint != nil {
		return *wrapped.Podlint, nil
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, fmt.Errorf("podlint settings: %w", err)
	}
	return o, nil
}

// settings is what checking a document needs from its configuration: one
// engine per configuration file, built once and kept until that file (or a
// policy) changes.
type settings struct {
	cfg    *config.Config
	engine *lint.Engine
	// err is a configuration or policy that does not load; documents under
	// it get this one diagnostic instead of findings, as check exits 2.
	err error
	// stamp is the configuration file's size and time when it was read.
	stamp string
}

func fileStamp(path string) string {
	if path == "" {
		return ""
	}
	info, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d/%d", info.Size(), info.ModTime().UnixNano())
}

// settingsFor returns the settings of a document in dir: the configuration
// file found from dir upward (or the one the options name), the options
// applied over it. Callers hold s.mu.
func (s *Server) settingsFor(ctx context.Context, dir string) *settings {
	file := s.opts.Config
	if file == "" {
		found, err := config.Find(dir)
		if err != nil {
			return &settings{err: fmt.Errorf("looking for %s: %w", config.FileName, err)}
		}
		file = found
	}
	key := file
	if key == "" {
		// Without a file, exclude and policies are relative to the document's folder.
		key = "default:" + dir
	}
	stamp := fileStamp(file)
	if st, ok := s.settings[key]; ok && st.stamp == stamp {
		return st
	}
	st := s.loadSettings(ctx, file, dir)
	st.stamp = stamp
	s.settings[key] = st
	return st
}

func (s *Server) loadSettings(ctx context.Context, file, dir string) *settings {
	cfg := config.Default(dir)
	if file != "" {
		var err error
		if cfg, err = config.Load(file, s.rules); err != nil {
			return &settings{err: fmt.Errorf("configuration: %w", err)}
		}
	}
	if v := s.opts.KubernetesVersion; v != "" {
		cfg.KubernetesVersion = v
	}
	rel, err := lint.ParseRelease(cfg.KubernetesVersion)
	if err != nil {
		return &settings{err: fmt.Errorf("kubernetesVersion: %w", err)}
	}
	for id, sev := range s.opts.Rules.Severity {
		if _, err := lint.ParseSeverity(sev); err != nil {
			return &settings{err: fmt.Errorf("rules.severity.%s: %w", id, err)}
		}
	}
	cfg.Rules.Disable = append(cfg.Rules.Disable, s.opts.Rules.Disable...)
	cfg.Rules.Enable = append(cfg.Rules.Enable, s.opts.Rules.Enable...)
	for id, sev := range s.opts.Rules.Severity {
		if cfg.Rules.Severity == nil {
			cfg.Rules.Severity = map[string]string{}
		}
		cfg.Rules.Severity[id] = sev
	}
	all := s.rules
	if dirs := append(cfg.PolicyDirs(), s.policyPaths()...); len(dirs) > 0 {
		var reserved []string
		for _, r := range s.rules {
			reserved = append(reserved, r.ID)
		}
		set, err := rego.Load(ctx, dirs, rego.Options{Release: rel, Reserved: reserved})
		if err != nil {
			return &settings{err: fmt.Errorf("policy does not load: %w", err)}
		}
		all = append(all[:len(all):len(all)], set.Rules()...)
	}
	disabled, severity := cfg.EngineOptions(all)
	return &settings{cfg: cfg, engine: lint.NewEngine(all, lint.Options{Release: rel, Disabled: disabled, Severity: severity})}
}

// policyPaths are the options' policies made absolute against the workspace root.
func (s *Server) policyPaths() []string {
	var out []string
	for _, p := range s.opts.Policies {
		if !filepath.IsAbs(p) && s.root != "" {
			p = filepath.Join(s.root, p)
		}
		out = append(out, p)
	}
	return out
}
