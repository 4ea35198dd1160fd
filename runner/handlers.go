package runner

import (
	"errors"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// expandRefs replaces $(NAME) references as the kubelet's expansion package
// does (third_party/forked/golang/expansion.Expand): $$ is an escaped $, a
// name is everything up to the closing parenthesis, a reference lookup does
// not resolve stays as written, and an unclosed "$(" or a lone "$" is kept.
func expandRefs(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		b.WriteString(s[last:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				break
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteString(s[i : i+2])
			i++
		}
		last = i + 1
	}
	b.WriteString(s[last:])
	return b.String()
}

// probeCommand is an exec probe's command as the kubelet's prober runs it
// (kubecontainer.ExpandContainerCommandOnlyStatic): references resolve
// against the container's env entries as written, so a valueFrom entry
// gives "" and an envFrom or image variable is left as $(NAME). Lifecycle
// hook commands are not expanded at all.
func probeCommand(cmd []string, env []v1.EnvVar) []string {
	vals := make(map[string]string, len(env))
	for _, e := range env {
		vals[e.Name] = e.Value
	}
	lookup := func(name string) (string, bool) { v, ok := vals[name]; return v, ok }
	out := make([]string, len(cmd))
	for i, a := range cmd {
		out[i] = expandRefs(a, lookup)
	}
	return out
}

// httpResult is what one HTTP GET from inside the Pod gave: a status, or the
// transport error (refused, timed out, reset) that prevented one.
type httpResult struct {
	Status int
	Err    string
}

// parseHTTPResult reads the in-Pod helper's report ("status 404" or
// "error <text>").
func parseHTTPResult(out string) httpResult {
	out = strings.TrimSpace(out)
	if rest, ok := strings.CutPrefix(out, "status "); ok {
		if n, err := strconv.Atoi(rest); err == nil {
			return httpResult{Status: n}
		}
	}
	if rest, ok := strings.CutPrefix(out, "error "); ok {
		return httpResult{Err: rest}
	}
	if out == "" {
		out = "no answer from the HTTP helper"
	}
	return httpResult{Err: out}
}

// probeVerdict is the kubelet's HTTP prober's judgement (probe/http): a
// status in [200, 400) succeeds, anything else or no answer fails.
func (r httpResult) probeVerdict() (bool, string) {
	if r.Err != "" {
		return false, r.Err
	}
	if r.Status >= 200 && r.Status < 400 {
		return true, ""
	}
	return false, "HTTP probe failed with statuscode: " + strconv.Itoa(r.Status)
}

// hookVerdict is the kubelet's handlerRunner.runHTTPHandler: the status is
// not looked at (404 and 500 are successful hooks); only a transport error
// fails the hook.
func (r httpResult) hookVerdict() error {
	if r.Err != "" {
		return errors.New(r.Err)
	}
	return nil
}
