package rules

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// Limits from the API server's container restart rule validation.
const (
	maxRestartPolicyRules     = 20
	maxRestartRuleExitCodeSet = 255
)

var containerRestartPolicy = &lint.Rule{
	ID:       "container-restart-policy",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Container-level restartPolicy and restartPolicyRules must be valid for the container's role",
	Doc: "A container can override the Pod's restartPolicy. On an init container, restartPolicy: Always turns it into a sidecar that starts " +
		"in order and keeps running next to the app containers. With the ContainerRestartRules feature (beta, on by default since 1.35), " +
		"init and app containers also accept Never and OnFailure, plus restartPolicyRules: up to 20 rules, each with an action " +
		"(Restart; RestartAllContainers too once RestartAllContainersOnContainerExits is on, 1.36) and exitCodes with operator In or NotIn " +
		"and at most 255 values. Rules need the container's own restartPolicy. Sidecars may carry rules only where RestartAllContainersOnContainerExits is on. " +
		"Ephemeral containers never restart and may set neither field. Without the ContainerRestartRules gate the API server silently drops " +
		"these fields (except Always on init containers) instead of rejecting them.",
	Remediation: "Use restartPolicy Always, OnFailure or Never, give every restart rule an action and exitCodes (operator In or NotIn), and set restartPolicy on any container that has rules.",
	Fields: []string{
		"initContainers[*].restartPolicy", "initContainers[*].restartPolicyRules",
		"containers[*].restartPolicy", "containers[*].restartPolicyRules",
		"ephemeralContainers[*].restartPolicy", "ephemeralContainers[*].restartPolicyRules",
	},
	Check: func(p *lint.Pass) {
		if !p.Release.Enabled(lint.GateContainerRestartRules) {
			// The API server's create strategy drops the fields when the gate is off
			// (dropContainerRestartRules): nothing reaches validation to be rejected.
			return
		}
		restartAll := p.Release.Enabled(lint.GateRestartAllContainersOnContainerExits)
		for _, c := range containers(p) {
			policyPath := c.Path.Child("restartPolicy")
			rulesPath := c.Path.Child("restartPolicyRules")
			switch c.Kind {
			case ephemeralContainer:
				if c.RestartPolicy != nil {
					p.Report(policyPath, field.ErrorTypeForbidden, string(*c.RestartPolicy),
						"cannot be set for an ephemeral container: ephemeral containers are never restarted", "Remove restartPolicy from the ephemeral container.")
				}
				if len(c.RestartPolicyRules) > 0 {
					p.Report(rulesPath, field.ErrorTypeForbidden, nil,
						"cannot be set for an ephemeral container: ephemeral containers are never restarted", "Remove restartPolicyRules from the ephemeral container.")
				}
			case sidecarContainer:
				if len(c.RestartPolicyRules) == 0 {
					continue
				}
				if !restartAll {
					p.Report(rulesPath, field.ErrorTypeForbidden, nil,
						fmt.Sprintf("restartPolicyRules are not allowed on a sidecar (init container with restartPolicy: Always) in Kubernetes %s: "+
							"a sidecar is always restarted, and rules on sidecars need the RestartAllContainersOnContainerExits feature (on from 1.36)", p.Release.Version),
						"Remove restartPolicyRules from the sidecar, or target Kubernetes 1.36 or later.")
					continue
				}
				checkRestartRules(p, c, restartAll)
			default:
				checkContainerRestartPolicy(p, c)
				checkRestartRules(p, c, restartAll)
			}
		}
	},
}

// checkContainerRestartPolicy checks a container's own restartPolicy value, and
// that it is present when the container has restart rules.
func checkContainerRestartPolicy(p *lint.Pass, c container) {
	path := c.Path.Child("restartPolicy")
	if c.RestartPolicy == nil {
		if len(c.RestartPolicyRules) > 0 {
			p.Report(path, field.ErrorTypeRequired, nil,
				fmt.Sprintf("this %s has restartPolicyRules but no restartPolicy of its own; the rules apply only on top of a container-level restartPolicy", c.Kind),
				"Set restartPolicy on the container (Never, to restart only on the exit codes the rules name).")
		}
		return
	}
	valid := []string{string(corev1.ContainerRestartPolicyAlways), string(corev1.ContainerRestartPolicyNever), string(corev1.ContainerRestartPolicyOnFailure)}
	if contains(valid, string(*c.RestartPolicy)) {
		return
	}
	p.Report(path, field.ErrorTypeNotSupported, string(*c.RestartPolicy),
		fmt.Sprintf("unsupported container restartPolicy %q (supported: %s)", *c.RestartPolicy, quoted(valid)), "")
}

// checkRestartRules checks the shape of a container's restartPolicyRules.
func checkRestartRules(p *lint.Pass, c container, restartAll bool) {
	rules := c.RestartPolicyRules
	if len(rules) == 0 {
		return
	}
	path := c.Path.Child("restartPolicyRules")
	if len(rules) > maxRestartPolicyRules {
		p.Report(path, field.ErrorTypeTooMany, len(rules),
			fmt.Sprintf("%d restart rules; a container may have at most %d", len(rules), maxRestartPolicyRules), "Merge restart rules: one rule can list up to 255 exit codes.")
	}
	actions := []string{string(corev1.ContainerRestartRuleActionRestart)}
	if restartAll {
		actions = append(actions, string(corev1.ContainerRestartRuleActionRestartAllContainers))
	}
	operators := []string{string(corev1.ContainerRestartRuleOnExitCodesOpIn), string(corev1.ContainerRestartRuleOnExitCodesOpNotIn)}
	for i, rule := range rules {
		rp := path.Index(i)
		if !contains(actions, string(rule.Action)) {
			msg := fmt.Sprintf("unsupported restart rule action %q (supported in Kubernetes %s: %s)", rule.Action, p.Release.Version, quoted(actions))
			if rule.Action == corev1.ContainerRestartRuleActionRestartAllContainers {
				msg += "; RestartAllContainers needs the RestartAllContainersOnContainerExits feature (on from 1.36)"
			}
			p.Report(rp.Child("action"), field.ErrorTypeNotSupported, string(rule.Action), msg, "")
		}
		if rule.ExitCodes == nil {
			p.Report(rp.Child("exitCodes"), field.ErrorTypeRequired, nil,
				"a restart rule must say which exit codes it matches: exitCodes is required", "Add exitCodes with an operator (In or NotIn) and values.")
			continue
		}
		if !contains(operators, string(rule.ExitCodes.Operator)) {
			p.Report(rp.Child("exitCodes", "operator"), field.ErrorTypeNotSupported, string(rule.ExitCodes.Operator),
				fmt.Sprintf("unsupported exitCodes operator %q (supported: %s)", rule.ExitCodes.Operator, quoted(operators)), "")
		}
		if n := len(rule.ExitCodes.Values); n > maxRestartRuleExitCodeSet {
			p.Report(rp.Child("exitCodes", "values"), field.ErrorTypeTooMany, n,
				fmt.Sprintf("%d exit codes; a rule may list at most %d", n, maxRestartRuleExitCodeSet), "Split the exit codes over several rules, or use NotIn.")
		}
	}
}
