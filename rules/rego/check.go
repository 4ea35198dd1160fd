package rego

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podlint/podlint/lint"
)

// inputKey memoizes an object's Rego input so that every policy shares one
// conversion.
type inputKey struct{}

type parsedInput struct {
	value ast.Value
	err   error
}

func inputOf(obj *lint.Object) parsedInput {
	return obj.Memo(inputKey{}, func() any {
		in, err := obj.Input()
		if err != nil {
			return parsedInput{err: err}
		}
		v, err := ast.InterfaceToValue(in)
		return parsedInput{value: v, err: err}
	}).(parsedInput)
}

// allKey memoizes the set's combined evaluation on an object.
type allKey struct{ set *Set }

// allResults are every query's value from one combined evaluation; ok is false
// when it failed or was undefined, and each policy then evaluates on its own, so
// that an error is reported by the policy that caused it.
type allResults struct {
	values []any
	ok     bool
}

func (s *Set) evalAll(in ast.Value) allResults {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	rs, err := s.all.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil || len(rs) != 1 {
		return allResults{}
	}
	out := allResults{values: make([]any, len(s.queries)), ok: true}
	for i := range s.queries {
		v, ok := rs[0].Bindings["q"+strconv.Itoa(i)]
		if !ok {
			return allResults{}
		}
		out.values[i] = v
	}
	return out
}

// check is the Check of a policy's rule: it evaluates deny and warn on the object.
func (p *Policy) check(pass *lint.Pass) {
	in := inputOf(pass.Object)
	if in.err != nil {
		p.fail(pass, p.queries[0].loc, "cannot give the object to the policy: %v", in.err)
		return
	}
	if p.set != nil && len(p.set.queries) > 0 {
		all := pass.Object.Memo(allKey{p.set}, func() any { return p.set.evalAll(in.value) }).(allResults)
		if all.ok {
			for _, q := range p.queries {
				p.report(pass, q, all.values[q.index])
			}
			return
		}
	}
	for _, q := range p.queries {
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		rs, err := q.pq.Eval(ctx, rego.EvalParsedInput(in.value))
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			loc := q.loc
			var te *topdown.Error
			if errors.As(err, &te) && te.Location != nil && !timedOut {
				loc = te.Location
			}
			if timedOut {
				p.fail(pass, loc, "%s ran past the %v time limit on this object", q.name, p.timeout)
			} else {
				p.fail(pass, loc, "%s failed: %v", q.name, evalMessage(err))
			}
			continue
		}
		if len(rs) == 0 || len(rs[0].Expressions) == 0 {
			continue
		}
		p.report(pass, q, rs[0].Expressions[0].Value)
	}
}

// evalMessage drops the location OPA prefixes to its errors; the finding carries it.
func evalMessage(err error) string {
	var te *topdown.Error
	if errors.As(err, &te) {
		return te.Code + ": " + te.Message
	}
	return err.Error()
}

// report turns one rule's value (a set of results) into findings.
func (p *Policy) report(pass *lint.Pass, q *query, v any) {
	results, ok := v.([]any)
	if !ok {
		p.fail(pass, q.loc, "%s must be a set of {\"msg\": string, \"path\": array} objects, got %s", q.name, describeValue(v))
		return
	}
	for _, r := range results {
		msg, path, err := p.result(pass.Object, r)
		if err != nil {
			p.fail(pass, q.loc, "%s returned %s: %v", q.name, describeValue(r), err)
			continue
		}
		pass.ReportFinding(lint.Finding{Severity: q.severity, Field: path, Message: msg})
	}
}

// result reads one deny or warn result: {"msg": string, "path": array or
// field path string}, or a plain string message (conftest's form).
func (p *Policy) result(obj *lint.Object, r any) (msg, path string, err error) {
	root := ""
	if obj.Root != nil {
		root = obj.Root.String()
	}
	switch r := r.(type) {
	case string:
		return r, root, nil
	case map[string]any:
		m, ok := r["msg"].(string)
		if !ok {
			return "", "", errors.New(`want "msg" as a string`)
		}
		raw, ok := r["path"]
		if !ok {
			return m, root, nil
		}
		path, err := fieldPath(raw)
		if err != nil {
			return "", "", err
		}
		return m, join(root, path), nil
	}
	return "", "", errors.New(`want {"msg": string, "path": array} or a string`)
}

func join(root, path string) string {
	switch {
	case root == "":
		return path
	case path == "":
		return root
	case path[0] == '[':
		return root + path
	}
	return root + "." + path
}

// mapFields hold maps keyed by user data; their keys render as [key], as the
// Kubernetes API server (and podlint's built-in rules) write them.
var mapFields = map[string]bool{
	"labels": true, "annotations": true, "nodeSelector": true, "matchLabels": true,
	"limits": true, "requests": true, "overhead": true, "data": true, "stringData": true,
}

// fieldPath renders a policy's path in field.Path syntax: a string as written,
// an array of keys and indices as spec.containers[0].image.
func fieldPath(raw any) (string, error) {
	switch raw := raw.(type) {
	case string:
		return raw, nil
	case []any:
		var b strings.Builder
		parent := ""
		for i, seg := range raw {
			switch s := seg.(type) {
			case json.Number:
				n, err := strconv.Atoi(string(s))
				if err != nil || n < 0 {
					return "", fmt.Errorf("path[%d] = %s is not an index", i, s)
				}
				b.WriteString("[" + strconv.Itoa(n) + "]")
				parent = ""
			case string:
				switch {
				case mapFields[parent] || strings.ContainsAny(s, ".[]") || s == "":
					b.WriteString("[" + s + "]")
				default:
					if b.Len() > 0 {
						b.WriteByte('.')
					}
					b.WriteString(s)
				}
				parent = s
			default:
				return "", fmt.Errorf("path[%d] is %s, want a key (string) or an index (number)", i, describeValue(seg))
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("path is %s, want an array of keys and indices or a field path string", describeValue(raw))
}

func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number (" + string(v) + ")"
	case bool:
		return "a boolean"
	case []any:
		return "an array or set"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// objectAt names where the object is, since the finding's position is the policy's.
func objectAt(p lint.Position) string {
	if p.File == "" {
		return "" // the webhook has no file
	}
	return fmt.Sprintf(" at %s:%d:%d", p.File, p.Line, p.Column)
}

// fail reports a policy-error finding at the policy's own file and line.
func (p *Policy) fail(pass *lint.Pass, loc *ast.Location, format string, args ...any) {
	f := lint.Finding{
		Rule: RulePolicyError.ID, Category: RulePolicyError.Category, Severity: RulePolicyError.Severity,
		Message: fmt.Sprintf("policy %s (%s): ", p.Rule.ID, p.Package) + fmt.Sprintf(format, args...) + " (while checking " + pass.Object.Ref.String() + objectAt(pass.Object.Position) + ")",
		Hint:    RulePolicyError.Remediation,
	}
	if loc != nil {
		f.Position = lint.Position{File: loc.File, Line: loc.Row, Column: loc.Col}
	}
	pass.ReportFinding(f)
}
