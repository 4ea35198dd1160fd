package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
	"github.com/podlint/podlint/lint/manifest"
)

var restartPolicy = &lint.Rule{
	ID:       "restart-policy",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Pod restartPolicy must be valid for the owning kind",
	Doc: "A Pod's restartPolicy is Always (the default), OnFailure (restart only after a non-zero exit) or Never. " +
		"Controllers narrow it: Deployments, ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers keep their Pods running and accept only Always; " +
		"Jobs and CronJobs run to completion and accept only OnFailure or Never. The API server applies the default before it validates, " +
		"so a Job template that leaves restartPolicy out is rejected for the defaulted Always.",
	Remediation: "Set restartPolicy to a value the owning kind accepts.",
	AutoFix: "Replaces a misspelt value with the one it is closest to (Onfalure becomes OnFailure), or, where that value or the one written is " +
		"refused by the owning kind, with the accepted value closest in meaning: Always for controllers that keep Pods running " +
		"(a Deployment's OnFailure is replaced, not deleted), OnFailure for Jobs and CronJobs (also added when the template leaves it out). " +
		"A value close to none of them gets no fix.",
	Fields: []string{"restartPolicy"},
	Check: func(p *lint.Pass) {
		path := p.Object.PodSpecPath.Child("restartPolicy")
		value := p.Object.PodSpec.RestartPolicy
		allowed := allowedRestartPolicies(p.Object.Ref.Kind)
		all := []string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
		if value == "" {
			if contains(allowed, string(corev1.RestartPolicyAlways)) {
				return
			}
			// OnFailure keeps what the author most likely meant by leaving the
			// default: restart a container that fails, as Always would have.
			p.ReportFix(path, field.ErrorTypeNotSupported, string(corev1.RestartPolicyAlways),
				fmt.Sprintf("restartPolicy is not set, so it defaults to Always, which a %s does not accept (supported: %s)", p.Object.Ref.Kind, quoted(allowed)),
				fmt.Sprintf("Set restartPolicy: %s (or %s).", allowed[0], allowed[len(allowed)-1]),
				lint.FixPlan{Description: "Add restartPolicy: " + allowed[0], Changes: []lint.FixChange{lint.InsertField(p.Object.PodSpecPath, "restartPolicy", allowed[0])}})
			return
		}
		if contains(allowed, string(value)) {
			return
		}
		if !contains(all, string(value)) {
			msg := fmt.Sprintf("unsupported restartPolicy %q (supported: %s)", value, quoted(allowed))
			if near := manifest.Nearest(string(value), all); near != "" {
				// A misspelling of a policy the kind refuses is fixed as that
				// policy would be: to the accepted one closest in meaning.
				target, why := near, ""
				hint := fmt.Sprintf("Did you mean %q? Set restartPolicy: %s.", near, near)
				if !contains(allowed, near) {
					target, why = allowed[0], fmt.Sprintf(" (%s reads as %s, which a %s does not accept)", value, near, p.Object.Ref.Kind)
					hint = fmt.Sprintf("%q reads as %q, which a %s does not accept: set restartPolicy: %s.", value, near, p.Object.Ref.Kind, target)
				}
				p.ReportFix(path, field.ErrorTypeNotSupported, string(value), msg, hint,
					lint.FixPlan{Description: fmt.Sprintf("Set restartPolicy to %s%s", target, why), Changes: []lint.FixChange{lint.SetValue(path, target)}})
				return
			}
			p.Report(path, field.ErrorTypeNotSupported, string(value), msg, "")
			return
		}
		// The replacement is the allowed policy closest to what was written: a
		// Deployment's OnFailure or Never becomes Always (its Pods keep running,
		// as a controller's must), a Job's Always becomes OnFailure (failed
		// containers still restart, in place).
		p.ReportFix(path, field.ErrorTypeNotSupported, string(value),
			fmt.Sprintf("a %s's Pod template accepts only restartPolicy %s, not %q", p.Object.Ref.Kind, quoted(allowed), value),
			fmt.Sprintf("Set restartPolicy: %s.", allowed[0]),
			lint.FixPlan{Description: fmt.Sprintf("Set restartPolicy to %s", allowed[0]), Changes: []lint.FixChange{lint.SetValue(path, allowed[0])}})
	},
}

func allowedRestartPolicies(kind string) []string {
	switch kind {
	case "Pod", "PodTemplate":
		// A PodTemplate stands for a custom controller's template, whose Pods are
		// created directly (see lint.BuiltinCustomKinds): any policy is accepted.
		return []string{"Always", "OnFailure", "Never"}
	case "Job", "CronJob":
		return []string{"OnFailure", "Never"}
	}
	return []string{"Always"}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
