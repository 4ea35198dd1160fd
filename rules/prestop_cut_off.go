package rules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/podlint/podlint/lint"
)

var prestopCutOff = &lint.Rule{
	ID:       "prestop-cut-off",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "preStop uses up the whole termination grace period",
	Doc: "When a container is stopped, terminationGracePeriodSeconds counts from the moment preStop starts, not from the stop signal. " +
		"The kubelet waits for preStop at most the grace period, then sends the stop signal (the image's STOPSIGNAL, else SIGTERM) and " +
		"sends SIGKILL once the time left runs out, granting at least a 2 s minimum. A preStop that sleeps as long as the grace period " +
		"(a sleep action equal to it, which the API server still accepts, or an exec hook that plainly runs sleep N with N at least the grace period) " +
		"is cut off at the deadline and leaves the application only that minimum to shut down before it is killed.",
	Remediation: "Make the preStop sleep clearly shorter than terminationGracePeriodSeconds, leaving time for the application's own shutdown, or raise the grace period.",
	Fields:      []string{"terminationGracePeriodSeconds", "containers[*].lifecycle.preStop"},
	Check: func(p *lint.Pass) {
		grace := gracePeriod(p.Object.PodSpec)
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) || c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
				continue
			}
			h := c.Lifecycle.PreStop
			path := c.Path.Child("lifecycle", "preStop")
			switch {
			case h.Exec != nil:
				n, ok := longestSleep(shellScript(h.Exec.Command))
				if !ok || n < float64(grace) {
					continue
				}
				how := fmt.Sprintf("sleeps %s s", strconv.FormatFloat(n, 'f', -1, 64))
				if math.IsInf(n, 1) {
					how = "sleeps forever"
				}
				p.Report(path.Child("exec", "command"), "", nil,
					fmt.Sprintf("the preStop hook %s, but the grace period (%d s) counts from preStop's start: the hook is cut off and the container gets its stop signal with only the kubelet's 2 s minimum left before SIGKILL", how, grace),
					"")
			case h.Sleep != nil && h.HTTPGet == nil && h.TCPSocket == nil:
				s := h.Sleep.Seconds
				if s <= 0 || s != validationGracePeriod(p.Object.PodSpec) {
					continue
				}
				p.Report(path.Child("sleep", "seconds"), "", s,
					fmt.Sprintf("the preStop sleep (%d s) equals terminationGracePeriodSeconds: the API server accepts it, but the grace period counts from preStop's start, so the whole period is spent sleeping and the container gets its stop signal with only the kubelet's 2 s minimum left before SIGKILL", s),
					"")
			}
		}
	},
}

var sleepWord = regexp.MustCompile(`(?:^|[\s;&|(/])sleep\s+([0-9]+(?:\.[0-9]+)?)([smhd]?)\b`)

// longestSleep finds the longest single `sleep N` (GNU suffixes s, m, h, d allowed)
// in a script; `sleep infinity` is +Inf. ok is false when the script has no sleep.
func longestSleep(script string) (seconds float64, ok bool) {
	if sleepInfinity.MatchString(script) {
		return math.Inf(1), true
	}
	for _, m := range sleepWord.FindAllStringSubmatch(script, -1) {
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		switch m[2] {
		case "m":
			n *= 60
		case "h":
			n *= 3600
		case "d":
			n *= 86400
		}
		if !ok || n > seconds {
			seconds, ok = n, true
		}
	}
	return seconds, ok
}
