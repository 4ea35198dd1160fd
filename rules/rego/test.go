package rego

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podlint/podlint/lint"
)

// TestResult is the outcome of one test_ rule of a _test.rego file.
type TestResult struct {
	// Name is the test's full name, e.g. data.podlint.policies.x_test.test_latest.
	Name string
	File string
	Line int
	// Outcome is PASS, FAIL, ERROR or SKIP.
	Outcome string
	// Message explains an ERROR (OPA's error) and is empty otherwise.
	Message string
	// Output is what the test printed with print().
	Output string
}

// Passed reports whether the test passed or was skipped on purpose (todo_test_).
func (r *TestResult) Passed() bool { return r.Outcome == "PASS" || r.Outcome == "SKIP" }

// RunTests runs the test_ rules of every .rego file under paths, policies and
// _test.rego files together, with podlint's library and config, using OPA's test
// runner. Results are sorted by file and line. Load errors are Errors.
func RunTests(ctx context.Context, paths []string, rel lint.Release, timeout time.Duration) ([]*TestResult, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	files, err := Files(paths, true)
	if err != nil {
		return nil, err
	}
	caps := capabilities()
	modules, errs := parse(files, rel, caps)
	if len(errs) > 0 {
		return nil, errs
	}
	store := inmem.New()
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	compiler := ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(store).
		SetModules(modules).
		SetTimeout(timeout).
		CapturePrintOutput(true).
		SetDefaultRegoVersion(ast.RegoV1)
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return nil, fromAST(err)
	}
	var out []*TestResult
	for r := range ch {
		tr := &TestResult{Name: r.Package + "." + r.Name, Output: string(r.Output)}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		switch {
		case r.Skip:
			tr.Outcome = "SKIP"
		case r.Error != nil:
			tr.Outcome = "ERROR"
			tr.Message = r.Error.Error()
			var te *topdown.Error
			if errors.As(r.Error, &te) {
				tr.Message = te.Code + ": " + te.Message
				if te.Location != nil {
					tr.Message = fmt.Sprintf("%s:%d: %s", te.Location.File, te.Location.Row, tr.Message)
				}
			}
		case r.Fail:
			tr.Outcome = "FAIL"
		default:
			tr.Outcome = "PASS"
		}
		out = append(out, tr)
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// String renders the result as one line: file:line: OUTCOME name[: message].
func (r *TestResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s %s", r.File, r.Line, r.Outcome, r.Name)
	if r.Message != "" {
		b.WriteString(": " + r.Message)
	}
	return b.String()
}
