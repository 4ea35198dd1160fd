package app

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// expectHelp documents the --expect syntax; it is part of `podlint run --help`
// and mirrored in README.md.
const expectHelp = `Expectations (--expect, repeatable) turn a run into a CI check: each is
[observed.|final.]KEY[[NAME]] OP VALUE, evaluated against the final status (after
the graceful deletion) unless prefixed with observed. (the status when --until held,
before the deletion). OP is =, != and, for numbers, >=, <=, >, <. KEYs:
  phase                 Pending, Running, Succeeded, Failed
  reason, message       the Pod's status reason and message (e.g. DeadlineExceeded)
  condition[TYPE]       True or False (Ready, ContainersReady, Initialized, ...)
  state[C]              running, waiting or terminated: container C's current state
  reason[C]             C's waiting or terminated reason (CrashLoopBackOff, Completed, Error)
  message[C]            C's terminated message (its termination message)
  exitCode[C]           C's exit code (current state, else last state; "none" if it never exited)
  restarts[C]           C's restart count
  ready[C], started[C]  true or false
C names an init or app container of the Pod. Any failed expectation exits 1 and
prints each one with what was observed (a run that already exits 1, 3 or 4 keeps
its code); a malformed one is a usage error (exit 2).`

// expectation is one parsed --expect.
type expectation struct {
	text     string // as the user wrote it
	observed bool   // evaluate against the observed status, not the final one
	key      string
	arg      string // container name or condition type; "" for pod-level keys
	op       string
	value    string
}

var expectSyntax = regexp.MustCompile(`^\s*(?:(observed|final)\.)?([A-Za-z]+)(?:\[([^\]]+)\])?\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$`)

// expectKeys maps each key to whether it takes a [NAME] argument and whether
// it is numeric (allowing ordering operators).
var expectKeys = map[string]struct{ arg, numeric, podLevelOK bool }{
	"phase":     {},
	"condition": {arg: true},
	"state":     {arg: true},
	"reason":    {arg: true, podLevelOK: true},
	"message":   {arg: true, podLevelOK: true},
	"exitCode":  {arg: true, numeric: true},
	"restarts":  {arg: true, numeric: true},
	"ready":     {arg: true},
	"started":   {arg: true},
}

// parseExpectation parses one --expect; the error names it.
func parseExpectation(s string) (expectation, error) {
	m := expectSyntax.FindStringSubmatch(s)
	if m == nil {
		return expectation{}, fmt.Errorf("--expect %q: want [observed.|final.]KEY[[NAME]] OP VALUE, e.g. phase=Succeeded or restarts[web]>=1", s)
	}
	e := expectation{text: s, observed: m[1] == "observed", key: m[2], arg: m[3], op: m[4], value: m[5]}
	k, ok := expectKeys[e.key]
	switch {
	case !ok:
		return e, fmt.Errorf("--expect %q: unknown key %q (want phase, reason, message, condition, state, exitCode, restarts, ready or started)", s, e.key)
	case k.arg && e.arg == "" && !k.podLevelOK:
		return e, fmt.Errorf("--expect %q: %s needs a name in brackets, e.g. %s[web]", s, e.key, e.key)
	case !k.arg && e.arg != "":
		return e, fmt.Errorf("--expect %q: %s takes no [name]", s, e.key)
	case e.value == "" && e.key != "message" && e.key != "reason":
		return e, fmt.Errorf("--expect %q: missing value after %s", s, e.op)
	case e.op != "=" && e.op != "!=" && !k.numeric:
		return e, fmt.Errorf("--expect %q: %s compares with = or != only", s, e.key)
	}
	if k.numeric && (e.op != "=" && e.op != "!=" || e.value != "none") {
		if _, err := strconv.ParseInt(e.value, 10, 32); err != nil {
			return e, fmt.Errorf("--expect %q: %s wants an integer, not %q", s, e.key, e.value)
		}
	}
	switch e.key {
	case "ready", "started":
		if e.value != "true" && e.value != "false" {
			return e, fmt.Errorf("--expect %q: %s wants true or false, not %q", s, e.key, e.value)
		}
	case "condition":
		if e.value != "True" && e.value != "False" && e.value != "Unknown" {
			return e, fmt.Errorf("--expect %q: condition wants True, False or Unknown, not %q", s, e.value)
		}
	case "state":
		if e.value != "running" && e.value != "waiting" && e.value != "terminated" {
			return e, fmt.Errorf("--expect %q: state wants running, waiting or terminated, not %q", s, e.value)
		}
	}
	return e, nil
}

