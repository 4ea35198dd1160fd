package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var prestopSleepExceedsGrace = &lint.Rule{
	ID:       "prestop-sleep-exceeds-grace",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "A sleep hook must fit in terminationGracePeriodSeconds",
	Doc: "The sleep hook action pauses for sleep.seconds. The API server requires that value to be non-negative (positive where the " +
		"PodLifecycleSleepActionAllowZero gate is off) and no greater than the Pod's terminationGracePeriodSeconds, which defaults to 30. " +
		"It compares with the stored value: a negative grace period (which the kubelet treats as 1) makes every sleep hook invalid. " +
		"The check applies to postStart as well as preStop, though only preStop is usually written this way.",
	Remediation: "Lower sleep.seconds to at most terminationGracePeriodSeconds, or raise terminationGracePeriodSeconds.",
	AutoFix: "For a preStop sleep longer than the grace period, raises terminationGracePeriodSeconds (setting it when it is left to the default) " +
		"to the longest such sleep plus the grace period the Pod had, so the containers keep the shutdown time they had after the hook. " +
		"A postStart sleep, or a negative grace period, gets no fix.",
	Fields: []string{"terminationGracePeriodSeconds", "containers[*].lifecycle.preStop.sleep.seconds", "containers[*].lifecycle.postStart.sleep.seconds"},
	Check: func(p *lint.Pass) {
		if !p.Release.Enabled(lint.GatePodLifecycleSleepAction) {
			return
		}
		grace := validationGracePeriod(p.Object.PodSpec)
		if grace < 0 && p.Object.IsPod() {
			// Pod defaulting (not template defaulting) stores a negative value as 1.
			grace = 1
		}
		allowZero := p.Release.Enabled(lint.GatePodLifecycleSleepActionAllowZero)
		fix := graceFix(p, grace)
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) {
				continue
			}
			for _, h := range hooks(c.Container) {
				s := h.Handler.Sleep
				// Any earlier handler makes the API server reject the sleep for a different reason.
				if s == nil || h.Handler.Exec != nil || h.Handler.HTTPGet != nil || h.Handler.TCPSocket != nil {
					continue
				}
				path := c.Path.Child("lifecycle", h.Name, "sleep")
				switch {
				case s.Seconds < 0 || (!allowZero && s.Seconds == 0):
					low := "non-negative"
					if !allowZero {
						low = "greater than 0 (PodLifecycleSleepActionAllowZero is off in Kubernetes " + p.Release.Version + ")"
					}
					p.Report(path, field.ErrorTypeInvalid, s.Seconds,
						fmt.Sprintf("must be %s and not more than terminationGracePeriodSeconds (%d)", low, grace),
						"Set sleep.seconds to a positive number of seconds.")
				case s.Seconds > grace:
					msg := fmt.Sprintf("must be non-negative and not more than terminationGracePeriodSeconds (%d): a %d s sleep cannot finish before the kubelet kills the container", grace, s.Seconds)
					if grace < 0 {
						msg = fmt.Sprintf("must be non-negative and not more than terminationGracePeriodSeconds (%d): the API server validates against the stored negative grace period, so no sleep hook is accepted", grace)
					}
					if fix != nil && h.Name == "preStop" {
						p.ReportFix(path, field.ErrorTypeInvalid, s.Seconds, msg, "", *fix)
						continue
					}
					p.Report(path, field.ErrorTypeInvalid, s.Seconds, msg, "")
				}
			}
		}
	},
}

// graceFix raises terminationGracePeriodSeconds by the longest preStop sleep that
// exceeds grace: every such finding proposes the same edit, so one round fixes
// them all and the grace left after each hook stays what it was.
func graceFix(p *lint.Pass, grace int64) *lint.FixPlan {
	if grace < 0 {
		return nil
	}
	var longest int64
	for _, c := range containers(p) {
		if !hooksAndProbesAllowed(c) || c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
			continue
		}
		h := c.Lifecycle.PreStop
		if h.Sleep != nil && h.Exec == nil && h.HTTPGet == nil && h.TCPSocket == nil && h.Sleep.Seconds > grace {
			longest = max(longest, h.Sleep.Seconds)
		}
	}
	if longest == 0 {
		return nil
	}
	want := longest + grace
	spec := p.Object.PodSpecPath
	return &lint.FixPlan{
		Description: fmt.Sprintf("Set terminationGracePeriodSeconds to %d (the %d s preStop sleep plus the %d s the Pod had)", want, longest, grace),
		Changes:     []lint.FixChange{lint.SetOrInsert(spec, "terminationGracePeriodSeconds", p.Object.PodSpec.TerminationGracePeriodSeconds != nil, want)},
	}
}
