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
	Fields:      []string{"restartPolicy"},
	Check: func(p *lint.Pass) {
		path := p.Object.PodSpecPath.Child("restartPolicy")
		value := p.Object.PodSpec.RestartPolicy
		allowed := allowedRestartPolicies(p.Object.Ref.Kind)
		all := []string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
		if value == "" {
			if contains(allowed, string(corev1.RestartPolicyAlways)) {
				return
			}
			p.Report(path, field.ErrorTypeNotSupported, string(corev1.RestartPolicyAlways),
				fmt.Sprintf("restartPolicy is not set, so it defaults to Always, which a %s does not accept (supported: %s)", p.Object.Ref.Kind, quoted(allowed)),
				fmt.Sprintf("Set restartPolicy: %s (or %s).", allowed[0], allowed[len(allowed)-1]))
			return
		}
		if contains(allowed, string(value)) {
			return
		}
		if !contains(all, string(value)) {
			hint := ""
			if near := manifest.Nearest(string(value), allowed); near != "" {
				hint = fmt.Sprintf("Did you mean %q? Set restartPolicy: %s.", near, near)
			}
			p.Report(path, field.ErrorTypeNotSupported, string(value),
				fmt.Sprintf("unsupported restartPolicy %q (supported: %s)", value, quoted(allowed)), hint)
			return
		}
		p.Report(path, field.ErrorTypeNotSupported, string(value),
			fmt.Sprintf("a %s's Pod template accepts only restartPolicy %s, not %q", p.Object.Ref.Kind, quoted(allowed), value),
			fmt.Sprintf("Set restartPolicy: %s.", allowed[0]))
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