// parseExpectations parses every --expect and checks that the containers they
// name exist in pod, so that a typo is a usage error, not a failed check.
func parseExpectations(list []string, pod *v1.Pod) ([]expectation, error) {
	names := map[string]bool{}
	for _, cs := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			names[c.Name] = true
		}
	}
	var out []expectation
	for _, s := range list {
		e, err := parseExpectation(s)
		if err != nil {
			return nil, err
		}
		if e.arg != "" && e.key != "condition" && !names[e.arg] {
			return nil, fmt.Errorf("--expect %q: the Pod has no container named %q", s, e.arg)
		}
		out = append(out, e)
	}
	return out, nil
}

// actual returns the value e's key has in st, as text; "none" when the Pod or
// container has no such value (a container that never terminated has no exit
// code, a condition not reported has no status).
func (e expectation) actual(st *v1.PodStatus) string {
	if e.arg == "" {
		switch e.key {
		case "phase":
			return string(st.Phase)
		case "reason":
			return st.Reason
		case "message":
			return st.Message
		}
	}
	if e.key == "condition" {
		for _, c := range st.Conditions {
			if string(c.Type) == e.arg {
				return string(c.Status)
			}
		}
		return "none"
	}
	cs := findContainerStatus(st, e.arg)
	if cs == nil {
		return "none"
	}
	switch e.key {
	case "state":
		switch {
		case cs.State.Running != nil:
			return "running"
		case cs.State.Terminated != nil:
			return "terminated"
		case cs.State.Waiting != nil:
			return "waiting"
		}
		return "none"
	case "reason":
		switch {
		case cs.State.Waiting != nil:
			return cs.State.Waiting.Reason
		case cs.State.Terminated != nil:
			return cs.State.Terminated.Reason
		}
		return ""
	case "message":
		if t := terminated(cs); t != nil {
			return t.Message
		}
		return ""
	case "exitCode":
		if t := terminated(cs); t != nil {
			return strconv.Itoa(int(t.ExitCode))
		}
		return "none"
	case "restarts":
		return strconv.Itoa(int(cs.RestartCount))
	case "ready":
		return strconv.FormatBool(cs.Ready)
	case "started":
		return strconv.FormatBool(cs.Started != nil && *cs.Started)
	}
	return "none"
}

// terminated is the container's current termination, else its last one: a
// container waiting in CrashLoopBackOff reports its exit in lastState.
func terminated(cs *v1.ContainerStatus) *v1.ContainerStateTerminated {
	if cs.State.Terminated != nil {
		return cs.State.Terminated
	}
	return cs.LastTerminationState.Terminated
}

func findContainerStatus(st *v1.PodStatus, name string) *v1.ContainerStatus {
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// holds compares the actual value with the expected one.
func (e expectation) holds(actual string) bool {
	if k := expectKeys[e.key]; k.numeric && actual != "none" && e.value != "none" {
		a, _ := strconv.Atoi(actual)
		w, _ := strconv.Atoi(e.value)
		switch e.op {
		case "=":
			return a == w
		case "!=":
			return a != w
		case ">=":
			return a >= w
		case "<=":
			return a <= w
		case ">":
			return a > w
		case "<":
			return a < w
		}
	}
	switch e.op {
	case "=":
		return actual == e.value
	case "!=":
		return actual != e.value
	}
	// An ordering against "none" (a container that never exited) fails.
	return false
}

// checkExpectations evaluates list against the observed and final statuses,
// writes a report of the failures to w (expected against observed, one per
// line) and returns how many failed.
func checkExpectations(w io.Writer, list []expectation, observed, final *v1.PodStatus) int {
	type failure struct {
		e          expectation
		where, got string
	}
	var failed []failure
	for _, e := range list {
		st, where := final, "final"
		if e.observed {
			st, where = observed, "observed"
		}
		if got := e.actual(st); !e.holds(got) {
			failed = append(failed, failure{e, where, got})
		}
	}
	if len(failed) == 0 {
		return 0
	}
	var b strings.Builder
	fmt.Fprintf(&b, "podlint: %d of %d expectations failed:\n", len(failed), len(list))
	for _, f := range failed {
		name := f.e.key
		if f.e.arg != "" {
			name += "[" + f.e.arg + "]"
		}
		fmt.Fprintf(&b, "  --expect %s\n    expected: %s.%s %s %q\n    observed: %s.%s = %q\n",
			f.e.text, f.where, name, f.e.op, f.e.value, f.where, name, f.got)
	}
	_, _ = io.WriteString(w, b.String())
	return len(failed)
}
