package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/podlint/podlint/lint"
)

// JUnit prints JUnit XML, which CI systems (GitLab, Jenkins, Azure Pipelines)
// show as test results: one test suite per file, one test case per object, and
// one failure per finding. Findings outside any object (a file that cannot be
// read, a document that is not YAML) get a test case of their own, named after
// the document.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	ClassName string         `xml:"classname,attr"`
	File      string         `xml:"file,attr,omitempty"`
	Line      int            `xml:"line,attr,omitempty"`
	Failures  []junitFailure `xml:"failure"`
	// Errors hold input findings: the object could not be read, so it was not tested.
	Errors  []junitFailure `xml:"error"`
	Skipped *junitSkipped  `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// Print writes the result as one testsuites document.
func (JUnit) Print(w io.Writer, res *lint.Result) error {
	type key struct {
		file string
		doc  int
		obj  lint.ObjectRef
	}
	var files []string
	suites := map[string]*junitSuite{}
	cases := map[key]int{}
	suite := func(file string, obj lint.ObjectRef) *junitSuite {
		switch {
		case file == "" && obj.Namespace != "":
			// An object listed from a cluster: one suite per namespace.
			file = "namespace/" + obj.Namespace
		case file == "":
			file = "-"
		}
		s, ok := suites[file]
		if !ok {
			s = &junitSuite{Name: file}
			suites[file] = s
			files = append(files, file)
		}
		return s
	}
	testCase := func(file string, doc int, obj lint.ObjectRef, line int) *junitCase {
		s := suite(file, obj)
		k := key{file, doc, obj}
		if i, ok := cases[k]; ok {
			return &s.Cases[i]
		}
		name := obj.String()
		if obj.Name == "" {
			name += "(no name)"
		}
		if obj.Kind == "" {
			name = fmt.Sprintf("document %d", doc)
			if doc == 0 {
				name = "file"
			}
		}
		cases[k] = len(s.Cases)
		c := junitCase{Name: name, ClassName: s.Name, File: s.Name, Line: line}
		if file == "" && obj.Namespace != "" {
			c.File = "" // no file: the suite names the namespace
		}
		s.Cases = append(s.Cases, c)
		return &s.Cases[len(s.Cases)-1]
	}
	// Objects first, in input order, so clean objects show as passed tests.
	for _, o := range res.Objects {
		testCase(o.Position.File, o.Document, o.Object, o.Position.Line)
	}
	for _, sk := range res.Skipped {
		c := testCase(sk.Position.File, sk.Document, sk.Object, sk.Position.Line)
		c.Skipped = &junitSkipped{Message: "podlint does not check " + sk.Object.Kind}
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		c := testCase(f.Position.File, f.Document, f.Object, f.Position.Line)
		msg := f.Message
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		text := fmt.Sprintf("%s%s: %s (%s)", findingLocation(f), f.Severity, msg, f.Rule)
		if f.Hint != "" {
			text += "\nhint: " + f.Hint
		}
		if f.Category == lint.CategoryInput {
			c.Errors = append(c.Errors, junitFailure{Message: msg, Type: f.Rule, Text: text})
		} else {
			c.Failures = append(c.Failures, junitFailure{Message: msg, Type: f.Rule, Text: text})
		}
	}
	out := junitSuites{Name: "podlint"}
	for _, file := range files {
		s := suites[file]
		for _, c := range s.Cases {
			s.Tests++
			if c.Skipped != nil {
				s.Skipped++
			}
			// A test case fails once however many findings it has.
			switch {
			case len(c.Errors) > 0:
				s.Errors++
			case len(c.Failures) > 0:
				s.Failures++
			}
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Suites = append(out.Suites, *s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
