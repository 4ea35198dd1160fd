package parity

import (
	"bytes"
	"context"
	"io"
	"sort"

	"sigs.k8s.io/yaml"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/rules"
)

// Podlint judges one document with podlint's built-in rules at release rel: the
// object is rejected when podlint reports at least one finding of category api,
// whatever its severity. input is true when podlint could not read the document
// at all (its input category), which the comparison treats separately.
func Podlint(eng *lint.Engine, data []byte) (v Verdict, input bool, findings []lint.Finding) {
	src := lint.Source{Name: "object.yaml", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
	res := eng.Run(context.Background(), []lint.Source{src})
	for _, f := range res.Findings {
		switch f.Category {
		case lint.CategoryAPI:
			v.Rejected = true
			v.Paths = append(v.Paths, f.Field)
			v.Errors = append(v.Errors, f.Field+": "+f.Message+" ("+f.Rule+")")
			findings = append(findings, f)
		case lint.CategoryInput:
			input = true
			v.Errors = append(v.Errors, f.Field+": "+f.Message+" ("+f.Rule+")")
		default:
			if mirrorsWarning[f.Rule] && !(f.Rule == "negative-grace-period" && f.Object.Kind == "Pod") {
				v.Warnings = append(v.Warnings, Warning{Path: f.Field, Text: f.Field + ": " + f.Message + " (" + f.Rule + ")"})
			}
		}
	}
	sort.Strings(v.Paths)
	return v.normalize(), input, findings
}

// NewEngine returns podlint's engine with every built-in rule for release version.
func NewEngine(version string) (*lint.Engine, lint.Release, error) {
	rel, err := lint.ParseRelease(version)
	if err != nil {
		return nil, rel, err
	}
	return lint.NewEngine(rules.All(), lint.Options{Release: rel, Workers: 1}), rel, nil
}

func yamlUnmarshal(data []byte, into any) error { return yaml.Unmarshal(data, into) }

// mirrorsWarning lists podlint's rules that report what the API server answers
// with a warning on an accepted object (pkg/api/pod/warnings.go and the
// registry strategies' WarningsOnCreate). Their findings are compared with the
// API server's warnings; findings of other rules are not. negative-grace-period
// mirrors the warning on templates only: on a Pod, defaulting (SetDefaults_Pod)
// rewrites a negative value to 1 before the warnings are computed.
var mirrorsWarning = map[string]bool{
	"removed-volume-plugin":      true,
	"deprecated-annotation":      true,
	"deprecated-node-label":      true,
	"null-label-selector":        true,
	"duplicate-env-var":          true,
	"shared-port-name":           true,
	"duplicate-container-port":   true,
	"pod-list-entries":           true,
	"fractional-bytes":           true,
	"host-ip-without-host-port":  true,
	"volume-path-overlap":        true,
	"negative-grace-period":      true,
	"name-not-dns-label":         true,
	"unbounded-revision-history": true,
}
