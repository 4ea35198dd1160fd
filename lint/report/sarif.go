package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"

	"github.com/podlint/podlint/lint"
)

// SARIFSchema is the URI of the SARIF 2.1.0 schema (errata 01) that the output
// declares and that the tests validate it against.
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// RuleHelpURI is where a rule's documentation lives; the anchor is the rule ID.
const RuleHelpURI = "https://github.com/podlint/podlint/blob/main/rules/README.md#"

// SARIF prints a SARIF 2.1.0 log, the format GitHub code scanning and many
// editors import. Findings in files carry a physical location with a region;
// every finding about an object also names the object and field as a logical
// location, which is all that findings without a file (stdin, webhook) have.
type SARIF struct {
	// Rules describes the rules in tool.driver.rules; rules that reported a
	// finding but are missing here are described by their ID alone.
	Rules   []*lint.Rule
	Version string
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	ShortDescription     *sarifText       `json:"shortDescription,omitempty"`
	FullDescription      *sarifText       `json:"fullDescription,omitempty"`
	Help                 *sarifText       `json:"help,omitempty"`
	HelpURI              string           `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig  `json:"defaultConfiguration"`
	Properties           *sarifProperties `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Category lint.Category `json:"category"`
	Tags     []string      `json:"tags"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Fixes        []sarifFix         `json:"fixes,omitempty"`
	Properties   *sarifResultProps  `json:"properties,omitempty"`
}

// sarifFix is a finding's fix as SARIF 2.1.0 defines it (§3.55): artifact
// changes made of replacements, each a deleted region and the content inserted
// there. Regions carry both the line/column range (in code points, the run's
// columnKind) and the byte range, which name the same text.
type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifFixRegion    `json:"deletedRegion"`
	InsertedContent *sarifFixContents `json:"insertedContent,omitempty"`
}

type sarifFixRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
	ByteOffset  int `json:"byteOffset"`
	ByteLength  int `json:"byteLength"`
}

type sarifFixContents struct {
	Text string `json:"text"`
}

// sarifFixes renders a fix; edits of standard input, which has no artifact, are left out.
func sarifFixes(f *lint.Finding) []sarifFix {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return nil
	}
	var changes []sarifArtifactChange
	at := map[string]int{}
	for _, e := range f.Fix.Edits {
		if e.File == "" || e.File == "-" {
			return nil
		}
		i, ok := at[e.File]
		if !ok {
			i = len(changes)
			at[e.File] = i
			changes = append(changes, sarifArtifactChange{ArtifactLocation: sarifArtifact{URI: fileURI(e.File)}})
		}
		r := sarifReplacement{DeletedRegion: sarifFixRegion{
			StartLine: e.Start.Line, StartColumn: e.Start.Column, EndLine: e.End.Line, EndColumn: e.End.Column,
			ByteOffset: e.Start.Offset, ByteLength: e.End.Offset - e.Start.Offset,
		}}
		if e.Text != "" {
			r.InsertedContent = &sarifFixContents{Text: e.Text}
		}
		changes[i].Replacements = append(changes[i].Replacements, r)
	}
	return []sarifFix{{Description: sarifText{Text: f.Fix.Description}, ArtifactChanges: changes}}
}

type sarifResultProps struct {
	Field    string         `json:"field,omitempty"`
	Type     string         `json:"type,omitempty"`
	Document int            `json:"document,omitempty"`
	Object   lint.ObjectRef `json:"object"`
	// Line and Column place findings in standard input, which has no artifact.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.SeverityError:
		return "error"
	case lint.SeverityWarning:
		return "warning"
	}
	return "note"
}

// Print writes the result as one SARIF log with one run.
func (s *SARIF) Print(w io.Writer, res *lint.Result) error {
	driver := sarifDriver{Name: "podlint", InformationURI: "https://github.com/podlint/podlint", Version: s.Version, Rules: []sarifRule{}}
	index := map[string]int{}
	addRule := func(r *lint.Rule) {
		if _, ok := index[r.ID]; ok {
			return
		}
		index[r.ID] = len(driver.Rules)
		doc := r.Doc
		if doc == "" {
			doc = r.Title
		}
		help := &sarifText{Text: doc, Markdown: doc}
		if r.Remediation != "" {
			help = &sarifText{Text: doc + "\n\nFix: " + r.Remediation, Markdown: doc + "\n\n**Fix:** " + r.Remediation}
		}
		uri := r.HelpURI
		if uri == "" && r.Source == "" {
			uri = RuleHelpURI + r.ID // built-in rules are documented in rules/README.md
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     &sarifText{Text: r.Title},
			FullDescription:      &sarifText{Text: doc},
			Help:                 help,
			HelpURI:              uri,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
			Properties:           &sarifProperties{Category: r.Category, Tags: []string{"kubernetes", string(r.Category)}},
		})
	}
	for _, r := range s.Rules {
		addRule(r)
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, ColumnKind: "unicodeCodePoints", Results: []sarifResult{}}
	result := func(f *lint.Finding) sarifResult {
		if _, ok := index[f.Rule]; !ok {
			addRule(&lint.Rule{ID: f.Rule, Title: f.Rule, Doc: f.Rule, Category: f.Category, Severity: f.Severity})
		}
		text := f.Message
		if f.Field != "" {
			text = f.Field + ": " + text
		}
		if f.Hint != "" {
			text += "\n\nHint: " + f.Hint
		}
		r := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message: sarifText{Text: text}, Locations: []sarifLocation{}, Fixes: sarifFixes(f)}
		var loc sarifLocation
		if p := f.Position; p.File != "" && p.File != "-" {
			// SARIF regions are 1-based; a finding about a whole file points at its start.
			line, col := max(p.Line, 1), max(p.Column, 1)
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(p.File)}, Region: sarifRegion{StartLine: line, StartColumn: col}}
		}
		if f.Object.Kind != "" {
			name, fqn, kind := f.Object.String(), f.Object.String(), "object"
			if f.Field != "" {
				name, fqn, kind = f.Field, f.Object.String()+"/"+f.Field, "property"
			}
			loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: fqn, Kind: kind}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			r.Locations = append(r.Locations, loc)
		}
		if f.Object.Kind != "" || f.Field != "" {
			r.Properties = &sarifResultProps{Field: f.Field, Type: f.TypeString(), Document: f.Document, Object: f.Object}
			if loc.PhysicalLocation == nil {
				r.Properties.Line, r.Properties.Column = f.Position.Line, f.Position.Column
			}
		}
		return r
	}
	for i := range res.Findings {
		run.Results = append(run.Results, result(&res.Findings[i]))
	}
	for i := range res.Suppressed {
		sf := &res.Suppressed[i]
		r := result(&sf.Finding)
		r.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: sf.Reason}}
		run.Results = append(run.Results, r)
	}
	run.Tool.Driver = driver
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// fileURI turns a path into a URI reference: relative paths stay relative (code
// scanning resolves them against the checkout), absolute ones become file URIs.
func fileURI(path string) string {
	u := url.URL{Path: filepath.ToSlash(path)}
	if filepath.IsAbs(path) {
		u.Scheme = "file"
	}
	return u.String()
}
